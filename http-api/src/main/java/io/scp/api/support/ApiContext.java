package io.scp.api.support;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.stream.Materializer;

/** What every route needs, read from config once. */
public record ApiContext(
    ActorSystem<?> system,
    ClusterSharding sharding,
    ApiTokens tokens,
    Duration askTimeout,
    long maxBodyBytes,
    Materializer materializer) {

  public static ApiContext create(ActorSystem<?> system) {
    Config config = system.settings().config();
    return new ApiContext(
        system,
        ClusterSharding.get(system),
        ApiTokens.parse(config.getString("scp.api-tokens")),
        config.getDuration("scp.http.ask-timeout"),
        config.getBytes("scp.http.max-body-bytes"),
        Materializer.matFromSystem(system));
  }
}
