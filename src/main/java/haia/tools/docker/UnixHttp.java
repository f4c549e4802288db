package haia.tools.docker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The smallest HTTP/1.1 client that talks to a container engine over its unix socket (Helidon 4.1.7's web client
 * cannot, and the JDK's HttpClient cannot either): one {@code GET} per connection ({@code Connection: close}), bodies
 * framed by {@code Content-Length}, {@code chunked} or the end of the connection, each bounded in size, and the whole
 * exchange bounded in time by closing the channel at the deadline (a blocking read on a unix channel has no timeout
 * of its own). The method is fixed: this class can send nothing but {@code GET}.
 */
final class UnixHttp {

    /** An answer: status, headers (names in lower case), body. */
    record Response(int status, String reason, Map<String, String> headers, byte[] body) {
        Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }
    }

    /** A request target: a path and query of visible ASCII only (no spaces, no CR/LF that could add a header). */
    private static final Pattern TARGET = Pattern.compile("/[\\x21-\\x7e]*");
    private static final int MAX_HEADERS = 64 * 1024;

    private final Path socket;
    private final Duration timeout;
    private final int maxBody;

    UnixHttp(Path socket, Duration timeout, int maxBody) {
        this.socket = socket;
        this.timeout = timeout;
        this.maxBody = maxBody;
    }

    Path socket() {
        return socket;
    }

    /** Sends {@code GET target} and reads the whole answer, within the timeout. */
    Response get(String target) throws IOException {
        if (!TARGET.matcher(target).matches()) {
            throw new IllegalArgumentException("not a request target: " + target);
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            Thread deadline = Thread.ofVirtual().name("haia-docker-deadline").start(() -> {
                try {
                    Thread.sleep(timeout);
                    channel.close();   // wakes the blocked read with an AsynchronousCloseException
                } catch (InterruptedException | IOException done) {
                    // finished in time, or already closed
                }
            });
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                String request = "GET " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: haia\r\n"
                        + "Accept: application/json\r\nConnection: close\r\n\r\n";
                ByteBuffer out = ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
                while (out.hasRemaining()) {
                    channel.write(out);
                }
                return read(new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024));
            } catch (java.nio.channels.AsynchronousCloseException e) {
                throw new java.net.SocketTimeoutException("no complete answer within " + timeout.toMillis() + " ms");
            } finally {
                deadline.interrupt();
            }
        }
    }

    private Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("\\d{3}")) {
            throw new IOException("not an HTTP answer: " + abbreviate(statusLine));
        }
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        int headerBytes = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            headerBytes += header.length();
            if (headerBytes > MAX_HEADERS) {
                throw new IOException("the answer's headers exceed " + MAX_HEADERS + " bytes");
            }
            int colon = header.indexOf(':');
            if (colon > 0) {
                headers.merge(header.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                              header.substring(colon + 1).strip(), (a, b) -> a + ", " + b);
            }
        }
        byte[] body;
        if (status == 204 || status == 304) {
            body = new byte[0];
        } else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = chunked(in);
        } else if (headers.containsKey("content-length")) {
            long length = Long.parseLong(headers.get("content-length").strip());
            if (length > maxBody) {
                throw new IOException("the answer is larger than " + maxBody + " bytes");
            }
            body = in.readNBytes((int) length);
            if (body.length != length) {
                throw new IOException("the answer ended after " + body.length + " of " + length + " bytes");
            }
        } else {
            body = bounded(in, maxBody);
        }
        return new Response(status, parts.length > 2 ? parts[2] : "", Map.copyOf(headers), body);
    }

    private byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            int semicolon = sizeLine.indexOf(';');
            String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).strip();
            if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                throw new IOException("bad chunk size: " + abbreviate(sizeLine));
            }
            long size = Long.parseLong(hex, 16);
            if (size == 0) {
                while (!line(in).isEmpty()) {
                    // trailers: nothing HAIA needs
                }
                return body.toByteArray();
            }
            if (body.size() + size > maxBody) {
                throw new IOException("the answer is larger than " + maxBody + " bytes");
            }
            byte[] chunk = in.readNBytes((int) size);
            if (chunk.length != size) {
                throw new IOException("the answer ended inside a chunk");
            }
            body.writeBytes(chunk);
            if (!line(in).isEmpty()) {
                throw new IOException("a chunk is not followed by CRLF");
            }
        }
    }

    private static byte[] bounded(InputStream in, int max) throws IOException {
        byte[] body = in.readNBytes(max + 1);
        if (body.length > max) {
            throw new IOException("the answer is larger than " + max + " bytes");
        }
        return body;
    }

    /** One CRLF- (or LF-) terminated line of at most 8 KB, without its terminator. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException("the connection closed in the middle of the answer");
            }
            if (line.size() >= 8192) {
                throw new IOException("a header line exceeds 8 KB");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "…";
    }
}
