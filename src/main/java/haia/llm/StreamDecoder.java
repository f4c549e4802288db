package haia.llm;

import java.io.IOException;

/**
 * Reads one provider stream, event by event, into neutral terms: each event's pieces go to the {@link StreamedReply}
 * (text, thinking, tool calls), which reports them and builds the whole reply, and the decoder ends it with
 * {@link StreamedReply#complete} or {@link StreamedReply#fail}. One decoder per stream: it keeps what the stream
 * has said so far (the model, the token counts, open tool calls). It never touches the network: the shared
 * {@link UpstreamClient} reads the body and hands it over, so decoders are tested on recorded events alone.
 */
public interface StreamDecoder {

    /** How the stream is framed. */
    enum Framing {
        /** Server-sent events (Anthropic, OpenAI, Gemini). */
        SSE,
        /** One JSON object per line (Ollama). */
        NDJSON
    }

    Framing framing();

    /**
     * One event: an SSE event's name ({@code ""} when it has none) and data, or one non-blank NDJSON line as
     * {@code data}.
     *
     * @return whether the reply has ended (complete or failed); no more events are read then
     */
    boolean event(String name, String data, StreamedReply reply) throws IOException;

    /**
     * The body ended without {@link #event} ending the reply: streams that simply stop complete here (Gemini, an
     * OpenAI-compatible server without {@code [DONE]}).
     *
     * @return whether the reply has ended; false makes the stream a protocol failure (cut off)
     */
    boolean end(StreamedReply reply);
}
