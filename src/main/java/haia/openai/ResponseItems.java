package haia.openai;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.tools.ToolNames;

/**
 * The Responses API's items (what a response outputs, what its input was) and HAIA's message parts, both ways. An
 * item's id says where it is: {@code <prefix>_<response>_<n>} is output item {@code n} of response
 * {@code resp_<response>}, {@code <prefix>_<response>_i<n>} its input item {@code n}. The same reply gives the same
 * items whether streamed, answered at once or read back from the store, so a client can refer to any of them later
 * ({@code item_reference}).
 *
 * <p>HAIA's own tool calls (the agent loop's, {@code haia_...}) are {@code mcp_call} items: calls a server ran for the
 * model, which no client runs. The client's own calls are {@code function_call} items.
 */
public final class ResponseItems {

    /** The label of HAIA's own tools in {@code mcp_call} items. */
    public static final String SERVER_LABEL = "haia";
    private static final char[] ID_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private ResponseItems() {
    }

    /** One item. */
    public sealed interface Item {
        String id();

        /** The role and parts this item is in a conversation. */
        LlmMessage.Role role();

        List<Part> parts();
    }

    /** A message: the user's text and pictures, or the model's text. */
    public record Message(String id, LlmMessage.Role role, List<Part> parts) implements Item {
        public Message {
            parts = List.copyOf(parts);
        }

        public String text() {
            return Part.text(parts);
        }
    }

    /** The model's reasoning, shown as its summary. */
    public record Reasoning(String id, List<Part.Thinking> thinking) implements Item {
        public Reasoning {
            thinking = List.copyOf(thinking);
        }

        public LlmMessage.Role role() {
            return LlmMessage.Role.ASSISTANT;
        }

        public List<Part> parts() {
            return List.copyOf(thinking);
        }

        public String text() {
            StringBuilder text = new StringBuilder();
            thinking.forEach(t -> text.append(t.text()));
            return text.toString();
        }
    }

    /** A call of one of the client's tools, which the client runs. */
    public record FunctionCall(String id, Part.ToolCall call) implements Item {
        public LlmMessage.Role role() {
            return LlmMessage.Role.ASSISTANT;
        }

        public List<Part> parts() {
            return List.of(call);
        }
    }

    /** What the client's tool gave. */
    public record FunctionCallOutput(String id, Part.ToolResult result) implements Item {
        public LlmMessage.Role role() {
            return LlmMessage.Role.USER;
        }

        public List<Part> parts() {
            return List.of(result);
        }
    }

    /** A call of one of HAIA's own tools, run by HAIA in the agent loop, and its result once there is one. */
    public record McpCall(String id, Part.ToolCall call, Optional<Part.ToolResult> result) implements Item {
        public McpCall {
            Objects.requireNonNull(result, "result");
        }

        public LlmMessage.Role role() {
            return LlmMessage.Role.ASSISTANT;
        }

        public List<Part> parts() {
            return result.isPresent() ? List.of(call, result.get()) : List.of(call);
        }
    }

    /** Where an item id points. */
    public record ItemAddress(String responseId, boolean input, int index) {
    }

    /** A new response id: {@code resp_} and 32 random characters. */
    public static String newResponseId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] id = new char[32];
        for (int i = 0; i < id.length; i++) {
            id[i] = ID_CHARS[random.nextInt(ID_CHARS.length)];
        }
        return "resp_" + new String(id);
    }

    /** The id of output item {@code index} of {@code responseId}, or of its input item when {@code input}. */
    static String itemId(String prefix, String responseId, boolean input, int index) {
        return prefix + "_" + responseId.substring(responseId.indexOf('_') + 1) + "_" + (input ? "i" : "") + index;
    }

    /** Where an item id HAIA gave points, if it is one. */
    public static Optional<ItemAddress> address(String itemId) {
        int first = itemId.indexOf('_');
        int last = itemId.lastIndexOf('_');
        if (first < 0 || last <= first + 1 || last == itemId.length() - 1) {
            return Optional.empty();
        }
        String key = itemId.substring(first + 1, last);
        String index = itemId.substring(last + 1);
        boolean input = index.startsWith("i");
        String digits = input ? index.substring(1) : index;
        if (digits.isEmpty() || digits.length() > 6 || !digits.chars().allMatch(Character::isDigit)
                || !key.chars().allMatch(c -> c < 128 && Character.isLetterOrDigit(c))) {
            return Optional.empty();
        }
        return Optional.of(new ItemAddress("resp_" + key, input, Integer.parseInt(digits)));
    }

    /**
     * A reply's parts as output items, in order: reasoning (adjacent thinking together), messages (adjacent text
     * together), HAIA's calls with their results, the client's calls. Reasoning or text that says nothing is no item
     * (a stream shows none for it either).
     */
    public static List<Item> output(String responseId, List<Part> parts) {
        return items(responseId, false, parts);
    }

    /** A response's input messages as input items: each turn's parts in order, as {@link #output} reads a reply. */
    public static List<Item> input(String responseId, List<LlmMessage> messages) {
        List<Item> items = new ArrayList<>();
        for (LlmMessage message : messages) {
            List<Item> some = items(responseId, true, message.role(), message.parts(), items.size());
            items.addAll(some);
        }
        return items;
    }

    private static List<Item> items(String responseId, boolean input, List<Part> parts) {
        return items(responseId, input, LlmMessage.Role.ASSISTANT, parts, 0);
    }

    private static List<Item> items(String responseId, boolean input, LlmMessage.Role role, List<Part> parts,
                                    int firstIndex) {
        List<List<Part>> groups = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        Map<String, Integer> haiaCalls = new HashMap<>();
        for (Part part : parts) {
            String kind = switch (part) {
                case Part.Thinking ignored -> "rs";
                case Part.Text ignored -> "msg";
                case Part.Image ignored -> "msg";
                case Part.ToolCall call when ToolNames.isReserved(call.name()) -> "mcp";
                case Part.ToolCall ignored -> "fc";
                case Part.ToolResult result when haiaCalls.containsKey(result.callId()) -> "mcp-result";
                case Part.ToolResult ignored -> "fco";
            };
            if (kind.equals("mcp-result")) {
                groups.get(haiaCalls.get(((Part.ToolResult) part).callId())).add(part);
                continue;
            }
            boolean joins = (kind.equals("rs") || kind.equals("msg")) && !kinds.isEmpty() && kinds.getLast().equals(kind);
            if (!joins) {
                groups.add(new ArrayList<>());
                kinds.add(kind);
            }
            groups.getLast().add(part);
            if (kind.equals("mcp")) {
                haiaCalls.put(((Part.ToolCall) part).id(), groups.size() - 1);
            }
        }
        List<Item> items = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<Part> group = groups.get(g);
            String id = itemId(kinds.get(g).equals("fco") ? "fco" : kinds.get(g), responseId, input,
                               firstIndex + items.size());
            switch (kinds.get(g)) {
                case "rs" -> {
                    List<Part.Thinking> thinking = group.stream().map(Part.Thinking.class::cast).toList();
                    if (thinking.stream().anyMatch(t -> !t.text().isEmpty())) {
                        items.add(new Reasoning(id, thinking));
                    }
                }
                case "msg" -> {
                    if (group.stream().anyMatch(p -> !(p instanceof Part.Text t) || !t.text().isEmpty())) {
                        items.add(new Message(id, role, group));
                    }
                }
                case "mcp" -> items.add(new McpCall(id, (Part.ToolCall) group.getFirst(),
                                                    group.size() > 1 ? Optional.of((Part.ToolResult) group.get(1))
                                                            : Optional.empty()));
                case "fc" -> items.add(new FunctionCall(id, (Part.ToolCall) group.getFirst()));
                default -> items.add(new FunctionCallOutput(id, (Part.ToolResult) group.getFirst()));
            }
        }
        return items;
    }
}
