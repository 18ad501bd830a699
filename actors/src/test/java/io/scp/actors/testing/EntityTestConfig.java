package io.scp.actors.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** In-memory journal with serialization of every command, event, reply and state verified. */
public final class EntityTestConfig {
  private EntityTestConfig() {}

  public static Config config() {
    return EventSourcedBehaviorTestKit.config()
        .withFallback(
            ConfigFactory.parseString(
                "pekko.actor.provider = local\npekko.coordinated-shutdown.exit-jvm = off\n"
                    + "pekko.persistence.journal.auto-start-journals = []"))
        .withFallback(ConfigFactory.load());
  }
}
