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

/**
 * A fake Anthropic Messages API that is never the bottleneck: a raw HTTP/1.1 server on virtual threads that reads
 * the request body without parsing it and answers a fixed reply, after a configurable latency, or as a stream of
 * {@code tokens} text deltas, one every {@code drip}.
 *
 * <pre>java -cp ... haia.bench.FastUpstream PORT LATENCY_MS TOKENS DRIP_MS</pre>
 */
public final class FastUpstream {

    private static final byte[] JSON_HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + "request-id: req_bench\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SSE_HEADERS = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
            + "request-id: req_bench\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private final Duration latency;
    private final int tokens;
    private final Duration drip;
    private final byte[] jsonBody;
    /** Every event of a streamed reply, encoded once as an HTTP chunk: the fake spends its time sleeping. */
    private final byte[] streamStart;
    private final byte[][] tokenChunks;
    private final byte[] streamEnd;

    FastUpstream(Duration latency, int tokens, Duration drip) {
        this.latency = latency;
        this.tokens = tokens;
        this.drip = drip;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < tokens; i++) {
            text.append(token(i));
        }
        this.jsonBody = ("{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"bench\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}],\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":" + tokens + "}}")
                .getBytes(StandardCharsets.UTF_8);
        this.streamStart = concat(SSE_HEADERS, chunk("event: message_start\ndata: {\"type\":\"message_start\",\"message\":"
                + "{\"id\":\"msg_bench\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"bench\",\"content\":[],"
                + "\"stop_reason\":null,\"usage\":{\"input_tokens\":12,\"output_tokens\":1}}}\n\n"
                + "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"));
        this.tokenChunks = new byte[tokens][];
        for (int i = 0; i < tokens; i++) {
            tokenChunks[i] = chunk("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                    + "\"delta\":{\"type\":\"text_delta\",\"text\":\"" + token(i) + "\"}}\n\n");
        }
        this.streamEnd = concat(chunk("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
                + "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":" + tokens + "}}\n\n"
                + "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"),
                "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
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
                } else if (request.stream()) {
                    stream(out);
                } else {
                    if (!latency.isZero()) {
                        Thread.sleep(latency);
                    }
                    out.write(JSON_HEADERS);
                    out.write((jsonBody.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(jsonBody);
                    out.flush();
                }
            }
        } catch (IOException | InterruptedException closed) {
            // the client went away
        }
    }

    private void stream(OutputStream out) throws IOException, InterruptedException {
        out.write(streamStart);
        out.flush();
        for (int i = 0; i < tokens; i++) {
            if (i > 0 && !drip.isZero()) {
                Thread.sleep(drip);
            }
            out.write(tokenChunks[i]);
            out.flush();
        }
        out.write(streamEnd);
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
            return new Request(parts.length > 1 ? parts[1] : "/", text.contains("\"stream\":true"));
        }
    }
}
