package haia.store;

import java.time.LocalDate;
import java.util.Comparator;
import java.util.OptionalLong;

/** What a line of {@code /v1/usage} adds up: one model, one day, or one conversation. */
public sealed interface UsageGroup {

    /** How to group the ledger. */
    enum By {
        MODEL, DAY, CONVERSATION
    }

    /** The calls answered by one of HAIA's models (by its id). */
    record Model(String id) implements UsageGroup {
    }

    /** The calls of one day, UTC. */
    record Day(LocalDate date) implements UsageGroup {
    }

    /**
     * The calls of one stored conversation; empty for calls with none (background tasks, temporary chats, clients
     * with their own context, conversations deleted since).
     */
    record Conversation(OptionalLong id) implements UsageGroup {
    }

    /** Models by id, days in order, conversations by id with the calls of none last. */
    Comparator<UsageGroup> ORDER = Comparator.comparing(UsageGroup::sortKey);

    private String sortKey() {
        return switch (this) {
            case Model model -> model.id();
            case Day day -> day.date().toString();
            case Conversation c -> c.id().isPresent() ? String.format("%020d", c.id().getAsLong()) : "~";
        };
    }
}
