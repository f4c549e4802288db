package haia.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import haia.config.HaiaConfig;
import haia.config.Secret;
import haia.testing.HaiaProcess;
import haia.testing.PostgresServer;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What only PostgreSQL does: replicas migrating together, leases across processes, login and reachability errors. */
class PostgresStoreTest {

    private static final HaiaConfig.Store.Pool SHORT_LEASES = new HaiaConfig.Store.Pool(
            4, Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMillis(900));
    private static final ConversationIdentity CHAT = ConversationIdentity.openWebUi("chat-1");

    private static ConversationStore open(PostgresServer.Database database) {
        return ConversationStore.open(database.store(SHORT_LEASES), Clock.systemUTC());
    }

    @Test
    void replicasStartingTogetherOnAnEmptyDatabaseMigrateItOnce() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().newDatabase();
        int replicas = 4;
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<ConversationStore>> stores = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                stores.add(pool.submit((Callable<ConversationStore>) () -> open(database)));
            }
            for (Future<ConversationStore> store : stores) {
                store.get(60, TimeUnit.SECONDS).close();   // every replica started (none failed on a race)
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = database.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT count(*), max(version) FROM schema_version")) {
            rows.next();
            assertEquals(Migrations.FILES.size(), rows.getInt(1), "each migration recorded once");
            assertEquals(Migrations.latest(), rows.getInt(2));
        }
    }

    @Test
    void aLeaseHeldByOneReplicaMakesTheOtherWaitUntilItIsReleased() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().newDatabase();
        try (ConversationStore a = open(database); ConversationStore b = open(database)) {
            ConversationLeases.Lease held = a.leases().acquire(CHAT, Duration.ofSeconds(1), () -> false).orElseThrow();
            assertTrue(b.leases().acquire(CHAT, Duration.ofMillis(300), () -> false).isEmpty(), "held by replica a");
            assertTrue(b.leases().acquire(ConversationIdentity.openWebUi("chat-2"), Duration.ofMillis(300), () -> false).isPresent(),
                       "other conversations are free");
            // the heartbeat keeps a long call's lease: three TTLs later it is still a's
            Thread.sleep(3 * 900);
            assertTrue(b.leases().acquire(CHAT, Duration.ofMillis(100), () -> false).isEmpty(), "renewed by a's heartbeat");
            held.close();
            ConversationLeases.Lease taken = b.leases().acquire(CHAT, Duration.ofSeconds(2), () -> false).orElseThrow();
            taken.close();
        }
    }

    @Test
    void theLeaseOfAReplicaThatDiedExpires() throws Exception {
        PostgresServer.Database database = PostgresServer.shared().newDatabase();
        try (ConversationStore store = open(database)) {
            // a replica that was killed holding the lease: its row stays, nobody renews it
            try (Connection c = database.connect(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO conversation_leases VALUES ('openwebui', 'chat-1', 'dead-replica',"
                                  + " clock_timestamp() + interval '1500 milliseconds')");
            }
            long start = System.nanoTime();
            assertTrue(store.leases().acquire(CHAT, Duration.ofMillis(500), () -> false).isEmpty(), "not expired yet");
            ConversationLeases.Lease lease = store.leases().acquire(CHAT, Duration.ofSeconds(5), () -> false).orElseThrow();
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(waited >= 1400 && waited < 4000, "taken over once expired, after " + waited + " ms");
            lease.close();
        }
    }

    @Test
    void aWrongPasswordIsAClearErrorThatDoesNotShowIt() {
        PostgresServer.Database database = PostgresServer.shared().newDatabase();
        Secret wrong = new Secret("not-the-password-7f3a");
        HaiaConfig.Store config = new HaiaConfig.Store(database.store(SHORT_LEASES).dbPath(),
                java.util.OptionalLong.empty(),
                Optional.of(new HaiaConfig.Store.Server(database.url(), Optional.of(database.user()), Optional.of(wrong))),
                SHORT_LEASES);
        StoreException e = assertThrows(StoreException.class, () -> ConversationStore.open(config, Clock.systemUTC()));
        assertTrue(e.getMessage().contains("refused HAIA's login"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong.reveal()), e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            assertFalse(String.valueOf(t.getMessage()).contains(wrong.reveal()), t.toString());
        }
    }

    @Test
    void anUnreachableServerIsUnavailableNotAHang() throws Exception {
        int closedPort = HaiaProcess.freePort();
        HaiaConfig.Store config = new HaiaConfig.Store(java.nio.file.Path.of("unused.db"), java.util.OptionalLong.empty(),
                Optional.of(new HaiaConfig.Store.Server("jdbc:postgresql://127.0.0.1:" + closedPort + "/haia",
                                                        Optional.of("haia"), Optional.of(new Secret("pw-1234")))),
                new HaiaConfig.Store.Pool(2, Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(5)));
        long start = System.nanoTime();
        StoreException e = assertThrows(StoreException.class, () -> ConversationStore.open(config, Clock.systemUTC()));
        assertTrue(e.unavailable(), e.getMessage());
        assertTrue(e.getMessage().contains("cannot be reached"), e.getMessage());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "fails within the connect timeout");
    }

    @Test
    void everyMigrationExistsForBothDialects() {
        for (String file : Migrations.FILES) {
            for (String dialect : List.of("sqlite", "postgresql")) {
                assertTrue(Migrations.class.getResource("/db/migration/" + dialect + "/" + file) != null,
                           dialect + " has no " + file + ": a schema change is one migration per dialect");
            }
        }
    }
}
