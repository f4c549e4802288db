package haia.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A unix-socket HTTP server that records each request head byte for byte and answers with raw bytes a test
 * scripts per request target: for the engine client's framing (chunked, lengths, cut-off and slow answers) and for
 * proving what the client can send.
 */
public final class FakeEngineSocket implements AutoCloseable {

    private final Path socket;
    private final ServerSocketChannel server;
    private final List<String> heads = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public FakeEngineSocket(Path socket, Function<String, byte[]> answer) throws IOException {
        this.socket = socket;
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        this.acceptor = Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try {
                    SocketChannel channel = server.accept();
                    Thread.ofVirtual().start(() -> serve(channel, answer));
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    private void serve(SocketChannel channel, Function<String, byte[]> answer) {
        try (channel) {
            InputStream in = Channels.newInputStream(channel);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    return;
                }
                head.write(b);
            }
            String text = head.toString(StandardCharsets.ISO_8859_1);
            heads.add(text);
            String target = text.split(" ", 3)[1];
            ByteBuffer out = ByteBuffer.wrap(answer.apply(target));
            while (out.hasRemaining()) {
                channel.write(out);
            }
        } catch (IOException | RuntimeException e) {
            // the client went away (a timeout test): nothing to do
        }
    }

    /** Raw HTTP/1.1 answer with a Content-Length. */
    public static byte[] ok(String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return ("HTTP/1.1 200 OK\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length
                + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
    }

    public Path socket() {
        return socket;
    }

    /** Every request head received, request line and headers, as sent. */
    public List<String> heads() {
        return List.copyOf(heads);
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        java.nio.file.Files.deleteIfExists(socket);   // a unix socket's file outlives its channel
    }
}
