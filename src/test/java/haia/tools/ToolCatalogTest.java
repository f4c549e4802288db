package haia.tools;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalog's contract for the agent loop: public names every provider accepts and that map back, and a call that
 * always returns a result: unknown tools, bad arguments, thrown errors and timeouts become error results, results are
 * capped and redacted, and parallel calls really run in parallel.
 */
class ToolCatalogTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A source whose tools run the given functions. */
    record Scripted(String name, Map<String, Function<JsonNode, ToolResult>> run) implements ToolSource {
        @Override
        public List<ToolSpec> tools() {
            List<ToolSpec> specs = new ArrayList<>();
            run.keySet().forEach(n -> specs.add(new ToolSpec(n, "test tool " + n, Schemas.object("{}", List.of()),
                                                             false)));
            return specs;
        }

        @Override
        public ToolResult call(String tool, JsonNode arguments) {
            return run.get(tool).apply(arguments);
        }

        @Override
        public SourceStatus status() {
            return new SourceStatus("ready", "scripted");
        }

        @Override
        public void close() {
        }
    }

    private static ToolCatalog catalog(Duration timeout, ToolSource... sources) {
        return new ToolCatalog(List.of(sources), timeout, 100, text -> text.replace("s3cret", "****"),
                               Clock.systemUTC());
    }

    @Test
    void publicNamesAreProviderSafeReservedAndReversible() {
        String longName = "a.very.long.tool.name.from.a.gemini.style.server.that.goes.on.and.on.and.on";
        Function<JsonNode, ToolResult> echo = args -> ToolResult.ok(args.toString());
        try (ToolCatalog tools = catalog(Duration.ofSeconds(5),
                                         new Scripted("k8s", Map.of("pods.list", args -> ToolResult.ok("dotted"),
                                                                    "pods_list", args -> ToolResult.ok("plain"),
                                                                    longName, echo)))) {
            List<String> names = tools.tools().stream().map(ToolSpec::name).toList();
            names.forEach(n -> assertTrue(ToolSpec.PUBLIC_NAME.matcher(n).matches(), n));
            names.forEach(n -> assertTrue(ToolNames.isReserved(n), n));
            assertTrue(names.contains("haia_k8s_pods_list"), names.toString());
            // the dotted name collides with the plain one once sanitised: it gets a stable hash suffix
            String dotted = names.stream().filter(n -> n.startsWith("haia_k8s_pods_list_")).findFirst().orElseThrow();
            assertEquals("plain", tools.call(new ToolCall("haia_k8s_pods_list", JSON.createObjectNode())).text());
            assertEquals("dotted", tools.call(new ToolCall(dotted, JSON.createObjectNode())).text());
            assertEquals(dotted, ToolNames.map("k8s", List.of("pods_list", "pods.list")).localToPublic().get("pods.list"));
            String cut = names.stream().filter(n -> n.length() == 64).findFirst().orElseThrow();
            assertEquals("{\"x\":1}", tools.call(cut, "{\"x\":1}").text());
            assertFalse(ToolNames.isReserved("get_weather"));
        }
    }

    /** A source whose list changes, as an MCP server's does (it then hands back a new list). */
    static final class Changing implements ToolSource {
        volatile List<ToolSpec> specs = List.of(spec("one"));
        int asked;

        static ToolSpec spec(String name) {
            return new ToolSpec(name, "test tool " + name, Schemas.object("{}", List.of()), false);
        }

        @Override
        public String name() {
            return "mcp";
        }

        @Override
        public List<ToolSpec> tools() {
            asked++;
            return specs;
        }

        @Override
        public ToolResult call(String tool, JsonNode arguments) {
            return ToolResult.ok(tool);
        }

        @Override
        public SourceStatus status() {
            return new SourceStatus("ready", "changing");
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theListingIsReusedWhileTheSourcesListsStayTheSameAndFollowsAChange() {
        Changing source = new Changing();
        try (ToolCatalog tools = catalog(Duration.ofSeconds(5), source)) {
            List<ToolSpec> first = tools.tools();
            assertEquals(List.of("haia_mcp_one"), first.stream().map(ToolSpec::name).toList());
            assertTrue(first == tools.tools(), "the same listing while the source's list is the same");
            source.specs = List.of(Changing.spec("two"), Changing.spec("one"));
            assertEquals(List.of("haia_mcp_one", "haia_mcp_two"), tools.tools().stream().map(ToolSpec::name).toList());
            assertEquals(ToolResult.ok("two"), tools.call("haia_mcp_two", "{}"));
            assertTrue(source.asked >= 3, "the source is still asked on every listing");
        }
    }

    @Test
    void builtInSourcesHandBackTheSameListSoTheListingIsReused() {
        ToolTable table = new ToolTable("Test").add("a", "a tool", "{}", List.of(), args -> "a");
        assertTrue(table.specs() == table.specs());
        haia.tools.memory.MemoryTools memory = new haia.tools.memory.MemoryTools(null, null, null, Clock.systemUTC());
        assertTrue(memory.tools() == memory.tools());
    }

    @Test
    void everyFailureIsAnErrorResultWithAClearText() {
        try (ToolCatalog tools = catalog(Duration.ofMillis(300), new Scripted("t", Map.of(
                "bad", args -> {
                    throw new ToolException("t: the argument 'node' is required.");
                },
                "broken", args -> {
                    throw new IllegalStateException("boom with s3cret");
                },
                "slow", args -> {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return ToolResult.ok("late");
                },
                "chatty", args -> ToolResult.ok("x".repeat(500) + " s3cret"))))) {
            assertEquals(ToolResult.error("t: the argument 'node' is required."), tools.call("haia_t_bad", "{}"));
            ToolResult broken = tools.call("haia_t_broken", "{}");
            assertEquals(ToolResult.error("The tool haia_t_broken failed: IllegalStateException: boom with ****"),
                         broken);
            ToolResult slow = tools.call("haia_t_slow", "{}");
            assertTrue(slow.error() && slow.text().startsWith("The tool haia_t_slow did not finish within 300 ms"),
                       slow.text());
            ToolResult unknown = tools.call("haia_t_nope", "{}");
            assertTrue(unknown.error() && unknown.text().startsWith("There is no tool named haia_t_nope. HAIA's tools"
                                                                            + " are: haia_t_bad"), unknown.text());
            assertTrue(tools.call("get_weather", "{}").error());
            ToolResult notJson = tools.call("haia_t_bad", "{node: pve1");
            assertEquals(ToolResult.error("The arguments for haia_t_bad are not a JSON object: {node: pve1. Call the"
                                                  + " tool again with a JSON object."), notJson);
            assertTrue(tools.call(new ToolCall("haia_t_bad", JSON.valueToTree(List.of(1)))).text()
                               .contains("must be a JSON object"));
            ToolResult chatty = tools.call("haia_t_chatty", "");
            assertFalse(chatty.error());
            assertTrue(chatty.text().startsWith("x".repeat(100) + "\n… [cut: "), chatty.text());
            assertTrue(tools.status().get("t").contains("lastCall=failed") || tools.status().get("t")
                    .contains("lastCall=ok"), tools.status().toString());
        }
    }

    @Test
    void callsRunInParallel() {
        // each call waits until both have started: run one after the other, both would time out
        CountDownLatch started = new CountDownLatch(2);
        Function<JsonNode, ToolResult> meet = args -> {
            started.countDown();
            try {
                return started.await(10, TimeUnit.SECONDS) ? ToolResult.ok("met " + args.path("n").asText())
                        : ToolResult.error("alone");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return ToolResult.error("interrupted");
            }
        };
        try (ToolCatalog tools = catalog(Duration.ofSeconds(20), new Scripted("a", Map.of("meet", meet)),
                                         new Scripted("b", Map.of("meet", meet)))) {
            List<ToolResult> results = tools.callAll(List.of(
                    new ToolCall("haia_a_meet", JSON.createObjectNode().put("n", 1)),
                    new ToolCall("haia_b_meet", JSON.createObjectNode().put("n", 2))));
            assertEquals(List.of(ToolResult.ok("met 1"), ToolResult.ok("met 2")), results);
        }
    }

    @Test
    void argumentsSentAsTextAreParsedDefensively() {
        assertEquals(Optional.of(JSON.createObjectNode()), ToolCatalog.arguments(""));
        assertEquals(Optional.of(JSON.createObjectNode()), ToolCatalog.arguments(null));
        assertTrue(ToolCatalog.arguments("[1]").isEmpty());
        assertTrue(ToolCatalog.arguments("{'a': 1}").isEmpty());
        assertEquals("pve1", ToolCatalog.arguments("{\"node\":\"pve1\"}").orElseThrow().path("node").asText());
    }
}
