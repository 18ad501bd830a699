package io.scp.persistence.cdr;

import com.typesafe.config.Config;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.scp.actors.common.CdrEvent;
import io.scp.persistence.ConnectionPools;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.cluster.sharding.typed.ShardedDaemonProcessSettings;
import org.apache.pekko.cluster.sharding.typed.javadsl.ShardedDaemonProcess;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.projection.ProjectionBehavior;
import org.apache.pekko.projection.ProjectionId;
import org.apache.pekko.projection.eventsourced.EventEnvelope;
import org.apache.pekko.projection.eventsourced.javadsl.EventSourcedProvider;
import org.apache.pekko.projection.javadsl.GroupedProjection;
import org.apache.pekko.projection.javadsl.SourceProvider;
import org.apache.pekko.projection.jdbc.javadsl.JdbcProjection;

/**
 * The CDR read model of one node: its connection pool ({@code scp.db.read-pool-size}), the query
 * side ({@link #repository()}) and the projection that fills the {@code cdr} table from the events
 * tagged {@link CdrEvent#TAG}. The projection runs as exactly one instance in the cluster (a
 * sharded daemon process of one), restarts with backoff after failures, and stores its offset in
 * the same transaction as the records it wrote.
 */
public final class CdrReadModel implements Extension {
  public static final ProjectionId PROJECTION_ID = ProjectionId.of("cdr", "all");
  static final String QUERY_DISPATCHER = "scp-cdr-query-dispatcher";

  private static final Id ID = new Id();

  private final ActorSystem<?> system;
  private final CdrSettings settings;
  private final HikariDataSource pool;
  private final CdrRepository repository;
  private final AtomicBoolean started = new AtomicBoolean();

  private CdrReadModel(ActorSystem<?> system) {
    this.system = system;
    Config config = system.settings().config();
    this.settings = CdrSettings.fromConfig(config);
    this.pool = pool(config, settings);
    Executor queries = system.dispatchers().lookup(DispatcherSelector.fromConfig(QUERY_DISPATCHER));
    this.repository =
        new CdrRepository(pool, queries, settings.queryTimeout(), settings.maxPendingQueries());
    // Sharding stops the projection in an earlier phase, so the pool outlives it.
    CoordinatedShutdown.get(system)
        .addTask(
            CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
            "close-cdr-pool",
            () -> CompletableFuture.runAsync(pool::close, queries).thenApply(done -> Done.done()));
  }

  public static CdrReadModel get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** Starts the projection in the cluster; the node calls this once sharding is up. */
  public static void start(ActorSystem<?> system) {
    get(system).startProjection();
  }

  public CdrRepository repository() {
    return repository;
  }

  private void startProjection() {
    if (!started.compareAndSet(false, true)) return;
    GroupedProjection<Offset, EventEnvelope<Object>> projection = projection();
    ShardedDaemonProcess.get(system)
        .init(
            ProjectionBehavior.Command.class,
            "cdr-projection",
            1,
            instance -> ProjectionBehavior.create(projection),
            ShardedDaemonProcessSettings.create(system),
            Optional.of(ProjectionBehavior.stopMessage()));
  }

  private GroupedProjection<Offset, EventEnvelope<Object>> projection() {
    SourceProvider<Offset, EventEnvelope<Object>> source =
        EventSourcedProvider.eventsByTag(system, JdbcReadJournal.Identifier(), CdrEvent.TAG);
    return JdbcProjection.groupedWithin(
            PROJECTION_ID, source, () -> new PooledJdbcSession(pool), CdrWriter::new, system)
        .withGroup(settings.batchSize(), settings.batchWindow())
        .withRestartBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2);
  }

  private static HikariDataSource pool(Config config, CdrSettings settings) {
    HikariConfig hikari =
        ConnectionPools.toNodeDatabase(config, "scp-cdr", settings.readPoolSize());
    hikari.setMinimumIdle(1);
    // Without a database queries answer 503 and the projection retries until it is back.
    hikari.setConnectionTimeout(Math.max(250, settings.queryTimeout().toMillis()));
    return new HikariDataSource(hikari);
  }

  private static final class Id extends ExtensionId<CdrReadModel> {
    @Override
    public CdrReadModel createExtension(ActorSystem<?> system) {
      return new CdrReadModel(system);
    }
  }
}
