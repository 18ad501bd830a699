package io.scp.actors.vacp;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpProviderRouter.Answered;
import io.scp.actors.vacp.VacpProviderRouter.Outcome;
import io.scp.actors.vacp.VacpProviderRouter.Throttled;
import io.scp.actors.vacp.VacpProviderRouter.Unavailable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The routing actor alone, with a provider whose answers the test releases one by one. */
class VacpProviderRouterTest {
  static final PlatformGateway.Endpoint ENDPOINT =
      new PlatformGateway.Endpoint(
          "pf-b", "http://127.0.0.1:1/b", PlatformGateway.Protocol.STANDARD);

  /** Calls wait until the test completes them. */
  static final class HeldGateway implements PlatformGateway {
    record Held(String invocationId, CompletableFuture<Response> answer) {}

    final List<Held> calls = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<Response> call(
        Endpoint endpoint, String operation, PlatformFields fields, Optional<String> payload) {
      var answer = new CompletableFuture<Response>();
      calls.add(new Held((String) fields.values().get("invocationId"), answer));
      return answer;
    }

    List<String> order() {
      return calls.stream().map(Held::invocationId).toList();
    }
  }

  static final int MAX_RESULT_BYTES = 1000;

  /** Generous: the machine may be busy. */
  static final Duration WAIT = Duration.ofSeconds(15);

  ActorTestKit testKit;
  HeldGateway gateway;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    gateway = new HeldGateway();
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  ActorRef<VacpProviderRouter.Command> router(int maxInFlight, int queueSize, int threshold) {
    var settings =
        new VacpRoutingSettings(
            maxInFlight,
            queueSize,
            Duration.ofSeconds(5),
            Duration.ofSeconds(5),
            threshold,
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            1 << 20,
            MAX_RESULT_BYTES);
    return testKit.spawn(VacpProviderRouter.create("pf-b", gateway, settings));
  }

  TestProbe<Outcome> call(
      ActorRef<VacpProviderRouter.Command> router,
      String consumer,
      String id,
      int priority,
      int rate,
      int burst) {
    TestProbe<Outcome> probe = testKit.createTestProbe();
    router.tell(
        new VacpProviderRouter.Call(
            consumer,
            "cap",
            priority,
            rate,
            burst,
            ENDPOINT,
            "invoke",
            PlatformFields.builder().text("invocationId", id).build(),
            Optional.empty(),
            probe.ref()));
    return probe;
  }

  void complete(int index, PlatformGateway.Outcome outcome) {
    gateway
        .calls
        .get(index)
        .answer()
        .complete(
            new PlatformGateway.Response(
                outcome, 200, "scripted", Map.of(), Optional.of("{\"result\":42}")));
  }

  void awaitBreaker(ActorRef<VacpProviderRouter.Command> router, String state) {
    org.awaitility.Awaitility.await()
        .atMost(WAIT)
        .until(
            () -> {
              TestProbe<VacpProviderRouter.Stats> stats = testKit.createTestProbe();
              router.tell(new VacpProviderRouter.GetStats(stats.ref()));
              return stats.receiveMessage(WAIT).breaker().equals(state);
            });
  }

  void awaitCalls(int count) {
    org.awaitility.Awaitility.await().atMost(WAIT).until(() -> gateway.calls.size() == count);
  }

  @Test
  void aBucketAdmitsItsBurstThenSaysWhenToComeBack() {
    var router = router(10, 10, 5);
    call(router, "a", "1", 0, 1, 2);
    call(router, "a", "2", 0, 1, 2);
    Outcome third = call(router, "a", "3", 0, 1, 2).receiveMessage(WAIT);
    assertThat(third).isInstanceOf(Throttled.class);
    assertThat(((Throttled) third).retryAfterSeconds()).isEqualTo(1);
    var other = call(router, "b", "4", 0, 1, 2);
    awaitCalls(3);
    assertThat(gateway.order()).containsExactly("1", "2", "4");
    complete(2, PlatformGateway.Outcome.ACCEPTED);
    Answered answered = (Answered) other.receiveMessage(WAIT);
    assertThat(answered.result()).contains("42");
  }

  @Test
  void waitingCallsGoByPriorityThenArrivalAndAFullQueueMakesRoomForHigherPriority() {
    var router = router(1, 3, 5);
    var first = call(router, "low", "first", 1, 100, 100);
    awaitCalls(1);
    var l1 = call(router, "low", "l1", 1, 100, 100);
    var l2 = call(router, "low", "l2", 1, 100, 100);
    var h1 = call(router, "high", "h1", 8, 100, 100);
    var h2 = call(router, "high", "h2", 8, 100, 100);
    assertThat(l2.receiveMessage(WAIT))
        .as("the last low call leaves the full queue")
        .isInstanceOf(Throttled.class);
    var l3 = call(router, "low", "l3", 1, 100, 100);
    assertThat(l3.receiveMessage(WAIT))
        .as("no room for an equal priority")
        .isInstanceOf(Throttled.class);
    for (int i = 0; i < 4; i++) {
      awaitCalls(i + 1);
      complete(i, PlatformGateway.Outcome.ACCEPTED);
    }
    awaitCalls(4);
    assertThat(gateway.order()).containsExactly("first", "h1", "h2", "l1");
    for (var p : List.of(first, h1, h2, l1))
      assertThat(p.receiveMessage(WAIT)).isInstanceOf(Answered.class);
  }

  @Test
  void aResultLongerThanTheBoundIsAFailedAnswer() {
    var router = router(10, 10, 5);
    // 300 bytes of form answer, 1 800 of JSON: every control character is spelled "\\u0001".
    String controls = "\u0001".repeat(300);
    var tooLong = call(router, "a", "long", 0, 100, 100);
    awaitCalls(1);
    gateway
        .calls
        .get(0)
        .answer()
        .complete(
            new PlatformGateway.Response(
                PlatformGateway.Outcome.ACCEPTED,
                200,
                "HTTP 200",
                Map.of("result", controls),
                Optional.of("result=" + "%01".repeat(300))));
    Answered failed = (Answered) tooLong.receiveMessage(WAIT);
    assertThat(failed.outcome()).isEqualTo(PlatformGateway.Outcome.FAILED);
    assertThat(failed.reason()).contains("answer too large");
    assertThat(failed.result()).isEmpty();

    var within = call(router, "a", "short", 0, 100, 100);
    awaitCalls(2);
    complete(1, PlatformGateway.Outcome.ACCEPTED);
    assertThat(((Answered) within.receiveMessage(WAIT)).result()).contains("42");
  }

  @Test
  void theBreakerOpensAfterConsecutiveFailuresAndAProbeClosesIt() {
    var router = router(10, 10, 2);
    for (int i = 0; i < 2; i++) {
      var p = call(router, "a", "f" + i, 0, 100, 100);
      awaitCalls(i + 1);
      complete(i, PlatformGateway.Outcome.FAILED);
      assertThat(((Answered) p.receiveMessage(WAIT)).outcome())
          .isEqualTo(PlatformGateway.Outcome.FAILED);
    }
    assertThat(call(router, "a", "x", 0, 100, 100).receiveMessage(WAIT))
        .isInstanceOf(Unavailable.class);
    assertThat(gateway.calls).hasSize(2);

    org.awaitility.Awaitility.await()
        .atMost(WAIT)
        .until(
            () -> {
              var p = call(router, "a", "probe", 0, 100, 100);
              try {
                p.receiveMessage(Duration.ofMillis(300));
                return false; // refused at once: still cooling down
              } catch (AssertionError noAnswerYet) {
                return gateway.calls.size() == 3; // admitted as the probe
              }
            });
    assertThat(call(router, "a", "during", 0, 100, 100).receiveMessage(WAIT))
        .as("one probe at a time")
        .isInstanceOf(Unavailable.class);
    complete(2, PlatformGateway.Outcome.ACCEPTED);
    // the probe's answer reaches the router asynchronously; the breaker closes when it has
    awaitBreaker(router, "CLOSED");
    var after = call(router, "a", "after", 0, 100, 100);
    awaitCalls(4);
    complete(3, PlatformGateway.Outcome.ACCEPTED);
    assertThat(after.receiveMessage(WAIT)).isInstanceOf(Answered.class);
  }

  @Test
  void aTokenBucketRefillsAtItsRateUpToItsBurst() {
    long second = 1_000_000_000L;
    var bucket = new TokenBucket(2, 3, 0);
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isTrue();
    assertThat(bucket.tryTake(0)).isFalse();
    assertThat(bucket.secondsUntilToken(0)).isEqualTo(1);
    assertThat(bucket.tryTake(second / 2)).isTrue();
    assertThat(bucket.tryTake(second / 2)).isFalse();
    assertThat(bucket.full(10 * second)).isTrue();
    bucket.retune(1, 1, 10 * second);
    assertThat(bucket.tryTake(10 * second)).isTrue();
    assertThat(bucket.tryTake(10 * second)).isFalse();
    assertThat(bucket.secondsUntilToken(10 * second)).isEqualTo(1);
  }
}
