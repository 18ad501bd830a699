package io.scp.persistence.cdr;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code scp.cdr} settings and the size of the read pool. */
record CdrSettings(
    int readPoolSize,
    int batchSize,
    Duration batchWindow,
    Duration queryTimeout,
    int maxPendingQueries) {

  static CdrSettings fromConfig(Config config) {
    Config cdr = config.getConfig("scp.cdr");
    return new CdrSettings(
        config.getInt("scp.db.read-pool-size"),
        cdr.getInt("batch-size"),
        cdr.getDuration("batch-window"),
        cdr.getDuration("query-timeout"),
        cdr.getInt("max-pending-queries"));
  }
}
