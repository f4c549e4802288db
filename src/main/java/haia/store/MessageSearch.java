package haia.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import io.helidon.dbclient.DbRow;

/**
 * Full-text search over every stored message (migration V8): SQLite's FTS5 index ranked by bm25, or PostgreSQL's
 * tsvector ranked by ts_rank. PostgreSQL's is kept in step by the write that stores the message; SQLite's is brought
 * up to date in batches, and by the search itself before it looks ({@link SearchIndex}). Task requests and temporary
 * chats are stored nowhere, so never found.
 *
 * <p>The newest {@value #CANDIDATES} matches are ranked, best first.
 *
 * <p>What a person or a model types is never a syntax error: its words are quoted ({@link Dialect#matchQuery}). All
 * of them must match first; when no message has all of them, messages with any of them are ranked instead (a
 * question as asked, "what was the node name again", has words no message holds).
 */
public final class MessageSearch extends StorePart {

    /**
     * How many of the newest matches are ranked: a word in most messages ("ceph" in a Ceph homelab's) would
     * otherwise rank hundreds of thousands of rows per search. A fact is found as long as its words are in fewer
     * than this many newer messages; more distinctive words, or a time range, reach further back.
     */
    public static final int CANDIDATES = 1000;

    private static final System.Logger LOG = System.getLogger(MessageSearch.class.getName());

    private final String sql;
    private final SearchIndex index;

    MessageSearch(Database database, SearchIndex index) {
        super(database);
        this.sql = dialect.searchSql();
        this.index = index;
    }

    /** The best matches first; empty when nothing matches or the text has no words. */
    public List<SearchHit> search(SearchQuery query) {
        Optional<String> all = dialect.matchQuery(query.text(), false);
        if (all.isEmpty()) {
            return List.of();
        }
        try {
            index.catchUp();   // SQLite indexes in batches: the messages stored since the last one are found too
        } catch (StoreException e) {
            // a database that cannot be written now (full, read-only) still has its index up to the last batch
            LOG.log(System.Logger.Level.WARNING, "Searching without the messages stored since the search index's last "
                    + "batch: " + e.getMessage());
        }
        List<SearchHit> hits = run(all.get(), query);
        if (hits.isEmpty()) {
            Optional<String> any = dialect.matchQuery(query.text(), true);
            if (any.isPresent() && !any.equals(all)) {
                hits = run(any.get(), query);
            }
        }
        return hits;
    }

    private List<SearchHit> run(String match, SearchQuery query) {
        long after = query.after().map(Instant::toEpochMilli).orElse(0L);
        long before = query.before().map(Instant::toEpochMilli).orElse(Long.MAX_VALUE);
        long conversation = query.conversation().orElse(0);
        return read("search messages", () -> {
            try (Stream<DbRow> rows = db.execute().createNamedQuery("search", sql)
                    .params(dialect.searchParams(match, conversation, query.owner(), after, before, query.limit()))
                    .execute()) {
                List<SearchHit> hits = new ArrayList<>();
                rows.forEach(row -> hits.add(new SearchHit(
                        longOf(row, "conversation_id"),
                        Optional.ofNullable(text(row, "title")).orElse(""),
                        longOf(row, "id"),
                        role(row),
                        Instant.ofEpochMilli(longOf(row, "created_at")),
                        text(row, "snippet"),
                        row.column("score").get(Number.class).doubleValue())));
                return hits;
            }
        });
    }

    /**
     * Words of a question that say nothing about what is asked for ("what was the node again?"): they are in most
     * messages, so a search that falls back to any word would rank the newest chatter instead of the fact. Left out
     * of a query unless nothing else is left. PostgreSQL's {@code english} configuration drops most of them itself;
     * FTS5 does not.
     */
    private static final java.util.Set<String> FILLER = java.util.Set.of(
            "a", "an", "the", "and", "or", "of", "to", "in", "on", "at", "by", "for", "from", "with", "about", "as",
            "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "have", "has", "had", "it", "its",
            "i", "me", "my", "we", "our", "you", "your", "what", "which", "where", "when", "who", "how", "why",
            "that", "this", "there", "again", "any", "some", "can", "could", "would", "should", "will", "s");

    /** The words a query looks for: at most 32, filler words left out unless the query has nothing else. */
    static List<String> queryWords(String text) {
        List<String> words = words(text, 32);
        List<String> telling = words.stream().filter(w -> !FILLER.contains(w.toLowerCase(java.util.Locale.ROOT)))
                .toList();
        return telling.isEmpty() ? words : telling;
    }

    /**
     * The words of a text, as both databases' tokenizers split it (letters and digits; everything else separates):
     * at most {@code max} of them.
     */
    static List<String> words(String text, int max) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length() && words.size() < max; ) {
            int c = i < text.length() ? text.codePointAt(i) : ' ';
            boolean word = Character.isLetterOrDigit(c);
            if (word && start < 0) {
                start = i;
            } else if (!word && start >= 0) {
                words.add(text.substring(start, i));
                start = -1;
            }
            i += i < text.length() ? Character.charCount(c) : 1;
        }
        return words;
    }
}
