package haia.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * PostgreSQL's write path: each transaction borrows a connection from the pool for its few statements and gives it
 * back at once, so writes to different conversations run in parallel and nothing is held between transactions.
 * A connection that broke (the server restarted) is dropped by the pool, which opens a fresh one next time.
 *
 * <p>Statements are prepared per transaction: the driver keeps server-side prepared statements per connection,
 * keyed by their SQL, so a repeated statement is not parsed again.
 */
final class PostgresWriter implements Writer {

    private final Supplier<Connection> connections;

    PostgresWriter(Supplier<Connection> connections) {
        this.connections = connections;
    }

    @Override
    public <T> T transaction(Work<T> work) throws SQLException {
        try (Connection connection = connections.get()) {
            connection.setAutoCommit(false);
            try {
                T result = work.run(new Statements(connection));
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException broken) {
                    // the connection is gone; the server rolls the transaction back on its own
                    e.addSuppressed(broken);
                }
                throw e;
            }
            // the pool restores auto-commit when the connection comes back
        }
    }

    @Override
    public void close() {
        // nothing held: connections belong to the pool
    }

    private record Statements(Connection connection) implements Tx {

        @Override
        public int update(String sql, Object... params) throws SQLException {
            try (PreparedStatement statement = prepare(sql, params)) {
                return statement.executeUpdate();
            }
        }

        @Override
        public OptionalLong queryLong(String sql, Object... params) throws SQLException {
            try (PreparedStatement statement = prepare(sql, params); ResultSet rows = statement.executeQuery()) {
                return rows.next() ? OptionalLong.of(rows.getLong(1)) : OptionalLong.empty();
            }
        }

        private PreparedStatement prepare(String sql, Object... params) throws SQLException {
            PreparedStatement statement = connection.prepareStatement(sql);
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            return statement;
        }
    }
}
