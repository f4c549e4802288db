package haia.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.helidon.common.tls.Tls;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;

/**
 * A loopback Proxmox VE API over HTTPS, with a self-signed certificate that {@code keytool} makes at test time (so
 * pinning and trust are tested for real). Answers GETs from {@code src/test/resources/proxmox/cluster.json} (the
 * documented shapes, a 3-node cluster with one node offline), wrapped in {@code {"data": ...}} as Proxmox does;
 * checks the {@code PVEAPIToken} header; records every request line as received, method and raw target included.
 */
public final class FakeProxmox implements AutoCloseable {

    public static final String TOKEN = "haia@pve!monitoring=8f2c1e4a-SECRET-4d5e-8f90-0a1b2c3d4e5f";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A request as it arrived: method and the raw (still percent-encoded) path with query. */
    public record Request(String method, String target) {
    }

    private final WebServer server;
    private final String fingerprint;
    private final ObjectNode answers;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Status> failures = new ConcurrentHashMap<>();

    private FakeProxmox(Path dir) throws Exception {
        Path store = dir.resolve("pve.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "pve", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=pve1.lan", "-ext", "SAN=dns:pve1.lan", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keys = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keys.load(in, "changeit".toCharArray());
        }
        X509Certificate cert = (X509Certificate) keys.getCertificate("pve");
        this.fingerprint = HexFormat.ofDelimiter(":").withUpperCase()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, "changeit".toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);

        try (InputStream in = FakeProxmox.class.getResourceAsStream("/proxmox/cluster.json")) {
            this.answers = (ObjectNode) JSON.readTree(in);
        }
        this.server = WebServer.builder()
                .host("127.0.0.1")
                .port(0)
                .shutdownHook(false)
                .tls(Tls.builder().sslContext(context).build())
                .routing(r -> r.any((req, res) -> {
                    String raw = req.prologue().uriPath().rawPath();
                    String query = req.prologue().query().rawValue();
                    String target = query.isEmpty() ? raw : raw + "?" + query;
                    requests.add(new Request(req.prologue().method().text(), target));
                    String auth = req.headers().first(HeaderNames.AUTHORIZATION).orElse("");
                    // Proxmox decodes the path (a UPID's ':' and '@' may come encoded or not)
                    String path = java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
                    // and does not care about the order of query parameters (Helidon's client sorts them)
                    String sorted = String.join("&", java.util.Arrays.stream(query.split("&")).sorted().toList());
                    String api = (path.startsWith("/api2/json") ? path.substring(10) : path)
                            + (query.isEmpty() ? "" : "?" + sorted);
                    if (!auth.equals("PVEAPIToken=" + TOKEN)) {
                        res.status(Status.create(401, "No ticket")).send();
                    } else if (failures.containsKey(api)) {
                        res.status(failures.get(api)).send("{\"data\":null}");
                    } else if (req.prologue().method().text().equals("GET") && answer(api) != null) {
                        ObjectNode body = JSON.createObjectNode();
                        body.set("data", answer(api));
                        res.header(HeaderNames.CONTENT_TYPE, "application/json;charset=UTF-8")
                                .send(JSON.writeValueAsBytes(body));
                    } else {
                        res.status(Status.create(501, "Method '" + req.prologue().method().text() + " " + api
                                + "' not implemented")).send("{\"data\":null}");
                    }
                }))
                .build()
                .start();
    }

    /** Starts the fake, with its key store in {@code dir}. */
    public static FakeProxmox start(Path dir) {
        try {
            return new FakeProxmox(dir);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the fake Proxmox", e);
        }
    }

    /** {@code https://127.0.0.1:<port>} */
    public String url() {
        return "https://127.0.0.1:" + server.port();
    }

    /** The SHA-256 fingerprint of its certificate, as Proxmox's certificate panel shows it. */
    public String fingerprint() {
        return fingerprint;
    }

    /** From now on, answer a GET of {@code apiPath} (below /api2/json) with this status and reason phrase. */
    public void fail(String apiPath, int status, String reason) {
        failures.put(apiPath, Status.create(status, reason));
    }

    /** From now on, answer a GET of {@code apiPath} (below /api2/json) with this data. */
    public void serve(String apiPath, JsonNode data) {
        answers.set(apiPath, data);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The data for a GET of {@code apiPath}; {@code /cluster/resources?type=} filters as Proxmox does. */
    public JsonNode answer(String apiPath) {
        java.util.regex.Matcher typed = java.util.regex.Pattern.compile("/cluster/resources\\?type=(vm|storage|node)")
                .matcher(apiPath);
        if (!typed.matches()) {
            return answers.get(apiPath);
        }
        List<String> kinds = typed.group(1).equals("vm") ? List.of("qemu", "lxc") : List.of(typed.group(1));
        com.fasterxml.jackson.databind.node.ArrayNode filtered = JSON.createArrayNode();
        answers.get("/cluster/resources").forEach(r -> {
            if (kinds.contains(r.path("type").asText())) {
                filtered.add(r);
            }
        });
        return filtered;
    }

    @Override
    public void close() {
        server.stop();
    }

}
