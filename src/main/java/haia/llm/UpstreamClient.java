package haia.llm;

import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.function.Consumer;

import haia.config.HaiaConfig;

import io.helidon.webclient.api.HttpClientResponse;

/**
 * The one HTTP client of every provider: it sends what the provider's {@link ProviderProtocol} describes over
 * HAIA's connection pool ({@link UpstreamHttp}), within HAIA's deadlines, size limits and cancellation
 * ({@link UpstreamCall}), reads streams event by event into the protocol's {@link StreamDecoder}, and hands error
 * answers to the protocol to classify. What differs between providers is all in their protocol; this class is the
 * same for each.
 */
public final class UpstreamClient implements LlmClient {

    /** Largest error body read for its message. */
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final String name;
    private final ProviderProtocol protocol;
    private final UpstreamHttp http;
    private final UpstreamCall call;

    public UpstreamClient(HaiaConfig.Provider settings, ProviderProtocol protocol, UpstreamHttp.Settings upstream) {
        this.name = settings.name();
        this.protocol = protocol;
        this.http = UpstreamHttp.client(settings, upstream);
        this.call = new UpstreamCall(name, settings.type(), upstream);
    }

    @Override
    public String provider() {
        return name;
    }

    @Override
    public Optional<RequestProblem> problem(LlmRequest request) {
        return protocol.problem(request);
    }

    @Override
    public LlmResponse chat(LlmRequest request, Cancellation cancellation) {
        return protocol.streamsBlockingCalls() ? collected(request, cancellation) : blocking(request, cancellation);
    }

    private LlmResponse blocking(LlmRequest request, Cancellation cancellation) {
        UpstreamRequest upstream = protocol.request(request, false);
        // the whole body first: Jackson reading Helidon's entity stream directly pulls it in tiny pieces
        return call.reply(() -> http.send(upstream), cancellation, response -> failure(request.model(), response),
                          (headers, body) -> protocol.reply(request, UpstreamHead.of(200, headers),
                                                            body.readAllBytes()));
    }

    @Override
    public void stream(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        UpstreamRequest upstream = protocol.request(request, true);
        java.util.concurrent.atomic.AtomicBoolean empty = new java.util.concurrent.atomic.AtomicBoolean();
        Consumer<LlmEvent> target = !protocol.explainsEmptyStreams() ? events : event -> {
            if (event instanceof LlmEvent.Failed failed && failed.error() instanceof EmptyStreamException) {
                empty.set(true);
            } else {
                events.accept(event);
            }
        };
        call.streaming(() -> http.send(upstream), cancellation, target, response -> failure(request.model(), response),
                       (headers, body, reply) -> read(protocol.decoder(request, UpstreamHead.of(200, headers)), body,
                                                      reply));
        if (empty.get()) {
            explained(request, cancellation, events);
        }
    }

    /**
     * The same request once more, not streamed, after its stream was empty: the server's error says why it refused
     * (or, should it answer after all, its reply comes whole).
     */
    private void explained(LlmRequest request, Cancellation cancellation, Consumer<LlmEvent> events) {
        try {
            events.accept(new LlmEvent.Completed(blocking(request, cancellation)));
        } catch (LlmException e) {
            if (!cancellation.isCancelled()) {
                events.accept(new LlmEvent.Failed(e));
            }
        }
    }

    /**
     * A blocking call made as a stream ({@link ProviderProtocol#streamsBlockingCalls}): the reply the stream completes,
     * or its failure as a blocking call's (a reply past HAIA's limit keeps the text up to it), or
     * {@link ErrorCategory#CANCELLED} when it was stopped.
     */
    private LlmResponse collected(LlmRequest request, Cancellation cancellation) {
        StringBuilder text = new StringBuilder();
        java.util.concurrent.atomic.AtomicReference<LlmEvent> terminal =
                new java.util.concurrent.atomic.AtomicReference<>();
        stream(request, cancellation, event -> {
            switch (event) {
                case LlmEvent.TextDelta delta -> text.append(delta.text());
                case LlmEvent.Delta other -> {
                    // kept by the stream for its final reply
                }
                case LlmEvent.Completed completed -> terminal.set(completed);
                case LlmEvent.Failed failed -> terminal.set(failed);
            }
        });
        return switch (terminal.get()) {
            case LlmEvent.Completed completed -> completed.response();
            case LlmEvent.Failed failed when failed.error() instanceof ReplyTooLargeException tooLarge ->
                    throw new ReplyTooLargeException(name, tooLarge.getMessage(), text.toString(),
                                                     tooLarge.upstreamRequestId());
            case LlmEvent.Failed failed -> throw failed.error();
            case null -> throw LlmException.of(ErrorCategory.CANCELLED, name, "The " + name + " call was stopped ("
                    + cancellation.reason().map(r -> r.name().toLowerCase(java.util.Locale.ROOT)).orElse("cancelled")
                    + ")");
            default -> throw new IllegalStateException("unexpected terminal event " + terminal.get());
        };
    }

    /** Feeds the stream to the decoder, event by event (SSE) or line by line (NDJSON), as each arrives. */
    static boolean read(StreamDecoder decoder, InputStream body, StreamedReply reply) throws IOException {
        SseReader in = new SseReader(body);
        if (decoder.framing() == StreamDecoder.Framing.SSE) {
            Optional<SseReader.Event> event;
            while ((event = in.next()).isPresent()) {
                if (decoder.event(event.get().name(), event.get().data(), reply)) {
                    return true;
                }
            }
        } else {
            Optional<String> line;
            while ((line = in.nextLine()).isPresent()) {
                if (!line.get().isBlank() && decoder.event("", line.get(), reply)) {
                    return true;
                }
            }
        }
        return decoder.end(reply);
    }

    /**
     * The protocol's start-up check: its request, what a 200 says, what a 404 means. Nobody cancels it; it gets the
     * same size limits and error handling as a chat call.
     */
    @Override
    public Optional<String> modelProblem(String upstreamModel) {
        ModelCheck check = protocol.modelCheck(upstreamModel);
        try {
            return call.blocking(() -> http.send(check.request()), new Cancellation(),
                                 response -> failure(upstreamModel, response),
                                 (headers, body) -> check.answer().apply(body.readAllBytes()));
        } catch (LlmException e) {
            if (e.category() == ErrorCategory.NOT_FOUND) {
                return check.whenAbsent();
            }
            throw e;
        }
    }

    /** The first of the protocol's context queries that tells; failures (a 404 from a server without it) skipped. */
    @Override
    public Optional<ContextQuery.Found> contextTokens(String upstreamModel) {
        for (ContextQuery query : protocol.contextQueries(upstreamModel)) {
            try {
                java.util.OptionalInt tokens = call.blocking(() -> http.send(query.request()), new Cancellation(),
                                                             response -> failure(upstreamModel, response),
                                                             (headers, body) -> query.answer()
                                                                     .apply(body.readAllBytes()));
                if (tokens.isPresent() && tokens.getAsInt() > 0) {
                    return Optional.of(new ContextQuery.Found(tokens.getAsInt(), query.source()));
                }
            } catch (LlmException | java.io.UncheckedIOException cannotTell) {
                // this server does not answer that way: try the next
            }
        }
        return Optional.empty();
    }

    /** A non-200 answer, classified by the protocol from its status, headers and (at most 64 KB of) body. */
    private LlmException failure(String model, HttpClientResponse response) {
        byte[] body;
        try {
            body = response.inputStream().readNBytes(MAX_ERROR_BODY);
        } catch (IOException | RuntimeException unreadable) {
            body = new byte[0];
        }
        return protocol.failure(model, UpstreamHead.of(response.status().code(), response.headers()), body);
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "UpstreamClient[" + name + ": " + protocol + "]";
    }
}
