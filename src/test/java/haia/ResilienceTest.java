package haia;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

import haia.store.MessageStatus;
import haia.store.StoredMessage;
import haia.testing.FakeAnthropic;
import haia.testing.Http;
import haia.testing.SseClient;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Upstream trouble, overload and concurrency: retried when it helps, failed fast when it does not, nothing lost. */
class ResilienceTest {

    @TempDir
    Path dir;
    FakeAnthropic anthropic;
    TestHaia haia;

    @BeforeEach
    void startFake() {
        anthropic = FakeAnthropic.start();
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        assertEquals(List.of(), anthropic.violations());
        anthropic.close();
    }

    /** HAIA with fast backoff (so tests do not wait for production delays) plus the given settings. */
    private TestHaia start(String resilienceYaml, Map<String, String> env) throws Exception {
        Files.writeString(dir.resolve("haia.yaml"), "resilience:\n  initial-backoff: 20ms\n  max-backoff: 200ms\n"
                + resilienceYaml);
        Map<String, String> all = TestHaia.baseEnv(dir, anthropic);
        all.put("HAIA_CONFIG", "haia.yaml");
        all.putAll(env);
        haia = TestHaia.start(dir, all);
        return haia;
    }

    private Http.Response chat(String text) {
        return Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", text));
    }

    @Test
    void transientFailuresAreRetriedUntilTheyClear() throws Exception {
        start("", Map.of());
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"),
                          FakeAnthropic.error(503, "api_error", "unavailable"));
        Http.Response response = chat("hello");
        assertEquals(200, response.status(), response.body());
        assertEquals(3, anthropic.requests().size(), "two retries");
        assertTrue(Http.get(haia.uri("/metrics")).body().contains("haia_upstream_retries_total{"));
    }

    /**
     * HAIA retried three times already: its answer says so ({@code x-should-retry: false}), and the official client,
     * which would otherwise retry a 503 twice more (nine upstream calls), makes one call.
     */
    @Test
    void theOfficialClientDoesNotRetryWhatHaiaAlreadyRetried() throws Exception {
        start("", Map.of());
        for (int i = 0; i < 9; i++) {
            anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        }
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl(haia.uri("/v1").toString())
                .apiKey("unused")
                .maxRetries(2)                      // the SDKs' default
                .build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("haia").addUserMessage("is the cluster up?").build();
        double before = overloadedRequests();
        OpenAIServiceException failure = assertThrows(OpenAIServiceException.class,
                                                      () -> client.chat().completions().create(params));
        assertEquals(503, failure.statusCode());
        assertEquals(3, anthropic.requests().size(), "HAIA's three attempts, and no client retry on top");
        assertEquals(1.0, overloadedRequests() - before, "one request reached HAIA");
    }

    /** The counter of requests answered upstream_overloaded (metrics are per JVM: tests compare before and after). */
    private double overloadedRequests() {
        return Http.get(haia.uri("/metrics")).body().lines()
                .filter(l -> l.startsWith("haia_requests_total{") && l.contains("outcome=\"upstream_overloaded\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
                .sum();
    }

    @Test
    void withoutHaiasOwnRetriesTheClientsRulesApply() throws Exception {
        start("", Map.of("HAIA_MAX_ATTEMPTS", "1"));
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"),
                          FakeAnthropic.error(401, "authentication_error", "invalid x-api-key"));
        Http.Response overloaded = chat("retry me");
        assertEquals(503, overloaded.status());
        assertEquals(null, overloaded.header("x-should-retry"), "a client retry may help: HAIA made one attempt");
        assertEquals("10", overloaded.header("retry-after"));
        Http.Response rejected = chat("no point");
        assertEquals(502, rejected.status());
        assertEquals("false", rejected.header("x-should-retry"), "a rejected key stays rejected");
    }

    @Test
    void eachRetryableStatusIsRetried() throws Exception {
        start("", Map.of("HAIA_MAX_ATTEMPTS", "2"));
        for (int status : new int[] {429, 500, 502, 503, 504, 529}) {
            anthropic.reset();
            anthropic.enqueue(FakeAnthropic.error(status, "api_error", "transient " + status));
            assertEquals(200, chat("retry " + status).status(), "status " + status);
            assertEquals(2, anthropic.requests().size(), "status " + status + " is retried once");
        }
    }

    @Test
    void nonRetryableStatusesFailAtOnce() throws Exception {
        start("", Map.of());
        for (int status : new int[] {400, 401, 403, 404, 413}) {
            anthropic.reset();
            anthropic.enqueue(FakeAnthropic.error(status, "invalid_request_error", "no " + status));
            assertTrue(chat("no retry " + status).status() >= 400);
            assertEquals(1, anthropic.requests().size(), "status " + status + " is not retried");
        }
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        start("", Map.of());
        anthropic.enqueue(FakeAnthropic.error(429, "rate_limit_error", "slow down", Map.of("retry-after", "1")));
        long start = System.nanoTime();
        assertEquals(200, chat("patient").status());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 950, "waited for retry-after");
    }

    @Test
    void retriesStopAtTheDeadlineAndPassTheWaitOn() throws Exception {
        start("  retry-deadline: 2s\n", Map.of());
        anthropic.enqueue(FakeAnthropic.error(429, "rate_limit_error", "slow down", Map.of("retry-after", "60")));
        long start = System.nanoTime();
        Http.Response response = chat("impatient");
        assertEquals(429, response.status());
        assertEquals("60", response.header("retry-after"));
        assertEquals(1, anthropic.requests().size());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 1500, "did not wait a minute");
    }

    @Test
    void retriesAreBoundedByCount() throws Exception {
        start("", Map.of("HAIA_MAX_ATTEMPTS", "3"));
        for (int i = 0; i < 5; i++) {
            anthropic.enqueue(FakeAnthropic.error(500, "api_error", "down"));
        }
        assertEquals(502, chat("doomed").status());
        assertEquals(3, anthropic.requests().size());
    }

    @Test
    void aStreamIsNeverRetriedOnceATokenWasSent() throws Exception {
        start("", Map.of());
        anthropic.enqueue(new FakeAnthropic.Behaviour.StreamThenError(List.of("partial "), "overloaded_error", Duration.ZERO));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                               Http.chat("haia", "stream").put("stream", true))) {
            String body = client.remainingBody();
            assertTrue(body.contains("upstream_overloaded"), body);
        }
        assertEquals(1, anthropic.requests().size(), "no second upstream call after a token went out");
    }

    @Test
    void aStreamFailingBeforeItsFirstTokenIsRetried() throws Exception {
        start("", Map.of());
        anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                               Http.chat("haia", "stream").put("stream", true))) {
            assertEquals(200, client.status());
            String body = client.remainingBody();
            assertTrue(body.contains("\"content\":\"Echo: \"") && body.contains("\"content\":\"stream\""), body);
        }
        assertEquals(2, anthropic.requests().size());
    }

    @Test
    void aStalledStreamHitsTheFirstTokenTimeout() throws Exception {
        start("", Map.of("HAIA_FIRST_TOKEN_TIMEOUT", "500ms", "HAIA_MAX_ATTEMPTS", "1"));
        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("too late"), "end_turn", 1, 1, Duration.ofSeconds(5)));
        long start = System.nanoTime();
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                               Http.chat("haia", "anyone?").put("stream", true))) {
            assertEquals(504, client.status());
            JsonNode error = Http.JSON.readTree(client.remainingBody()).path("error");
            assertEquals("upstream_timeout", error.path("code").asText());
            assertTrue(error.path("message").asText().contains("no reply within 500 ms"), error.toString());
        }
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 3000);
        assertTrue(anthropic.awaitDisconnect(Duration.ofSeconds(5)), "the stalled upstream call was closed");
    }

    @Test
    void aStreamRunningPastTheOverallTimeoutEndsWithAnErrorChunk() throws Exception {
        start("", Map.of("HAIA_REQUEST_TIMEOUT", "1s", "HAIA_MAX_ATTEMPTS", "1"));
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            pieces.add("t" + i + " ");
        }
        anthropic.enqueue(FakeAnthropic.streamed(pieces, Duration.ofMillis(200)));
        try (SseClient client = SseClient.post(haia.uri("/v1/chat/completions"),
                                               Http.chat("haia", "slow drip").put("stream", true))) {
            String body = client.remainingBody();
            assertTrue(body.contains("\"code\":\"upstream_timeout\"") && body.contains("did not finish within 1 s"), body);
            assertTrue(body.strip().endsWith("data: [DONE]"));
        }
        long id = haia.haia().store().conversations().list(1, 0).getFirst().id();
        List<StoredMessage> stored = haia.haia().store().conversations().messages(id, 0, 10);
        assertEquals(MessageStatus.INCOMPLETE, stored.get(1).status());
    }

    @Test
    void anUnansweredConnectHitsTheConnectTimeout() throws Exception {
        // a listener whose accept queue is full: the kernel drops further SYNs, so connect() hangs
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                Socket socket = new Socket();
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 1000);
                fillers.add(socket);
            }
            start("  connect-timeout: 300ms\n", Map.of("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + full.getLocalPort(),
                                                      "HAIA_MAX_ATTEMPTS", "1"));
            long start = System.nanoTime();
            Http.Response response = chat("hello?");
            assertEquals(504, response.status(), response.body());
            assertEquals("upstream_timeout", response.json().path("error").path("code").asText());
            assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 2000);
            for (Socket socket : fillers) {
                socket.close();
            }
        }
    }

    @Test
    void theCircuitBreakerFailsFastAfterRepeatedFailuresAndRecovers() throws Exception {
        start("  breaker:\n    failures: 4\n    delay: 1500ms\n", Map.of("HAIA_MAX_ATTEMPTS", "1"));
        for (int i = 0; i < 4; i++) {
            anthropic.enqueue(FakeAnthropic.error(500, "api_error", "boom"));
        }
        for (int i = 0; i < 4; i++) {
            assertEquals(502, chat("failing " + i).status());
        }
        int calls = anthropic.requests().size();
        Http.Response fast = chat("while open");
        assertEquals(503, fast.status());
        assertEquals("upstream_circuit_open", fast.json().path("error").path("code").asText());
        assertTrue(fast.json().path("error").path("message").asText().contains("boom"), "says why");
        assertEquals(calls, anthropic.requests().size(), "the open breaker did not call the upstream");
        assertTrue(Http.get(haia.uri("/health")).body().contains("circuit=open"));
        assertTrue(Http.get(haia.uri("/metrics")).body().contains("haia_circuit_breaker_open{provider=\"anthropic\""));
        assertTrue(Http.get(haia.uri("/metrics")).body().lines()
                           .anyMatch(l -> l.startsWith("haia_circuit_breaker_open{") && l.endsWith(" 1.0")));

        Thread.sleep(1700);   // the breaker half-opens and lets one trial call through
        assertEquals(200, chat("after cool-down").status());
        assertTrue(Http.get(haia.uri("/health")).body().contains("circuit=closed"));
    }

    @Test
    void rejectedRequestsDoNotOpenTheBreaker() throws Exception {
        start("  breaker:\n    failures: 4\n    delay: 5s\n", Map.of("HAIA_MAX_ATTEMPTS", "1"));
        for (int i = 0; i < 6; i++) {
            anthropic.enqueue(FakeAnthropic.error(400, "invalid_request_error", "prompt is too long"));
        }
        for (int i = 0; i < 6; i++) {
            assertEquals(400, chat("too long " + i).status());
        }
        assertEquals(200, chat("fine").status(), "client errors say nothing about the provider's health");
    }

    /**
     * A request shape the provider answers with a 500 (llama.cpp does for an image to a text-only model), sent now
     * and then among good requests, with the shipped settings (3 attempts, the default breaker): it fails alone. It
     * used to be counted per attempt, and two such requests opened the breaker for every user for 30 s.
     */
    @Test
    void aRequestThatFailsNowAndThenNeverLocksOthersOut() throws Exception {
        start("", Map.of());
        anthropic.respondWith(request -> request.lastUserText().startsWith("bad")
                ? FakeAnthropic.error(500, "api_error", "Internal server error") : FakeAnthropic.echo(request));
        for (int round = 0; round < 4; round++) {
            assertEquals(502, chat("bad shape " + round + "a").status());
            assertEquals(502, chat("bad shape " + round + "b").status());
            Http.Response good = chat("good " + round);
            assertEquals(200, good.status(), "round " + round + ": " + good.body());
        }
        assertTrue(Http.get(haia.uri("/health")).body().contains("circuit=closed"));
    }

    /**
     * OpenWebUI sends a failed message's title task right after it: after a few good messages, the message and its
     * task failed while the upstream was briefly down (six attempts), and the user's next message, once it is back,
     * must reach it. Counted per attempt, that was six failures in ten calls: the breaker opened.
     */
    @Test
    void aFailedMessageAndItsFailedTitleTaskDoNotKeepTheNextMessageOut() throws Exception {
        start("", Map.of());
        for (int i = 0; i < 4; i++) {
            assertEquals(200, chat("how is pve" + i + "?").status());
        }
        for (int i = 0; i < 6; i++) {
            anthropic.enqueue(FakeAnthropic.error(529, "overloaded_error", "Overloaded"));
        }
        assertEquals(503, chat("pve2 lost quorum").status());
        Http.Response title = Http.post(haia.uri("/v1/chat/completions"),
                                        Http.chat("haia", "### Task:\nGenerate a title.\n<chat_history>\nUSER: pve2"
                                                + " lost quorum\n</chat_history>"),
                                        Map.of("X-OpenWebUI-Task", "title_generation"));
        assertEquals(503, title.status(), title.body());
        assertEquals(4 + 6, anthropic.requests().size());
        Http.Response next = chat("pve2 lost quorum, again");   // the upstream is back
        assertEquals(200, next.status(), next.body());
    }

    /** The other direction: a provider that fails every chat request is still cut off, and background tasks alone never. */
    @Test
    void aProviderThatFailsEveryRequestOpensTheBreakerButItsTasksAloneNever() throws Exception {
        start("", Map.of());
        anthropic.respondWith(request -> FakeAnthropic.error(503, "api_error", "upstream connect error"));
        for (int i = 0; i < 8; i++) {
            Http.Response task = Http.post(haia.uri("/v1/chat/completions"), Http.chat("haia", "title " + i),
                                           Map.of("X-OpenWebUI-Task", "title_generation"));
            assertEquals(503, task.status(), task.body());
            assertEquals("upstream_overloaded", task.json().path("error").path("code").asText());
        }
        for (int i = 0; i < 5; i++) {   // the default: 5 failed requests in a row
            Http.Response failed = chat("is it up? " + i);
            assertEquals("upstream_overloaded", failed.json().path("error").path("code").asText(), failed.body());
        }
        int calls = anthropic.requests().size();
        assertEquals(13 * 3, calls, "every request made its three attempts");
        Http.Response open = chat("and now?");
        assertEquals(503, open.status());
        assertEquals("upstream_circuit_open", open.json().path("error").path("code").asText());
        assertEquals(calls, anthropic.requests().size(), "the open breaker spared the provider");
    }

    @Test
    void beyondTheInflightCapRequestsGet429() throws Exception {
        start("  max-inflight: 2\n  queue-timeout: 200ms\n", Map.of());
        for (int i = 0; i < 4; i++) {
            anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("slow"), "end_turn", 1, 1, Duration.ofMillis(1500)));
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            responses.add(client.sendAsync(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                                   .header("Content-Type", "application/json")
                                                   .header("X-Haia-Conversation", "c" + i)
                                                   .POST(HttpRequest.BodyPublishers.ofString(
                                                           Http.chat("haia", "q" + i).toString())).build(),
                                           HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        List<Integer> statuses = new ArrayList<>();
        for (var response : responses) {
            statuses.add(response.get().statusCode());
            if (response.get().statusCode() == 429) {
                assertEquals("server_busy", Http.JSON.readTree(response.get().body()).path("error").path("code").asText());
                assertEquals("1", response.get().headers().firstValue("retry-after").orElse(""));
            }
        }
        assertEquals(2, statuses.stream().filter(s -> s == 200).count(), statuses.toString());
        assertEquals(2, statuses.stream().filter(s -> s == 429).count(), statuses.toString());
    }

    @Test
    void requestsOnOneConversationAreSerializedAndOnDifferentOnesRunInParallel() throws Exception {
        start("", Map.of());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("first answer"), "end_turn", 1, 1, Duration.ofMillis(700)),
                          new FakeAnthropic.Behaviour.Reply(List.of("second answer"), "end_turn", 1, 1, Duration.ofMillis(700)));
        long start = System.nanoTime();
        var first = send(client, "same", "first question");
        Thread.sleep(100);
        var second = send(client, "same", "second question");
        assertEquals(200, first.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(200, second.get(10, TimeUnit.SECONDS).statusCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() >= 1400, "one after the other");
        JsonNode window = anthropic.lastRequest().body().path("messages");
        assertEquals(3, window.size(), "the second request saw the first exchange: " + window);
        long id = haia.haia().store().conversations().list(1, 0).getFirst().id();
        assertEquals(List.of("first question", "first answer", "second question", "second answer"),
                     haia.haia().store().conversations().messages(id, 0, 10).stream().map(StoredMessage::content).toList());

        anthropic.enqueue(new FakeAnthropic.Behaviour.Reply(List.of("a"), "end_turn", 1, 1, Duration.ofMillis(700)),
                          new FakeAnthropic.Behaviour.Reply(List.of("b"), "end_turn", 1, 1, Duration.ofMillis(700)));
        start = System.nanoTime();
        var one = send(client, "conversation-a", "q");
        var two = send(client, "conversation-b", "q");
        assertEquals(200, one.get(10, TimeUnit.SECONDS).statusCode());
        assertEquals(200, two.get(10, TimeUnit.SECONDS).statusCode());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 1300, "in parallel");
    }

    private CompletableFuture<HttpResponse<String>> send(HttpClient client, String conversation, String text) {
        return client.sendAsync(HttpRequest.newBuilder(haia.uri("/v1/chat/completions"))
                                        .header("Content-Type", "application/json")
                                        .header("X-Haia-Conversation", conversation)
                                        .POST(HttpRequest.BodyPublishers.ofString(Http.chat("haia", text).toString()))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDefaultBackoffGrowsWithJitter() throws Exception {
        start("  initial-backoff: 200ms\n  max-backoff: 2s\n", Map.of("HAIA_MAX_ATTEMPTS", "3"));
        anthropic.enqueue(FakeAnthropic.error(500, "api_error", "x"), FakeAnthropic.error(500, "api_error", "x"));
        long start = System.nanoTime();
        assertEquals(200, chat("backoff").status());
        long elapsed = Duration.ofNanos(System.nanoTime() - start).toMillis();
        // 200 ms then 400 ms, each shortened by up to 25 % jitter: at least 450 ms in all
        assertTrue(elapsed >= 450 && elapsed < 3000, "elapsed " + elapsed);
        assertFalse(anthropic.requests().isEmpty());
    }
}
