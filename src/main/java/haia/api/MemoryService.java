package haia.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import haia.llm.LlmMessage;
import haia.openai.InvalidRequestException;
import haia.store.MessageSearch;
import haia.store.SearchHit;
import haia.store.SearchQuery;

import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * HAIA's memory, under {@code /v1/memory}:
 * <pre>
 * GET /memory/search?q=&amp;limit=&amp;conversation=   stored messages matching the words of q, best first
 * </pre>
 * What {@code q} holds is never a syntax error: its words are looked for, whatever else it has.
 */
public final class MemoryService implements HttpService {

    private final MessageSearch search;

    public MemoryService(MessageSearch search) {
        this.search = search;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/memory/search", this::search);
    }

    /** A hit as the API shows it; {@code snippet} marks the matched words with {@code **}. */
    record HitJson(long conversationId, String conversationTitle, long messageId, String role, Instant createdAt,
                   String snippet, double score) {
        static HitJson of(SearchHit hit) {
            return new HitJson(hit.conversationId(), hit.title(), hit.messageId(),
                               hit.role() == LlmMessage.Role.USER ? "user" : "assistant", hit.createdAt(),
                               hit.snippet(), hit.score());
        }
    }

    record HitList(String object, List<HitJson> data) {
    }

    private void search(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/memory/search", Set.of("q", "limit", "conversation"));
        String q = QueryParams.single(req, "q").orElseThrow(() -> new InvalidRequestException(
                "q is required: the words to look for in the stored messages", "q"));
        int limit = QueryParams.integer(req, "limit", 10, 1, SearchQuery.MAX_LIMIT);
        OptionalLong conversation = QueryParams.single(req, "conversation")
                .map(raw -> {
                    if (!raw.matches("\\d{1,18}")) {
                        throw new InvalidRequestException("conversation must be a conversation id, got '"
                                + QueryParams.abbreviate(raw) + "'", "conversation");
                    }
                    return OptionalLong.of(Long.parseLong(raw));
                })
                .orElse(OptionalLong.empty());
        List<SearchHit> hits = search.search(new SearchQuery(q, conversation, Optional.empty(), Optional.empty(),
                                                             limit));
        res.send(new HitList("list", hits.stream().map(HitJson::of).toList()));
    }
}
