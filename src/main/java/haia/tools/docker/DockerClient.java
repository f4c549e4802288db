package haia.tools.docker;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.tools.Contact;
import haia.tools.ToolException;

/**
 * The Docker Engine API (or Podman's Docker-compatible one) over a unix socket, read only: {@link #get} takes only a
 * {@link DockerEndpoint}. The API version is the one the engine announces in {@code GET /_ping}'s
 * {@code Api-Version} header (a client may use any version up to the engine's), asked once and again after a
 * connection failure (the engine may have been upgraded); without the header, unversioned paths are used.
 */
public final class DockerClient {

    /** Logs of 500 lines and a big inspect stay far below this. */
    static final int MAX_BODY = 4 * 1024 * 1024;

    private final UnixHttp http;
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicReference<String> versionPrefix = new AtomicReference<>();

    private final Contact contact = new Contact();

    public DockerClient(Path socket, Duration timeout) {
        this.http = new UnixHttp(socket, timeout, MAX_BODY);
    }

    public Path socket() {
        return http.socket();
    }

    /** What the last call showed of the engine: usable, or why not (for {@code /health}). */
    public Contact contact() {
        return contact;
    }

    /** The {@code /vX.Y} prefix in use, after the first call. */
    public String apiVersion() {
        String prefix = versionPrefix.get();
        return prefix == null ? "not negotiated yet" : prefix.isEmpty() ? "unversioned" : prefix.substring(2);
    }

    /** The answer to a GET of {@code endpoint}, any status. */
    UnixHttp.Response get(DockerEndpoint endpoint) {
        String target = endpoint.unversioned() ? endpoint.target() : prefix() + endpoint.target();
        if (DockerEndpoint.ALLOWED.stream().noneMatch(p -> p.matcher(target).matches())) {
            // unreachable unless an endpoint is written wrong: refuse rather than send
            throw new IllegalStateException("refusing an engine request outside the allow-list: " + target);
        }
        UnixHttp.Response response;
        try {
            response = http.get(target);
        } catch (IOException e) {
            versionPrefix.set(null);
            String problem = problem(e);
            contact.down(problem);
            throw new ToolException(problem, e);
        }
        contact.up();
        return response;
    }

    /** The JSON answer to a GET of {@code endpoint}; any status but 200 is a {@link ToolException}. */
    public JsonNode json(DockerEndpoint endpoint) {
        return parse(ok(get(endpoint), endpoint));
    }

    /** The raw 200 answer (logs). */
    byte[] bytes(DockerEndpoint endpoint) {
        return ok(get(endpoint), endpoint).body();
    }

    private UnixHttp.Response ok(UnixHttp.Response response, DockerEndpoint endpoint) {
        if (response.status() == 200) {
            return response;
        }
        String message = message(response.body());
        boolean aboutOne = endpoint instanceof DockerEndpoint.Inspect || endpoint instanceof DockerEndpoint.Logs
                || endpoint instanceof DockerEndpoint.Stats;
        if (response.status() == 404 && aboutOne) {
            throw new ToolException("No such container (" + message + "). List them with haia_docker_containers.");
        }
        throw new ToolException("The engine answered " + response.status() + " to " + endpoint.target() + ": "
                                        + message);
    }

    private String prefix() {
        String prefix = versionPrefix.get();
        if (prefix != null) {
            return prefix;
        }
        UnixHttp.Response ping = get(new DockerEndpoint.Ping());
        if (ping.status() != 200) {
            throw new ToolException("The engine at " + socket() + " answered " + ping.status()
                                            + " to /_ping: is this a Docker or Podman API socket?");
        }
        String negotiated = ping.header("api-version").filter(v -> v.matches("\\d+\\.\\d+"))
                .map(v -> "/v" + v).orElse("");
        versionPrefix.compareAndSet(null, negotiated);
        return versionPrefix.get();
    }

    private JsonNode parse(UnixHttp.Response response) {
        try {
            return json.readTree(response.body());
        } catch (JacksonException e) {
            throw new ToolException("The engine's answer is not JSON: " + abbreviate(response.body()));
        } catch (IOException e) {
            throw new ToolException("The engine's answer cannot be read: " + e.getMessage());
        }
    }

    /** The {@code message} of an engine error body ({"message": "..."}), else its text. */
    private String message(byte[] body) {
        try {
            JsonNode node = json.readTree(body);
            if (node != null && node.hasNonNull("message")) {
                return node.get("message").asText();
            }
        } catch (IOException notJson) {
            // text or nothing
        }
        return body.length == 0 ? "no details" : abbreviate(body);
    }

    private String problem(IOException e) {
        Path socket = http.socket();
        String where = "the container engine socket " + socket;
        if (!Files.exists(socket)) {
            return where + " does not exist: is the engine's API socket enabled (systemctl enable --now"
                    + " podman.socket) and mounted into HAIA's container at that path? (HAIA_DOCKER_HOST)";
        }
        String message = String.valueOf(e.getMessage());
        if (e instanceof AccessDeniedException || message.contains("Permission denied")) {
            return "HAIA may not open " + where + " (permission denied): see docs/tools.md for the user and"
                    + " group HAIA needs.";
        }
        if (message.contains("Connection refused")) {
            return "Nothing answers on " + where + " (connection refused): is the engine (podman.socket,"
                    + " dockerd) running?";
        }
        if (e instanceof SocketTimeoutException) {
            return "The container engine did not answer in time (" + message + ").";
        }
        return "Talking to " + where + " failed: " + message;
    }

    private static String abbreviate(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8).strip();
        return body.length > 300 ? text + "…" : text;
    }
}
