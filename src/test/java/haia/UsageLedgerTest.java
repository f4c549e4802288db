package haia;

import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import haia.testing.FakeAnthropic;
import haia.testing.FakeGemini;
import haia.testing.FakeOllama;
import haia.testing.FakeOpenAiServer;
import haia.testing.FakeUpstream;
import haia.testing.Http;
import haia.testing.Scrape;
import haia.testing.SseClient;
import haia.testing.StoreBackend;
import haia.testing.TestClock;
import haia.testing.TestHaia;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The usage ledger end to end, on SQLite and on PostgreSQL: the fake upstreams bill scripted tokens (cache reads and
 * writes included, in each API's own terms) across four providers, five models, three days (HAIA's injected clock),
 * blocking and streamed, stored conversations and a stateless task; then {@code /v1/usage} and {@code /metrics} must
 * say exactly what the fakes billed, to the token, and cost exactly what the test computes from the published
 * prices, independently of HAIA's price code. A price changed in the YAML later applies to later calls only.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class UsageLedgerTest {

    private static final String KEY = "haia-usage-test-key";
    private static final Map<String, String> AUTH = Map.of("Authorization", "Bearer " + KEY);
    private static final Instant FIRST_DAY = Instant.parse("2026-11-20T08:00:00Z");
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;

    private final TestClock clock = new TestClock(FIRST_DAY);
    private FakeAnthropic anthropic;
    private FakeOpenAiServer openai;
    private FakeGemini gemini;
    private FakeOllama ollama;
    private Map<String, String> env;
    private TestHaia haia;

    /** Dollars per million tokens, as the providers publish them: input, output, cache read, cache write. */
    private record Rates(String input, String output, String cacheRead, String cacheWrite) {
        BigDecimal cost(long uncached, long output, long read, long write) {
            return new BigDecimal(input).multiply(BigDecimal.valueOf(uncached))
                    .add(new BigDecimal(this.output).multiply(BigDecimal.valueOf(output)))
                    .add(new BigDecimal(cacheRead).multiply(BigDecimal.valueOf(read)))
                    .add(new BigDecimal(cacheWrite).multiply(BigDecimal.valueOf(write)))
                    .divide(MILLION, MathContext.UNLIMITED);
        }
    }

    /**
     * What one call billed, in OpenAI's terms (cache reads and writes are part of the input, reasoning is part of the
     * output).
     */
    private record Billed(String model, LocalDate day, String conversation, long input, long output, long read,
                          long write, long reasoning, BigDecimal cost, boolean priced) {
    }

    private final List<Billed> billed = new ArrayList<>();
    private int n;

    @BeforeEach
    void start() throws Exception {
        anthropic = FakeAnthropic.start();
        openai = FakeOpenAiServer.start();
        gemini = FakeGemini.start();
        ollama = FakeOllama.start("llama3.2:latest");
        env = backend.env(dir);
        env.putAll(Map.of("SERVER_HOST", "127.0.0.1", "SERVER_PORT", "0", "HAIA_CONFIG", "haia.yaml",
                          "HAIA_API_KEY", KEY, "ANTHROPIC_API_KEY", FakeAnthropic.API_KEY,
                          "ANTHROPIC_BASE_URL", anthropic.baseUrl(), "GEMINI_API_KEY", FakeGemini.API_KEY,
                          "HAIA_MAX_ATTEMPTS", "1"));
        startHaia("0.15", "0.6", "0.075");
    }

    /** HAIA with the OpenAI-compatible server priced in the YAML at these prices (a local URL is free otherwise). */
    private void startHaia(String input, String output, String cacheRead) throws Exception {
        Files.writeString(dir.resolve("haia.yaml"), """
                models:
                  - id: haia
                    provider: anthropic
                    upstream-model: claude-haiku-4-5-20251001
                  - id: haia-legacy
                    provider: anthropic
                    upstream-model: claude-3-opus-20240229
                  - id: haia-openai
                    provider: openai
                    upstream-model: gpt-4o-mini
                    price: {input: %s, output: %s, cache-read: %s}
                  - id: haia-gemini
                    provider: gemini
                    upstream-model: gemini-2.5-flash
                  - id: haia-local
                    provider: ollama
                    upstream-model: llama3.2
                providers:
                  openai: {base-url: "%s"}
                  gemini: {base-url: "%s"}
                  ollama: {base-url: "%s"}
                """.formatted(input, output, cacheRead, openai.baseUrl(), gemini.baseUrl(), ollama.baseUrl()));
        haia = TestHaia.start(dir, env, clock);
    }

    @AfterEach
    void stop() {
        if (haia != null) {
            haia.close();
        }
        anthropic.close();
        openai.close();
        gemini.close();
        ollama.close();
    }

    private LocalDate today() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
    }

    /**
     * Scripts the next reply of {@code model}'s fake with distinct token counts (cache hits and writes on some
     * calls), in that API's own terms, and returns what it will bill in OpenAI's terms.
     */
    private Billed script(String model, String conversation, BigDecimal openAiInput, BigDecimal openAiOutput,
                          BigDecimal openAiCacheRead) {
        int i = ++n;
        LocalDate day = today();
        return switch (model) {
            case "haia", "haia-legacy" -> {
                long uncached = 100 + i;
                long read = i % 3 == 0 ? 0 : 2_000 + i;
                long write = i % 2 == 0 ? 1_000 + i : 0;
                long out = 50 + i;
                anthropic.enqueue(FakeAnthropic.reply("answer " + i, (int) uncached, (int) out, (int) read, (int) write));
                boolean priced = model.equals("haia");
                BigDecimal cost = priced ? new Rates("1", "5", "0.1", "1.25").cost(uncached, out, read, write)
                        : BigDecimal.ZERO;
                // Claude's thinking is in output_tokens, with no figure of its own: 0 reasoning
                yield new Billed(model, day, conversation, uncached + read + write, out, read, write, 0, cost, priced);
            }
            case "haia-openai" -> {
                long input = 1_500 + i;
                long cached = i % 2 == 0 ? 1_024 : 0;
                long reasoning = i % 2 == 1 ? 20 + i : 0;   // completion_tokens_details.reasoning_tokens
                long out = 40 + i + reasoning;                 // completion_tokens, the reasoning included
                openai.enqueue(FakeUpstream.reply("answer " + i, (int) input, (int) out, (int) cached, (int) reasoning));
                // a cache write is billed as input: the YAML left cache-write out, and OpenAI reports none anyway
                BigDecimal cost = new Rates(openAiInput.toPlainString(), openAiOutput.toPlainString(),
                                            openAiCacheRead.toPlainString(), openAiInput.toPlainString())
                        .cost(input - cached, out, cached, 0);
                yield new Billed(model, day, conversation, input, out, cached, 0, reasoning, cost, true);
            }
            case "haia-gemini" -> {
                long input = 1_200 + i;
                long cached = i % 3 == 0 ? 0 : 800;
                long thoughts = i % 2 == 0 ? 200 + i : 0;      // thoughtsTokenCount, apart from candidatesTokenCount
                long out = 30 + i + thoughts;                  // both, billed as output
                gemini.enqueue(FakeUpstream.reply("answer " + i, (int) input, (int) out, (int) cached, (int) thoughts));
                BigDecimal cost = new Rates("0.3", "2.5", "0.03", "0.3").cost(input - cached, out, cached, 0);
                yield new Billed(model, day, conversation, input, out, cached, 0, thoughts, cost, true);
            }
            case "haia-local" -> {
                long input = 500 + i;
                long out = 60 + i;
                ollama.enqueue(FakeUpstream.reply("answer " + i, (int) input, (int) out, 0));
                yield new Billed(model, day, conversation, input, out, 0, 0, 0, BigDecimal.ZERO, true);
            }
            default -> throw new IllegalArgumentException(model);
        };
    }

    /** One chat request, blocking or streamed, whose usage in HAIA's answer must be what the fake billed. */
    private void chat(String model, String conversation, boolean stream, String task, String... openAiPrice)
            throws Exception {
        Billed expected = script(model, conversation, new BigDecimal(openAiPrice[0]), new BigDecimal(openAiPrice[1]),
                                 new BigDecimal(openAiPrice[2]));
        ObjectNode request = Http.chat(model, "question " + n + " for " + model);
        Map<String, String> headers = new HashMap<>(AUTH);
        if (conversation != null) {
            headers.put("X-Haia-Conversation", conversation);
        }
        if (task != null) {
            headers.put("X-OpenWebUI-Task", task);
        }
        JsonNode usage;
        if (stream) {
            request.put("stream", true).putObject("stream_options").put("include_usage", true);
            try (SseClient sse = SseClient.post(haia.uri("/v1/chat/completions"), request.toString(), headers)) {
                assertEquals(200, sse.status());
                List<JsonNode> chunks = sse.chunksUntilDone();
                usage = chunks.getLast().path("usage");
            }
        } else {
            Http.Response response = Http.post(haia.uri("/v1/chat/completions"), request, headers);
            assertEquals(200, response.status(), response.body());
            usage = response.json().path("usage");
        }
        String what = model + (stream ? " streamed" : " blocking") + " call " + n + ": " + usage;
        assertEquals(expected.input(), usage.path("prompt_tokens").asLong(), "every input token: " + what);
        assertEquals(expected.read(), usage.path("prompt_tokens_details").path("cached_tokens").asLong(), what);
        assertEquals(expected.write(), usage.path("prompt_tokens_details").path("cache_write_tokens").asLong(), what);
        assertEquals(expected.output(), usage.path("completion_tokens").asLong(), what);
        assertEquals(expected.reasoning(), usage.path("completion_tokens_details").path("reasoning_tokens").asLong(),
                     what);
        assertEquals(expected.input() + expected.output(), usage.path("total_tokens").asLong(), what);
        billed.add(expected);
    }

    private static final String[] OPENAI_PRICE = {"0.15", "0.6", "0.075"};
    private static final List<String> MODELS = List.of("haia", "haia-legacy", "haia-openai", "haia-gemini",
                                                       "haia-local");
    private static final Map<String, String> PROVIDERS = Map.of("haia", "anthropic", "haia-legacy", "anthropic",
                                                                "haia-openai", "openai", "haia-gemini", "gemini",
                                                                "haia-local", "ollama");

    /** Three days of traffic: every model blocking and streamed, in two conversations, and a task a day. */
    private void threeDaysOfTraffic() throws Exception {
        for (int day = 0; day < 3; day++) {
            clock.set(FIRST_DAY.plus(Duration.ofDays(day)));
            for (String model : MODELS) {
                String conversation = model + "-" + (day % 2 == 0 ? "even" : "odd");
                chat(model, conversation, false, null, OPENAI_PRICE);
                chat(model, conversation, true, null, OPENAI_PRICE);
            }
            chat("haia", null, false, "title_generation", OPENAI_PRICE);   // stateless: a ledger row, no conversation
        }
    }

    private JsonNode usage(String query) {
        Http.Response response = Http.get(haia.uri("/v1/usage" + query), AUTH);
        assertEquals(200, response.status(), response.body());
        assertEquals("list", response.json().path("object").asText());
        return response.json().path("data");
    }

    /** The expected lines of {@code /v1/usage}, added up from what the fakes billed. */
    private static Map<String, List<Billed>> group(List<Billed> calls, Function<Billed, String> key) {
        Map<String, List<Billed>> groups = new TreeMap<>();
        calls.forEach(call -> groups.computeIfAbsent(key.apply(call), k -> new ArrayList<>()).add(call));
        return groups;
    }

    private static void assertLines(Map<String, List<Billed>> expected, JsonNode data, String field) {
        Map<String, JsonNode> actual = new TreeMap<>();
        data.forEach(line -> actual.put(line.path(field).isNull() ? "null" : line.path(field).asText(), line));
        assertEquals(expected.keySet(), actual.keySet(), field + ": " + data);
        expected.forEach((key, calls) -> {
            JsonNode line = actual.get(key);
            String what = field + " " + key + ": " + line;
            assertEquals(calls.size(), line.path("requests").asLong(), what);
            assertEquals(calls.stream().mapToLong(Billed::input).sum(), line.path("input_tokens").asLong(), what);
            assertEquals(calls.stream().mapToLong(Billed::output).sum(), line.path("output_tokens").asLong(), what);
            assertEquals(calls.stream().mapToLong(Billed::read).sum(), line.path("cache_read_tokens").asLong(), what);
            assertEquals(calls.stream().mapToLong(Billed::write).sum(), line.path("cache_write_tokens").asLong(), what);
            assertEquals(calls.stream().mapToLong(Billed::reasoning).sum(), line.path("reasoning_tokens").asLong(), what);
            BigDecimal cost = calls.stream().map(Billed::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertTrue(line.path("cost_usd").isNumber(), what);
            assertEquals(0, cost.compareTo(line.path("cost_usd").decimalValue()), "exact cost " + cost + ": " + what);
            assertEquals(calls.stream().filter(c -> !c.priced()).count(), line.path("unpriced_requests").asLong(), what);
        });
    }

    @Test
    void usageAndMetricsSayExactlyWhatTheUpstreamsBilled() throws Exception {
        Scrape before = Scrape.parse(Http.get(haia.uri("/metrics")).body());
        threeDaysOfTraffic();

        assertLines(group(billed, Billed::model), usage(""), "model");
        assertLines(group(billed, Billed::model), usage("?group_by=model"), "model");
        assertLines(group(billed, b -> b.day().toString()), usage("?group_by=day"), "day");
        Map<String, String> ids = new HashMap<>();
        Http.get(haia.uri("/v1/conversations?limit=100"), AUTH).json().path("data")
                .forEach(c -> ids.put(c.path("key").asText(), c.path("id").asText()));
        assertLines(group(billed, b -> b.conversation() == null ? "null" : ids.get(b.conversation())),
                    usage("?group_by=conversation"), "conversation");

        // one day, as a date (both ends included) and as timestamps (to excluded)
        List<Billed> saturday = billed.stream().filter(b -> b.day().equals(LocalDate.of(2026, 11, 21))).toList();
        assertLines(group(saturday, Billed::model), usage("?from=2026-11-21&to=2026-11-21"), "model");
        assertLines(group(saturday, Billed::model),
                    usage("?from=2026-11-21T00%3A00%3A00Z&to=2026-11-22T00%3A00%3A00Z&group_by=model"), "model");
        // RFC 3986 allows a bare ':' in a query, and Helidon 4.5 takes it (4.1 refused it, helidon-io/helidon#9862)
        assertLines(group(saturday, Billed::model),
                    usage("?from=2026-11-21T00:00:00Z&to=2026-11-22T00:00:00Z&group_by=model"), "model");
        assertLines(group(saturday, Billed::model), usage("?from=1795219200&to=1795305600"), "model");
        assertLines(group(billed.stream().filter(b -> !b.day().isBefore(LocalDate.of(2026, 11, 21))).toList(),
                          b -> b.day().toString()),
                    usage("?group_by=day&from=2026-11-21T01%3A00%3A00%2B01%3A00"), "day");
        assertLines(group(billed.stream().filter(b -> !b.day().isBefore(LocalDate.of(2026, 11, 21))).toList(),
                          b -> b.day().toString()),
                    usage("?group_by=day&from=2026-11-21T01:00:00+01:00"), "day");

        // the metrics moved by exactly the same tokens, and by the same dollars
        Scrape after = Scrape.parse(Http.get(haia.uri("/metrics")).body());
        for (Map.Entry<String, List<Billed>> model : group(billed, Billed::model).entrySet()) {
            String provider = PROVIDERS.get(model.getKey());
            Map<String, Function<Billed, Long>> directions = Map.of("in", Billed::input, "out", Billed::output,
                                                                    "cache_read", Billed::read,
                                                                    "cache_write", Billed::write,
                                                                    "reasoning", Billed::reasoning);
            directions.forEach((direction, count) -> {
                double moved = after.value("haia_tokens_total", "direction", direction, "model", model.getKey(),
                                           "provider", provider)
                        - before.value("haia_tokens_total", "direction", direction, "model", model.getKey(),
                                       "provider", provider);
                assertEquals(model.getValue().stream().mapToLong(count::apply).sum(), (long) moved,
                             "haia_tokens_total " + direction + " " + model.getKey());
            });
            double cost = after.value("haia_cost_usd_total", "model", model.getKey(), "provider", provider)
                    - before.value("haia_cost_usd_total", "model", model.getKey(), "provider", provider);
            BigDecimal expected = model.getValue().stream().map(Billed::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
            assertEquals(expected.doubleValue(), cost, 1e-9, "haia_cost_usd_total " + model.getKey());
        }
        assertTrue(before.has("haia_cost_usd_total", Map.of("model", "haia-local", "provider", "ollama")),
                   "at 0 from the start");
        assertTrue(before.has("haia_tokens_total", Map.of("model", "haia", "direction", "cache_write")),
                   "at 0 from the start");
        assertTrue(before.has("haia_tokens_total", Map.of("model", "haia-gemini", "direction", "reasoning")),
                   "at 0 from the start");

        // a reply shows its own tokens and cost in the conversation API
        String conversation = ids.get("haia-even");
        JsonNode messages = Http.get(haia.uri("/v1/conversations/" + conversation + "/messages"), AUTH).json()
                .path("data");
        JsonNode reply = messages.get(1);
        Billed first = billed.getFirst();
        assertEquals(first.read(), reply.path("cache_read_tokens").asLong(), reply.toString());
        assertEquals(first.write(), reply.path("cache_write_tokens").asLong(), reply.toString());
        assertEquals(0, first.cost().compareTo(reply.path("cost_usd").decimalValue()), reply.toString());
        assertTrue(messages.get(0).path("cost_usd").isNull(), messages.get(0).toString());
        // and its reasoning tokens: Gemini's thoughts, on the replies that had some
        List<Billed> gemini = billed.stream().filter(b -> "haia-gemini-even".equals(b.conversation())).toList();
        List<JsonNode> replies = new ArrayList<>();
        Http.get(haia.uri("/v1/conversations/" + ids.get("haia-gemini-even") + "/messages"), AUTH).json().path("data")
                .forEach(m -> {
                    if (m.path("role").asText().equals("assistant")) {
                        replies.add(m);
                    }
                });
        assertEquals(gemini.stream().map(Billed::reasoning).toList(),
                     replies.stream().map(m -> m.path("reasoning_tokens").asLong()).toList(), replies.toString());
        assertTrue(gemini.stream().anyMatch(b -> b.reasoning() > 0), "some of them thought");
    }

    /**
     * The reasoning count goes from the wire (an OpenAI-compatible server's {@code reasoning_tokens}, Gemini's
     * {@code thoughtsTokenCount}) to the Responses API's usage, blocking and in the streamed
     * {@code response.completed}, to the stored response read back, and to the ledger, as the other counts do.
     */
    @Test
    void theResponsesApiSaysTheReasoningTokensOfEachReply() throws Exception {
        for (String model : List.of("haia-openai", "haia-gemini")) {
            for (boolean stream : List.of(false, true, false, true)) {   // each way with and without reasoning
                Billed expected = script(model, null, new BigDecimal(OPENAI_PRICE[0]), new BigDecimal(OPENAI_PRICE[1]),
                                         new BigDecimal(OPENAI_PRICE[2]));
                ObjectNode request = Http.JSON.createObjectNode().put("model", model)
                        .put("input", "question " + n + " for " + model).put("stream", stream);
                JsonNode response = stream ? completed(request) : Http.post(haia.uri("/v1/responses"), request, AUTH)
                        .json();
                JsonNode usage = response.path("usage");
                String what = model + (stream ? " streamed" : " blocking") + " response " + n + ": " + usage;
                assertEquals(expected.input(), usage.path("input_tokens").asLong(), what);
                assertEquals(expected.read(), usage.path("input_tokens_details").path("cached_tokens").asLong(), what);
                assertEquals(expected.output(), usage.path("output_tokens").asLong(), "reasoning included: " + what);
                assertEquals(expected.reasoning(), usage.path("output_tokens_details").path("reasoning_tokens").asLong(),
                             what);
                assertEquals(expected.input() + expected.output(), usage.path("total_tokens").asLong(), what);
                JsonNode stored = Http.get(haia.uri("/v1/responses/" + response.path("id").asText()), AUTH).json();
                assertEquals(usage, stored.path("usage"), "a stored response says what it said: " + stored);
                billed.add(expected);
            }
        }
        assertTrue(billed.stream().filter(b -> b.reasoning() > 0).count() >= 4, billed.toString());
        assertLines(group(billed, Billed::model), usage("?group_by=model"), "model");
    }

    /** A streamed Responses API request's {@code response.completed} event: the whole response object. */
    private JsonNode completed(ObjectNode request) throws Exception {
        JsonNode last = null;
        try (SseClient sse = SseClient.post(haia.uri("/v1/responses"), request.toString(), AUTH)) {
            assertEquals(200, sse.status());
            String data;
            while ((data = sse.nextData()) != null) {
                last = Http.JSON.readTree(data);
            }
        }
        assertTrue(last != null && last.path("type").asText().equals("response.completed"), String.valueOf(last));
        return last.path("response");
    }

    @Test
    void aPriceChangedLaterDoesNotRewriteWhatEarlierCallsCost() throws Exception {
        threeDaysOfTraffic();
        JsonNode days = usage("?group_by=day");
        haia.close();
        haia = null;
        // the OpenAI-compatible server's price doubles; HAIA restarts on the same database
        startHaia("0.3", "1.2", "0.15");
        clock.set(FIRST_DAY.plus(Duration.ofDays(3)));
        String[] doubled = {"0.3", "1.2", "0.15"};
        chat("haia-openai", "haia-openai-even", false, null, doubled);
        chat("haia-openai", "haia-openai-even", true, null, doubled);

        JsonNode after = usage("?group_by=day");
        for (int day = 0; day < 3; day++) {
            assertEquals(days.get(day), after.get(day), "earlier days cost what they cost");
        }
        assertEquals(days.size() + 1, after.size(), "the new calls are a day of their own");
        // the ledger priced each call at its own time: the expected costs were computed that way
        assertLines(group(billed, Billed::model), usage("?group_by=model"), "model");
        assertEquals(8, billed.stream().filter(b -> b.model().equals("haia-openai")).count());
    }

    @Test
    void badQueriesAreClearOpenAiShaped400sAndTheKeyIsRequired() {
        assumeTrue(backend == StoreBackend.SQLITE, "the endpoint's validation does not depend on the database");
        Map<String, String> bad = Map.of(
                "?group_by=week", "group_by",
                "?from=yesterday", "from",
                "?to=2026-13-01", "to",
                "?from=2026-11-21T10%3A00%3A00", "from",
                "?from=2026-11-22&to=2026-11-21", "from",
                "?from=2026-11-21T00%3A00%3A00Z&to=2026-11-21T00%3A00%3A00Z", "from",
                "?groupby=day", "groupby",
                "?group_by=day&group_by=model", "group_by",
                "?from=", "from",
                "?from=253402300800", "from");
        bad.forEach((query, param) -> {
            Http.Response response = Http.get(haia.uri("/v1/usage" + query), AUTH);
            assertEquals(400, response.status(), query + ": " + response.body());
            JsonNode error = response.json().path("error");
            assertEquals("invalid_request", error.path("code").asText(), query);
            assertEquals("invalid_request_error", error.path("type").asText(), query);
            assertEquals(param, error.path("param").asText(), query + ": " + error);
            assertTrue(error.path("message").asText().contains(param), query + ": " + error);
        });
        assertEquals(401, Http.get(haia.uri("/v1/usage")).status());
        assertEquals(405, Http.post(haia.uri("/v1/usage"), "{}", AUTH).status());
        JsonNode empty = Http.get(haia.uri("/v1/usage?group_by=day"), AUTH).json();
        assertEquals("list", empty.path("object").asText());
        assertEquals(0, empty.path("data").size());
        // a to at the end of the year 9999 or later is no end: echoed as none, never as "+10000-01-01T00:00:00Z"
        for (String end : List.of("9999-12-31", "999999999999", "253402300800")) {
            Http.Response open = Http.get(haia.uri("/v1/usage?from=2026-11-01&to=" + end), AUTH);
            assertEquals(200, open.status(), end + ": " + open.body());
            assertTrue(open.json().path("to").isNull(), end + ": " + open.body());
            assertFalse(open.body().contains("+1"), end + ": " + open.body());
        }
        assertEquals("9999-12-31T00:00:00Z", Http.get(haia.uri("/v1/usage?to=9999-12-30"), AUTH).json().path("to").asText());
    }
}
