package haia.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import haia.llm.FinishReason;
import haia.llm.Usage;
import haia.openai.ChatCompletionRequest;
import haia.openai.OpenAiWriter;
import haia.openai.RequestParser;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-request wire work on HAIA's hot path: parsing an OpenWebUI-sized request (a 20-message branch, as
 * OpenWebUI resends the whole chat each time), writing a whole completion, and encoding one streamed token as an
 * SSE chunk, both the shared-framing way HAIA streams and the generic writer it replaced.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class WireFormatBenchmark {

    private RequestParser parser;
    private byte[] openWebUiRequest;
    private String reply;
    private OpenAiWriter.ContentChunks chunks;

    @Setup
    public void setUp() {
        parser = new RequestParser(200_000, 5 << 20);
        StringBuilder body = new StringBuilder("{\"model\":\"haia\",\"stream\":true,\"stream_options\":"
                + "{\"include_usage\":true},\"temperature\":0.7,\"messages\":[{\"role\":\"system\",\"content\":"
                + "\"You are a helpful assistant.\"}");
        for (int i = 0; i < 20; i++) {
            body.append(",{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"")
                    .append(i % 2 == 0 ? "Why does `ceph -s` show HEALTH_WARN on pve" + i + "?"
                                       : "Check `ceph health detail`; a slow OSD usually shows there.\\n```\\nceph osd"
                                               + " perf\\n```")
                    .append("\"}");
        }
        body.append(",{\"role\":\"user\",\"content\":\"and the VM you mentioned yesterday?\"}]}");
        openWebUiRequest = body.toString().getBytes(StandardCharsets.UTF_8);
        reply = "Yesterday it was VM 104 on pve2. Check it with:\n```\nqm status 104 --verbose\n```\n".repeat(8);
        chunks = new OpenAiWriter.ContentChunks("chatcmpl-0123456789abcdef", 1_764_000_000L, "haia", false);
    }

    @Benchmark
    public ChatCompletionRequest parseOpenWebUiRequest() {
        return parser.parse(openWebUiRequest);
    }

    @Benchmark
    public byte[] writeCompletion() {
        return OpenAiWriter.completion("chatcmpl-0123456789abcdef", 1_764_000_000L, "haia",
                                       java.util.List.of(new haia.llm.Part.Text(reply)), FinishReason.STOP,
                                       new Usage(1200, 180));
    }

    @Benchmark
    public byte[] encodeTokenChunk() {
        return chunks.event(" the OSD's \"slow ops\"");
    }

    @Benchmark
    public byte[] encodeTokenChunkGeneric() {
        return OpenAiWriter.chunk("chatcmpl-0123456789abcdef", 1_764_000_000L, "haia", Optional.empty(),
                                  Optional.of(" the OSD's \"slow ops\""), Optional.empty(), false);
    }
}
