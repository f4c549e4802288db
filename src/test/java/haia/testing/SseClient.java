package haia.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A minimal HTTP/1.1 client over a raw socket for streaming tests: sends one request, then hands out the response
 * body line by line as it arrives (de-chunked), and can hang up at any moment, like a browser tab being closed.
 */
public final class SseClient implements AutoCloseable {

    private final Socket socket;
    private final InputStream in;
    private final int status;
    private final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final boolean chunked;
    private long chunkLeft;
    private long lengthLeft = -1;
    private boolean ended;

    private SseClient(Socket socket, InputStream in) throws IOException {
        this.socket = socket;
        this.in = in;
        String statusLine = rawLine();
        this.status = Integer.parseInt(statusLine.split(" ")[1]);
        String line;
        while (!(line = rawLine()).isEmpty()) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
        }
        this.chunked = "chunked".equalsIgnoreCase(headers.getOrDefault("Transfer-Encoding", ""));
        if (!chunked && headers.containsKey("Content-Length")) {
            lengthLeft = Long.parseLong(headers.get("Content-Length"));
        }
    }

    /** POSTs {@code body} to {@code uri} and returns once the response status and headers are in. */
    public static SseClient post(URI uri, String body, Map<String, String> extraHeaders) throws IOException {
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(30_000);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder()
                .append("POST ").append(uri.getRawPath()).append(" HTTP/1.1\r\n")
                .append("Host: ").append(uri.getHost()).append(':').append(uri.getPort()).append("\r\n")
                .append("Content-Type: application/json\r\n")
                .append("Accept: text/event-stream\r\n")
                .append("Content-Length: ").append(bytes.length).append("\r\n");
        extraHeaders.forEach((k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
        request.append("\r\n");
        OutputStream out = socket.getOutputStream();
        out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return new SseClient(socket, socket.getInputStream());
    }

    public static SseClient post(URI uri, JsonNode body) throws IOException {
        return post(uri, body.toString(), Map.of());
    }

    public int status() {
        return status;
    }

    public String header(String name) {
        return headers.get(name);
    }

    /** The next body line (without its line end), or {@code null} at the end of the body. */
    public String nextLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            int b = bodyByte();
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
            }
            if (b == '\n') {
                return line.toString(StandardCharsets.UTF_8);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
    }

    /** The payload of the next {@code data:} line (comments and blank lines skipped), or null at the end. */
    public String nextData() throws IOException {
        String line;
        while ((line = nextLine()) != null) {
            if (line.startsWith("data:")) {
                return line.substring(5).strip();
            }
        }
        return null;
    }

    /**
     * Every remaining {@code data:} payload up to {@code [DONE]}, parsed as JSON; fails when the stream ends
     * without {@code [DONE]} (HAIA always ends its streams with it, errors included).
     */
    public List<com.fasterxml.jackson.databind.JsonNode> chunksUntilDone() throws IOException {
        List<com.fasterxml.jackson.databind.JsonNode> chunks = new ArrayList<>();
        String data;
        while ((data = nextData()) != null) {
            if (data.equals("[DONE]")) {
                return chunks;
            }
            chunks.add(Http.JSON.readTree(data));
        }
        throw new AssertionError("the stream ended without [DONE] after " + chunks);
    }

    /** The reply text a list of chunks adds up to. */
    public static String text(List<com.fasterxml.jackson.databind.JsonNode> chunks) {
        StringBuilder text = new StringBuilder();
        chunks.forEach(c -> text.append(c.path("choices").path(0).path("delta").path("content").asText("")));
        return text.toString();
    }

    /** Every remaining body line. */
    public List<String> remainingLines() throws IOException {
        List<String> lines = new ArrayList<>();
        String line;
        while ((line = nextLine()) != null) {
            lines.add(line);
        }
        return lines;
    }

    /** The whole remaining body as text. */
    public String remainingBody() throws IOException {
        return String.join("\n", remainingLines());
    }

    private int bodyByte() throws IOException {
        if (ended) {
            return -1;
        }
        if (!chunked) {
            if (lengthLeft == 0) {
                ended = true;
                return -1;
            }
            int b = in.read();
            ended = b < 0;
            lengthLeft--;
            return b;
        }
        if (chunkLeft == 0) {
            String size = rawLine();
            if (size.isEmpty()) {
                size = rawLine();   // the CRLF that ends the previous chunk
            }
            chunkLeft = Long.parseLong(size.split(";")[0].strip(), 16);
            if (chunkLeft == 0) {
                ended = true;
                return -1;
            }
        }
        int b = in.read();
        if (b < 0) {
            ended = true;
            return -1;
        }
        chunkLeft--;
        return b;
    }

    private String rawLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            if (b != '\r') {
                line.write(b);
            }
        }
        if (b < 0 && line.size() == 0) {
            throw new IOException("connection closed by the server");
        }
        return line.toString(StandardCharsets.US_ASCII);
    }

    /** Hangs up, like a closed browser tab. */
    @Override
    public void close() throws IOException {
        socket.close();
    }
}
