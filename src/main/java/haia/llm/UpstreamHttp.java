package haia.llm;

import java.net.URI;
import java.time.Duration;

import haia.config.HaiaConfig;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webclient.api.WebClient;

/** The web client every provider uses, configured once for talking to model APIs, and the limits on what it reads. */
public final class UpstreamHttp {

    private UpstreamHttp() {
    }

    /**
     * How HAIA talks to any upstream.
     *
     * @param connectTimeout TCP connect timeout
     * @param readTimeout    socket read timeout: a backstop only; the real deadlines are wall-clock ones, enforced by
     *                       {@link ResilientLlmClient} through {@link Cancellation}
     * @param maxBodyBytes   largest response body read from an upstream, blocking or streamed
     * @param maxReplyChars  longest reply text taken from an upstream
     */
    public record Settings(Duration connectTimeout, Duration readTimeout, long maxBodyBytes, int maxReplyChars) {

        public static Settings of(HaiaConfig.Resilience resilience) {
            return new Settings(resilience.connectTimeout(), resilience.requestTimeout(),
                                resilience.maxUpstreamBytes(), resilience.maxReplyChars());
        }
    }

    /**
     * A client with HAIA's upstream settings: the given timeouts, no redirects (an API that redirects is
     * misconfigured), no {@code Expect: 100-continue} round trip, and {@code TCP_NODELAY}, so a small request or a
     * streamed token is sent at once instead of waiting for Nagle's algorithm and a delayed ACK (up to 40 ms each).
     *
     * <p>Each client keeps its own pool of connections: Helidon's shared pool closes itself in a JVM shutdown hook,
     * which on SIGTERM would fail every upstream call that HAIA's graceful shutdown still lets run (queued requests,
     * retries). HAIA closes its clients itself, after the drain ({@link LlmClient#close()}).
     */
    public static WebClient client(Settings settings) {
        return WebClient.builder()
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(settings.connectTimeout())
                .readTimeout(settings.readTimeout())
                .followRedirects(false)
                .sendExpectContinue(false)
                .shareConnectionCache(false)
                .build();
    }

    /** An endpoint under a configured base URL: {@code path} appended, trailing slashes of the base dropped. */
    public static URI endpoint(URI baseUrl, String path) {
        return URI.create(baseUrl.toString().replaceAll("/+$", "") + path);
    }
}
