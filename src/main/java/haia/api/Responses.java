package haia.api;

import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/** Sending JSON bodies and OpenAI-shaped errors. */
final class Responses {

    private Responses() {
    }

    static void json(ServerResponse res, int status, byte[] body) {
        res.status(Status.create(status));
        res.header(HeaderValues.CONTENT_TYPE_JSON);
        res.send(body);
    }

    static void error(ServerResponse res, ApiError error) {
        error.headers(res::header);
        json(res, error.status(), error.body());
    }
}
