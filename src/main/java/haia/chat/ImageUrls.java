package haia.chat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

import haia.llm.Cancellation;
import haia.llm.ImageFormats;
import haia.llm.Part;
import haia.observe.SafeText;

/**
 * Fetches the pictures clients give as http(s) URLs, for providers that take image bytes only (Ollama, Gemini;
 * Anthropic and OpenAI-compatible servers fetch URLs themselves).
 *
 * <p>The trust decision: a client that may use HAIA may make HAIA fetch a URL, as it could make the provider fetch
 * one; HAIA's clients hold its API key. Within that, a fetch can do little: http and https only, redirects followed
 * only between those (never to another scheme, never from https to http), at most {@code maxBytes} read, within
 * {@link #TIMEOUT}, and only a JPEG, PNG, GIF or WebP (by its bytes) becomes an image. A URL that fails any of that
 * is the client's 400, before anything is stored or sent.
 */
final class ImageUrls {

    static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NORMAL)   // http(s) only; never https to http
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final int maxBytes;

    ImageUrls(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The picture at {@code url} as bytes. @throws RequestRefused when it cannot be had */
    Part.Image.Inline fetch(URI url, Cancellation cancellation) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw refused(url, "only http(s) URLs are fetched");
        }
        HttpRequest request = HttpRequest.newBuilder(url).timeout(TIMEOUT).header("Accept", "image/*").GET().build();
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw refused(url, "it answered HTTP " + response.statusCode());
                }
                byte[] data = body.readNBytes(maxBytes + 1);
                if (data.length > maxBytes) {
                    throw refused(url, "the image is larger than HAIA's limit of " + maxBytes
                            + " bytes (HAIA_MAX_IMAGE_BYTES)");
                }
                Optional<String> type = ImageFormats.of(data);
                if (type.isEmpty()) {
                    throw refused(url, "what it returned is not a JPEG, PNG, GIF or WebP image");
                }
                return new Part.Image.Inline(type.get(), data);
            }
        } catch (IOException e) {
            throw refused(url, "it could not be fetched (" + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()) + ")");
        } catch (InterruptedException e) {
            if (!cancellation.isCancelled()) {
                Thread.currentThread().interrupt();
            }
            throw refused(url, "fetching it was stopped");
        }
    }

    private static RequestRefused refused(URI url, String why) {
        String shown = url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                + url.getRawPath();
        return new RequestRefused("messages", "HAIA needs the image at " + SafeText.oneLine(shown, 200)
                + " as bytes for this model, but " + why);
    }
}
