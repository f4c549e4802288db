package haia.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator: plain HTTP/1.1 over keep-alive sockets, one virtual thread per simulated client, bounded by
 * a duration (closed loop) or by a fixed number of streams. Latencies are kept exactly (every sample), so the
 * percentiles are not approximations.
 */
final class LoadClient {

    /** Builds the bytes of the {@code seq}-th request of client {@code client}. */
    @FunctionalInterface
    interface Requests {
        byte[] request(int client, long seq);
    }

    /** Latencies of one run, sorted, plus what went wrong. */
    record Result(long[] nanos, int errors, double seconds) {
        long count() {
            return nanos.length;
        }

        double throughput() {
            return nanos.length / seconds;
        }

        double millis(double quantile) {
            if (nanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.min(nanos.length - 1, Math.ceil(quantile * nanos.length) - 1);
            return nanos[Math.max(0, index)] / 1e6;
        }

        double maxMillis() {
            return nanos.length == 0 ? Double.NaN : nanos[nanos.length - 1] / 1e6;
        }
    }

    private LoadClient() {
    }

    /**
     * Closed loop: {@code concurrency} clients send requests back to back for {@code warmup} (not recorded), then
     * for {@code duration} (recorded). Every response must be 200 with a complete body.
     */
    static Result closedLoop(int port, int concurrency, Duration warmup, Duration duration, Requests requests,
                             Window... windows) throws InterruptedException {
        return closedLoop(new int[] {port}, concurrency, warmup, duration, requests, windows);
    }

    /** Told when a closed loop's measured window opens (the warm-up over) and when it closes. */
    interface Window {
        void opened() throws Exception;

        void closed() throws Exception;
    }

    /**
     * The same, over several servers (replicas behind a load balancer): client {@code c} talks to {@code ports[c % n]}.
     * Each of {@code windows} is told when the measured window opens and closes ({@link CpuMeter}).
     */
    static Result closedLoop(int[] ports, int concurrency, Duration warmup, Duration duration, Requests requests,
                             Window... windows) throws InterruptedException {
        long start = System.nanoTime();
        long measureFrom = start + warmup.toNanos();
        long end = measureFrom + duration.toNanos();
        List<long[]> perClient = new ArrayList<>();
        int[] counts = new int[concurrency];
        AtomicInteger errors = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < concurrency; c++) {
            long[] samples = new long[1 << 20];
            perClient.add(samples);
            int client = c;
            int port = ports[c % ports.length];
            threads.add(Thread.ofVirtual().start(() -> {
                long seq = 0;
                Socket socket = null;
                InputStream in = null;
                OutputStream out = null;
                while (System.nanoTime() < end) {
                    try {
                        if (socket == null) {
                            socket = connect(port);
                            in = new BufferedInputStream(socket.getInputStream(), 16384);
                            out = new BufferedOutputStream(socket.getOutputStream(), 16384);
                        }
                        byte[] request = requests.request(client, seq++);
                        long sent = System.nanoTime();
                        out.write(request);
                        out.flush();
                        Http11.Head head = Http11.Head.read(in);
                        Http11.readBody(in, head);
                        long done = System.nanoTime();
                        if (head.status() != 200) {
                            if (sent >= measureFrom) {
                                errors.incrementAndGet();
                            }
                            continue;
                        }
                        if (sent >= measureFrom && done <= end && counts[client] < samples.length) {
                            samples[counts[client]++] = done - sent;
                        }
                    } catch (IOException e) {
                        if (System.nanoTime() >= measureFrom) {
                            errors.incrementAndGet();
                        }
                        close(socket);
                        socket = null;
                    }
                }
                close(socket);
            }));
        }
        sleepUntil(measureFrom);
        for (Window window : windows) {
            tell(window::opened);
        }
        sleepUntil(end);
        for (Window window : windows) {
            tell(window::closed);
        }
        for (Thread thread : threads) {
            thread.join();
        }
        int total = Arrays.stream(counts).sum();
        long[] all = new long[total];
        int at = 0;
        for (int c = 0; c < concurrency; c++) {
            System.arraycopy(perClient.get(c), 0, all, at, counts[c]);
            at += counts[c];
        }
        Arrays.sort(all);
        return new Result(all, errors.get(), duration.toNanos() / 1e9);
    }

    /** What one streaming run measured: time to first token and to the end, per stream. */
    record StreamResult(Result firstToken, Result complete, int errors, int streams) {
    }

    /**
     * Opens {@code streams} streaming requests, {@code perSecond} new ones per second, and follows each to its end.
     * A stream counts as good when every expected token arrived, in order (each is looked for after the previous
     * one), and the stream ended properly.
     *
     * @param firstTokenMarker text whose arrival marks the first token
     * @param tokens           how many tokens every reply has ({@link FastUpstream#token(int)})
     * @param openAi           whether the server speaks OpenAI chunks (HAIA) or Anthropic events (the fake)
     */
    static StreamResult streams(int port, int streams, int perSecond, Duration timeout, Requests requests, int tokens,
                                boolean openAi) throws InterruptedException {
        long[] firstToken = new long[streams];
        long[] complete = new long[streams];
        AtomicInteger good = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(streams);
        long interval = 1_000_000_000L / perSecond;
        long begin = System.nanoTime();
        AtomicLong firstErrorLogged = new AtomicLong();
        for (int s = 0; s < streams; s++) {
            long startAt = begin + s * interval;
            long wait = startAt - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(Duration.ofNanos(wait));
            }
            int stream = s;
            Thread.ofVirtual().start(() -> {
                try (Socket socket = connect(port)) {
                    socket.setSoTimeout((int) timeout.toMillis());
                    InputStream in = new BufferedInputStream(socket.getInputStream(), 8192);
                    OutputStream out = socket.getOutputStream();
                    long sent = System.nanoTime();
                    out.write(requests.request(stream, 0));
                    out.flush();
                    Http11.Head head = Http11.Head.read(in);
                    if (head.status() != 200 || !head.chunked()) {
                        throw new IOException("status " + head.status());
                    }
                    // scan the raw body for each expected token in turn (every event arrives in one chunk,
                    // so chunk framing never splits a marker; markers split across reads are carried over)
                    String field = openAi ? "\"content\":\"" : "\"text\":\"";
                    String endMarker = openAi ? "data: [DONE]" : "\"message_stop\"";
                    byte[] buffer = new byte[4096];
                    String carry = "";
                    int expected = 0;
                    boolean ended = false;
                    int read;
                    while (!ended && (read = in.read(buffer)) > 0) {
                        String text = carry + new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
                        int from = 0;
                        int at;
                        while (expected < tokens && (at = text.indexOf(field + FastUpstream.token(expected) + "\"", from)) >= 0) {
                            if (expected == 0) {
                                firstToken[stream] = System.nanoTime() - sent;
                            }
                            expected++;
                            from = at + field.length();
                        }
                        if (text.indexOf("\"error\"", from) >= 0) {
                            throw new IOException("error chunk: " + text.substring(from));
                        }
                        ended = expected == tokens && text.indexOf(endMarker, from) >= 0;
                        carry = text.substring(Math.max(from, text.length() - 64));
                    }
                    complete[stream] = System.nanoTime() - sent;
                    if (expected == tokens && ended) {
                        good.incrementAndGet();
                    } else {
                        throw new IOException("incomplete stream: " + expected + " of " + tokens + " tokens, ended=" + ended);
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                    if (firstErrorLogged.compareAndSet(0, 1)) {
                        System.err.println("first stream error: " + e.getMessage());
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        done.await();
        double seconds = (System.nanoTime() - begin) / 1e9;
        return new StreamResult(sorted(firstToken, seconds), sorted(complete, seconds), errors.get(), good.get());
    }

    private static Result sorted(long[] values, double seconds) {
        long[] nonZero = Arrays.stream(values).filter(v -> v > 0).sorted().toArray();
        return new Result(nonZero, values.length - nonZero.length, seconds);
    }

    /** CPU time this JVM (the load generator) has used so far. */
    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long left;
        while ((left = nanoTime - System.nanoTime()) > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    private static void tell(Step step) {
        try {
            step.run();
        } catch (Exception e) {
            throw new IllegalStateException("could not read a measured window's figure", e);
        }
    }

    static Duration ownCpu() {
        return Duration.ofNanos(((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime());
    }

    static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return socket;
    }

    static byte[] post(String path, String body, String... headers) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        StringBuilder request = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .append("Content-Type: application/json\r\nContent-Length: ").append(content.length).append("\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        request.append("\r\n");
        byte[] head = request.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + content.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return all;
    }

    private static void close(Socket socket) {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
