package io.scp.node;

import com.typesafe.config.Config;
import io.scp.api.ApiRoutes;
import io.scp.api.HttpServer;
import io.scp.api.support.ApiContext;
import io.scp.persistence.cdr.CdrReadModel;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running node: actor system in the cluster, sharded entities, management and the API. */
public final class ScpNode {
  public static final String SYSTEM_NAME = "scp";
  private static final Logger log = LoggerFactory.getLogger(ScpNode.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final ActorSystem<Void> system;
  private final ServerBinding binding;

  private ScpNode(ActorSystem<Void> system, ServerBinding binding) {
    this.system = system;
    this.binding = binding;
  }

  /** Starts a node on a fully resolved configuration (database URL included). */
  public static ScpNode start(Config given) {
    Config config = DurationSettings.bareNumbersAsSeconds(given);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), SYSTEM_NAME, config);
    try {
      Cluster cluster = Cluster.get(system);
      if (config.getList("pekko.cluster.seed-nodes").isEmpty()) {
        cluster.manager().tell(Join.create(cluster.selfMember().address()));
      }
      // Microseconds are what PostgreSQL keeps: an instant then reads the same in an entity's
      // view and in the CDR or read-model row written from it.
      Entities.init(system, Clock.tick(Clock.systemUTC(), Duration.ofNanos(1_000)));
      CdrReadModel.start(system);
      ServerBinding binding =
          HttpServer.start(
                  system,
                  new ApiRoutes(ApiContext.create(system)).route(),
                  config.getString("scp.http.host"),
                  config.getInt("scp.http.port"))
              .toCompletableFuture()
              .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      // Management last: a front end that waits for /ready then finds the API port bound.
      PekkoManagement.get(system)
          .start()
          .toCompletableFuture()
          .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      log.info(
          "scp node {} serving the API on http://{}:{}",
          cluster.selfMember().address(),
          binding.localAddress().getHostString(),
          binding.localAddress().getPort());
      return new ScpNode(system, binding);
    } catch (Exception e) {
      system.terminate();
      throw new StartFailed(e, system.getWhenTerminated());
    }
  }

  /**
   * The node did not start; its actor system is terminating. The caller must not wait for that
   * before it exits: the system's coordinated shutdown ends the JVM (with status 0) once done.
   */
  public static final class StartFailed extends IllegalStateException {
    private final transient CompletionStage<?> terminated;

    StartFailed(Exception cause, CompletionStage<?> terminated) {
      super("the node could not start: " + cause.getMessage(), cause);
      this.terminated = terminated;
    }

    /** Completes when the actor system, and with it the node's database pools, have stopped. */
    public CompletionStage<?> terminated() {
      return terminated;
    }
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public int httpPort() {
    return binding.localAddress().getPort();
  }

  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Graceful stop through coordinated shutdown; returns when the actor system has terminated. */
  public void stop() {
    system.terminate();
    awaitTermination();
  }
}
