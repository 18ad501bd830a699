package io.scp.persistence.cdr;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.projection.jdbc.JdbcSession;

/**
 * One projection transaction on a pooled connection: taken on first use, returned on close. The
 * projection writes the records and their offset through the same session, then commits.
 */
final class PooledJdbcSession implements JdbcSession {
  private final DataSource dataSource;
  private Connection connection;

  PooledJdbcSession(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  @Override
  public <R> R withConnection(Function<Connection, R> work) throws Exception {
    if (connection == null) {
      connection = dataSource.getConnection();
      connection.setAutoCommit(false);
    }
    return work.apply(connection);
  }

  @Override
  public void commit() throws SQLException {
    if (connection != null) connection.commit();
  }

  @Override
  public void rollback() throws SQLException {
    if (connection != null) connection.rollback();
  }

  @Override
  public void close() throws SQLException {
    if (connection != null) {
      try {
        connection.close();
      } finally {
        connection = null;
      }
    }
  }
}
