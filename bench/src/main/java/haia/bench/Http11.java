package haia.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Just enough HTTP/1.1 parsing for the benchmark's own client and fake upstream. */
final class Http11 {

    private Http11() {
    }

    /** A CRLF- or LF-terminated line without its end, or null at the end of the stream. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                return line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** A response's status and how its body is framed. */
    record Head(int status, long contentLength, boolean chunked) {
        static Head read(InputStream in) throws IOException {
            String statusLine = readLine(in);
            if (statusLine == null) {
                throw new IOException("connection closed before the response");
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            String line;
            while ((line = readLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = line.substring(0, colon).strip();
                String value = line.substring(colon + 1).strip();
                if (name.equalsIgnoreCase("content-length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                }
            }
            return new Head(status, length, chunked);
        }
    }

    /** Reads a whole body (fixed length or chunked). */
    static byte[] readBody(InputStream in, Head head) throws IOException {
        if (!head.chunked()) {
            return in.readNBytes((int) Math.max(0, head.contentLength()));
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        ChunkedReader chunks = new ChunkedReader(in);
        int b;
        while ((b = chunks.read()) >= 0) {
            body.write(b);
        }
        return body.toByteArray();
    }

    /** De-chunks a chunked body byte by byte, returning -1 at its end. */
    static final class ChunkedReader {
        private final InputStream in;
        private long left;
        private boolean ended;

        ChunkedReader(InputStream in) {
            this.in = in;
        }

        int read() throws IOException {
            if (ended) {
                return -1;
            }
            if (left == 0) {
                String size = Http11.readLine(in);
                if (size != null && size.isEmpty()) {
                    size = Http11.readLine(in);
                }
                if (size == null) {
                    throw new IOException("chunked body cut short");
                }
                left = Long.parseLong(size.split(";")[0].strip(), 16);
                if (left == 0) {
                    Http11.readLine(in);   // the empty line after the last chunk (no trailers)
                    ended = true;
                    return -1;
                }
            }
            int b = in.read();
            if (b < 0) {
                throw new IOException("chunked body cut short");
            }
            left--;
            return b;
        }

        /** The next line of the de-chunked body, or null at its end. */
        String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            int b;
            while ((b = read()) >= 0) {
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
        }
    }
}
