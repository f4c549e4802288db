package haia.tools.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import haia.llm.LlmMessage;
import haia.store.ConversationIdentity;
import haia.store.MessageSearch;
import haia.store.Note;
import haia.store.Notes;
import haia.store.SearchHit;
import haia.store.SearchQuery;
import haia.store.WindowReads;
import haia.tools.Args;
import haia.tools.Schemas;
import haia.tools.SourceStatus;
import haia.tools.ToolContext;
import haia.tools.ToolException;
import haia.tools.ToolResult;
import haia.tools.ToolSource;
import haia.tools.ToolSpec;

/**
 * HAIA's memory as tools of its own, offered to every tool-capable model (infrastructure tools or not):
 * {@code haia_memory_search} finds stored messages from any conversation, past the context window. Its results say
 * when (the date, and how long ago), in which conversation (its title), who said it, and the words around the match.
 * What the model asks for is never a syntax error (see {@link MessageSearch}); nothing found says so.
 * {@code haia_memory_note} saves a note when the user clearly asks HAIA to remember something.
 */
public final class MemoryTools implements ToolSource {

    /** The search tool's public name. */
    public static final String SEARCH = "haia_memory_search";
    /** The note tool's public name. */
    public static final String NOTE = "haia_memory_note";

    /**
     * What the system prompt says when the search is offered: a fixed text after the persona, so the prompt's cached
     * prefix stays the same from request to request.
     */
    public static final String GUIDANCE = """
            You remember more than this conversation shows: every message of every earlier conversation is stored. \
            When the user refers to something that is not in view here (a host, a VM, a fix, a decision from an earlier \
            chat, "the node I mentioned", "like last time"), look it up with haia_memory_search before answering or \
            asking again, and say when it was said.""";

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:?\\d{2}))?");
    private static final Pattern SCOPE = Pattern.compile("all|conversation");
    private static final Pattern ANY = Pattern.compile("(?s).+");

    private final MessageSearch search;
    private final WindowReads windows;
    private final Notes notes;
    private final Clock clock;

    public MemoryTools(MessageSearch search, WindowReads windows, Notes notes, Clock clock) {
        this.search = search;
        this.windows = windows;
        this.notes = notes;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "memory";
    }

    @Override
    public List<ToolSpec> tools() {
        return TOOLS;   // the same list every time: the catalog lists it again only when a source's list changes
    }

    private static final List<ToolSpec> TOOLS = List.of(new ToolSpec("search", """
                Searches everything stored of the user's conversations with HAIA (all chats, far past this one's \
                context) for words, and returns the best matches: when each was said (date and how long ago), in \
                which conversation (its title), by whom, and the text around the match. Use it when the user refers \
                to something not in view. Give the distinctive words (names of hosts, VMs, services, errors), not a \
                whole question.""",
                Schemas.object("""
                        {"query": {"type": "string", "description": "the words to find, e.g. 'ceph osd pve2'"},
                         "scope": {"type": "string", "enum": ["all", "conversation"],
                                   "description": "all conversations (default) or only this one"},
                         "after": {"type": "string", "description": "only messages from this date on (YYYY-MM-DD)"},
                         "before": {"type": "string", "description": "only messages before this date (YYYY-MM-DD)"},
                         "limit": {"type": "integer", "description": "how many results, 1 to 20 (default 5)"}}""",
                               List.of("query")),
                true), new ToolSpec("note", """
                Saves a note HAIA will know in every chat from now on (sent with each request). Only when the user \
                clearly asks you to remember something for later ("remember that...", "note that...", "from now \
                on..."); never on your own. Say in your reply what was saved.""",
                Schemas.object("""
                        {"text": {"type": "string", "description": "the note, short and self-contained, e.g. 'the \
                        NAS is nas-heron (192.168.1.20)'"}}""", List.of("text")),
                false));

    @Override
    public ToolResult call(String tool, JsonNode arguments) {
        return call(tool, arguments, ToolContext.NONE);
    }

    @Override
    public ToolResult call(String tool, JsonNode arguments, ToolContext context) {
        if (tool.equals("note")) {
            return note(new Args(NOTE, arguments).text("text", ANY, "the note"), context.owner());
        }
        if (!tool.equals("search")) {
            throw new ToolException("HAIA's memory has no tool '" + tool + "'.");
        }
        Args args = new Args(SEARCH, arguments);
        String query = args.text("query", ANY, "the words to look for");
        boolean here = args.optionalText("scope", SCOPE, "'all' or 'conversation'").orElse("all")
                .equals("conversation");
        Optional<Instant> after = args.optionalText("after", DATE, "a date, YYYY-MM-DD").map(d -> instant(d, "after"));
        Optional<Instant> before = args.optionalText("before", DATE, "a date, YYYY-MM-DD")
                .map(d -> instant(d, "before"));
        int limit = args.optionalNumber("limit", 1, 20).orElse(5L).intValue();
        OptionalLong conversation = OptionalLong.empty();
        if (here) {
            Optional<ConversationIdentity> identity = context.conversation();
            if (identity.isEmpty()) {
                return ToolResult.ok("This chat is not stored (a temporary chat, or a client that keeps its own "
                                             + "history): search with scope 'all' instead.");
            }
            conversation = windows.findId(identity.get());
            if (conversation.isEmpty()) {
                return ToolResult.ok("Nothing of this conversation is stored yet: it starts with this message.");
            }
        }
        List<SearchHit> hits = search.search(new SearchQuery(query, conversation, after, before, limit,
                                                                     Optional.of(context.owner())));
        return ToolResult.ok(describe(query, hits));
    }

    private ToolResult note(String text, String owner) {
        if (text.strip().length() > Notes.MAX_CHARS) {
            throw new ToolException(NOTE + ": a note is at most " + Notes.MAX_CHARS + " characters; this one has "
                                            + text.strip().length() + ". Save a shorter one.");
        }
        Note note = notes.add(owner, text);
        return ToolResult.ok("Saved note #" + note.id() + ": \"" + note.text() + "\". It goes to the model with every "
                                     + "request from now on; the user can remove it with /forget " + note.id() + ".");
    }

    /** The hits as the model reads them: one paragraph each, best first. */
    String describe(String query, List<SearchHit> hits) {
        if (hits.isEmpty()) {
            return "Nothing stored matches \"" + query.strip() + "\". Try other or fewer words (a host name, an "
                    + "error), or a wider date range.";
        }
        Instant now = clock.instant();
        StringBuilder text = new StringBuilder();
        text.append(hits.size()).append(hits.size() == 1 ? " message matches" : " messages match")
                .append(" \"").append(query.strip()).append("\", best first:\n");
        for (int i = 0; i < hits.size(); i++) {
            SearchHit hit = hits.get(i);
            text.append('\n').append(i + 1).append(". ").append(WHEN.format(hit.createdAt()))
                    .append(" (").append(ago(hit.createdAt(), now)).append("), in the conversation ")
                    .append(hit.title().isEmpty() ? "#" + hit.conversationId()
                                    : "\"" + hit.title() + "\" (#" + hit.conversationId() + ")")
                    .append(", ").append(hit.role() == LlmMessage.Role.USER ? "the user said" : "HAIA replied")
                    .append(":\n   ").append(hit.snippet().strip().replace("\n", "\n   ")).append('\n');
        }
        return text.toString();
    }

    /** "just now", "5 minutes ago", "3 hours ago", "yesterday", "3 days ago", "5 weeks ago", "2 years ago". */
    static String ago(Instant then, Instant now) {
        Duration since = Duration.between(then, now);
        if (since.toMinutes() < 1) {
            return "just now";
        }
        if (since.toHours() < 1) {
            return plural(since.toMinutes(), "minute") + " ago";
        }
        if (since.toDays() < 1) {
            return plural(since.toHours(), "hour") + " ago";
        }
        long days = since.toDays();
        if (days == 1) {
            return "yesterday";
        }
        if (days < 14) {
            return days + " days ago";
        }
        if (days < 365) {
            return plural(days / 7, "week") + " ago";
        }
        return plural(days / 365, "year") + " ago";
    }

    private static String plural(long n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }

    private static Instant instant(String text, String name) {
        try {
            return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant()
                    : java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new ToolException(SEARCH + ": the argument '" + name + "' must be a date, YYYY-MM-DD, got \""
                                            + text + "\".");
        }
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus("up", "HAIA's own store");
    }

    @Override
    public void close() {
        // the store is closed by its owner
    }
}
