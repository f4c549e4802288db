package haia.llm;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A tool's schema is serialised once and written as that text by the providers that send it unchanged: the text must
 * be the schema exactly, also where a client's schema holds what only an escape can carry.
 */
class ToolDefinitionTest {

    /** Half of an emoji, as a client's JSON escape can send it, beside a whole one and quotes. */
    private static final JsonNode SCHEMA = TestRequests.json("""
            {"type":"object","properties":{"mood":{"type":"string",
             "description":"half \\ud83d, whole \\ud83d\\ude00, \\"quoted\\" and \\\\ back"}}}""");

    @Test
    void theSchemaTextIsTheSchema() throws Exception {
        ToolDefinition tool = new ToolDefinition("mood", "", SCHEMA, Optional.empty());
        assertEquals(SCHEMA, ProtocolJson.READER.readTree(tool.schemaJson()));
        assertEquals(tool.schemaJson().length(), tool.schemaChars());
    }

    /** A provider's protocol, as its descriptor builds it, and where its requests carry a tool's schema. */
    private record Sent(ProviderProtocol protocol, String schemaAt) {
    }

    private static Sent sent(String type, String baseUrl, String schemaAt) {
        return new Sent(Providers.byType(type).orElseThrow().protocol()
                                .apply(RecordedStream.provider(type, baseUrl, "key", Map.of())), schemaAt);
    }

    @Test
    void everyProviderThatSendsTheSchemaAsItIsSendsItIntact() throws Exception {
        LlmRequest request = TestRequests.request("m").messages(LlmMessage.user("how am I?"))
                .tools(new ToolDefinition("mood", "", SCHEMA, Optional.empty())).build();
        List<Sent> providers = List.of(
                sent("openai", "http://desk:1234/v1", "/tools/0/function/parameters"),
                sent("ollama", "http://gpu-box:11434", "/tools/0/function/parameters"),
                sent("anthropic", "https://api.anthropic.com/", "/tools/0/input_schema"));
        for (Sent sent : providers) {
            for (boolean stream : List.of(false, true)) {
                JsonNode body = ProtocolJson.READER.readTree(sent.protocol().request(request, stream).body());
                assertEquals(SCHEMA, body.at(sent.schemaAt()), sent.protocol().getClass().getSimpleName());
            }
        }
    }
}
