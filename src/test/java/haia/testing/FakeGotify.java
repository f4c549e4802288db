package haia.testing;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * A stand-in for a Gotify server (gotify/server: router.go, api/message.go CreateMessage, auth/authentication.go) on
 * 127.0.0.1: {@code POST /message} creates a message, with the rules the real server applies:
 * <ul>
 *     <li>the application token comes from {@code ?token=}, {@code X-Gotify-Key} or {@code Authorization: Bearer};
 *         without a known one: 401 "you need to provide a valid access token or user credentials to access this
 *         api";</li>
 *     <li>the body is bound by its Content-Type, as gin does: JSON for {@code application/json} (extras only come
 *         this way), a form otherwise; {@code message} is required and not empty (400 "Field 'message' is
 *         required"); {@code priority} must be an integer, {@code extras} an object (else 400, Go's unmarshal
 *         error);</li>
 *     <li>an empty title becomes the application's name; a missing priority its default priority.</li>
 * </ul>
 * Errors have Gotify's shape ({@code error}, {@code errorCode}, {@code errorDescription}). It records what it
 * accepted and what it refused, and can answer 500 or hang.
 */
public final class FakeGotify implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final String APP_NAME = "HAIA";
    static final int DEFAULT_PRIORITY = 0;

    /** A created message as Gotify stores it. */
    public record Message(String title, String message, int priority, JsonNode extras) {
        /** The display content type its clients render ({@code text/markdown}), or "" for plain text. */
        public String contentType() {
            return extras.path("client::display").path("contentType").asText("");
        }

        public String clickUrl() {
            return extras.path("client::notification").path("click").path("url").asText("");
        }
    }

    private final WebServer server;
    private final String appToken;
    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private final List<String> refused = new CopyOnWriteArrayList<>();
    private volatile FakeNtfy.Mode mode = FakeNtfy.Mode.NORMAL;
    private volatile Duration hang = Duration.ofSeconds(60);

    private FakeGotify(String appToken) {
        this.appToken = appToken;
        this.server = WebServer.builder().host("127.0.0.1").port(0).shutdownHook(false)
                .routing(r -> r.any(this::handle)).build().start();
    }

    /** A server with one application, whose token this is. */
    public static FakeGotify start(String appToken) {
        return new FakeGotify(appToken);
    }

    public int port() {
        return server.port();
    }

    public void mode(FakeNtfy.Mode mode) {
        this.mode = mode;
    }

    public void hang(Duration duration) {
        this.hang = duration;
    }

    public List<Message> messages() {
        return List.copyOf(messages);
    }

    public List<String> refused() {
        return List.copyOf(refused);
    }

    private void handle(ServerRequest req, ServerResponse res) throws Exception {
        byte[] body = req.content().as(byte[].class);
        if (mode == FakeNtfy.Mode.FAIL_500) {
            error(res, 500, "Internal Server Error", "database is locked");
            return;
        }
        if (mode == FakeNtfy.Mode.HANG) {
            Thread.sleep(hang);
            error(res, 500, "Internal Server Error", "hung");
            return;
        }
        if (!req.prologue().method().text().equals("POST") || !req.path().rawPath().equals("/message")) {
            refuse(res, 404, "Not Found", "page not found", req.prologue().method().text() + " "
                    + req.path().rawPath());
            return;
        }
        Optional<String> token = req.query().first("token").asOptional()
                .or(() -> req.headers().first(HeaderNames.create("X-Gotify-Key")))
                .or(() -> req.headers().first(HeaderNames.AUTHORIZATION).filter(v -> v.startsWith("Bearer "))
                        .map(v -> v.substring(7).strip()));
        if (token.filter(appToken::equals).isEmpty()) {
            refuse(res, 401, "Unauthorized", "you need to provide a valid access token or user credentials to access"
                    + " this api", "token " + token.map(t -> "wrong").orElse("missing"));
            return;
        }
        String contentType = req.headers().first(HeaderNames.CONTENT_TYPE).orElse("").toLowerCase(Locale.ROOT);
        if (!contentType.startsWith("application/json")) {
            refuse(res, 400, "Bad Request", "Field 'message' is required", "not JSON: " + contentType);
            return;
        }
        JsonNode json;
        try {
            json = JSON.readTree(body);
        } catch (Exception e) {
            refuse(res, 400, "Bad Request", "invalid character in JSON", "unparsable JSON");
            return;
        }
        JsonNode priority = json.path("priority");
        JsonNode extras = json.path("extras");
        if (!json.isObject() || !json.path("message").isTextual() || json.path("message").asText().isEmpty()) {
            refuse(res, 400, "Bad Request", "Field 'message' is required", "no message");
            return;
        }
        if (!priority.isMissingNode() && !priority.isNull() && !priority.canConvertToInt()) {
            refuse(res, 400, "Bad Request", "json: cannot unmarshal " + priority.getNodeType().name()
                    .toLowerCase(Locale.ROOT) + " into Go struct field CreateMessage.priority of type int", "priority");
            return;
        }
        if (!extras.isMissingNode() && !extras.isNull() && !extras.isObject()) {
            refuse(res, 400, "Bad Request", "json: cannot unmarshal into Go struct field CreateMessage.extras of type"
                    + " map[string]interface {}", "extras");
            return;
        }
        String title = json.path("title").asText("").strip().isEmpty() ? APP_NAME : json.path("title").asText();
        Message message = new Message(title, json.path("message").asText(),
                                      priority.canConvertToInt() ? priority.asInt() : DEFAULT_PRIORITY,
                                      extras.isObject() ? extras : JSON.createObjectNode());
        messages.add(message);
        ObjectNode answer = JSON.createObjectNode().put("id", messages.size()).put("appid", 1)
                .put("message", message.message()).put("title", message.title()).put("priority", message.priority())
                .put("date", OffsetDateTime.now().toString());
        answer.set("extras", message.extras());
        res.header(HeaderNames.CONTENT_TYPE, "application/json").send(JSON.writeValueAsBytes(answer));
    }

    private void refuse(ServerResponse res, int status, String error, String description, String why)
            throws Exception {
        refused.add(status + ": " + why);
        error(res, status, error, description);
    }

    private static void error(ServerResponse res, int status, String error, String description) throws Exception {
        res.status(Status.create(status)).header(HeaderNames.CONTENT_TYPE, "application/json")
                .send(JSON.writeValueAsBytes(Map.of("error", error, "errorCode", status, "errorDescription",
                                                    description)));
    }

    @Override
    public void close() {
        server.stop();
    }
}
