package haia.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import haia.config.HaiaConfig;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbClientException;
import io.helidon.dbclient.jdbc.CloseableJdbcConnectionPool;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * The store's connection pool: a HikariCP pool, handed to Helidon's DbClient as its JDBC connection pool. Helidon
 * stopped publishing the module that used to build this pool from configuration (helidon-dbclient-hikari ends at
 * 4.1.7), so the dialects build it here, with typed settings instead of configuration keys. Closing the DbClient
 * closes the pool.
 */
final class HikariPool implements CloseableJdbcConnectionPool {

    /**
     * The open pools by name, for {@link PoolStats}. Hikari could publish the same figures as JMX beans, but
     * registering them starts the platform MBean server: about 90 ms of every start-up, for nothing else HAIA uses.
     */
    private static final Map<String, HikariDataSource> OPEN = new ConcurrentHashMap<>();

    private final HikariDataSource dataSource;
    private final String dbType;

    private HikariPool(HikariConfig settings) {
        this.dataSource = new HikariDataSource(settings);
        this.dbType = dbType(settings.getJdbcUrl());
        OPEN.put(settings.getPoolName(), dataSource);
    }

    /** The named pool, while it is open. */
    static Optional<HikariDataSource> running(String poolName) {
        return Optional.ofNullable(OPEN.get(poolName)).filter(pool -> !pool.isClosed());
    }

    /**
     * What every HAIA pool has: its name (unique in the process: {@link PoolStats} finds it by that), the configured
     * size, and how long a request waits for a connection (Hikari's floor is 250 ms).
     */
    static HikariConfig settings(String poolName, String url, HaiaConfig.Store.Pool pool) {
        HikariConfig settings = new HikariConfig();
        settings.setPoolName(poolName);
        settings.setJdbcUrl(url);
        settings.setMaximumPoolSize(pool.maxSize());
        settings.setMinimumIdle(Math.min(2, pool.maxSize()));
        settings.setConnectionTimeout(Math.max(250, pool.connectTimeout().toMillis()));
        return settings;
    }

    /**
     * Opens the pool (it connects once at once, so an unreachable database fails here, at start) and a DbClient
     * over it.
     */
    static DbClient open(HikariConfig settings) {
        HikariPool pool = new HikariPool(settings);
        try {
            return JdbcClientBuilder.create().connectionPool(pool).build();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** {@code jdbc:sqlite} or {@code jdbc:postgresql}: the URL up to its second colon, as Helidon's own pools say it. */
    static String dbType(String url) {
        int scheme = url.indexOf(':');
        int end = scheme < 0 ? -1 : url.indexOf(':', scheme + 1);
        return end < 0 ? DEFAULT_DB_TYPE : url.substring(0, end);
    }

    @Override
    public Connection connection() {
        try {
            return dataSource.getConnection();
        } catch (SQLException e) {
            // the dialects read the SQLException in the cause chain (SQLState, SQLite's result code)
            throw new DbClientException("Failed to get a connection to " + dataSource.getJdbcUrl(), e);
        }
    }

    @Override
    public String dbType() {
        return dbType;
    }

    @Override
    public String name() {
        return dataSource.getPoolName();
    }

    @Override
    public String type() {
        return "hikari";
    }

    @Override
    public void close() {
        OPEN.remove(dataSource.getPoolName(), dataSource);
        dataSource.close();
    }
}
