package haia.chat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

import haia.llm.ImageFormats;
import haia.llm.Part;
import haia.net.AddressRule;

import io.helidon.common.LazyValue;
import io.helidon.common.socket.SocketOptions;
import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.DnsAddressLookup;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.WebClient;
import io.helidon.webclient.spi.DnsResolver;

/**
 * Fetches one picture over http(s), one hop at a time: each hop's host is resolved by HAIA, its address checked
 * against the {@link AddressRule}, and the connection made to exactly that address (Helidon's client asks this
 * class's resolver for the address it connects to), so a DNS answer that changes between check and connect
 * (rebinding) cannot reach inside the network. Redirects are followed by HAIA, at most {@value #MAX_HOPS} hops,
 * between http and https only and never from https to http, each hop checked again. A body is read up to the
 * picture limit and to what the request may still fetch (its memory reserved by the caller, told the size as soon
 * as it is known). The caller bounds the whole fetch in wall-clock time by interrupting the thread (a virtual thread's socket
 * closes under a blocked read).
 */
final class ImageFetch {

    static final int MAX_HOPS = 5;

    /** Why a picture could not be had, for HAIA's log (the client gets one text for every reason). */
    static final class Failed extends RuntimeException {
        Failed(String reason) {
            super(reason, null, false, false);
        }
    }

    /** The request's pictures add up to more than it may fetch: the client's own 400, not a fetch failure. */
    static final class TooMuch extends RuntimeException {
        TooMuch() {
            super(null, null, false, false);
        }
    }

    /** How a host name becomes addresses: the system's resolver (a test scripts one that changes its answers). */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] addresses(String host) throws UnknownHostException;
    }

    private final AddressRule rule;
    private final int maxImageBytes;
    private final Lookup lookup;
    private final LazyValue<WebClient> http;

    ImageFetch(AddressRule rule, int maxImageBytes, Duration timeout) {
        this(rule, maxImageBytes, timeout, InetAddress::getAllByName);
    }

    ImageFetch(AddressRule rule, int maxImageBytes, Duration timeout, Lookup lookup) {
        this.rule = rule;
        this.maxImageBytes = maxImageBytes;
        this.lookup = lookup;
        // built by the first picture fetched (rare: OpenWebUI sends pictures inline), not at start: its TLS context
        // is a tenth of start-up's CPU
        this.http = LazyValue.create(() -> WebClient.builder()
                .dnsResolver(new CheckingResolver())
                .proxy(Proxy.noProxy())                 // a proxy would resolve (and reach) what HAIA did not check
                .followRedirects(false)                  // each hop is checked here
                .sendExpectContinue(false)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5))
                .readTimeout(timeout)                    // a backstop: the caller's deadline covers the whole fetch
                .socketOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .build());
    }

    /** Checks where {@code url} points without fetching it (for providers that fetch pictures themselves). */
    void check(URI url) {
        scheme(url, null);
        resolve(host(url));
    }

    /**
     * The picture at {@code url}, as bytes.
     *
     * @param left what the request may still fetch, all its pictures together (counted down)
     * @param size told the picture's size as soon as it is known: announced, then read
     * @throws Failed  when the picture cannot be had (the reason for HAIA's log)
     * @throws TooMuch when the request's pictures add up to more than it may fetch
     */
    Part.Image.Inline fetch(URI url, AtomicLong left, LongConsumer size) {
        URI hop = url;
        for (int hops = 0; hops < MAX_HOPS; hops++) {
            scheme(hop, hops == 0 ? null : url);
            try (HttpClientResponse response = http.get().get().uri(hop).keepAlive(false)
                    .header(HeaderNames.ACCEPT, "image/jpeg, image/png, image/gif, image/webp").request()) {
                int status = response.status().code();
                if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
                    String location = response.headers().first(HeaderNames.LOCATION)
                            .orElseThrow(() -> new Failed(status + " without a Location"));
                    URI next = hop.resolve(location.strip());
                    if ("https".equalsIgnoreCase(hop.getScheme()) && "http".equalsIgnoreCase(next.getScheme())) {
                        throw new Failed("it redirects from https to http (" + shown(next) + ")");
                    }
                    hop = next;
                    continue;
                }
                if (status != 200) {
                    throw new Failed("it answered HTTP " + status);
                }
                return read(response, left, size);
            } catch (Failed | TooMuch | haia.llm.LlmException e) {
                throw e;
            } catch (RuntimeException | IOException e) {
                throw new Failed(reason(e));
            }
        }
        throw new Failed("more than " + MAX_HOPS + " redirects");
    }

    private Part.Image.Inline read(HttpClientResponse response, AtomicLong left, LongConsumer size)
            throws IOException {
        OptionalLong declared = response.headers().contentLength();
        if (declared.isPresent() && declared.getAsLong() > maxImageBytes) {
            throw new Failed("it announces " + declared.getAsLong() + " bytes, more than HAIA_MAX_IMAGE_BYTES ("
                                     + maxImageBytes + ")");
        }
        if (declared.isPresent() && declared.getAsLong() > left.get()) {
            throw new TooMuch();
        }
        declared.ifPresent(size);
        // exactly the announced size (one copy of the picture, no growing), else grown as it arrives
        byte[] data = new byte[(int) (declared.isPresent() ? declared.getAsLong() : 64 * 1024)];
        int length = 0;
        try (InputStream in = response.inputStream()) {
            while (true) {
                int n;
                if (length == data.length) {
                    int next = in.read();   // full: the end, or one byte more than there is room for
                    if (next < 0) {
                        break;
                    }
                    if (length >= maxImageBytes) {
                        throw new Failed("it is larger than HAIA_MAX_IMAGE_BYTES (" + maxImageBytes + " bytes)");
                    }
                    data = Arrays.copyOf(data, (int) Math.min(maxImageBytes, Math.max(64 * 1024, 2L * length)));
                    data[length] = (byte) next;
                    n = 1;
                } else {
                    n = in.read(data, length, data.length - length);
                    if (n < 0) {
                        break;
                    }
                }
                length += n;
                if (left.addAndGet(-n) < 0) {
                    throw new TooMuch();
                }
            }
        }
        size.accept(length);
        byte[] image = length == data.length ? data : Arrays.copyOf(data, length);
        String type = ImageFormats.of(image).orElseThrow(() -> new Failed(
                "what it returned is not a JPEG, PNG, GIF or WebP image"));
        return new Part.Image.Inline(type, image);
    }

    /** The URL's scheme, lower case; only http and https (a redirect elsewhere, {@code from} set, included). */
    private static String scheme(URI url, URI from) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new Failed((from == null ? "" : "it redirects to " + shown(url) + ": ")
                                     + "only http(s) URLs are fetched");
        }
        if (url.getHost() == null) {
            throw new Failed("the URL has no host");
        }
        return scheme;
    }

    private static String host(URI url) {
        String host = url.getHost();
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /** The first address of {@code host} the rule allows; the refusal names what it resolved to. */
    private InetAddress resolve(String host) {
        InetAddress[] addresses;
        try {
            addresses = lookup.addresses(host);
        } catch (UnknownHostException e) {
            throw new Failed("its host " + host + " does not resolve");
        }
        String refused = "";
        for (InetAddress address : addresses) {
            Optional<String> refusal = rule.refusal(host, address);
            if (refusal.isEmpty()) {
                return address;
            }
            refused = refusal.get();
        }
        throw new Failed(refused + ", and HAIA_IMAGE_FETCH_ALLOW does not allow it");
    }

    /** The reason in a failure's cause chain: a refused address, else what the connection said. */
    private static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof Failed failed) {
                return failed.getMessage();
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return "it could not be fetched: " + t.getMessage();
            }
        }
        return "it could not be fetched: the connection ended unexpectedly";
    }

    /** Scheme, host, port and path of a URL: enough to recognise it, without a query that may hold a token. */
    static String shown(URI url) {
        return haia.observe.SafeText.oneLine(url.getScheme() + "://" + url.getHost()
                + (url.getPort() < 0 ? "" : ":" + url.getPort()) + (url.getRawPath() == null ? "" : url.getRawPath()),
                                             200);
    }

    /** Helidon connects to whatever this answers: the address HAIA checked, never a second lookup's. */
    private final class CheckingResolver implements DnsResolver {
        @Override
        public InetAddress resolveAddress(String hostname, DnsAddressLookup lookup) {
            String host = hostname.startsWith("[") && hostname.endsWith("]")
                    ? hostname.substring(1, hostname.length() - 1) : hostname;
            return resolve(host);
        }
    }
}
