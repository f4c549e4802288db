package haia.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import haia.llm.LlmMessage;
import haia.openai.InvalidRequestException;
import haia.store.MessageSearch;
import haia.store.Note;
import haia.store.Notes;
import haia.store.SearchHit;
import haia.store.SearchQuery;

import com.fasterxml.jackson.databind.JsonNode;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * HAIA's memory, under {@code /v1/memory}:
 * <pre>
 * GET    /memory/search?q=&amp;limit=&amp;conversation=   stored messages matching the words of q, best first
 * GET    /memory/notes                               the notes, oldest first
 * POST   /memory/notes                               save a note: {"text": "..."}
 * DELETE /memory/notes/{id}                          delete one
 * </pre>
 * What {@code q} holds is never a syntax error: its words are looked for, whatever else it has.
 */
public final class MemoryService implements HttpService {

    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    private final MessageSearch search;
    private final Notes notes;

    public MemoryService(MessageSearch search, Notes notes) {
        this.search = search;
        this.notes = notes;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/memory/search", this::search)
                .get("/memory/notes", this::notes)
                .post("/memory/notes", this::addNote)
                .delete("/memory/notes/{id}", this::deleteNote);
    }

    /** {@code owner}: a verified OpenWebUI user's id; null for the single user's notes. */
    record NoteJson(long id, String text, Instant createdAt, String owner) {
        static NoteJson of(Note note, String owner) {
            return new NoteJson(note.id(), note.text(), note.createdAt(), owner.isEmpty() ? null : owner);
        }
    }

    record NoteList(String object, List<NoteJson> data) {
    }

    /** {@code {"text": "..."}}: the only field. */
    record NewNote(String text) {
    }

    private void notes(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "GET /v1/memory/notes", Set.of());
        Caller caller = Caller.of(req);
        res.send(new NoteList("list", caller.admin()
                ? notes.everyone().stream().map(owned -> NoteJson.of(owned.note(), owned.owner())).toList()
                : notes.list(caller.owner()).stream().map(note -> NoteJson.of(note, caller.owner())).toList()));
    }

    private void addNote(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "POST /v1/memory/notes", Set.of());
        JsonNode body = body(req);
        JsonNode text = body.path("text");
        body.fieldNames().forEachRemaining(field -> {
            if (!field.equals("text")) {
                throw new InvalidRequestException("Unknown field '" + QueryParams.abbreviate(field)
                                                          + "': a note is {\"text\": \"...\"}", field);
            }
        });
        if (!text.isTextual() || text.asText().isBlank()) {
            throw new InvalidRequestException("text is required: the note, a non-empty string", "text");
        }
        if (text.asText().strip().length() > Notes.MAX_CHARS) {
            throw new InvalidRequestException("text is " + text.asText().strip().length() + " characters; a note is "
                                                      + "at most " + Notes.MAX_CHARS, "text");
        }
        String owner = Caller.of(req).owner();
        Note note = notes.add(owner, text.asText());
        res.status(Status.CREATED_201);
        res.header(HeaderNames.LOCATION, "/v1/memory/notes/" + note.id());
        res.send(NoteJson.of(note, owner));
    }

    /** A small JSON object: a note's body. */
    private static JsonNode body(ServerRequest req) {
        byte[] bytes = RequestBodies.readJson(req, MAX_BODY_BYTES);
        try {
            JsonNode body = JSON.readTree(bytes);
            if (body != null && body.isObject()) {
                return body;
            }
        } catch (java.io.IOException e) {
            // reported below
        }
        throw new InvalidRequestException("The body must be a JSON object: {\"text\": \"...\"}", "text");
    }

    private void deleteNote(ServerRequest req, ServerResponse res) {
        QueryParams.onlyKnown(req, "DELETE /v1/memory/notes/{id}", Set.of());
        String raw = req.path().pathParameters().get("id");
        Caller caller = Caller.of(req);
        if (!raw.matches("\\d{1,18}") || !(caller.admin() ? notes.deleteAny(Long.parseLong(raw))
                : notes.delete(caller.owner(), Long.parseLong(raw)))) {
            throw new InvalidRequestException(404, "No note with id '" + QueryParams.abbreviate(raw) + "'",
                                              Optional.of("id"), "note_not_found");
        }
        res.status(Status.NO_CONTENT_204).send();
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
                                                             limit, Caller.of(req).scope()));
        res.send(new HitList("list", hits.stream().map(HitJson::of).toList()));
    }
}
