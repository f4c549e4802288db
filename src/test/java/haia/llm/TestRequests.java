package haia.llm;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

/** Neutral requests and parts for mapping tests. */
public final class TestRequests {

    /** A real 1x1 PNG. */
    public static final byte[] PNG = Base64.getDecoder().decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC");

    private TestRequests() {
    }

    /** A plain request: a system prompt, the messages, 1024 tokens, no sampling choices. */
    public static LlmRequest of(String model, String system, LlmMessage... messages) {
        return LlmRequest.plain(model, List.of(system), List.of(messages), 1024, Sampling.DEFAULT);
    }

    public static Builder request(String model) {
        return new Builder(model);
    }

    public static Part.Image png() {
        return new Part.Image(new Part.Image.Inline("image/png", PNG));
    }

    public static JsonNode json(String text) {
        try {
            return ProtocolJson.READER.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A tool with a node argument (a string) and an optional verbosity flag. */
    public static ToolDefinition nodeStatus() {
        return new ToolDefinition("node_status", "A Proxmox node's status", json("""
                {"type":"object","properties":{"node":{"type":"string","description":"node name"},
                 "verbose":{"type":["boolean","null"]}},"required":["node"],"additionalProperties":false}"""),
                                  Optional.empty());
    }

    public static LlmMessage user(Part... parts) {
        return new LlmMessage(LlmMessage.Role.USER, List.of(parts));
    }

    public static LlmMessage assistant(Part... parts) {
        return new LlmMessage(LlmMessage.Role.ASSISTANT, List.of(parts));
    }

    public static Part.ToolResult result(String callId, String tool, String text) {
        return new Part.ToolResult(callId, tool, List.of(new Part.Text(text)), false);
    }

    /** A request built field by field. */
    public static final class Builder {
        private final String model;
        private final List<String> system = new ArrayList<>(List.of("You are HAIA."));
        private final List<LlmMessage> messages = new ArrayList<>();
        private int maxTokens = 1024;
        private Sampling sampling = Sampling.DEFAULT;
        private List<ToolDefinition> tools = List.of();
        private ToolChoice choice = ToolChoice.AUTO;
        private Optional<Boolean> parallel = Optional.empty();
        private ResponseFormat format = ResponseFormat.TEXT;
        private Optional<ReasoningEffort> reasoning = Optional.empty();
        private boolean cachePrefix;

        private Builder(String model) {
            this.model = model;
        }

        public Builder messages(LlmMessage... all) {
            messages.addAll(List.of(all));
            return this;
        }

        public Builder tools(ToolDefinition... all) {
            tools = List.of(all);
            return this;
        }

        public Builder choice(ToolChoice value) {
            choice = value;
            return this;
        }

        public Builder parallel(boolean value) {
            parallel = Optional.of(value);
            return this;
        }

        public Builder format(ResponseFormat value) {
            format = value;
            return this;
        }

        public Builder reasoning(ReasoningEffort value) {
            reasoning = Optional.of(value);
            return this;
        }

        public Builder sampling(Sampling value) {
            sampling = value;
            return this;
        }

        /** Marks the stable prefix for the prompt cache ({@code HAIA_PROMPT_CACHE=on}). */
        public Builder cached() {
            cachePrefix = true;
            return this;
        }

        public Builder system(String... blocks) {
            system.clear();
            system.addAll(List.of(blocks));
            return this;
        }

        public Builder maxTokens(int value) {
            maxTokens = value;
            return this;
        }

        public LlmRequest build() {
            return new LlmRequest(model, system, messages, maxTokens, sampling, new ToolUse(tools, choice, parallel),
                                  format, reasoning, cachePrefix);
        }
    }
}
