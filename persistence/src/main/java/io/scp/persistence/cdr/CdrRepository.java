package io.scp.persistence.cdr;

import io.scp.actors.common.Cdr;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import javax.sql.DataSource;

/**
 * Queries of the CDR read model. They block on JDBC, so they run on their own dispatcher; at most
 * {@code scp.cdr.max-pending-queries} are in flight, more are refused at once.
 */
public final class CdrRepository {
  public static final int MAX_LIMIT = 1000;

  /**
   * One page, newest first; {@code next} is the cursor of the next (older) page, present when the
   * page is full (the next page may still be empty).
   */
  public record Page(List<Cdr> cdrs, Optional<Long> next) {}

  private static final String COLUMNS =
      "ordering, cdr_id, type, charged_party, account_id, call_id, caller, called, destination, on_net,"
          + " decision, cause, started_at, answered_at, ended_at, talk_seconds, billed_seconds,"
          + " charge, shortfall";

  private final DataSource dataSource;
  private final Executor executor;
  private final int queryTimeoutSeconds;
  private final Semaphore pending;

  CdrRepository(
      DataSource dataSource, Executor executor, Duration queryTimeout, int maxPendingQueries) {
    this.dataSource = dataSource;
    this.executor = executor;
    this.queryTimeoutSeconds = (int) Math.max(1, queryTimeout.toSeconds());
    this.pending = new Semaphore(maxPendingQueries);
  }

  /**
   * The newest records first (in the order the projection wrote them, which is journal order).
   *
   * @param msisdn matches the charged party, the caller or the destination
   * @param before only records written before this cursor (a page's {@code next})
   * @param limit 1 to {@link #MAX_LIMIT}
   */
  public CompletionStage<Page> find(
      Optional<String> msisdn, Optional<Cdr.Type> type, Optional<Long> before, int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT));
    }
    if (!pending.tryAcquire()) {
      return CompletableFuture.failedFuture(
          new RejectedExecutionException("too many CDR queries in flight"));
    }
    try {
      return CompletableFuture.supplyAsync(() -> query(msisdn, type, before, limit), executor)
          .whenComplete((result, failure) -> pending.release());
    } catch (RejectedExecutionException e) {
      pending.release();
      return CompletableFuture.failedFuture(e);
    }
  }

  private Page query(
      Optional<String> msisdn, Optional<Cdr.Type> type, Optional<Long> before, int limit) {
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql(msisdn, type, before))) {
      statement.setQueryTimeout(queryTimeoutSeconds);
      int i = 1;
      if (msisdn.isPresent()) {
        // Each branch reads at most `limit` of its newest rows through its own index.
        for (int branch = 0; branch < 3; branch++) {
          statement.setString(i++, msisdn.get());
          if (type.isPresent()) statement.setString(i++, type.get().name());
          if (before.isPresent()) statement.setLong(i++, before.get());
          statement.setInt(i++, limit);
        }
      } else {
        if (type.isPresent()) statement.setString(i++, type.get().name());
        if (before.isPresent()) statement.setLong(i++, before.get());
      }
      statement.setInt(i, limit);
      try (ResultSet rows = statement.executeQuery()) {
        List<Cdr> result = new ArrayList<>();
        long oldest = 0;
        while (rows.next()) {
          result.add(cdr(rows));
          oldest = rows.getLong("ordering");
        }
        return new Page(
            result, result.size() == limit ? Optional.of(oldest) : Optional.<Long>empty());
      }
    } catch (SQLException e) {
      throw new CompletionException(e);
    }
  }

  private static String sql(
      Optional<String> msisdn, Optional<Cdr.Type> type, Optional<Long> before) {
    String typeFilter =
        (type.isPresent() ? " AND type = ?" : "") + (before.isPresent() ? " AND ordering < ?" : "");
    if (msisdn.isEmpty()) {
      return "SELECT "
          + COLUMNS
          + " FROM cdr WHERE TRUE"
          + typeFilter
          + " ORDER BY ordering DESC LIMIT ?";
    }
    return "SELECT "
        + COLUMNS
        + " FROM cdr WHERE ordering IN ("
        + branch("charged_party", typeFilter)
        + " UNION ALL "
        + branch("caller", typeFilter)
        + " UNION ALL "
        + branch("destination", typeFilter)
        + ") ORDER BY ordering DESC LIMIT ?";
  }

  private static String branch(String column, String typeFilter) {
    return "(SELECT ordering FROM cdr WHERE "
        + column
        + " = ?"
        + typeFilter
        + " ORDER BY ordering DESC LIMIT ?)";
  }

  private static Cdr cdr(ResultSet r) throws SQLException {
    boolean onNet = r.getBoolean("on_net");
    Optional<Boolean> onNetValue = r.wasNull() ? Optional.empty() : Optional.of(onNet);
    return new Cdr(
        r.getString("cdr_id"),
        Cdr.Type.valueOf(r.getString("type")),
        r.getString("charged_party"),
        Optional.ofNullable(r.getString("account_id")),
        Optional.ofNullable(r.getString("call_id")),
        Optional.ofNullable(r.getString("caller")),
        Optional.ofNullable(r.getString("called")),
        Optional.ofNullable(r.getString("destination")),
        onNetValue,
        Optional.ofNullable(r.getString("decision")),
        Optional.ofNullable(r.getString("cause")),
        instant(r, "started_at").orElseThrow(),
        instant(r, "answered_at"),
        instant(r, "ended_at").orElseThrow(),
        r.getLong("talk_seconds"),
        r.getLong("billed_seconds"),
        r.getLong("charge"),
        r.getLong("shortfall"));
  }

  private static Optional<Instant> instant(ResultSet r, String column) throws SQLException {
    return Optional.ofNullable(r.getObject(column, OffsetDateTime.class))
        .map(OffsetDateTime::toInstant);
  }
}
