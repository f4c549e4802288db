package haia.llm;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JacksonException;

import io.helidon.http.Headers;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * The shape every provider's HTTP call has, written once: send, turn a non-200 answer into a classified
 * {@link LlmException}, read the body within HAIA's size limits, and for streams guarantee the one terminal event.
 * A {@link Cancellation} (a deadline, the client leaving, shutdown) ends the call at any point: before the
 * upstream's headers by interrupting the waiting thread, afterwards by closing the connection. {@link UpstreamClient}
 * supplies what differs between providers, from their {@link ProviderProtocol}: the request, how to read the reply
 * or stream, and the error body.
 */
public final class UpstreamCall {

    private final String provider;
    private final String type;
    private final UpstreamHttp.Settings limits;

    /**
     * @param provider the configured provider's name, for messages
     * @param type     its protocol type, recorded on the thinking a stream returns
     */
    public UpstreamCall(String provider, String type, UpstreamHttp.Settings limits) {
        this.provider = provider;
        this.type = type;
        this.limits = limits;
    }

    /** Reads a 200 answer's body (at most {@code HAIA_MAX_UPSTREAM_BYTES} of it; past that reading fails). */
    @FunctionalInterface
    public interface BodyReader<T> {
        T read(Headers headers, InputStream body) throws IOException;
    }

    /**
     * Reads a 200 streaming answer into {@code reply}: its text pieces, then at most one terminal event.
     *
     * @return whether a terminal event ({@link StreamedReply#complete} or {@link StreamedReply#fail}) was delivered
     */
    @FunctionalInterface
    public interface StreamReader {
        boolean read(Headers headers, InputStream body, StreamedReply reply) throws IOException;
    }

    /** Turns a non-200 answer into a failure. */
    @FunctionalInterface
    public interface FailureReader {
        LlmException read(HttpClientResponse response);
    }

    /**
     * A blocking call for a model reply: the reply, or a classified {@link LlmException}; a reply longer than
     * {@code HAIA_MAX_REPLY_CHARS} is a {@link ReplyTooLargeException} carrying the text up to the limit.
     */
    public LlmResponse reply(Supplier<UpstreamResponse> send, Cancellation cancellation, FailureReader failure,
                             BodyReader<LlmResponse> reader) {
        LlmResponse response = blocking(send, cancellation, failure, reader);
        if (length(response) > limits.maxReplyChars()) {
            throw new ReplyTooLargeException(provider, replyLimitMessage(), cut(response.text(), limits.maxReplyChars()),
                                             response.upstreamRequestId());
        }
        return response;
    }

    /** What a reply's size is measured in: its text, reasoning and tool arguments, as for a streamed reply. */
    private static long length(LlmResponse response) {
        long length = 0;
        for (Part part : response.parts()) {
            length += switch (part) {
                case Part.Text text -> text.text().length();
                case Part.Thinking thinking -> thinking.text().length();
                case Part.ToolCall call -> call.arguments().length();
                default -> 0;
            };
        }
        return length;
    }

    /**
     * Any blocking call: the body's meaning, or a classified {@link LlmException}. A cancelled call fails with
     * {@link ErrorCategory#CANCELLED}; the caller knows why it cancelled and says so.
     */
    public <T> T blocking(Supplier<UpstreamResponse> send, Cancellation cancellation, FailureReader failure,
                          BodyReader<T> reader) {
        UpstreamResponse response = send(send, cancellation);
        // an abort, not a close: see UpstreamResponse
        Runnable unregister = cancellation.onCancel(response::abort);
        try (response) {
            if (response.status().code() != 200) {
                throw failure.read(response);
            }
            return reader.read(response.headers(), new CappedBody(response.inputStream(), limits.maxBodyBytes(),
                                                                  response.headers().contentLength()));
        } catch (BodyLimitReached e) {
            throw new ReplyTooLargeException(provider, bodyLimitMessage(), "", Optional.empty());
        } catch (LlmException e) {
            throw cancellation.isCancelled() ? cancelled(cancellation) : e;
        } catch (IOException | RuntimeException e) {
            if (cancellation.isCancelled()) {
                throw cancelled(cancellation);
            }
            throw e instanceof IOException io ? unreadable(io) : UpstreamErrors.connectionFailure(provider, e);
        } finally {
            unregister.run();
        }
    }

    /**
     * A streaming call, following {@link LlmClient#stream}'s contract: cancellation closes the connection (so a
     * thread blocked on the next token wakes at once), every failure is a {@code Failed} event, and a stream that
     * ends without its final event is a protocol failure, never a silent success. A stream past HAIA's size limits
     * ends with a {@link ReplyTooLargeException} after the text up to the limit.
     */
    public void streaming(Supplier<UpstreamResponse> send, Cancellation cancellation, Consumer<LlmEvent> events,
                          FailureReader failure, StreamReader reader) {
        UpstreamResponse response;
        try {
            response = send(send, cancellation);
        } catch (LlmException e) {
            if (!cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(e));
            }
            return;
        }
        Runnable unregister = cancellation.onCancel(response::abort);
        try (response) {
            if (response.status().code() != 200) {
                events.accept(new LlmEvent.Failed(failure.read(response)));
                return;
            }
            boolean ended = reader.read(response.headers(),
                                        new CappedBody(response.inputStream(), limits.maxBodyBytes(),
                                                       OptionalLong.empty()),
                                        new StreamedReply(type, events, limits.maxReplyChars()));
            if (!ended && !cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(UpstreamErrors.protocolFailure(
                        provider, "the stream ended before its final event", null)));
            }
        } catch (BodyLimitReached e) {
            events.accept(new LlmEvent.Failed(new ReplyTooLargeException(provider, bodyLimitMessage(), "",
                                                                         Optional.empty())));
        } catch (StreamedReply.ReplyLimitReached e) {
            events.accept(new LlmEvent.Failed(new ReplyTooLargeException(provider, replyLimitMessage(), "",
                                                                         Optional.empty())));
        } catch (IOException | RuntimeException e) {
            if (!cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(e instanceof LlmException llm ? llm
                        : e instanceof IOException io ? unreadable(io)
                        : UpstreamErrors.connectionFailure(provider, e)));
            }
        } finally {
            unregister.run();
        }
    }

    /**
     * Sends the request and waits for the answer's headers. Nothing can be closed yet while waiting (an upstream
     * that accepts the connection and then says nothing), so a cancellation interrupts this thread instead.
     */
    private UpstreamResponse send(Supplier<UpstreamResponse> send, Cancellation cancellation) {
        try (Cancellation.Interruption ignored = cancellation.interruptOnCancel()) {
            return send.get();
        } catch (LlmException e) {
            // UpstreamHttp's own account of the connection, naming the URL and the setting that changes it
            throw cancellation.isCancelled() ? cancelled(cancellation) : e;
        } catch (RuntimeException e) {
            if (cancellation.isCancelled()) {
                throw cancelled(cancellation);
            }
            throw UpstreamErrors.connectionFailure(provider, e);
        }
    }

    private LlmException cancelled(Cancellation cancellation) {
        return LlmException.of(ErrorCategory.CANCELLED, provider, "The " + provider + " call was stopped ("
                + cancellation.reason().map(r -> r.name().toLowerCase(java.util.Locale.ROOT)).orElse("cancelled") + ")");
    }

    /** A body that could not be read or parsed. Only its position is told: parser messages quote upstream bytes. */
    private LlmException unreadable(IOException e) {
        String what = e instanceof JacksonException json
                ? "the reply is not valid JSON" + (json.getLocation() == null ? ""
                        : " (line " + json.getLocation().getLineNr() + ", column " + json.getLocation().getColumnNr() + ")")
                : "the reply could not be read: " + UpstreamErrors.describe(e);
        return UpstreamErrors.protocolFailure(provider, what, e);
    }

    private String replyLimitMessage() {
        return "The " + provider + " upstream's reply went past HAIA's limit of " + limits.maxReplyChars()
                + " characters (HAIA_MAX_REPLY_CHARS); HAIA cut it off there and stopped the upstream";
    }

    private String bodyLimitMessage() {
        return "The " + provider + " upstream's response went past HAIA's limit of " + limits.maxBodyBytes()
                + " bytes (HAIA_MAX_UPSTREAM_BYTES); HAIA stopped reading it";
    }

    /** The first {@code max} characters, never splitting a surrogate pair. */
    static String cut(String text, int max) {
        if (text.length() <= max) {
            return text;
        }
        int end = max > 0 && Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end);
    }

    /** Thrown by a body read past {@code HAIA_MAX_UPSTREAM_BYTES}; unchecked, so it passes through parsers. */
    static final class BodyLimitReached extends RuntimeException {
        BodyLimitReached() {
            super(null, null, false, false);
        }
    }

    /** An upstream body that refuses to hand out more than {@code max} bytes. */
    private static final class CappedBody extends FilterInputStream {

        /** The pieces a body of unknown length is read in: most replies fit in one. */
        private static final int PIECE = 4096;

        private long left;
        /** What the body's Content-Length says, when it says. */
        private final OptionalLong declared;

        CappedBody(InputStream in, long max, OptionalLong declared) {
            super(in);
            this.left = max;
            this.declared = declared;
        }

        /**
         * The whole body, in as few bytes as it takes. The JDK's own reads 16 KB pieces, and Helidon's entity stream
         * allocates a buffer of each piece's size: 32 KB of garbage for a reply of a few hundred bytes, on every
         * call (allocation profile of bin/bench overhead). A declared length is read into an array of that size.
         */
        @Override
        public byte[] readAllBytes() throws IOException {
            if (declared.isPresent() && declared.getAsLong() <= left) {
                byte[] body = new byte[(int) declared.getAsLong()];
                int n = readNBytes(body, 0, body.length);
                // and its end, read: Helidon hands the connection back to its pool for the next call only once the
                // entity stream has said so (without this read, each call opened a new connection: +25 % CPU)
                if (n == body.length && read() >= 0) {
                    throw new IOException("the upstream's body is longer than its Content-Length");
                }
                return n == body.length ? body : Arrays.copyOf(body, n);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream(PIECE);
            byte[] piece = new byte[PIECE];
            for (int n; (n = read(piece, 0, PIECE)) >= 0; ) {
                body.write(piece, 0, n);
            }
            return body.toByteArray();
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0 && --left < 0) {
                throw new BodyLimitReached();
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            // ask for one byte past the limit, so a body of exactly the limit still reads to its end
            int n = super.read(buffer, offset, (int) Math.min(length, Math.max(1, left + 1)));
            if (n > 0) {
                left -= n;
                if (left < 0) {
                    throw new BodyLimitReached();
                }
            }
            return n;
        }
    }
}
