package haia.llm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A non-200 answer's body, for a protocol's {@link ProviderProtocol#failure}: parsed when it is JSON, and as text
 * ("no details" when empty). The text is whole (whitespace runs collapsed): it is shortened only after secrets are
 * redacted from it ({@link SanitizedLlmClient}), so a key straddling the cut cannot leak in part.
 *
 * @param json the body as JSON, when it is a JSON object or array
 * @param text the body as one line of text
 */
public record ErrorBody(Optional<JsonNode> json, String text) {

    public static ErrorBody of(byte[] body) {
        Optional<JsonNode> parsed = Optional.empty();
        try {
            parsed = Optional.ofNullable(ProtocolJson.READER.readTree(body)).filter(JsonNode::isContainerNode);
        } catch (IOException notJson) {
            // HTML from a proxy, plain text from a misconfigured server: its text is all there is
        }
        String text = new String(body, StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ");
        return new ErrorBody(parsed, text.isEmpty() ? "no details" : text);
    }

    /** The JSON body, or a missing node when the body is not JSON. */
    public JsonNode root() {
        return json.orElse(com.fasterxml.jackson.databind.node.MissingNode.getInstance());
    }

    /** The first non-blank text of the given fields' values, else the body's text. */
    public String detail(Optional<String> fromJson) {
        return fromJson.filter(s -> !s.isBlank()).orElse(text);
    }
}
