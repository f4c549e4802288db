package haia.store;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

import haia.llm.LlmMessage;
import haia.llm.Part;
import haia.llm.TestRequests;
import haia.llm.Usage;
import haia.testing.StoreBackend;
import haia.testing.TestClock;
import haia.usage.Charge;
import haia.usage.Cost;
import haia.usage.Price;
import haia.usage.Rate;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The store on a real SQLite file, and on a real PostgreSQL server: the same suite, once per dialect. */
@ParameterizedClass
@EnumSource(StoreBackend.class)
class ConversationStoreTest {

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    Path file;
    StoreBackend.Raw raw;
    ConversationStore store;
    /** Starts on a Friday morning, UTC; the usage tests move it across days. */
    final TestClock clock = new TestClock(Instant.parse("2026-11-20T09:00:00Z"));

    @BeforeEach
    void open() {
        StoreBackend.Fresh fresh = backend.fresh(dir);
        file = fresh.config().dbPath();
        raw = fresh.raw();
        store = ConversationStore.open(fresh.config(), clock);
        assertEquals(backend.name().toLowerCase(java.util.Locale.ROOT), store.dialect());
    }

    @AfterEach
    void close() {
        store.close();
    }

    private static NewMessage ok(String text) {
        return NewMessage.user(LlmMessage.user(text), MessageStatus.OK, Optional.empty());
    }

    private static NewMessage answer(String text) {
        return NewMessage.text(LlmMessage.Role.ASSISTANT, text, MessageStatus.OK, Optional.of("haia"),
                              Optional.of("stop"), Optional.of(new Usage(3, 4)), Optional.empty());
    }

    private long exchange(ConversationIdentity identity, String question, String reply) {
        return store.commit(new Exchange(identity, OptionalLong.empty(), List.of(ok(question), answer(reply))));
    }

    @Test
    void createsFolderAndFileForTheOwnerOnly() throws Exception {
        assumeTrue(backend == StoreBackend.SQLITE, "a file of its own: SQLite");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
    }

    @Test
    void connectionsRunWithWalForeignKeysAndABusyTimeout() throws Exception {
        assumeTrue(backend == StoreBackend.SQLITE, "SQLite's pragmas");
        exchange(ConversationIdentity.DEFAULT, "q", "a");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            ResultSet mode = s.executeQuery("PRAGMA journal_mode");
            mode.next();
            assertEquals("wal", mode.getString(1), "WAL is a property of the file");
            ResultSet version = s.executeQuery("SELECT max(version) FROM schema_version");
            version.next();
            assertEquals(Migrations.FILES.size(), version.getInt(1));
        }
        // per-connection pragmas, read through the store's own pool
        assertEquals(1L, store.pragma("foreign_keys"));
        assertEquals(10000L, store.pragma("busy_timeout"));
        assertEquals(1L, store.pragma("synchronous"), "NORMAL");
        assertEquals(1L, store.pragma("secure_delete"));
    }

    @Test
    void theWindowQueryUsesTheLiveIndex() throws Exception {
        long id = exchange(ConversationIdentity.DEFAULT, "q", "a");
        // parameters: the conversation (its count of live messages), the conversation, before id, limit (its window)
        String window = store.windowSql.replaceFirst("\\?", Long.toString(id)).replaceFirst("\\?", Long.toString(id))
                .replaceFirst("\\?", "9223372036854775807").replaceFirst("\\?", "20");
        String byIdentity = store.windowByIdentitySql.orElse("").replaceFirst("\\?", "'default'").replaceFirst("\\?", "''")
                .replaceFirst("\\?", "20");
        if (backend == StoreBackend.POSTGRESQL) {
            // PostgreSQL plans by statistics: give it a year of history in 50 conversations, so that a query
            // shape that walks all messages (instead of one conversation's live ones) shows in the plan
            try (Connection c = raw.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO conversations (kind, external_key, created_at, updated_at)"
                                  + " SELECT 'keyed', 'k' || k, 0, 0 FROM generate_series(1, 50) k");
                s.execute("INSERT INTO messages (conversation_id, role, content, content_hash, status, created_at)"
                                  + " SELECT c.id, 'user', 'm' || m, m, 'ok', m FROM conversations c,"
                                  + " generate_series(1, 400) m ORDER BY m, c.id");
                s.execute("ANALYZE");
            }
            String plan = postgresPlan(store.windowSql, id + ", " + id + ", 9223372036854775807, 20", 8);
            assertEquals(8, plan.split("Backward using messages_live", -1).length - 1, "every run: " + plan);
            assertFalse(plan.contains("messages_pkey") || plan.contains("Sort"), plan);
            assertTrue(store.windowByIdentitySql.isEmpty(), "by id only: see PostgresDialect.windowByIdentitySql");
            return;
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
            ResultSet plan = s.executeQuery("EXPLAIN QUERY PLAN " + window);
            StringBuilder text = new StringBuilder();
            while (plan.next()) {
                text.append(plan.getString("detail")).append('\n');
            }
            assertTrue(text.toString().contains("USING INDEX messages_live") || text.toString().contains("USING COVERING INDEX messages_live"),
                       text.toString());
            assertFalse(text.toString().contains("TEMP B-TREE"), "no sort: the index gives the order\n" + text);

            ResultSet joined = s.executeQuery("EXPLAIN QUERY PLAN " + byIdentity);
            StringBuilder joinedText = new StringBuilder();
            while (joined.next()) {
                joinedText.append(joined.getString("detail")).append('\n');
            }
            assertTrue(joinedText.toString().contains("conversations_live_identity"), joinedText.toString());
            assertTrue(joinedText.toString().contains("messages_live"), joinedText.toString());
            assertFalse(joinedText.toString().contains("TEMP B-TREE"), joinedText.toString());
        }
    }

    /**
     * The plans PostgreSQL makes for a statement run repeatedly as HAIA runs it (prepared on the server, in HAIA's
     * plan cache mode): without that mode, runs after the fifth may get a generic plan that ignores the conversation.
     */
    private String postgresPlan(String sql, String arguments, int runs) throws Exception {
        StringBuilder numbered = new StringBuilder();
        int n = 0;
        for (char ch : sql.toCharArray()) {
            numbered.append(ch == '?' ? "$" + ++n : String.valueOf(ch));
        }
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            s.execute("SET plan_cache_mode = " + PostgresDialect.PLAN_CACHE_MODE);
            s.execute("PREPARE q AS " + numbered);
            StringBuilder text = new StringBuilder();
            for (int run = 0; run < runs; run++) {
                try (ResultSet plan = s.executeQuery("EXPLAIN EXECUTE q(" + arguments + ")")) {
                    while (plan.next()) {
                        text.append(plan.getString(1)).append('\n');
                    }
                }
            }
            return text.toString();
        }
    }

    @Test
    void theWindowByIdentityMatchesTheWindowById() {
        long id = 0;
        for (int i = 0; i < 5; i++) {
            id = exchange(ConversationIdentity.keyed("k"), "q" + i, "a" + i);
        }
        exchange(ConversationIdentity.keyed("other"), "x", "y");
        assertEquals(store.window(id, OptionalLong.empty(), 3), store.window(ConversationIdentity.keyed("k"), 3));
        assertEquals(List.of(), store.window(ConversationIdentity.keyed("nobody"), 3));
    }

    @Test
    void storesTextByteExactly() {
        // NUL and U+FFFF: PostgreSQL's text cannot hold NUL, so HAIA escapes it there, with U+FFFF
        String tricky = "naïve ☃ 😀 \u0000 nul, tab\t, CRLF\r\n, RTL \u202e, zero width \u200b, \uffff0 \uffff1 \uffff, the end";
        long id = exchange(ConversationIdentity.DEFAULT, tricky, "ok");
        List<StoredMessage> messages = store.messages(id, 0, 10);
        assertEquals(tricky, messages.getFirst().content());
        assertEquals(tricky, store.window(id, OptionalLong.empty(), 10).getFirst().text());
        assertEquals(tricky.substring(0, 5), store.get(id).orElseThrow().title().orElseThrow().substring(0, 5));
        assertEquals(store.liveBranch(id).getFirst().contentHash(), ContentHash.of(tricky));
    }

    @Test
    void theWindowIsTheNewestLiveMessagesOldestFirst() {
        long id = 0;
        for (int i = 0; i < 5; i++) {
            id = exchange(ConversationIdentity.DEFAULT, "q" + i, "a" + i);
        }
        store.commit(new Exchange(ConversationIdentity.DEFAULT, OptionalLong.empty(),
                                  List.of(NewMessage.user(LlmMessage.user("failed one"), MessageStatus.FAILED, Optional.of("boom")))));
        List<LlmMessage> window = store.window(id, OptionalLong.empty(), 4);
        assertEquals(List.of("q3", "a3", "q4", "a4"), window.stream().map(LlmMessage::text).toList());
    }

    @Test
    void supersedingTakesMessagesOffTheLiveBranchButKeepsThem() {
        long id = exchange(ConversationIdentity.openWebUi("chat-1"), "q0", "a0");
        exchange(ConversationIdentity.openWebUi("chat-1"), "q1", "a1");
        List<MessageKey> live = store.liveBranch(id);
        long answerId = live.get(3).id();
        store.commit(new Exchange(ConversationIdentity.openWebUi("chat-1"), OptionalLong.of(answerId),
                                  List.of(answer("a1 again"))));

        assertEquals(List.of("q0", "a0", "q1", "a1 again"),
                     store.window(id, OptionalLong.empty(), 10).stream().map(LlmMessage::text).toList());
        List<StoredMessage> all = store.messages(id, 0, 10);
        assertEquals(5, all.size());
        assertEquals(MessageStatus.SUPERSEDED, all.get(3).status());
        assertEquals(5, store.get(id).orElseThrow().messageCount());
        assertEquals(4, store.get(id).orElseThrow().liveCount());
        // where a window's tail sits (the stored count the block window reads) keeps up with supersedes, and counts
        // before a message id
        assertEquals(3, store.tail(id, OptionalLong.empty(), 1).before());
        assertEquals(1, store.tail(ConversationIdentity.openWebUi("chat-1"), 3).before());
        assertEquals(2, store.tail(id, OptionalLong.of(store.liveBranch(id).get(3).id()), 1).before());
        assertEquals(0, store.tail(id, OptionalLong.empty(), 10).before());
        store.commit(new Exchange(ConversationIdentity.openWebUi("chat-1"), OptionalLong.empty(),
                                  List.of(new NewMessage(LlmMessage.Role.USER, List.of(new haia.llm.Part.Text("lost")),
                                                         MessageStatus.FAILED, Optional.empty(), Optional.empty(),
                                                         Optional.empty(), Optional.of("upstream down")))));
        assertEquals(3, store.tail(id, OptionalLong.empty(), 1).before(), "a failed turn is off the live branch");
        assertEquals(new WindowTail(List.of(), 0), store.tail(ConversationIdentity.openWebUi("nobody"), 3));
    }

    @Test
    void conversationsAreSeparatedByIdentity() {
        long a = exchange(ConversationIdentity.openWebUi("a"), "qa", "aa");
        long b = exchange(ConversationIdentity.openWebUi("b"), "qb", "ab");
        long keyed = exchange(ConversationIdentity.keyed("a"), "qk", "ak");
        long def = exchange(ConversationIdentity.DEFAULT, "qd", "ad");
        assertEquals(4, List.of(a, b, keyed, def).stream().distinct().count());
        assertEquals(a, store.find(ConversationIdentity.openWebUi("a")).orElseThrow().id());
        assertEquals(Optional.of("a"), store.get(keyed).orElseThrow().key());
        assertEquals(Optional.of("qd"), store.get(def).orElseThrow().title());
    }

    @Test
    void archivingTheDefaultConversationStartsAFreshOne() {
        long old = exchange(ConversationIdentity.DEFAULT, "old", "thread");
        ConversationSummary started = store.startNew(ConversationIdentity.DEFAULT);
        assertTrue(store.get(old).orElseThrow().archived());
        assertEquals(0, started.messageCount());
        assertEquals(started.id(), store.find(ConversationIdentity.DEFAULT).orElseThrow().id());
        long fresh = exchange(ConversationIdentity.DEFAULT, "new", "thread");
        assertEquals(started.id(), fresh);
        assertFalse(old == fresh);
        assertEquals(2, store.messages(old, 0, 10).size(), "archived messages are kept");
    }

    @Test
    void deleteRemovesTheConversationAndItsMessages() throws Exception {
        long id = exchange(ConversationIdentity.DEFAULT, "delete me", "ok");
        assertTrue(store.delete(id));
        assertFalse(store.delete(id));
        assertTrue(store.get(id).isEmpty());
        try (Connection c = raw.connect(); Statement s = c.createStatement()) {
            ResultSet count = s.executeQuery("SELECT count(*) FROM messages WHERE conversation_id = " + id);
            count.next();
            assertEquals(0, count.getInt(1));
        }
    }

    /**
     * A message that is more than text keeps all its parts (the model's signed thinking, tool calls, results); an
     * image's bytes are stored once per conversation in their own table and come back as a reference, which
     * alignment recognises as the same picture, and whose bytes are loaded only when asked for.
     */
    @Test
    void partsAreStoredWholeAndImagesOnceByReference() throws Exception {
        Part.Image png = new Part.Image(new Part.Image.Inline("image/png", TestRequests.PNG));
        LlmMessage question = new LlmMessage(LlmMessage.Role.USER, List.of(new Part.Text("what is this?"), png));
        List<Part> reply = List.of(new Part.Thinking("a dialog", Optional.of("sig-1"), Optional.empty(), "anthropic"),
                                   new Part.Text("Let me check."),
                                   new Part.ToolCall("toolu_1", "node_status", "{\"node\":\"pve1\"}"));
        LlmMessage results = new LlmMessage(LlmMessage.Role.USER, List.of(new Part.ToolResult(
                "toolu_1", "node_status", List.of(new Part.Text("online"), png), false), new Part.Text("and?")));
        long id = store.commit(new Exchange(ConversationIdentity.keyed("parts"), OptionalLong.empty(), List.of(
                NewMessage.user(question, MessageStatus.OK, Optional.empty()),
                new NewMessage(LlmMessage.Role.ASSISTANT, reply, MessageStatus.OK, Optional.of("haia"),
                               Optional.of("tool_calls"), Optional.empty(), Optional.empty()),
                NewMessage.user(results, MessageStatus.OK, Optional.empty()))));

        List<LlmMessage> window = store.window(id, OptionalLong.empty(), 20);
        assertEquals("what is this?", window.get(0).text());
        Part.Image.Stored stored = (Part.Image.Stored) window.get(0).parts(Part.Image.class).getFirst().source();
        assertEquals("image/png", stored.mediaType());
        assertEquals(TestRequests.PNG.length, stored.size());
        assertEquals(reply, window.get(1).parts(), "thinking, signature and call, exactly");
        Part.ToolResult result = window.get(2).parts(Part.ToolResult.class).getFirst();
        assertEquals(stored, ((Part.Image) result.content().get(1)).source(), "the same picture: the same row");
        assertEquals(ContentHash.of(question), ContentHash.of(window.get(0)), "recognised when sent again");
        assertEquals(ContentHash.of(results), ContentHash.of(window.get(2)));
        assertEquals(Map.of(stored.id(), new Part.Image.Inline("image/png", TestRequests.PNG)),
                     store.images(List.of(stored.id())));
        assertEquals(1, count("SELECT count(*) FROM images"), "stored once");
        assertEquals(List.of(), store.messages(id, 0, 10).stream().filter(m -> m.content().isEmpty()).toList());
        assertEquals(reply, store.messages(id, 0, 10).get(1).parts());

        assertTrue(store.delete(id));
        assertEquals(0, count("SELECT count(*) FROM images"), "deleted with the conversation");
    }

    private int count(String sql) throws Exception {
        try (Connection c = raw.connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }

    @Test
    void listingIsNewestFirstWithCounts() {
        List<Long> ids = new ArrayList<>();
        for (String key : List.of("a", "b", "c")) {
            ids.add(exchange(ConversationIdentity.keyed(key), "q " + key, "a " + key));
        }
        List<ConversationSummary> list = store.list(10, 0);
        assertEquals(3, list.size());
        assertEquals(2, list.getFirst().messageCount());
        assertEquals(1, store.list(1, 1).size());
    }

    // ---- the usage ledger ----

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
        return store.commit(new Exchange(identity, OptionalLong.empty(), List.of(ok(question), reply),
                                         List.of(call)));
    }

    /** One line of expected totals, added up here from the calls the test made. */
    private record Expected(long requests, long in, long out, long read, long write, long picoUsd, long unpriced,
                            long estimated) {
        Expected plus(BilledCall call) {
            Usage u = call.charge().usage();
            return new Expected(requests + 1, in + u.inputTokens(), out + u.outputTokens(), read + u.cacheReadTokens(),
                                write + u.cacheWriteTokens(),
                                picoUsd + call.charge().cost().map(Cost::picoUsd).orElse(0L),
                                unpriced + (call.charge().price().isEmpty() ? 1 : 0), estimated + (u.estimated() ? 1 : 0));
        }

        void check(UsageTotals line) {
            assertEquals(requests, line.requests(), line.toString());
            assertEquals(in, line.inputTokens(), line.toString());
            assertEquals(out, line.outputTokens(), line.toString());
            assertEquals(read, line.cacheReadTokens(), line.toString());
            assertEquals(write, line.cacheWriteTokens(), line.toString());
            assertEquals(0, Cost.usd(BigDecimal.valueOf(picoUsd)).compareTo(line.costUsd()), line.toString());
            assertEquals(unpriced, line.unpricedRequests(), line.toString());
            assertEquals(estimated, line.estimatedRequests(), "estimated counts are marked: " + line);
        }
    }

    private static final Expected NONE = new Expected(0, 0, 0, 0, 0, 0, 0, 0);

    @Test
    void theUsageLedgerAddsUpExactlyByModelDayAndConversation() {
        Map<String, Expected> byModel = new TreeMap<>();
        Map<LocalDate, Expected> byDay = new TreeMap<>();
        Map<Long, Expected> byConversation = new TreeMap<>();
        Expected stateless = NONE;
        Expected all = NONE;
        // one of them HAIA's estimate (a local server that reports no usage in streams): marked in the ledger
        List<Usage> usages = List.of(new Usage(12_345, 678, 10_000, 0), new Usage(4_321, 99, 0, 4_000),
                                     new Usage(7, 1, 0, 0, true), new Usage(250_000, 8_000, 200_000, 30_000));
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
            store.record(task);   // a background task: billed, stored in no conversation
            stateless = stateless.plus(task);
            byModel.merge("haia", NONE.plus(task), (x, y) -> x.plus(task));
            byDay.merge(LocalDate.of(2026, 11, 20 + day), NONE.plus(task), (x, y) -> x.plus(task));
            all = all.plus(task);
            clock.advance(Duration.ofDays(1));
        }

        List<UsageTotals> models = store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.MODEL);
        assertEquals(List.of("haia", "haia-mini", "haia-new"),
                     models.stream().map(t -> ((UsageGroup.Model) t.group()).id()).toList());
        models.forEach(t -> byModel.get(((UsageGroup.Model) t.group()).id()).check(t));
        assertEquals(byModel.get("haia-new").requests(), models.get(2).unpricedRequests(), "its cost is unknown");
        assertEquals(0, models.get(2).costUsd().signum());

        List<UsageTotals> days = store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.DAY);
        assertEquals(List.copyOf(byDay.keySet()), days.stream().map(t -> ((UsageGroup.Day) t.group()).date()).toList());
        days.forEach(t -> byDay.get(((UsageGroup.Day) t.group()).date()).check(t));

        List<UsageTotals> conversations = store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                                      UsageGroup.By.CONVERSATION);
        assertEquals(byConversation.size() + 1, conversations.size());
        for (UsageTotals line : conversations) {
            OptionalLong id = ((UsageGroup.Conversation) line.group()).id();
            (id.isPresent() ? byConversation.get(id.getAsLong()) : stateless).check(line);
        }
        assertTrue(((UsageGroup.Conversation) conversations.getLast().group()).id().isEmpty(), "no conversation last");

        // one day only: [from, to) on the clock's days; and the whole range adds up to every call
        List<UsageTotals> friday = store.usage(Instant.parse("2026-11-21T00:00:00Z"),
                                               Instant.parse("2026-11-22T00:00:00Z"), UsageGroup.By.DAY);
        assertEquals(1, friday.size());
        byDay.get(LocalDate.of(2026, 11, 21)).check(friday.getFirst());
        long everything = models.stream().mapToLong(UsageTotals::requests).sum();
        assertEquals(all.requests(), everything);
        assertEquals(0, Cost.usd(BigDecimal.valueOf(all.picoUsd())).compareTo(
                models.stream().map(UsageTotals::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add)));
        assertEquals(List.of(), store.usage(Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"),
                                            UsageGroup.By.MODEL));
    }

    @Test
    void aCallKeepsThePriceInForceWhenItWasAnswered() throws Exception {
        Usage usage = new Usage(2_000_000, 100_000, 1_000_000, 500_000);
        long id = billedExchange(ConversationIdentity.DEFAULT, "old price", call("haia", usage, Optional.of(HAIKU)));
        Price raised = Price.anthropic(Rate.usdPerMillion("2"), Rate.usdPerMillion("10"));
        billedExchange(ConversationIdentity.DEFAULT, "new price", call("haia", usage, Optional.of(raised)));
        // 0.5M uncached × $1 + 1M reads × $0.10 + 0.5M writes × $1.25 + 0.1M out × $5 = 0.5 + 0.1 + 0.625 + 0.5
        assertEquals(new BigDecimal("1.725"), HAIKU.cost(usage).usd());
        assertEquals(new BigDecimal("3.45"), raised.cost(usage).usd());
        UsageTotals total = store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.MODEL)
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
        // the reply shows its own cache tokens and cost
        StoredMessage reply = store.messages(id, 0, 10).get(1);
        assertEquals(java.util.OptionalInt.of(1_000_000), reply.cacheReadTokens());
        assertEquals(java.util.OptionalInt.of(500_000), reply.cacheWriteTokens());
        assertEquals(Optional.of(HAIKU.cost(usage)), reply.cost());
        assertTrue(store.messages(id, 0, 10).getFirst().cost().isEmpty(), "the user's message cost nothing itself");
    }

    @Test
    void deletingAConversationKeepsItsSpendUnlinked() {
        Usage usage = new Usage(1_000, 200, 0, 0);
        long id = billedExchange(ConversationIdentity.keyed("gone"), "q", call("haia", usage, Optional.of(HAIKU)));
        assertTrue(store.delete(id));
        List<UsageTotals> lines = store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"),
                                              UsageGroup.By.CONVERSATION);
        assertEquals(1, lines.size());
        assertEquals(OptionalLong.empty(), ((UsageGroup.Conversation) lines.getFirst().group()).id());
        assertEquals(1_000, lines.getFirst().inputTokens());
        // a conversation created next (SQLite may reuse the deleted id) starts with no spend of its own
        long next = exchange(ConversationIdentity.keyed("next"), "q", "a");
        assertTrue(store.usage(Instant.EPOCH, Instant.parse("2100-01-01T00:00:00Z"), UsageGroup.By.CONVERSATION)
                           .stream().noneMatch(t -> ((UsageGroup.Conversation) t.group()).id().equals(OptionalLong.of(next))));
    }

    @Test
    void theUsageQueryReadsATimeRangeThroughItsIndex() throws Exception {
        String sql = ConversationStore.usageSql(UsageGroup.By.DAY)
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
