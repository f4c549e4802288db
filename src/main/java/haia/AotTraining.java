package haia;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The training run behind {@code bin/aot-train}: starts HAIA exactly as {@link Main} does (configured by the
 * environment the script sets: loopback port, throw-away database, an upstream on a closed port), sends it the
 * requests real use starts with, then exits so the JVM writes its AOT cache ({@code -XX:AOTCacheOutput}).
 * <p>
 * It lives in the jar, not in a script, because the requests must be complete HTTP exchanges, each read to its end
 * by a real HTTP client, and the run must exercise the request path as real use does.
 */
public final class AotTraining {

    private static final int ROUNDS = 20;

    private AotTraining() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        String port = System.getenv("SERVER_PORT");
        if (port == null || System.getenv("HAIA_DB_PATH") == null) {
            System.err.println("AotTraining is run by bin/aot-train, which sets SERVER_PORT and HAIA_DB_PATH");
            System.exit(2);
        }
        Main.main(args);
        URI base = URI.create("http://127.0.0.1:" + port);
        HttpClient client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        String chat = """
                {"model":"haia","messages":[{"role":"system","content":"x"},{"role":"user","content":"hello"}]}""";
        String stream = """
                {"model":"haia","stream":true,"stream_options":{"include_usage":true},\
                "messages":[{"role":"user","content":"hi"}]}""";
        List<HttpRequest> requests = List.of(
                get(base, "/health"),
                get(base, "/v1/models"),
                post(base, chat),
                post(base, stream),
                post(base, "{\"messages\": \"not a list\"}"),
                get(base, "/v1/conversations"),
                get(base, "/metrics"));
        int answered = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (HttpRequest request : requests) {
                // the status does not matter (chat fails upstream by design); a complete exchange does
                client.send(request, HttpResponse.BodyHandlers.discarding());
                answered++;
            }
        }
        System.out.println("AotTraining: " + answered + " requests answered; exiting to write the cache");
        System.exit(0);
    }

    private static HttpRequest get(URI base, String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private static HttpRequest post(URI base, String body) {
        return HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
