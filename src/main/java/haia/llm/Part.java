package haia.llm;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A piece of a message, provider-neutral: what users, models and tools say to each other. A message is a list of
 * parts; each provider mapping writes them in its own shapes and reads its own shapes back into them.
 */
public sealed interface Part {

    /** Plain text. Adjacent text parts read as one text, joined without a separator (as OpenAI joins them). */
    record Text(String text) implements Part {
        public Text {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A picture the user (or a tool) showed the model. */
    record Image(Source source) implements Part {

        public Image {
            Objects.requireNonNull(source, "source");
        }

        /** What the picture is, for a note in its place: {@code image/png, 182 KB}, or its address. */
        public String summary() {
            return switch (source) {
                case Stored stored -> stored.mediaType() + ", " + size(stored.size());
                case Inline inline -> inline.mediaType() + ", " + size(inline.data().length);
                case Url url -> url.url().toString();
            };
        }

        private static String size(long bytes) {
            return bytes >= 1 << 20 ? String.format(java.util.Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20))
                    : Math.max(1, Math.round(bytes / 1024.0)) + " KB";
        }

        /** Where the picture's bytes are. */
        public sealed interface Source {
        }

        /**
         * The bytes themselves.
         *
         * @param mediaType {@code image/png}, {@code image/jpeg}, {@code image/gif} or {@code image/webp}
         * @param data      the image file's bytes
         */
        public record Inline(String mediaType, byte[] data) implements Source {
            public Inline {
                Objects.requireNonNull(mediaType, "mediaType");
                Objects.requireNonNull(data, "data");
            }

            @Override
            public boolean equals(Object other) {
                return other instanceof Inline o && mediaType.equals(o.mediaType) && Arrays.equals(data, o.data);
            }

            @Override
            public int hashCode() {
                return mediaType.hashCode() * 31 + Arrays.hashCode(data);
            }

            @Override
            public String toString() {
                return "Inline[" + mediaType + ", " + data.length + " bytes]";
            }
        }

        /** An http(s) address of the picture (given to providers that fetch it themselves, fetched by HAIA for others). */
        public record Url(URI url) implements Source {
            public Url {
                Objects.requireNonNull(url, "url");
            }
        }

        /**
         * A picture in HAIA's database, not loaded: what the window query returns, so old pictures that age out of the
         * window never leave the database. The pipeline loads the ones it keeps before any provider sees them.
         *
         * @param id        its row
         * @param mediaType its type
         * @param size      its size in bytes
         * @param sha256    its content's hash (hex), which recognises it when a client sends it again
         */
        public record Stored(long id, String mediaType, int size, String sha256) implements Source {
            public Stored {
                Objects.requireNonNull(mediaType, "mediaType");
                Objects.requireNonNull(sha256, "sha256");
            }
        }
    }

    /**
     * The model asks for a tool to be called.
     *
     * @param id        the call's id, which its {@link ToolResult} names
     * @param name      the tool's name
     * @param arguments the arguments as JSON text (an object, as the model wrote it; possibly not valid JSON)
     */
    record ToolCall(String id, String name, String arguments) implements Part {
        public ToolCall {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(arguments, "arguments");
        }
    }

    /**
     * What a tool call gave. Travels in a user message, right after the assistant message that made the call.
     *
     * @param callId   the {@link ToolCall#id()} it answers
     * @param toolName the tool's name (Ollama and Gemini want it; empty when unknown)
     * @param content  text and images
     * @param error    whether the call failed
     */
    record ToolResult(String callId, String toolName, List<Part> content, boolean error) implements Part {
        public ToolResult {
            Objects.requireNonNull(callId, "callId");
            Objects.requireNonNull(toolName, "toolName");
            content = List.copyOf(content);
            if (content.stream().anyMatch(p -> !(p instanceof Text) && !(p instanceof Image))) {
                throw new IllegalArgumentException("a tool result holds text and images only");
            }
        }

        /** Its text parts joined. */
        public String text() {
            return Part.text(content);
        }
    }

    /**
     * The model's reasoning before its answer, kept exactly as the provider sent it: some providers require it back,
     * unchanged, in a tool loop (Anthropic's signed thinking blocks, Gemini's thought signatures). Opaque data is
     * only ever sent back to a provider of the type that produced it.
     *
     * @param text      the reasoning text (empty when the provider sent only a signature or redacted data)
     * @param signature the provider's signature of it, when it sent one
     * @param redacted  encrypted reasoning the provider did not show, when it sent that instead
     * @param provider  the type of the provider that produced it ({@code anthropic}, {@code gemini}, ...)
     */
    record Thinking(String text, Optional<String> signature, Optional<String> redacted, String provider)
            implements Part {
        public Thinking {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(signature, "signature");
            Objects.requireNonNull(redacted, "redacted");
            Objects.requireNonNull(provider, "provider");
        }
    }

    /** The text parts of {@code parts}, joined without a separator. */
    static String text(List<Part> parts) {
        if (parts.size() == 1 && parts.getFirst() instanceof Text only) {
            return only.text();
        }
        StringBuilder text = new StringBuilder();
        for (Part part : parts) {
            if (part instanceof Text t) {
                text.append(t.text());
            }
        }
        return text.toString();
    }
}
