package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Conversation leases in the {@code conversation_leases} table: one row per claimed conversation, naming the
 * replica that holds it and when the claim runs out. Expiry uses the database server's clock, so replicas whose
 * clocks disagree still agree on it.
 *
 * <ul>
 *     <li>Taking a lease is one statement: insert the row, or take over a row that has expired (or that this
 *     replica left behind when giving it back failed). A replica that finds it held waits, polling with backoff.
 *     <li>While leases are held, a heartbeat extends all of this replica's leases every third of the TTL, so a
 *     model that answers for minutes keeps its conversation.
 *     <li>Giving it back deletes the row. A replica killed while holding leases stops its heartbeat; its leases
 *     expire after at most the TTL and other replicas carry on.
 * </ul>
 * Each statement runs on a pooled connection in auto-commit mode and gives the connection back at once.
 */
final class PostgresLeases implements ConversationLeases {

    private static final System.Logger LOG = System.getLogger(PostgresLeases.class.getName());
    private static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final String ACQUIRE = """
            INSERT INTO conversation_leases (kind, conversation_key, holder, expires_at)
            VALUES (?, ?, ?, clock_timestamp() + ? * interval '1 millisecond')
            ON CONFLICT (kind, conversation_key) DO UPDATE
                SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE conversation_leases.expires_at < clock_timestamp()
                   OR conversation_leases.holder = excluded.holder""";
    private static final String RELEASE =
            "DELETE FROM conversation_leases WHERE kind = ? AND conversation_key = ? AND holder = ?";
    private static final String RENEW = "UPDATE conversation_leases"
            + " SET expires_at = clock_timestamp() + ? * interval '1 millisecond' WHERE holder = ?";
    private static final String RELEASE_ALL = "DELETE FROM conversation_leases WHERE holder = ?";

    private final Supplier<Connection> connections;
    private final long ttlMillis;
    private final Dialect dialect;
    /** This process: a new one after every start, so a restarted replica never mistakes old leases for its own. */
    private final String holder = UUID.randomUUID().toString();
    private final AtomicInteger held = new AtomicInteger();
    private final Thread heartbeat;
    private volatile boolean closed;

    PostgresLeases(Supplier<Connection> connections, Duration ttl, Dialect dialect) {
        this.connections = connections;
        this.ttlMillis = ttl.toMillis();
        this.dialect = dialect;
        this.heartbeat = Thread.ofVirtual().name("haia-lease-heartbeat").start(this::heartbeat);
    }

    @Override
    public Optional<Lease> acquire(ConversationIdentity identity, Duration timeout, BooleanSupplier stop) {
        String kind = identity.kind().dbValue();
        String key = identity.leaseKey();
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = FIRST_PAUSE_NANOS;
        while (true) {
            if (run("claim the conversation", ACQUIRE, kind, key, holder, ttlMillis) == 1) {
                held.incrementAndGet();
                return Optional.of(() -> release(identity, kind, key));
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || stop.getAsBoolean()) {
                return Optional.empty();
            }
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }

    /**
     * Best effort: the exchange is already stored, so a failure here must not fail the request. A lease that could
     * not be deleted expires by itself, and this replica may take it over at once.
     */
    private void release(ConversationIdentity identity, String kind, String key) {
        held.decrementAndGet();
        try {
            if (run("release the conversation", RELEASE, kind, key, holder) == 0) {
                LOG.log(System.Logger.Level.WARNING, "The lease on conversation " + identity + " had expired before"
                        + " this request finished (no heartbeat for " + ttlMillis + " ms: database unreachable, or"
                        + " the process stalled); another replica may have run a request on it in parallel");
            }
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "Could not release the lease on conversation " + identity
                    + " (it expires by itself): " + e.getMessage());
        }
    }

    @Override
    public void renew() {
        if (held.get() > 0) {
            try {
                run("renew conversation leases", RENEW, ttlMillis, holder);
            } catch (StoreException e) {
                LOG.log(System.Logger.Level.DEBUG, "Lease renewal before a retried write failed: " + e.getMessage());
            }
        }
    }

    private void heartbeat() {
        long every = Math.max(100, ttlMillis / 3);
        while (!closed) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            if (held.get() > 0 && !closed) {
                try {
                    run("renew conversation leases", RENEW, ttlMillis, holder);
                } catch (StoreException e) {
                    LOG.log(System.Logger.Level.WARNING, "Lease heartbeat failed: " + e.getMessage());
                }
            }
        }
    }

    private int run(String what, String sql, Object... params) {
        try (Connection connection = connections.get(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement.executeUpdate();
        } catch (SQLException e) {
            throw dialect.translate(what, new IllegalStateException(e.getMessage(), e));
        } catch (RuntimeException e) {
            throw dialect.translate(what, e);
        }
    }

    /** Stops the heartbeat and gives back whatever this replica still holds (nothing, after a graceful drain). */
    @Override
    public void close() {
        closed = true;
        heartbeat.interrupt();
        try {
            run("release conversation leases", RELEASE_ALL, holder);
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.DEBUG, "Leases left to expire: " + e.getMessage());
        }
    }
}
