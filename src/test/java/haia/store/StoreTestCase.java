package haia.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import haia.llm.LlmMessage;
import haia.llm.Usage;
import haia.testing.StoreBackend;
import haia.testing.TestClock;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The store's tests on a real SQLite file, and on a real PostgreSQL server: each test class extending this runs once
 * per dialect, on a fresh database, with a clock that starts on a Friday morning, UTC.
 */
@ParameterizedClass
@EnumSource(StoreBackend.class)
abstract class StoreTestCase {

    @Parameter
    StoreBackend backend;
    @TempDir
    Path dir;
    Path file;
    /** The store's configuration: to open it again. */
    haia.config.HaiaConfig.Store config;
    StoreBackend.Raw raw;
    ConversationStore store;
    /** Starts on a Friday morning, UTC; the usage tests move it across days. */
    final TestClock clock = new TestClock(Instant.parse("2026-11-20T09:00:00Z"));

    @BeforeEach
    void open() {
        StoreBackend.Fresh fresh = backend.fresh(dir);
        config = fresh.config();
        file = config.dbPath();
        raw = fresh.raw();
        store = ConversationStore.open(fresh.config(), clock);
        assertEquals(backend.name().toLowerCase(java.util.Locale.ROOT), store.dialect());
    }

    @AfterEach
    void close() {
        store.close();
    }

    static NewMessage ok(String text) {
        return NewMessage.user(LlmMessage.user(text), MessageStatus.OK, Optional.empty());
    }

    static NewMessage answer(String text) {
        return NewMessage.text(LlmMessage.Role.ASSISTANT, text, MessageStatus.OK, Optional.of("haia"),
                              Optional.of("stop"), Optional.of(new Usage(3, 4)), Optional.empty());
    }

    long exchange(ConversationIdentity identity, String question, String reply) {
        return store.exchanges().commit(new Exchange(identity, OptionalLong.empty(), List.of(ok(question), answer(reply))));
    }

    int count(String sql) throws Exception {
        try (Connection c = raw.connect(); Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getInt(1);
        }
    }
}
