package io.scp.persistence;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Brings the schema (journal, snapshots, projections, read models) to the current version. */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);

  private Migrations() {}

  public static void apply(String jdbcUrl, String user, String password) {
    var result =
        Flyway.configure()
            .dataSource(jdbcUrl, user, password)
            .locations("classpath:db/migration")
            .load()
            .migrate();
    // Flyway names a target version only when it applied something; otherwise the schema is
    // where it started.
    String version =
        result.targetSchemaVersion != null
            ? result.targetSchemaVersion
            : result.initialSchemaVersion;
    log.info(
        "database schema at version {} ({} migrations applied now)",
        version,
        result.migrationsExecuted);
  }
}
