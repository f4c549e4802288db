package haia.store;

import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

import haia.llm.Usage;
import haia.usage.Cost;
import haia.usage.Price;

import io.helidon.dbclient.DbRow;

/**
 * The usage ledger: one row per billed model call ({@code model_calls}), written with the exchange it belongs to or
 * on its own, and its exact totals by model, day or conversation.
 */
public final class Ledger extends StorePart {

    private static final long DAY_MILLIS = 86_400_000L;

    Ledger(Database database) {
        super(database);
    }

    /**
     * Records a billed model call that belongs to no stored conversation (a background task, a temporary chat, a
     * client that sent its own context), in a transaction of its own.
     */
    public void record(BilledCall call) {
        write("record the model call", tx -> {
            insertCall(tx, clock.millis(), OptionalLong.empty(), OptionalLong.empty(), call);
            return null;
        });
    }

    static void insertCall(Writer.Tx tx, long now, OptionalLong conversationId, OptionalLong messageId,
                                   BilledCall call) throws SQLException {
        Usage usage = call.charge().usage();
        Optional<Price> price = call.charge().price();
        tx.update("""
                          INSERT INTO model_calls (created_at, conversation_id, message_id, model, provider,
                                                   upstream_model, input_tokens, output_tokens, cache_read_tokens,
                                                   cache_write_tokens, reasoning_tokens, usage_estimated, price_input,
                                                   price_output, price_cache_read, price_cache_write, cost_pico_usd,
                                                   owner)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                  now,
                  conversationId.isPresent() ? conversationId.getAsLong() : null,
                  messageId.isPresent() ? messageId.getAsLong() : null,
                  call.model(), call.provider(), call.upstreamModel(),
                  usage.inputTokens(), usage.outputTokens(), usage.cacheReadTokens(), usage.cacheWriteTokens(),
                  usage.reasoningTokens(), usage.estimated() ? 1 : 0,
                  price.map(p -> (Object) p.input().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.output().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.cacheRead().microUsdPerMillion()).orElse(null),
                  price.map(p -> (Object) p.cacheWrite().microUsdPerMillion()).orElse(null),
                  call.charge().cost().map(c -> (Object) c.picoUsd()).orElse(null), call.owner());
    }

    /**
     * The usage ledger's totals for calls answered from {@code from} (inclusive) to {@code to} (exclusive), one line
     * per model, day (UTC) or conversation. Exact: sums of whole tokens and whole picodollars. The time range walks
     * the ledger's index on {@code created_at}.
     */
    public List<UsageTotals> usage(Instant from, Instant to, UsageGroup.By by) {
        return usage(from, to, by, Optional.empty());
    }

    /** The same for {@code owner}'s calls only (everyone's when empty: the API key's holder). */
    public List<UsageTotals> usage(Instant from, Instant to, UsageGroup.By by, Optional<String> owner) {
        String sql = usageSql(by, owner.isPresent());
        Object[] params = owner.isPresent() ? new Object[] {from.toEpochMilli(), to.toEpochMilli(), owner.get()}
                : new Object[] {from.toEpochMilli(), to.toEpochMilli()};
        return read("read usage", () -> {
            try (Stream<DbRow> rows = db.execute().query(sql, params)) {
                return rows.map(row -> new UsageTotals(
                                switch (by) {
                                    case MODEL -> new UsageGroup.Model(row.column("grp").get(String.class));
                                    case DAY -> new UsageGroup.Day(LocalDate.ofEpochDay(longOf(row, "grp")));
                                    case CONVERSATION -> new UsageGroup.Conversation(optionalLong(row, "grp"));
                                },
                                longOf(row, "requests"), longOf(row, "input_tokens"), longOf(row, "output_tokens"),
                                longOf(row, "cache_read_tokens"), longOf(row, "cache_write_tokens"),
                                longOf(row, "reasoning_tokens"), Cost.usd(decimal(row, "cost_pico_usd")),
                                longOf(row, "unpriced"), longOf(row, "estimated")))
                        .sorted(Comparator.comparing(UsageTotals::group, UsageGroup.ORDER))
                        .toList();
            }
        });
    }

    /** The usage query (parameters: from and to, epoch milliseconds): one indexed range of the ledger, grouped. */
    static String usageSql(UsageGroup.By by) {
        return usageSql(by, false);
    }

    /** The same, also by owner when {@code owned} (a third parameter). */
    static String usageSql(UsageGroup.By by, boolean owned) {
        String group = switch (by) {
            case MODEL -> "model";
            case DAY -> "created_at / " + DAY_MILLIS;
            case CONVERSATION -> "conversation_id";
        };
        return """
                SELECT %1$s AS grp, count(*) AS requests, sum(input_tokens) AS input_tokens,
                       sum(output_tokens) AS output_tokens, sum(cache_read_tokens) AS cache_read_tokens,
                       sum(cache_write_tokens) AS cache_write_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                       sum(cost_pico_usd) AS cost_pico_usd,
                       count(*) - count(cost_pico_usd) AS unpriced, sum(usage_estimated) AS estimated
                FROM model_calls WHERE created_at >= ? AND created_at < ?%2$s
                GROUP BY %1$s""".formatted(group, owned ? " AND owner = ?" : "");
    }
}
