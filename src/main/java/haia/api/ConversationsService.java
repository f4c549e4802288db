package haia.api;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.openai.InvalidRequestException;
import haia.store.ConversationIdentity;
import haia.store.ConversationQueries;
import haia.store.ConversationSummary;
import haia.store.StoredMessage;
import haia.usage.Cost;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Conversation management for scripts and a future UI, under {@code /v1/conversations}:
 * <pre>
 * GET    /conversations                       list, most recently active first (?limit=, ?offset=)
 * POST   /conversations                       start a fresh default thread (the current one is archived)
 * GET    /conversations/{id}                  one conversation
 * GET    /conversations/{id}/messages         its messages, history included (?after=message id, ?limit=)
 * GET    /conversations/{id}/export           all of it, ?format=json (default) or md
 * DELETE /conversations/{id}                  delete it and its messages for good
 * </pre>
 */
public final class ConversationsService implements HttpService {

    private static final int MAX_LIMIT = 500;
    private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);

    private final ConversationQueries conversations;

    public ConversationsService(ConversationQueries conversations) {
        this.conversations = conversations;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/conversations", this::list)
                .post("/conversations", this::startNew)
                .get("/conversations/{id}", this::one)
                .get("/conversations/{id}/messages", this::messages)
                .get("/conversations/{id}/export", this::export)
                .delete("/conversations/{id}", this::delete);
    }

    /** A conversation as the API shows it. */
    record ConversationJson(long id, String kind, String key, String title, boolean archived, Instant createdAt,
                            Instant updatedAt, int messageCount, int liveCount, String owner) {
        static ConversationJson of(ConversationSummary c) {
            return new ConversationJson(c.id(), c.kind().dbValue(), c.key().orElse(null), c.title().orElse(null),
                                        c.archived(), c.createdAt(), c.updatedAt(), c.messageCount(), c.liveCount(),
                                        c.owner().isEmpty() ? null : c.owner());
        }
    }

    /**
     * A stored message; {@code live} says whether it is on the branch the context window draws from. {@code content}
     * is its text; {@code parts} (null for plain text) all of it: images by type and size (their bytes stay in the
     * database), tool calls and results, the model's reasoning (without the provider's signature, which is only
     * the provider's to read). A reply's tokens (input counts cache reads and writes too, output its reasoning) and
     * its cost at the price in force then come from the usage ledger; {@code null} where there are none.
     */
    record MessageJson(long id, String role, String content, List<Map<String, Object>> parts, String status,
                       boolean live, String model, String finishReason, Integer inputTokens, Integer outputTokens,
                       Integer cacheReadTokens, Integer cacheWriteTokens, Integer reasoningTokens, BigDecimal costUsd,
                       String error, Instant createdAt) {
        static MessageJson of(StoredMessage m) {
            return new MessageJson(m.id(), m.role() == LlmMessage.Role.USER ? "user" : "assistant", m.content(),
                                   m.parts().isEmpty() ? null : partsJson(m.parts()),
                                   m.status().dbValue(), m.status().live(), m.model().orElse(null),
                                   m.finishReason().orElse(null), boxed(m.inputTokens()), boxed(m.outputTokens()),
                                   boxed(m.cacheReadTokens()), boxed(m.cacheWriteTokens()),
                                   boxed(m.reasoningTokens()),
                                   m.cost().map(Cost::usd).orElse(null), m.error().orElse(null), m.createdAt());
        }

        private static Integer boxed(OptionalInt value) {
            return value.isPresent() ? value.getAsInt() : null;
        }
    }

    private static List<Map<String, Object>> partsJson(List<Part> parts) {
        List<Map<String, Object>> out = new ArrayList<>(parts.size());
        for (Part part : parts) {
            Map<String, Object> json = new LinkedHashMap<>();
            switch (part) {
                case Part.Text text -> json.put("type", "text");
                case Part.Image image -> json.put("type", "image");
                case Part.ToolCall call -> json.put("type", "tool_call");
                case Part.ToolResult result -> json.put("type", "tool_result");
                case Part.Thinking thinking -> json.put("type", "thinking");
            }
            switch (part) {
                case Part.Text text -> json.put("text", text.text());
                case Part.Image image -> {
                    switch (image.source()) {
                        case Part.Image.Stored stored -> {
                            json.put("media_type", stored.mediaType());
                            json.put("bytes", stored.size());
                        }
                        case Part.Image.Url url -> json.put("url", url.url().toString());
                        case Part.Image.Inline inline -> {
                            json.put("media_type", inline.mediaType());
                            json.put("bytes", inline.data().length);
                        }
                    }
                }
                case Part.ToolCall call -> {
                    json.put("id", call.id());
                    json.put("name", call.name());
                    json.put("arguments", call.arguments());
                }
                case Part.ToolResult result -> {
                    json.put("tool_call_id", result.callId());
                    json.put("name", result.toolName());
                    json.put("is_error", result.error());
                    json.put("content", partsJson(result.content()));
                }
                case Part.Thinking thinking -> {
                    json.put("text", thinking.text());
                    json.put("provider", thinking.provider());
                }
            }
            out.add(json);
        }
        return out;
    }

    record ConversationList(String object, List<ConversationJson> data, boolean hasMore) {
    }

    record MessagePage(String object, List<MessageJson> data, boolean hasMore, Long lastId) {
    }

    record Export(ConversationJson conversation, List<MessageJson> messages) {
    }

    private void list(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/conversations", Set.of("limit", "offset"));
        int limit = QueryParams.integer(req, "limit", 50, 1, MAX_LIMIT);
        int offset = QueryParams.integer(req, "offset", 0, 0, Integer.MAX_VALUE);
        List<ConversationSummary> page = conversations.list(Caller.of(req).scope(), limit + 1, offset);
        res.send(new ConversationList("list", page.stream().limit(limit).map(ConversationJson::of).toList(),
                                      page.size() > limit));
    }

    private void startNew(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "POST /v1/conversations", Set.of());
        ConversationSummary fresh = conversations.startNew(
                ConversationIdentity.DEFAULT.ownedBy(Caller.of(req).owner()));
        res.status(Status.CREATED_201);
        res.header(HeaderNames.LOCATION, "/v1/conversations/" + fresh.id());
        res.send(ConversationJson.of(fresh));
    }

    private void one(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/conversations/{id}", Set.of());
        res.send(ConversationJson.of(conversation(req)));
    }

    private void messages(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/conversations/{id}/messages", Set.of("after", "limit"));
        ConversationSummary conversation = conversation(req);
        long after = longParam(req, "after", 0);
        int limit = QueryParams.integer(req, "limit", 100, 1, MAX_LIMIT);
        List<StoredMessage> page = conversations.messages(conversation.id(), after, limit + 1);
        List<MessageJson> data = page.stream().limit(limit).map(MessageJson::of).toList();
        res.send(new MessagePage("list", data, page.size() > limit, data.isEmpty() ? null : data.getLast().id()));
    }

    private void export(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/conversations/{id}/export", Set.of("format"));
        String format = QueryParams.single(req, "format").orElse("json").toLowerCase(Locale.ROOT);
        ConversationSummary conversation = conversation(req);
        List<StoredMessage> messages = allMessages(conversation.id());
        String file = "haia-conversation-" + conversation.id();
        switch (format) {
            case "json" -> {
                res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + file + ".json\"");
                res.send(new Export(ConversationJson.of(conversation), messages.stream().map(MessageJson::of).toList()));
            }
            case "md", "markdown" -> {
                res.header(HeaderNames.CONTENT_TYPE, "text/markdown; charset=utf-8");
                res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=\"" + file + ".md\"");
                res.send(markdown(conversation, messages));
            }
            default -> throw new InvalidRequestException("format must be json or md, got '" + QueryParams.abbreviate(format) + "'",
                                                         "format");
        }
    }

    private void delete(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "DELETE /v1/conversations/{id}", Set.of());
        ConversationSummary conversation = conversation(req);
        conversations.delete(conversation.id());
        res.status(Status.NO_CONTENT_204);
        res.send();
    }

    private List<StoredMessage> allMessages(long conversationId) {
        List<StoredMessage> all = new ArrayList<>();
        long after = 0;
        while (true) {
            List<StoredMessage> page = conversations.messages(conversationId, after, MAX_LIMIT);
            all.addAll(page);
            if (page.size() < MAX_LIMIT) {
                return all;
            }
            after = page.getLast().id();
        }
    }

    /** A readable transcript; messages that are not on the live branch are marked with their status. */
    static String markdown(ConversationSummary conversation, List<StoredMessage> messages) {
        StringBuilder md = new StringBuilder();
        md.append("# ").append(conversation.title().orElse("Conversation " + conversation.id())).append("\n\n");
        md.append("Conversation ").append(conversation.id()).append(" · ").append(conversation.kind().dbValue());
        conversation.key().ifPresent(k -> md.append(" `").append(k).append('`'));
        md.append(" · started ").append(MINUTE.format(conversation.createdAt()));
        if (conversation.archived()) {
            md.append(" · archived");
        }
        md.append("\n");
        for (StoredMessage m : messages) {
            md.append("\n## ").append(m.role() == LlmMessage.Role.USER ? "User" : "HAIA");
            m.model().ifPresent(model -> md.append(" (").append(model).append(')'));
            md.append(" · ").append(MINUTE.format(m.createdAt()));
            if (!m.status().live() || m.status() == haia.store.MessageStatus.IMPORTED) {
                md.append(" · *").append(m.status().dbValue()).append('*');
            }
            md.append("\n\n").append(m.parts().isEmpty() ? m.content().strip() : markdown(m.parts()).strip())
                    .append("\n");
        }
        return md.toString();
    }

    /**
     * A message's parts in a transcript: text as it is, an image as a placeholder with its type and size, a tool
     * call as the call, a result quoted, the model's reasoning folded away.
     */
    private static String markdown(List<Part> parts) {
        StringBuilder md = new StringBuilder();
        for (Part part : parts) {
            switch (part) {
                case Part.Text text -> md.append(text.text());
                case Part.Image image -> md.append("\n\n*[image: ").append(image.summary()).append("]*\n\n");
                case Part.ToolCall call -> md.append("\n\n→ `").append(call.name()).append('(').append(call.arguments())
                        .append(")`\n\n");
                case Part.ToolResult result -> md.append("\n\n> ").append(result.error() ? "failed, " : "")
                        .append(result.toolName().isEmpty() ? "tool" : "`" + result.toolName() + "`").append(": ")
                        .append(markdown(result.content()).strip().replace("\n", "\n> ")).append("\n\n");
                case Part.Thinking thinking -> {
                    if (!thinking.text().isBlank()) {
                        md.append("<details><summary>Reasoning</summary>\n\n").append(thinking.text().strip())
                                .append("\n\n</details>\n\n");
                    }
                }
            }
        }
        return md.toString();
    }


    private ConversationSummary conversation(ServerRequest req) {
        String raw = req.path().pathParameters().get("id");
        Optional<ConversationSummary> found = Optional.empty();
        if (raw.matches("\\d{1,18}")) {
            found = conversations.get(Long.parseLong(raw), Caller.of(req).scope());   // another user's: none
        }
        return found.orElseThrow(() -> new InvalidRequestException(404, "No conversation with id '" + QueryParams.abbreviate(raw) + "'",
                                                                   Optional.of("id"), "conversation_not_found"));
    }

    private static long longParam(ServerRequest req, String name, long fallback) {
        Optional<String> raw = QueryParams.single(req, name);
        if (raw.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(raw.get());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new InvalidRequestException(name + " must be a message id (0 or more), got '"
                + QueryParams.abbreviate(raw.get()) + "'", name);
    }
}
