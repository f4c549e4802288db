package haia.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Part;

/**
 * The newest live messages of the conversations in use, kept after a request has read or written them, so the next
 * request of a conversation gets its window without reading the same rows again (on SQLite a fifth of a request's
 * CPU went into that read: docs/performance.md).
 *
 * <p>Only where HAIA is the database's one writer (SQLite: one file, one process): every change to a conversation's
 * messages then passes through the store, which tells this cache. An exchange appended to a conversation is appended
 * here too ({@link #appended}); any other change (a regenerated or edited reply, a deleted response or conversation,
 * an archived thread) forgets the conversation ({@link #forget}), and its next request reads it again. A read that
 * raced with such a change is not kept ({@link #epoch}). PostgreSQL has no cache: another replica may write.
 *
 * <p>Bounded by conversations and by characters held, so a few conversations of pasted logs cannot fill the heap.
 * The cache holds copies of what the database returned, in its form: a message is kept as the window query would
 * read it back (text-only messages exactly; an exchange with pictures or tool calls forgets the conversation).
 */
final class WindowCache {

    /** Conversations kept, the least recently used dropped first. */
    static final int MAX_CONVERSATIONS = 256;
    /** Characters of message text kept in all (about 8 MB of heap at most); a longer window is not kept. */
    static final long MAX_CHARS = 4L << 20;
    /** What a part that is not text weighs, in characters (a reference to a picture, a tool call's fields). */
    private static final int PART_WEIGHT = 256;

    /**
     * A conversation's newest live messages, oldest first, and how many live messages it has in all: the messages
     * are all of them when fewer than {@code capacity}.
     */
    private record Entry(long conversationId, Optional<ConversationIdentity> identity, List<LlmMessage> messages,
                         long live, int capacity, long chars) {

        boolean complete() {
            return messages.size() == live;
        }
    }

    /** False where another process may write (PostgreSQL replicas): nothing is kept. */
    private final boolean enabled;
    private final LinkedHashMap<Long, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private final Map<ConversationIdentity, Long> ids = new HashMap<>();
    private long chars;
    /** Changes that made the cache forget something; a read started before one is not kept. */
    private long epoch;

    private WindowCache(boolean enabled) {
        this.enabled = enabled;
    }

    /** The cache of a database that only this store writes to. */
    static WindowCache soleWriter() {
        return new WindowCache(true);
    }

    /** For a database that others write to as well: keeps nothing, every read goes to the database. */
    static WindowCache none() {
        return new WindowCache(false);
    }

    /** Where a read starts: pass it to {@link #keep} with what it read. */
    synchronized long epoch() {
        return epoch;
    }

    /** The live conversation with this identity, when the cache knows it. */
    synchronized OptionalLong id(ConversationIdentity identity) {
        Long id = ids.get(identity);
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    /** The newest {@code limit} live messages, when the cache holds them (all of them, or at least that many). */
    synchronized Optional<WindowTail> tail(long conversationId, int limit) {
        Entry entry = entries.get(conversationId);
        if (entry == null || (entry.messages.size() < limit && !entry.complete())) {
            return Optional.empty();
        }
        List<LlmMessage> messages = entry.messages;
        int n = Math.min(limit, messages.size());
        return Optional.of(new WindowTail(messages.subList(messages.size() - n, messages.size()),
                                          entry.live - n));
    }

    /**
     * Keeps what a window query read ({@code limit} rows asked for) unless the cache forgot something since
     * {@code startedAt}: the read may predate that change.
     *
     * @param identity the conversation's identity, when it was read by it
     */
    synchronized void keep(long startedAt, Optional<ConversationIdentity> identity, long conversationId,
                           WindowTail tail, int limit) {
        if (!enabled || startedAt != epoch) {
            return;
        }
        long weight = weight(tail.messages());
        if (weight > MAX_CHARS / 8) {
            return;   // one long conversation would push out many
        }
        Entry previous = entries.get(conversationId);
        Optional<ConversationIdentity> known = identity.isPresent() || previous == null ? identity : previous.identity;
        put(new Entry(conversationId, known, tail.messages(), tail.before() + tail.messages().size(), limit, weight));
        known.ifPresent(it -> ids.put(it, conversationId));
    }

    /**
     * An exchange was committed to the conversation: its live messages follow the kept ones. Nothing kept, nothing
     * to do (the next request reads it); a message the cache cannot hold as the database would give it back, or a
     * count that does not add up (a write the cache did not see), and the conversation is forgotten.
     *
     * @param liveNow the conversation's live messages with this exchange's, as the database counted them
     */
    synchronized void appended(long conversationId, List<NewMessage> messages, long liveNow) {
        Entry entry = entries.get(conversationId);
        if (entry == null) {
            return;
        }
        List<LlmMessage> live = new ArrayList<>(messages.size());
        for (NewMessage message : messages) {
            if (!message.status().live()) {
                continue;
            }
            if (!message.plainText() || !wellFormed(message.content())) {
                forget(conversationId);
                return;
            }
            live.add(message.message());
        }
        if (entry.live + live.size() != liveNow) {
            forget(conversationId);
            return;
        }
        if (live.isEmpty()) {
            return;
        }
        List<LlmMessage> all = new ArrayList<>(entry.messages.size() + live.size());
        all.addAll(entry.messages);
        all.addAll(live);
        int dropped = Math.max(0, all.size() - entry.capacity);   // the oldest leave as the newest come
        long weight = entry.chars + weight(live) - weight(all.subList(0, dropped));
        List<LlmMessage> kept = all.subList(dropped, all.size());
        if (weight > MAX_CHARS / 8) {
            forget(conversationId);
            return;
        }
        put(new Entry(conversationId, entry.identity, List.copyOf(kept), entry.live + live.size(), entry.capacity,
                      weight));
    }

    /** The conversation changed other than by an appended exchange (or is gone): its next read goes to the database. */
    synchronized void forget(long conversationId) {
        epoch++;
        drop(entries.remove(conversationId));
    }

    /** The identity may name another conversation now (an archived thread, a new one in its place). */
    synchronized void forget(ConversationIdentity identity) {
        epoch++;
        Long id = ids.remove(identity);
        if (id != null) {
            forget(id.longValue());
        }
    }

    /** Conversations kept (for tests). */
    synchronized int size() {
        return entries.size();
    }

    private void put(Entry entry) {
        Entry previous = entries.put(entry.conversationId, entry);
        if (previous != null) {
            chars -= previous.chars;
        }
        chars += entry.chars;
        var eldest = entries.entrySet().iterator();
        while ((entries.size() > MAX_CONVERSATIONS || chars > MAX_CHARS) && eldest.hasNext()) {
            Entry dropped = eldest.next().getValue();
            if (dropped == entry) {
                break;
            }
            eldest.remove();
            drop(dropped);
        }
    }

    /** What was kept of a conversation just removed from the entries leaves the counts and the identities. */
    private void drop(Entry removed) {
        if (removed == null) {
            return;
        }
        chars -= removed.chars;
        removed.identity.ifPresent(identity -> ids.remove(identity, removed.conversationId));
    }

    /**
     * Whether the text is stored exactly as it is: SQLite's driver writes a lone surrogate (half of an emoji, from a
     * client's JSON escape) as {@code ?}, so the database would give back other text than the cache would keep.
     */
    static boolean wellFormed(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    private static long weight(List<LlmMessage> messages) {
        long weight = 0;
        for (LlmMessage message : messages) {
            for (Part part : message.parts()) {
                weight += part instanceof Part.Text text ? text.text().length() : PART_WEIGHT;
            }
        }
        return weight;
    }
}
