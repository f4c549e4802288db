package haia.store;

import java.lang.management.ManagementFactory;
import java.util.Optional;

import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * The connection pool right now, as Hikari publishes it (its JMX bean, registered because the store asks for
 * {@code registerMbeans}). Read when {@code /metrics} or {@code /health} asks, never on the request path.
 *
 * @param active  connections lent out
 * @param idle    connections ready in the pool
 * @param max     the pool's size limit
 * @param waiting threads waiting for a connection
 */
public record PoolStats(int active, int idle, int max, int waiting) {

    static Optional<PoolStats> read(String poolName) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName pool = new ObjectName("com.zaxxer.hikari:type=Pool (" + poolName + ")");
            ObjectName config = new ObjectName("com.zaxxer.hikari:type=PoolConfig (" + poolName + ")");
            if (!server.isRegistered(pool)) {
                return Optional.empty();
            }
            return Optional.of(new PoolStats(
                    (Integer) server.getAttribute(pool, "ActiveConnections"),
                    (Integer) server.getAttribute(pool, "IdleConnections"),
                    server.isRegistered(config) ? (Integer) server.getAttribute(config, "MaximumPoolSize") : 0,
                    (Integer) server.getAttribute(pool, "ThreadsAwaitingConnection")));
        } catch (JMException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
