package io.scp.actors.cpm;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** What the CPM entity tests share: an in-memory journal, the real settings, a clock to move. */
final class CpmTesting {
  private CpmTesting() {}

  static final Config CONFIG =
      EventSourcedBehaviorTestKit.config()
          .withFallback(PersistenceTestKitSnapshotPlugin.config())
          .withFallback(
              ConfigFactory.parseString(
                  "pekko.actor.provider = local\n"
                      + "pekko.loglevel = WARNING\n"
                      + "pekko.logging-filter = org.apache.pekko.event.DefaultLoggingFilter\n"
                      + "pekko.coordinated-shutdown.exit-jvm = off\n"
                      + "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off\n"
                      + "pekko.persistence.journal.auto-start-journals = []\n"
                      + "pekko.persistence.snapshot-store.auto-start-snapshot-stores = []"))
          .withFallback(ConfigFactory.load());

  /** The configured defaults with some settings replaced. */
  static CpmSettings settings(String overrides) {
    return CpmSettings.fromConfig(
        ConfigFactory.parseString(overrides).withFallback(ConfigFactory.load()));
  }
}
