package haia.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.IntFunction;

/**
 * A fake model API that is never the bottleneck, for every protocol HAIA speaks: a raw HTTP/1.1 server on virtual
 * threads that reads the request body without parsing it and answers a fixed reply, after a configurable latency,
 * or as a stream of {@code tokens} text pieces, one every {@code drip}. The protocol follows from the path:
 * Anthropic {@code /v1/messages}, Ollama {@code /api/chat}, OpenAI {@code /v1/chat/completions}, Gemini
 * {@code /v1beta/models/...:generateContent} and {@code :streamGenerateContent}.
 *
 * <pre>java -cp ... haia.bench.FastUpstream PORT LATENCY_MS TOKENS DRIP_MS</pre>
 */
public final class FastUpstream {

    private static final String JSON_HEADERS = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "request-id: req_bench\r\nContent-Length: ";
    private static final String STREAM_HEADERS = "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
            + "request-id: req_bench\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final byte[] TAGS = (JSON_HEADERS + "59\r\n\r\n"
            + "{\"models\":[{\"name\":\"bench:latest\",\"model\":\"bench:latest\"}]}").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * One protocol's replies with every byte encoded once (streams as HTTP chunks): the fake spends its time
     * sleeping, not encoding.
     */
    private record Canned(byte[] reply, byte[] streamStart, byte[][] tokenChunks, byte[] streamEnd) {
        static Canned of(int tokens, String json, String contentType, String start, IntFunction<String> token,
                         String end) {
            byte[] body = json.getBytes(StandardCharsets.UTF_8);
            byte[] reply = concat((JSON_HEADERS + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
            byte[] headers = STREAM_HEADERS.formatted(contentType).getBytes(StandardCharsets.US_ASCII);
            byte[][] chunks = new byte[tokens][];
            for (int i = 0; i < tokens; i++) {
                chunks[i] = chunk(token.apply(i));
            }
            return new Canned(reply, start.isEmpty() ? headers : concat(headers, chunk(start)), chunks,
                              concat(chunk(end), LAST_CHUNK));
        }
    }

    private final Duration latency;
    private final int tokens;
    private final Duration drip;
    private final Canned anthropic;
    private final Canned ollama;
    private final Canned openAi;
    private final Canned gemini;

    FastUpstream(Duration latency, int tokens, Duration drip) {
        this.latency = latency;
        this.tokens = tokens;
        this.drip = drip;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            all.append(token(i));
        }
        String text = all.toString();
        this.anthropic = Canned.of(
                tokens,
                "{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"bench\",\"content\":"
                        + "[{\"type\":\"text\",\"text\":\"" + text + "\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":"
                        + "null,\"usage\":{\"input_tokens\":12,\"output_tokens\":" + tokens + "}}",
                "text/event-stream; charset=utf-8",
                "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_bench\",\"type\":"
                        + "\"message\",\"role\":\"assistant\",\"model\":\"bench\",\"content\":[],\"stop_reason\":null,"
                        + "\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\nevent: content_block_start\ndata: "
                        + "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":"
                        + "\"\"}}\n\n",
                i -> "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                        + "{\"type\":\"text_delta\",\"text\":\"" + token(i) + "\"}}\n\n",
                "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                        + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":"
                        + "\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + tokens + "}}\n\n"
                        + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        this.ollama = Canned.of(
                tokens,
                "{\"model\":\"bench\",\"created_at\":\"2026-11-24T10:00:00Z\",\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"" + text + "\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":12,"
                        + "\"eval_count\":" + tokens + "}",
                "application/x-ndjson", "",
                i -> "{\"model\":\"bench\",\"created_at\":\"2026-11-24T10:00:00Z\",\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"" + token(i) + "\"},\"done\":false}\n",
                "{\"model\":\"bench\",\"created_at\":\"2026-11-24T10:00:00Z\",\"message\":{\"role\":\"assistant\","
                        + "\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":12,"
                        + "\"eval_count\":" + tokens + "}\n");
        String chunkHead = "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,"
                + "\"model\":\"bench\",\"choices\":";
        this.openAi = Canned.of(
                tokens,
                "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1764000000,\"model\":\"bench\","
                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},"
                        + "\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,"
                        + "\"completion_tokens\":" + tokens + ",\"total_tokens\":" + (12 + tokens) + "}}",
                "text/event-stream",
                chunkHead + "[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],"
                        + "\"usage\":null}\n\n",
                i -> chunkHead + "[{\"index\":0,\"delta\":{\"content\":\"" + token(i) + "\"},\"finish_reason\":null}],"
                        + "\"usage\":null}\n\n",
                chunkHead + "[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                        + chunkHead + "[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + tokens
                        + ",\"total_tokens\":" + (12 + tokens) + "}}\n\ndata: [DONE]\n\n");
        String usage = "\"usageMetadata\":{\"promptTokenCount\":12,\"candidatesTokenCount\":" + tokens
                + ",\"totalTokenCount\":" + (12 + tokens) + "},\"modelVersion\":\"bench\"";
        this.gemini = Canned.of(
                tokens,
                "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + text + "\"}]},"
                        + "\"finishReason\":\"STOP\",\"index\":0}]," + usage + "}",
                "text/event-stream", "",
                i -> "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + token(i)
                        + "\"}]},\"index\":0}],\"modelVersion\":\"bench\"}\r\n\r\n",
                "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},"
                        + "\"finishReason\":\"STOP\",\"index\":0}]," + usage + "}\r\n\r\n");
    }

    /** The i-th token of every reply: the load client checks they arrive complete and in order. */
    static String token(int i) {
        return "t" + i + " ";
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        FastUpstream upstream = new FastUpstream(Duration.ofMillis(Long.parseLong(args[1])), Integer.parseInt(args[2]),
                                                 Duration.ofMillis(Long.parseLong(args[3])));
        try (ServerSocket server = new ServerSocket(port, 8192, InetAddress.getLoopbackAddress())) {
            System.out.println("fast upstream on " + server.getLocalPort());
            while (true) {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> upstream.serve(socket));
            }
        }
    }

    private Canned protocol(String path) {
        if (path.startsWith("/api/chat")) {
            return ollama;
        }
        if (path.startsWith("/v1/chat/completions")) {
            return openAi;
        }
        if (path.startsWith("/v1beta/")) {
            return gemini;
        }
        return anthropic;
    }

    private void serve(Socket socket) {
        try (socket) {
            socket.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16384);
            OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 16384);
            while (true) {
                Request request = Request.read(in);
                if (request == null) {
                    return;
                }
                if (request.path().startsWith("/health")) {
                    out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } else if (request.path().startsWith("/api/tags")) {
                    out.write(TAGS);   // Ollama's model list, asked once at HAIA's start
                    out.flush();
                } else if (request.stream()) {
                    stream(out, protocol(request.path()));
                } else {
                    if (!latency.isZero()) {
                        Thread.sleep(latency);
                    }
                    out.write(protocol(request.path()).reply());
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException closed) {
            // the client went away
        }
    }

    private void stream(OutputStream out, Canned canned) throws IOException, InterruptedException {
        out.write(canned.streamStart());
        out.flush();
        for (int i = 0; i < tokens; i++) {
            if (i > 0 && !drip.isZero()) {
                Thread.sleep(drip);
            }
            out.write(canned.tokenChunks()[i]);
            out.flush();
        }
        out.write(canned.streamEnd());
        out.flush();
    }

    private static byte[] chunk(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return concat((Integer.toHexString(bytes.length) + "\r\n").getBytes(StandardCharsets.US_ASCII), bytes,
                      "\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] part : parts) {
            length += part.length;
        }
        byte[] all = new byte[length];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    /** The little of a request the fake needs: its path and whether it asks for a stream. */
    record Request(String path, boolean stream) {
        static Request read(InputStream in) throws IOException {
            String requestLine = Http11.readLine(in);
            if (requestLine == null) {
                return null;
            }
            long length = 0;
            String line;
            while ((line = Http11.readLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(line.substring(colon + 1).strip());
                }
            }
            byte[] body = in.readNBytes((int) length);
            String text = new String(body, StandardCharsets.UTF_8);
            String[] parts = requestLine.split(" ");
            String path = parts.length > 1 ? parts[1] : "/";
            return new Request(path, path.contains(":streamGenerateContent") || text.contains("\"stream\":true"));
        }
    }
}
