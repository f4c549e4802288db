package haia.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of a fake upstream that behaves like a server whose keep-alive idle timeout runs
 * out exactly when the client reuses the connection: once a connection has carried an answer, the next request on it
 * is not forwarded, the connection is closed instead (what a client sees when its request crosses the server's FIN).
 * Requests on new connections are forwarded byte for byte, so the fake behind still checks every request it gets.
 *
 * <p>HTTP/1.1 without pipelining makes this exact without parsing: a client sends its next request only after the
 * previous answer, so client bytes arriving after server bytes on a connection start a new request.
 *
 * <p>{@link #passThrough} builds one that closes nothing and only counts connections: whether a client reuses them.
 */
public final class IdleClosingProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final int targetPort;
    private final AtomicInteger closedOnReuse = new AtomicInteger();
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final boolean closeOnReuse;

    private IdleClosingProxy(int targetPort, boolean closeOnReuse) throws IOException {
        this.targetPort = targetPort;
        this.closeOnReuse = closeOnReuse;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("idle-closing-proxy").start(this::accept);
    }

    /** A proxy to {@code http://127.0.0.1:<targetPort>}. */
    public static IdleClosingProxy to(int targetPort) throws IOException {
        return new IdleClosingProxy(targetPort, true);
    }

    /** A proxy to {@code http://127.0.0.1:<targetPort>} that forwards every request and counts connections. */
    public static IdleClosingProxy passThrough(int targetPort) throws IOException {
        return new IdleClosingProxy(targetPort, false);
    }

    public int port() {
        return listener.getLocalPort();
    }

    /** Connections closed because a request arrived on them after an answer. */
    public int closedOnReuse() {
        return closedOnReuse.get();
    }

    /** Connections clients opened. */
    public int connections() {
        return connections.get();
    }

    private void accept() {
        while (!closed.get()) {
            try {
                Socket client = listener.accept();
                connections.incrementAndGet();
                Socket server = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(client);
                open.add(server);
                AtomicBoolean answered = new AtomicBoolean();
                Thread.ofVirtual().start(() -> pump(client, server, answered, true));
                Thread.ofVirtual().start(() -> pump(server, client, answered, false));
            } catch (IOException e) {
                return;   // closed
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicBoolean answered, boolean fromClient) {
        byte[] buffer = new byte[8192];
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (fromClient && answered.get() && closeOnReuse) {
                    closedOnReuse.incrementAndGet();   // the idle timeout "ran out": drop the request, close
                    return;
                }
                if (!fromClient) {
                    answered.set(true);
                }
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side closed: closing both (try-with-resources) ends the other pump too
        }
    }

    @Override
    public void close() throws IOException {
        closed.set(true);
        listener.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
