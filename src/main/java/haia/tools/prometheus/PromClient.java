package haia.tools.prometheus;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

import javax.net.ssl.SSLException;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.config.WatchConfig;
import haia.tools.Contact;
import haia.tools.ToolException;
import haia.tools.proxmox.PinnedTrustManager;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

/**
 * Prometheus's HTTP API, read only: one method, {@link #get(PromEndpoint)}, which can only send a GET to a target
 * from the closed set of {@link PromEndpoint}s, with the configured bearer token or basic credentials, over TLS
 * pinned to a fingerprint when one is configured. Answers are Prometheus's envelope
 * ({@code {"status":"success","data":...}}); failures are {@link ToolException}s whose text says what to check and
 * never holds a credential.
 */
public final class PromClient {

    /** Largest answer read: a range query over many series can be big; HAIA summarises it. */
    static final int MAX_BODY = 16 * 1024 * 1024;

    private final URI base;
    private final Optional<String> authorization;
    private final WebClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Contact contact = new Contact();

    public PromClient(WatchConfig.Prometheus config, Duration timeout) {
        this.base = config.url();
        this.authorization = config.token().map(t -> "Bearer " + t.reveal())
                .or(() -> config.password().map(p -> "Basic " + Base64.getEncoder().encodeToString(
                        (config.user().orElse("") + ":" + p.reveal()).getBytes(StandardCharsets.UTF_8))));
        this.http = PinnedTrustManager.client(config.fingerprint(), "HAIA_PROMETHEUS_FINGERPRINT", timeout);
    }

    public URI base() {
        return base;
    }

    /** What the last call showed of the server: usable, or why not (for {@code /health}). */
    public Contact contact() {
        return contact;
    }

    /** The {@code data} of the answer to a GET of {@code endpoint}. */
    public JsonNode get(PromEndpoint endpoint) {
        String target = endpoint.target();
        if (PromEndpoint.ALLOWED.stream().noneMatch(p -> p.matcher(target).matches())) {
            // unreachable unless an endpoint is written wrong: refuse rather than send
            throw new IllegalStateException("refusing a Prometheus request outside the allow-list: " + target);
        }
        try (HttpClientResponse response = request(target)) {
            int status = response.status().code();
            JsonNode body = read(response.inputStream(), status);
            if (status == 401 || status == 403) {
                String problem = "Prometheus at " + base + " refused HAIA (" + status + "): check HAIA_PROMETHEUS_TOKEN,"
                        + " or HAIA_PROMETHEUS_USER and HAIA_PROMETHEUS_PASSWORD.";
                contact.down(problem);
                throw new ToolException(problem);
            }
            if (body == null || !"success".equals(body.path("status").asText())) {
                String said = body == null ? "no JSON answer" : body.path("errorType").asText("error") + ": "
                        + body.path("error").asText("no message");
                if (status >= 500 || body == null) {
                    contact.down("Prometheus answered " + status + " (" + said + ")");
                } else {
                    contact.up();   // the server works; the question was wrong (a PromQL error, a bad range)
                }
                throw new ToolException("Prometheus answered " + status + " to " + describe(endpoint) + ": " + said
                                                + (status == 400 || status == 422 ? ". Check the PromQL." : ""));
            }
            contact.up();
            return body.path("data");
        } catch (ToolException e) {
            throw e;
        } catch (RuntimeException e) {
            String problem = connectionProblem(e);
            contact.down(problem);
            throw new ToolException(problem, e);
        }
    }

    private HttpClientResponse request(String target) {
        var request = http.get().uri(URI.create(base + target)).header(HeaderNames.ACCEPT, "application/json");
        authorization.ifPresent(value -> request.header(HeaderNames.AUTHORIZATION, value));
        return request.request();
    }

    /** The JSON body, or null when there is none (a proxy's error page). */
    private JsonNode read(InputStream in, int status) {
        try {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new ToolException("Prometheus's answer is larger than " + (MAX_BODY >> 20) + " MiB; ask for"
                                                + " fewer series (aggregate with sum/avg by, or topk).");
            }
            return json.readTree(bytes);
        } catch (JacksonException e) {
            return null;
        } catch (IOException e) {
            throw new ToolException("Reading Prometheus's answer failed (" + status + "): " + e.getMessage());
        }
    }

    private static String describe(PromEndpoint endpoint) {
        return switch (endpoint) {
            case PromEndpoint.Query q -> "the query";
            case PromEndpoint.Range r -> "the range query";
            case PromEndpoint.Alerts a -> "/api/v1/alerts";
            case PromEndpoint.Targets t -> "/api/v1/targets";
            case PromEndpoint.BuildInfo b -> "/api/v1/status/buildinfo";
        };
    }

    private String connectionProblem(RuntimeException e) {
        String where = "Prometheus at " + base;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("certificate fingerprint mismatch")) {
                return "Refused to talk to " + where + ": " + message.substring(message.indexOf("certificate")) + ".";
            }
            if (t instanceof SSLException) {
                return "TLS with " + where + " failed (" + message + "). For a self-signed certificate set"
                        + " HAIA_PROMETHEUS_FINGERPRINT to its SHA-256 fingerprint.";
            }
            if (t instanceof UnknownHostException) {
                return "Cannot resolve the host of " + where + ": check HAIA_PROMETHEUS_URL.";
            }
            if (t instanceof ConnectException) {
                return "Cannot connect to " + where + " (" + message + "): is it running and reachable from HAIA?";
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return where + " did not answer in time.";
            }
        }
        return "Talking to " + where + " failed" + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ".";
    }
}
