package io.scp.actors.sipuri;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;

/** What the SIP-URI entity tests share: a local actor system on in-memory persistence. */
final class SipUriTesting {
  private SipUriTesting() {}

  static final Config CONFIG =
      EventSourcedBehaviorTestKit.config()
          .withFallback(
              ConfigFactory.parseString(
                  """
                  pekko.actor.provider = local
                  pekko.persistence.journal.auto-start-journals = []
                  pekko.coordinated-shutdown.exit-jvm = off
                  pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                  """))
          .withFallback(ConfigFactory.load());

  static SipUriSettings settings(Duration idleTimeout) {
    return new SipUriSettings(
        100_000,
        Duration.ofSeconds(300),
        Duration.ofSeconds(2),
        3,
        16,
        100,
        Duration.ofMillis(500),
        Duration.ofSeconds(1),
        3,
        Duration.ofMillis(20),
        Duration.ofSeconds(30),
        idleTimeout);
  }

  static SipUriSettings settings() {
    return settings(Duration.ofMinutes(10));
  }

  /** Records de-registrations; the first {@code failures} calls fail. */
  static final class FakeIms implements ImsDeregistration {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger failures;

    FakeIms(int failures) {
      this.failures = new AtomicInteger(failures);
    }

    @Override
    public CompletionStage<Done> deregister(String uri) {
      calls.incrementAndGet();
      if (failures.getAndDecrement() > 0) {
        return CompletableFuture.failedFuture(new IllegalStateException("IMS unreachable"));
      }
      return CompletableFuture.completedFuture(Done.getInstance());
    }
  }
}
