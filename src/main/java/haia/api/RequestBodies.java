package haia.api;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Optional;

import haia.openai.InvalidRequestException;

import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.webserver.http.ServerRequest;

/** Reads a JSON request body with a size cap, refusing other content types. */
final class RequestBodies {

    private RequestBodies() {
    }

    static byte[] readJson(ServerRequest req, long maxBytes) {
        Optional<String> contentType = req.headers().first(HeaderNames.CONTENT_TYPE);
        if (contentType.isPresent()) {
            String value = contentType.get();
            int semicolon = value.indexOf(';');
            String type = (semicolon < 0 ? value : value.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
            if (!type.equals("application/json") && !type.endsWith("+json")) {
                throw new InvalidRequestException(415, "Content-Type must be application/json, got '"
                        + abbreviate(contentType.get()) + "'", Optional.empty(), "unsupported_media_type");
            }
        }
        Optional<Long> declared = req.headers().contentLength().stream().boxed().findFirst();
        if (declared.isPresent() && declared.get() > maxBytes) {
            throw tooLarge(declared.get(), maxBytes);
        }
        try (InputStream in = req.content().inputStream()) {
            // a declared length is read into an array of its size (Helidon ends the stream there); without one, past
            // the limit by a byte to see it exceeded (readNBytes then reads in 16 KB chunks and copies them together)
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, declared.orElse(maxBytes + 1)));
            if (body.length > maxBytes) {
                throw tooLarge(-1, maxBytes);
            }
            return body;
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidRequestException invalid) {
                throw invalid;
            }
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof RequestException request && request.status().code() == 413) {
                    throw tooLarge(-1, maxBytes);   // Helidon counted the chunks past the limit first
                }
            }
            // broken chunked encoding, a body cut short: the client's HTTP is at fault
            throw new InvalidRequestException(400, "The request body could not be read (malformed or truncated HTTP body)",
                                              Optional.empty(), "bad_request");
        }
    }

    private static InvalidRequestException tooLarge(long declared, long maxBytes) {
        return new InvalidRequestException(413, TransportErrors.tooLargeMessage(declared, maxBytes),
                                           Optional.empty(), "request_too_large");
    }

    private static String abbreviate(String value) {
        return value.length() <= 100 ? value : value.substring(0, 100) + "…";
    }
}
