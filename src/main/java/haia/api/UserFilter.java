package haia.api;

import java.util.Optional;

import haia.openai.OpenAiWriter;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * With {@code HAIA_OPENWEBUI_JWT_SECRET} set, a {@code /v1} request carrying OpenWebUI's signed user header acts as
 * that user ({@link Caller#user}): its conversations, search results, notes and usage are the user's own. A header
 * that does not verify (another secret, expired, forged) is a 401 and nothing else happens; a request without it acts
 * as the admin, who has passed {@link AccessFilter} already. OpenWebUI's plain {@code X-OpenWebUI-User-*} headers are
 * never read: anyone can send them.
 */
public final class UserFilter implements Filter {

    /** The header OpenWebUI puts the token in. */
    public static final HeaderName USER_JWT = HeaderNames.create("X-OpenWebUI-User-Jwt");

    private final Optional<OpenWebUiJwt> jwt;
    private final ClientConnections connections;

    public UserFilter(Optional<OpenWebUiJwt> jwt, ClientConnections connections) {
        this.jwt = jwt;
        this.connections = connections;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String path = req.path().path();
        Optional<String> token = req.headers().first(USER_JWT);
        if (jwt.isEmpty() || token.isEmpty() || !(path.equals("/v1") || path.startsWith("/v1/"))) {
            chain.proceed();
            return;
        }
        try {
            req.context().register(Caller.user(jwt.get().verify(token.get())));
            chain.proceed();
        } catch (OpenWebUiJwt.Invalid e) {
            res.status(Status.UNAUTHORIZED_401);
            res.header(HeaderValues.CONTENT_TYPE_JSON);
            res.header(HeaderValues.CONNECTION_CLOSE);
            res.send(OpenAiWriter.error("The OpenWebUI user header (X-OpenWebUI-User-Jwt) is not valid: "
                                                + e.getMessage() + ". HAIA keeps each OpenWebUI user's memory "
                                                + "apart and acts for no one it cannot verify.",
                                        "invalid_request_error", Optional.empty(),
                                        Optional.of("invalid_user_token")));
            if (req.headers().contains(HeaderValues.TRANSFER_ENCODING_CHUNKED)
                    || req.headers().contentLength().orElse(0) > 0) {
                connections.current().ifPresent(ClientConnections.Connection::closeLingering);
            }
        }
    }
}
