package haia.tools.proxmox;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;

import javax.net.ssl.SSLException;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import haia.config.ToolsConfig;
import haia.tools.Contact;
import haia.tools.ToolException;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;

/**
 * The Proxmox VE API, read only: one method, {@link #get(PveEndpoint)}, which can only send a GET to a target from
 * the closed set of {@link PveEndpoint}s. Failures are {@link ToolException}s whose text says what to check; none
 * contains the token.
 */
public final class PveClient {

    /** Largest answer read; a cluster's resource list is a few hundred KB at most. */
    static final int MAX_BODY = 8 * 1024 * 1024;

    private final URI base;
    private final String authorization;
    private final boolean pinned;
    private final WebClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Contact contact = new Contact();

    public PveClient(ToolsConfig.Proxmox config, Duration timeout) {
        this.base = config.url();
        this.authorization = "PVEAPIToken=" + config.token().reveal();
        this.pinned = config.fingerprint().isPresent();
        this.http = PinnedTrustManager.client(config.fingerprint(), "HAIA_PROXMOX_FINGERPRINT", timeout);
    }

    public URI base() {
        return base;
    }

    /** What the last call showed of the node: usable, or why not (for {@code /health}). */
    public Contact contact() {
        return contact;
    }

    /** The {@code data} of the answer to a GET of {@code endpoint}. */
    public JsonNode get(PveEndpoint endpoint) {
        String target = endpoint.target();
        if (PveEndpoint.ALLOWED.stream().noneMatch(p -> p.matcher(target).matches())) {
            // unreachable unless an endpoint is written wrong: refuse rather than send
            throw new IllegalStateException("refusing a Proxmox request outside the allow-list: " + target);
        }
        URI uri = URI.create(base + "/api2/json" + target);
        try (HttpClientResponse response = http.get()
                .uri(uri)
                .header(HeaderNames.AUTHORIZATION, authorization)
                .header(HeaderNames.ACCEPT, "application/json")
                .request()) {
            int status = response.status().code();
            if (status != 200) {
                String problem = httpProblem(status, response.status().reasonPhrase(), target);
                if (status == 401 || status >= 500 && status != 595 && status != 596) {
                    contact.down(problem);   // the token or the API itself fails: no call can work
                } else {
                    contact.up();            // an answer about this one call (a privilege, a guest, another node)
                }
                throw new ToolException(problem);
            }
            contact.up();
            JsonNode body = read(response.inputStream(), target);
            JsonNode data = body.get("data");
            if (data == null) {
                throw new ToolException("Proxmox answered " + target + " without a data field: is "
                                                + base + " a Proxmox VE API?");
            }
            return data;
        } catch (ToolException e) {
            throw e;
        } catch (RuntimeException e) {
            String problem = connectionProblem(e);
            contact.down(problem);
            throw new ToolException(problem, e);
        }
    }

    private JsonNode read(InputStream in, String target) {
        try {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new ToolException("Proxmox's answer to " + target + " is larger than " + (MAX_BODY >> 20)
                                                + " MiB; HAIA does not read it.");
            }
            return json.readTree(bytes);
        } catch (JacksonException e) {
            throw new ToolException("Proxmox's answer to " + target + " is not JSON: is " + base
                                            + " a Proxmox VE API?");
        } catch (IOException e) {
            throw new ToolException("Reading Proxmox's answer to " + target + " failed: " + e.getMessage());
        }
    }

    private String httpProblem(int status, String reason, String target) {
        // Proxmox puts its message into the status line's reason phrase, e.g. "Permission check failed (/, Sys.Audit)"
        String said = reason == null || reason.isBlank() ? "" : " (" + reason.strip() + ")";
        return switch (status) {
            case 401 -> "Proxmox rejected HAIA's API token" + said + ": check HAIA_PROXMOX_TOKEN"
                    + " (user@realm!tokenid=secret) and that the token still exists and has not expired.";
            case 403 -> "Proxmox refused " + target + said + ": the token lacks a privilege. Grant the HaiaRead"
                    + " role (Sys.Audit, Sys.Syslog, VM.Audit, Datastore.Audit, Pool.Audit) on / to the token;"
                    + " a privilege-separated token needs its own ACL (docs/tools.md).";
            case 404, 501 -> "Proxmox does not know " + target + said + " (a wrong node name, guest id or task id,"
                    + " or a Proxmox VE version without this API).";
            case 595, 596 -> "Proxmox could not reach the node for " + target + said
                    + ": the node is probably offline or unreachable from the node HAIA talks to.";
            default -> "Proxmox answered " + status + said + " for " + target + ".";
        };
    }

    private String connectionProblem(RuntimeException e) {
        String where = "Proxmox at " + base;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String message = String.valueOf(t.getMessage());
            if (message.contains("certificate fingerprint mismatch")) {
                return "Refused to talk to " + where + ": " + message.substring(message.indexOf("certificate"))
                        + ". If the node's certificate was renewed, copy the new SHA-256 fingerprint from"
                        + " Datacenter > node > System > Certificates into HAIA_PROXMOX_FINGERPRINT.";
            }
            if (t instanceof SSLException) {
                return "TLS with " + where + " failed (" + message + ")." + (pinned ? ""
                        : " Proxmox's certificate is self-signed: set HAIA_PROXMOX_FINGERPRINT to its SHA-256"
                        + " fingerprint (Datacenter > node > System > Certificates) to trust exactly that one.");
            }
            if (t instanceof UnknownHostException) {
                return "Cannot resolve the host of " + where + ": check HAIA_PROXMOX_URL.";
            }
            if (t instanceof ConnectException) {
                return "Cannot connect to " + where + " (" + message + "): is the node up and port "
                        + base.getPort() + " reachable from HAIA?";
            }
            if (t instanceof java.net.SocketTimeoutException || t instanceof java.util.concurrent.TimeoutException) {
                return where + " did not answer in time.";
            }
        }
        return "Talking to " + where + " failed" + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ".";
    }
}
