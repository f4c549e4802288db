package haia.llm;

import java.net.URI;
import java.time.Duration;

import io.helidon.common.socket.SocketOptions;
import io.helidon.webclient.api.WebClient;

/** The web client every provider uses, configured once for talking to model APIs. */
public final class UpstreamHttp {

    private UpstreamHttp() {
    }

    /**
     * A client with HAIA's upstream settings: the given timeouts, no redirects (an API that redirects is
     * misconfigured), no {@code Expect: 100-continue} round trip, and {@code TCP_NODELAY}, so a small request or a
     * streamed token is sent at once instead of waiting for Nagle's algorithm and a delayed ACK (up to 40 ms each).
     */
    public static WebClient client(Duration connectTimeout, Duration readTimeout) {
        return WebClient.builder()
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .build();
    }

    /** An endpoint under a configured base URL: {@code path} appended, trailing slashes of the base dropped. */
    public static URI endpoint(URI baseUrl, String path) {
        return URI.create(baseUrl.toString().replaceAll("/+$", "") + path);
    }
}
