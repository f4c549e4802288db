package haia.store;

import java.io.InputStream;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.testing.StoreBackend;
import haia.usage.Charge;
import haia.usage.Cost;
import haia.usage.Price;
import haia.usage.Rate;

import org.junit.jupiter.api.Test;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The usage ledger: exact totals by model, day and conversation, prices in force, its index. */
class LedgerTest extends StoreTestCase {

    private static final Price HAIKU = Price.anthropic(Rate.usdPerMillion("1"), Rate.usdPerMillion("5"));
    private static final Price MINI = new Price(Rate.usdPerMillion("0.15"), Rate.usdPerMillion("0.6"),
                                                Rate.usdPerMillion("0.075"), Rate.usdPerMillion("0.15"));

    private static BilledCall call(String model, Usage usage, Optional<Price> price) {
        return new BilledCall(model, model.equals("haia") ? "anthropic" : "openai",
                              model.equals("haia") ? "claude-haiku-4-5-20251001" : "gpt-4o-mini",
                              new Charge(usage, price));
    }

    private long billedExchange(ConversationIdentity identity, String question, BilledCall call) {
        NewMessage reply = NewMessage.text(LlmMessage.Role.ASSISTANT, "re: " + question, MessageStatus.OK,
                                          Optional.of(call.model()), Optional.of("stop"),
                                          Optional.of(call.charge().usage()), Optional.empty());
        return store.exchanges().commit(new Exchange(identity, OptionalLong.empty(), List.of(ok(question), reply),
                                         List.of(call)));
    }

    /** One line of expected totals, added up here from the calls the test made. */
    private record Expected(long requests, long in, long out, long read, long write, long reasoning, long picoUsd,
                            long unpriced, long estimated) {
        Expected plus(BilledCall call) {
            Usage u = call.charge().usage();
            return new Expected(requests + 1, in + u.inputTokens(), out + u.outputTokens(), read + u.cacheReadTokens(),
                                write + u.cacheWriteTokens(), reasoning + u.reasoningTokens(),
                                picoUsd + call.charge().cost().map(Cost::picoUsd).orElse(0L),
                                unpriced + (call.charge().price().isEmpty() ? 1 : 0), estimated + (u.estimated() ? 1 : 0));
        }

        void check(UsageTotals line) {
            assertEquals(requests, line.requests(), line.toString());
            assertEquals(in, line.inputTokens(), line.toString());
            assertEquals(out, line.outputTokens(), line.toString());
            assertEquals(read, line.cacheReadTokens(), line.toString());
            assertEquals(write, line.cacheWriteTokens(), line.toString());
            assertEquals(reasoning, line.reasoningTokens(), line.toString());
            assertEquals(0, Cost.usd(BigDecimal.valueOf(picoUsd)).compareTo(line.costUsd()), line.toString());
            assertEquals(unpriced, line.unpricedRequests(), line.toString());
            assertEquals(estimated, line.estimatedRequests(), "estimated counts are marked: " + line);
        }
    }

    private static final Expected NONE = new Expected(0, 0, 0, 0, 0, 0, 0, 0, 0);

    @Test
    void theUsageLedgerAddsUpExactlyByModelDayAndConversation() {
        Map<String, Expected> byModel = new TreeMap<>();
        Map<LocalDate, Expected> byDay = new TreeMap<>();
        Map<Long, Expected> byConversation = new TreeMap<>();
        Expected stateless = NONE;
        Expected all = NONE;
        // one of them HAIA's estimate (a local server that reports no usage in streams): marked in the ledger; two
        // reasoned, with the reasoning a part of their output
        List<Usage> usages = List.of(new Usage(12_345, 678, 10_000, 0, 512, false), new Usage(4_321, 99, 0, 4_000),
                                     new Usage(7, 1, 0, 0, true), new Usage(250_000, 8_000, 200_000, 30_000, 6_000, false));
        int n = 0;
        for (int day = 0; day < 3; day++) {
            for (String key : List.of("a", "b")) {
                for (String model : List.of("haia", "haia-mini", "haia-new")) {
                    Usage usage = usages.get(n++ % usages.size());
                    Optional<Price> price = switch (model) {
                        case "haia" -> Optional.of(HAIKU);
                        case "haia-mini" -> Optional.of(MINI);
                        default -> Optional.empty();   // a paid model HAIA knows no price for
                    };
                    BilledCall call = call(model, usage, price);
                    long conversation = billedExchange(ConversationIdentity.keyed(key), "q" + n, call);
                    byModel.merge(model, NONE.plus(call), (x, y) -> x.plus(call));
                    byDay.merge(LocalDate.of(2026, 11, 20 + day), NONE.plus(call), (x, y) -> x.plus(call));
                    byConversation.merge(conversation, NONE.plus(call), (x, y) -> x.plus(call));
                    all = all.plus(call);
                }
            }
            BilledCall task = call("haia", new Usage(900, 30), Optional.of(HAIKU));
            store.ledger().record(task);   // a background task: billed, stored in no conversation
            stateless = stateless.plus(task);
            byModel.merge("haia", NONE.plus(task), (x, y) -> x.plus(task));
            byDay.merge(LocalDate.of(2026, 11, 20 + day), NONE.plus(task), (x, y) -> x.plus(task));
            all = all.plus(task);
            clock.advance(Duration.ofDays(1));
        }

        List<UsageTotals> models = store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.MODEL);
        assertEquals(List.of("haia", "haia-mini", "haia-new"),
                     models.stream().map(t -> ((UsageGroup.Model) t.group()).id()).toList());
        models.forEach(t -> byModel.get(((UsageGroup.Model) t.group()).id()).check(t));
        assertEquals(byModel.get("haia-new").requests(), models.get(2).unpricedRequests(), "its cost is unknown");
        assertEquals(0, models.get(2).costUsd().signum());

        List<UsageTotals> days = store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.DAY);
        assertEquals(List.copyOf(byDay.keySet()), days.stream().map(t -> ((UsageGroup.Day) t.group()).date()).toList());
        days.forEach(t -> byDay.get(((UsageGroup.Day) t.group()).date()).check(t));

        List<UsageTotals> conversations = store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                                      UsageGroup.By.CONVERSATION);
        assertEquals(byConversation.size() + 1, conversations.size());
        for (UsageTotals line : conversations) {
            OptionalLong id = ((UsageGroup.Conversation) line.group()).id();
            (id.isPresent() ? byConversation.get(id.getAsLong()) : stateless).check(line);
        }
        assertTrue(((UsageGroup.Conversation) conversations.getLast().group()).id().isEmpty(), "no conversation last");

        // one day only: [from, to) on the clock's days; and the whole range adds up to every call
        List<UsageTotals> friday = store.ledger().usage(Instant.parse("2026-11-21T00:00:00Z"),
                                               Instant.parse("2026-11-22T00:00:00Z"), UsageGroup.By.DAY);
        assertEquals(1, friday.size());
        byDay.get(LocalDate.of(2026, 11, 21)).check(friday.getFirst());
        long everything = models.stream().mapToLong(UsageTotals::requests).sum();
        assertEquals(all.requests(), everything);
        assertEquals(0, Cost.usd(BigDecimal.valueOf(all.picoUsd())).compareTo(
                models.stream().map(UsageTotals::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add)));
        assertEquals(List.of(), store.ledger().usage(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"),
                                            UsageGroup.By.MODEL));
    }

    @Test
    void aCallKeepsThePriceInForceWhenItWasAnswered() throws Exception {
        // 40,000 of the output tokens were reasoning: a part of the output, priced with it (not on top of it)
        Usage usage = new Usage(2_000_000, 100_000, 1_000_000, 500_000, 40_000, false);
        long id = billedExchange(ConversationIdentity.DEFAULT, "old price", call("haia", usage, Optional.of(HAIKU)));
        Price raised = Price.anthropic(Rate.usdPerMillion("2"), Rate.usdPerMillion("10"));
        billedExchange(ConversationIdentity.DEFAULT, "new price", call("haia", usage, Optional.of(raised)));
        // 0.5M uncached × $1 + 1M reads × $0.10 + 0.5M writes × $1.25 + 0.1M out × $5 = 0.5 + 0.1 + 0.625 + 0.5
        assertEquals(new BigDecimal("1.725"), HAIKU.cost(usage).usd());
        assertEquals(new BigDecimal("3.45"), raised.cost(usage).usd());
        UsageTotals total = store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.MODEL)
                .getFirst();
        assertEquals(0, new BigDecimal("5.175").compareTo(total.costUsd()), total.toString());
        try (Connection c = raw.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT price_input, price_cache_write, cost_pico_usd FROM model_calls"
                                                     + " ORDER BY id")) {
            rows.next();
            assertEquals(1_000_000, rows.getLong(1), "micro-dollars per million tokens");
            assertEquals(1_250_000, rows.getLong(2));
            assertEquals(1_725_000_000_000L, rows.getLong(3), "picodollars");
            rows.next();
            assertEquals(2_000_000, rows.getLong(1));
        }
        assertEquals(80_000, total.reasoningTokens(), total.toString());
        // the reply shows its own cache and reasoning tokens and cost
        StoredMessage reply = store.conversations().messages(id, 0, 10).get(1);
        assertEquals(java.util.OptionalInt.of(1_000_000), reply.cacheReadTokens());
        assertEquals(java.util.OptionalInt.of(500_000), reply.cacheWriteTokens());
        assertEquals(java.util.OptionalInt.of(40_000), reply.reasoningTokens());
        assertEquals(Optional.of(HAIKU.cost(usage)), reply.cost());
        assertTrue(store.conversations().messages(id, 0, 10).getFirst().cost().isEmpty(), "the user's message cost nothing itself");
    }

    /**
     * A database an earlier HAIA made (every migration before V10, from the same files, with a call in its ledger)
     * gains the reasoning column when this HAIA opens it: the earlier call reads 0, later calls their own count.
     */
    @Test
    void anEarlierDatabaseGainsTheReasoningColumnAndKeepsItsCalls() throws Exception {
        StoreBackend.Fresh earlier = backend.fresh(dir.resolve("earlier"));
        String dialect = backend.name().toLowerCase(Locale.ROOT);
        if (backend == StoreBackend.SQLITE) {
            Files.createDirectories(earlier.config().dbPath().getParent());
        }
        try (Connection c = earlier.raw().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                              + " applied_at BIGINT NOT NULL)");
            for (String file : Migrations.FILES.stream().filter(f -> Migrations.version(f) < 10).toList()) {
                try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + dialect + "/" + file)) {
                    for (String statement : Migrations.statements(new String(in.readAllBytes(), UTF_8))) {
                        s.execute(statement);
                    }
                }
                s.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (" + Migrations.version(file)
                                  + ", '" + file + "', 0)");
            }
            s.execute("INSERT INTO model_calls (created_at, model, provider, upstream_model, input_tokens,"
                              + " output_tokens, cache_read_tokens, cache_write_tokens) VALUES (" + clock.millis()
                              + ", 'haia-o4', 'openai', 'o4-mini', 100, 900, 0, 0)");
        }

        try (ConversationStore opened = ConversationStore.open(earlier.config(), clock)) {
            try (Connection c = earlier.raw().connect(); Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT version FROM schema_version ORDER BY version")) {
                List<Integer> versions = new java.util.ArrayList<>();
                while (rows.next()) {
                    versions.add(rows.getInt(1));
                }
                assertEquals(Migrations.FILES.stream().map(Migrations::version).toList(), versions);
            }
            UsageTotals before = opened.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                                       UsageGroup.By.MODEL).getFirst();
            assertEquals(900, before.outputTokens());
            assertEquals(0, before.reasoningTokens(), "an earlier call reported no reasoning HAIA kept");
            opened.ledger().record(new BilledCall("haia-o4", "openai", "o4-mini",
                                                  new Charge(new Usage(100, 900, 0, 0, 700, false), Optional.empty())));
            UsageTotals after = opened.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                                      UsageGroup.By.MODEL).getFirst();
            assertEquals(1_800, after.outputTokens());
            assertEquals(700, after.reasoningTokens());
        }
        if (backend == StoreBackend.POSTGRESQL) {
            // PostgreSQL checks what HAIA's sanitizer guarantees: the reasoning is a part of the output
            try (Connection c = earlier.raw().connect(); Statement s = c.createStatement()) {
                SQLException refused = assertThrows(SQLException.class, () -> s.execute(
                        "INSERT INTO model_calls (created_at, model, provider, upstream_model, input_tokens,"
                                + " output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens)"
                                + " VALUES (0, 'x', 'openai', 'x', 1, 5, 0, 0, 6)"));
                assertTrue(refused.getMessage().contains("model_calls_reasoning_in_output"), refused.getMessage());
            }
        }
    }

    @Test
    void deletingAConversationKeepsItsSpendUnlinked() {
        Usage usage = new Usage(1_000, 200, 0, 0);
        long id = billedExchange(ConversationIdentity.keyed("gone"), "q", call("haia", usage, Optional.of(HAIKU)));
        assertTrue(store.conversations().delete(id));
        List<UsageTotals> lines = store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                              UsageGroup.By.CONVERSATION);
        assertEquals(1, lines.size());
        assertEquals(OptionalLong.empty(), ((UsageGroup.Conversation) lines.getFirst().group()).id());
        assertEquals(1_000, lines.getFirst().inputTokens());
        // a conversation created next (SQLite may reuse the deleted id) starts with no spend of its own
        long next = exchange(ConversationIdentity.keyed("next"), "q", "a");
        assertTrue(store.ledger().usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.CONVERSATION)
                           .stream().noneMatch(t -> ((UsageGroup.Conversation) t.group()).id().equals(OptionalLong.of(next))));
    }

    @Test
    void theUsageQueryReadsATimeRangeThroughItsIndex() throws Exception {
        String sql = Ledger.usageSql(UsageGroup.By.DAY)
                .replaceFirst("\\?", "1780000000000").replaceFirst("\\?", "1780086400000");
        if (backend == StoreBackend.POSTGRESQL) {
            // PostgreSQL plans by statistics: a year of calls, of which the query wants one day
            try (Connection c = raw.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO model_calls (created_at, model, provider, upstream_model, input_tokens,"
                                  + " output_tokens, cache_read_tokens, cache_write_tokens)"
                                  + " SELECT 1764000000000 + k::bigint * 1000000, 'haia', 'anthropic', 'x', 1, 1, 0, 0"
                                  + " FROM generate_series(1, 30000) k");
                s.execute("ANALYZE model_calls");
                StringBuilder plan = new StringBuilder();
                try (ResultSet rows = s.executeQuery("EXPLAIN " + sql)) {
                    while (rows.next()) {
                        plan.append(rows.getString(1)).append('\n');
                    }
                }
                assertTrue(plan.toString().contains("model_calls_by_time"), plan.toString());
            }
            return;
        }
        try (Connection c = raw.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("EXPLAIN QUERY PLAN " + sql)) {
            StringBuilder plan = new StringBuilder();
            while (rows.next()) {
                plan.append(rows.getString("detail")).append('\n');
            }
            assertTrue(plan.toString().contains("USING INDEX model_calls_by_time"), plan.toString());
        }
    }
}
