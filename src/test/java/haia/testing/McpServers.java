package haia.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

/**
 * Real MCP servers from the npm registry, installed by {@code src/test/scripts/mcp-servers.sh} ({@code npm ci} from
 * the committed lock file): {@code server-filesystem} for stdio, {@code server-everything} for Streamable HTTP,
 * started bound to 127.0.0.1 through {@code loopback.mjs}. Where Node.js 20 is missing the tests are skipped loudly.
 */
public final class McpServers {

    private static final Path SCRIPT = Path.of("src/test/scripts/mcp-servers.sh");
    private final Path dir;

    private McpServers(Path dir) {
        this.dir = dir;
    }

    public static McpServers install() throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", SCRIPT.toString()).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("mcp-servers.sh did not finish in 300 s");
        }
        if (process.exitValue() == 3) {
            String banner = "\n" + "!".repeat(100) + "\nSKIPPING the real-MCP-server tests: " + err + "\n"
                    + "!".repeat(100);
            System.err.println(banner);
            Assumptions.abort(banner);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("mcp-servers.sh failed (" + process.exitValue() + "): " + err);
        }
        return new McpServers(Path.of(out));
    }

    /** argv of the filesystem server over stdio, allowed to read and write below {@code root}. */
    public List<String> filesystem(Path root) {
        return List.of(node(), module("server-filesystem").toString(), root.toString());
    }

    /** Starts the everything server's Streamable HTTP entry point on 127.0.0.1 ({@code port} 0: a free one). */
    public Everything everything(int port) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(node(), "--import", dir.resolve("loopback.mjs").toUri().toString(),
                                                    module("server-everything").toString(), "streamableHttp")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PORT", String.valueOf(port));
        Process process = builder.start();
        BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8));
        Pattern listening = Pattern.compile("loopback-listening .*\"port\":(\\d+).*");
        StringBuilder said = new StringBuilder();
        for (String line = err.readLine(); line != null; line = err.readLine()) {
            said.append(line).append('\n');
            Matcher m = listening.matcher(line);
            if (m.matches()) {
                Thread.ofVirtual().start(() -> drain(err));
                return new Everything(process, Integer.parseInt(m.group(1)));
            }
        }
        throw new IllegalStateException("the everything server did not start: " + said);
    }

    /** A running everything server; closing it stops the process by its pid. */
    public record Everything(Process process, int port) implements AutoCloseable {
        public String url() {
            return "http://127.0.0.1:" + port + "/mcp";
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private Path module(String name) {
        return dir.resolve("node_modules/@modelcontextprotocol/" + name + "/dist/index.js");
    }

    private static String node() {
        return "node";
    }

    private static void drain(BufferedReader reader) {
        try {
            while (reader.readLine() != null) {
                // keep the pipe empty
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
