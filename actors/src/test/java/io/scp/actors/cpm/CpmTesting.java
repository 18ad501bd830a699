package io.scp.actors.cpm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.UncheckedIOException;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;

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

  /**
   * The size of a message's CBOR as the jackson-cbor serializer writes it before any compression:
   * what a page must stay within when its text does not compress.
   */
  static long cborBytes(ActorSystem<?> system, Object message) {
    try {
      return JacksonObjectMapperProvider.get(system)
          .getOrCreate("jackson-cbor", Optional.of(new CBORFactory()))
          .writeValueAsBytes(message)
          .length;
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
