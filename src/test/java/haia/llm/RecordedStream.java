package haia.llm;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import haia.config.HaiaConfig;
import haia.config.Secret;

/**
 * Runs a protocol's stream decoder over a recorded stream body, exactly as {@link UpstreamClient} reads a live one
 * (same framing code), and records the neutral events it produces: the decoder tests need no socket.
 */
public final class RecordedStream {

    /** What the decoder made of the stream, in order, and whether it ended the reply itself. */
    public record Decoded(List<LlmEvent> events, boolean ended) {

        public LlmEvent last() {
            return events.getLast();
        }

        /** The finished reply; fails when the stream did not complete. */
        public LlmResponse response() {
            if (!(last() instanceof LlmEvent.Completed completed)) {
                throw new AssertionError("the stream did not complete: " + events);
            }
            return completed.response();
        }

        public LlmException failure() {
            if (!(last() instanceof LlmEvent.Failed failed)) {
                throw new AssertionError("the stream did not fail: " + events);
            }
            return failed.error();
        }
    }

    private RecordedStream() {
    }

    /** Decodes as the stream of a provider of type {@code provider} (recorded on the reply's thinking). */
    public static Decoded decode(String provider, StreamDecoder decoder, String body) {
        List<LlmEvent> events = new ArrayList<>();
        try {
            boolean ended = UpstreamClient.read(decoder, new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8)),
                                                StreamedReply.to(provider, events::add, 500_000));
            return new Decoded(List.copyOf(events), ended);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SSE events {@code event: name / data: json}, as Anthropic frames them. */
    public static String sse(String... nameAndData) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < nameAndData.length; i += 2) {
            body.append("event: ").append(nameAndData[i]).append('\n').append("data: ").append(nameAndData[i + 1])
                    .append("\n\n");
        }
        return body.toString();
    }

    /** Data-only SSE, as OpenAI and Gemini frame it. */
    public static String data(String... data) {
        StringBuilder body = new StringBuilder();
        for (String d : data) {
            body.append("data: ").append(d).append("\n\n");
        }
        return body.toString();
    }

    /** A configured provider for a mapping under test. */
    public static HaiaConfig.Provider provider(String type, String baseUrl, String key, Map<String, String> options) {
        return new HaiaConfig.Provider(type, type, URI.create(baseUrl), Optional.ofNullable(key).map(Secret::new),
                                       options, type.toUpperCase() + "_BASE_URL", type.toUpperCase() + "_API_KEY");
    }
}
