package haia.store;

import java.util.Optional;

import com.zaxxer.hikari.HikariPoolMXBean;

/**
 * The connection pool right now, as Hikari counts it. Read when {@code /metrics} or {@code /health} asks, never on
 * the request path.
 *
 * @param active  connections lent out
 * @param idle    connections ready in the pool
 * @param max     the pool's size limit
 * @param waiting threads waiting for a connection
 */
public record PoolStats(int active, int idle, int max, int waiting) {

    /** The named pool's figures; empty once it is closed (or before it started). */
    static Optional<PoolStats> read(String poolName) {
        return HikariPool.running(poolName).flatMap(pool -> {
            HikariPoolMXBean counts = pool.getHikariPoolMXBean();   // Hikari's own counters; no JMX involved
            return counts == null ? Optional.empty()
                    : Optional.of(new PoolStats(counts.getActiveConnections(), counts.getIdleConnections(),
                                                pool.getMaximumPoolSize(), counts.getThreadsAwaitingConnection()));
        });
    }
}
