package haia.chat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

import haia.llm.Part;
import haia.llm.TestRequests;
import haia.net.AddressRule;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One picture fetch against real loopback servers: the address checked is the address connected to (a DNS answer
 * that changes between check and connect reaches nothing), every redirect hop is checked again, and a body that
 * announces more than HAIA takes is not read.
 */
class ImageFetchTest {

    /** Two picture servers on the same port of 127.0.0.1 (allowed) and 127.0.0.2 (inside, not allowed). */
    private HttpServer allowed;
    private HttpServer inside;
    private final AtomicInteger insideRequests = new AtomicInteger();
    private int port;
    private static final byte[] OTHER_PNG = TestRequests.PNG.clone();

    static {
        OTHER_PNG[OTHER_PNG.length - 20] ^= 1;   // a different picture, still a PNG by its bytes
    }

    @BeforeEach
    void start() throws IOException {
        allowed = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        port = allowed.getAddress().getPort();
        inside = HttpServer.create(new InetSocketAddress("127.0.0.2", port), 0);
        allowed.createContext("/a.png", exchange -> {
            exchange.sendResponseHeaders(200, TestRequests.PNG.length);
            exchange.getResponseBody().write(TestRequests.PNG);
            exchange.close();
        });
        allowed.createContext("/to-inside", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://127.0.0.2:" + port + "/b.png");
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        allowed.createContext("/to-file", exchange -> {
            exchange.getResponseHeaders().add("Location", "file:///etc/passwd");
            exchange.sendResponseHeaders(301, -1);
            exchange.close();
        });
        allowed.createContext("/huge.png", exchange -> {
            exchange.getResponseHeaders().add("Content-Length", "10000000000");   // announced, never sent
            exchange.sendResponseHeaders(200, 0);
            exchange.getResponseBody().write(TestRequests.PNG);
            exchange.getResponseBody().flush();
            try {
                Thread.sleep(3_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            exchange.close();
        });
        inside.createContext("/", exchange -> {
            insideRequests.incrementAndGet();
            exchange.sendResponseHeaders(200, OTHER_PNG.length);
            exchange.getResponseBody().write(OTHER_PNG);
            exchange.close();
        });
        allowed.start();
        inside.start();
    }

    @AfterEach
    void stop() {
        allowed.stop(0);
        inside.stop(0);
    }

    private static Part.Image.Inline fetch(ImageFetch fetch, String url) {
        return fetch.fetch(URI.create(url), new AtomicLong(20 << 20), size -> { });
    }

    @Test
    void theAddressCheckedIsTheAddressConnectedToWhateverDnsAnswersNext() throws Exception {
        // a rebinding DNS: the allowed address for the first question, an inside one from then on
        AtomicInteger lookups = new AtomicInteger();
        ImageFetch fetch = new ImageFetch(AddressRule.allowing(List.of("127.0.0.1")), 5 << 20, Duration.ofSeconds(5),
                host -> new InetAddress[] {InetAddress.getByName(lookups.getAndIncrement() == 0
                                                                         ? "127.0.0.1" : "127.0.0.2")});
        assertArrayEquals(TestRequests.PNG, fetch(fetch, "http://pictures.test:" + port + "/a.png").data());
        assertEquals(1, lookups.get(), "one lookup: checked and connected to on the same answer");
        ImageFetch.Failed refused = assertThrows(ImageFetch.Failed.class,
                                                 () -> fetch(fetch, "http://pictures.test:" + port + "/a.png"));
        assertTrue(refused.getMessage().startsWith("127.0.0.2 (pictures.test) is a loopback address"),
                   refused.getMessage());
        assertEquals(0, insideRequests.get(), "nothing reached the inside server");
    }

    @Test
    void everyRedirectHopIsCheckedAgain() {
        ImageFetch fetch = new ImageFetch(AddressRule.allowing(List.of("127.0.0.1")), 5 << 20, Duration.ofSeconds(5));
        ImageFetch.Failed toInside = assertThrows(ImageFetch.Failed.class,
                                                  () -> fetch(fetch, "http://127.0.0.1:" + port + "/to-inside"));
        assertTrue(toInside.getMessage().contains("127.0.0.2 is a loopback address"), toInside.getMessage());
        ImageFetch.Failed toFile = assertThrows(ImageFetch.Failed.class,
                                                () -> fetch(fetch, "http://127.0.0.1:" + port + "/to-file"));
        assertTrue(toFile.getMessage().contains("only http(s) URLs are fetched"), toFile.getMessage());
        assertEquals(0, insideRequests.get());
        // by default even the first hop is refused
        ImageFetch closed = new ImageFetch(AddressRule.DEFAULT, 5 << 20, Duration.ofSeconds(5));
        assertThrows(ImageFetch.Failed.class, () -> fetch(closed, "http://127.0.0.1:" + port + "/a.png"));
    }

    @Test
    void aBodyAnnouncingMoreThanHaiaTakesIsNotRead() {
        ImageFetch fetch = new ImageFetch(AddressRule.allowing(List.of("127.0.0.1")), 5 << 20, Duration.ofSeconds(30));
        long start = System.nanoTime();
        ImageFetch.Failed huge = assertThrows(ImageFetch.Failed.class,
                                              () -> fetch(fetch, "http://127.0.0.1:" + port + "/huge.png"));
        assertTrue(huge.getMessage().contains("announces 10000000000 bytes"), huge.getMessage());
        assertTrue(Duration.ofNanos(System.nanoTime() - start).toMillis() < 5000, "refused from its headers");
    }
}
