package io.scp.persistence;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;

/** Connection pools of the node's own database ({@code scp.db}), beside the plugin's Slick pool. */
public final class ConnectionPools {
  private ConnectionPools() {}

  /**
   * A pool's settings on {@code scp.db.jdbc-url} with the node's credentials. It starts without the
   * database: connections are made when first asked for, so a node whose database is still starting
   * (or down) comes up and its users retry.
   */
  public static HikariConfig toNodeDatabase(Config config, String poolName, int maximumSize) {
    String url = config.getString("scp.db.jdbc-url");
    if (url.isBlank()) {
      throw new IllegalStateException("scp.db.jdbc-url must be set before pool " + poolName);
    }
    HikariConfig pool = new HikariConfig();
    pool.setPoolName(poolName);
    pool.setJdbcUrl(url);
    pool.setUsername(config.getString("scp.db.user"));
    pool.setPassword(config.getString("scp.db.password"));
    pool.setMaximumPoolSize(maximumSize);
    pool.setInitializationFailTimeout(-1);
    return pool;
  }
}
