package io.scp.actors.vacp;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.common.Unicode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

/**
 * The one way calls reach a provider platform: one sharded actor per provider, so everything it
 * decides holds across the cluster by construction. It owns
 *
 * <ul>
 *   <li>the SLA token buckets of every (consumer, capability) pair of the provider's capabilities
 *       ({@code ratePerSecond}, {@code burst} of the authorisation); a call over the rate is
 *       refused with the seconds until the next token;
 *   <li>a bound on the calls in flight to the provider and a bounded waiting queue ordered by the
 *       consumer's authorisation priority (higher first, first come first served within a
 *       priority); when the queue is full a call of higher priority takes the place of the last
 *       one, otherwise the newcomer is refused; a call that waits longer than the queue timeout is
 *       refused;
 *   <li>a circuit breaker: after N consecutive failures or timeouts it opens, refuses calls for a
 *       cool-down, then lets one probe call through; the probe's success closes it, its failure
 *       opens it again.
 * </ul>
 *
 * <p>Nothing here is persisted: rate state is soft. When the actor's node dies (or the actor
 * passivates when idle) it starts again elsewhere with full buckets and a closed breaker.
 */
public final class VacpProviderRouter extends AbstractBehavior<VacpProviderRouter.Command> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpProviderRouter");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  /** A call to the provider on behalf of a consumer, under the consumer's SLA for a capability. */
  public record Call(
      String consumerPlatformId,
      String capabilityId,
      int priority,
      int ratePerSecond,
      int burst,
      PlatformGateway.Endpoint endpoint,
      String operation,
      PlatformFields fields,
      Optional<String> payload,
      ActorRef<Outcome> replyTo)
      implements Command {}

  /** What became of a call. */
  public sealed interface Outcome extends CborSerializable {}

  /**
   * The provider answered (or failed, or timed out); {@code result} is the JSON of its result: the
   * {@code result} member of its answer, or the whole answer.
   */
  public record Answered(
      PlatformGateway.Outcome outcome, int status, String reason, Optional<String> result)
      implements Outcome {}

  /** Over the SLA rate, or no slot free: try again in {@code retryAfterSeconds}. */
  public record Throttled(long retryAfterSeconds, String reason) implements Outcome {}

  /** The provider's breaker is open: nobody is called until the cool-down is over. */
  public record Unavailable(long retryAfterSeconds, String reason) implements Outcome {}

  /** The router's current load, for operators and tests. */
  public record GetStats(ActorRef<Stats> replyTo) implements Command {}

  public record Stats(int inFlight, int queued, String breaker) implements CborSerializable {}

  private record CallDone(Call call, boolean probe, Answered answer) implements Command {}

  private record Expire(long seq) implements Command {}

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system, PlatformGateway gateway, VacpRoutingSettings settings) {
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system, Entity.of(KEY, ctx -> create(ctx.getEntityId(), gateway, settings))));
  }

  public static Behavior<Command> create(
      String providerPlatformId, PlatformGateway gateway, VacpRoutingSettings settings) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers ->
                    new VacpProviderRouter(
                        providerPlatformId, gateway, settings, context, timers)));
  }

  /** A call admitted by its bucket, waiting for a slot or in flight. */
  private record Pending(long seq, Call call) {}

  private static final Comparator<Pending> BY_PRIORITY =
      Comparator.comparingInt((Pending p) -> -p.call().priority()).thenComparingLong(Pending::seq);

  private final String providerPlatformId;
  private final PlatformGateway gateway;
  private final VacpRoutingSettings settings;
  private final TimerScheduler<Command> timers;

  private final Map<String, TokenBucket> buckets = new HashMap<>();
  private final TreeSet<Pending> queue = new TreeSet<>(BY_PRIORITY);
  private final Map<Long, Pending> queuedBySeq = new HashMap<>();
  private int inFlight;
  private long nextSeq;

  // the breaker: open (until openUntil, then one probe) or closed
  private int consecutiveFailures;
  private boolean open;
  private long openUntil;
  private boolean probing;

  private VacpProviderRouter(
      String providerPlatformId,
      PlatformGateway gateway,
      VacpRoutingSettings settings,
      ActorContext<Command> context,
      TimerScheduler<Command> timers) {
    super(context);
    this.providerPlatformId = providerPlatformId;
    this.gateway = gateway;
    this.settings = settings;
    this.timers = timers;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Call.class, this::onCall)
        .onMessage(CallDone.class, this::onCallDone)
        .onMessage(Expire.class, this::onExpire)
        .onMessage(GetStats.class, this::onGetStats)
        .build();
  }

  // ---------------------------------------------------------------- admission

  private Behavior<Command> onCall(Call call) {
    long now = System.nanoTime();
    if (open && (now - openUntil < 0 || probing)) {
      long wait = now - openUntil < 0 ? seconds(openUntil - now) : 1;
      call.replyTo()
          .tell(
              new Unavailable(
                  wait, "provider platform " + providerPlatformId + " is failing; not called"));
      return this;
    }
    TokenBucket bucket =
        buckets.computeIfAbsent(
            call.consumerPlatformId() + "/" + call.capabilityId(),
            k -> new TokenBucket(call.ratePerSecond(), call.burst(), now));
    bucket.retune(call.ratePerSecond(), call.burst(), now);
    if (!bucket.tryTake(now)) {
      call.replyTo()
          .tell(
              new Throttled(
                  bucket.secondsUntilToken(now),
                  "over the SLA of "
                      + call.consumerPlatformId()
                      + " for "
                      + call.capabilityId()
                      + " ("
                      + call.ratePerSecond()
                      + "/s, burst "
                      + call.burst()
                      + ")"));
      return this;
    }
    Pending pending = new Pending(nextSeq++, call);
    if (open) {
      probing = true;
      dispatch(pending, true);
    } else if (inFlight < settings.maxInFlight() && queue.isEmpty()) {
      dispatch(pending, false);
    } else {
      enqueue(pending);
    }
    return this;
  }

  private void enqueue(Pending pending) {
    if (queue.size() >= settings.queueSize()) {
      Pending last = queue.last();
      if (last.call().priority() >= pending.call().priority()) {
        refuseWaiting(pending, "the queue of provider platform " + providerPlatformId + " is full");
        return;
      }
      unqueue(last);
      refuseWaiting(last, "pushed out of a full queue by a call of higher priority");
    }
    queue.add(pending);
    queuedBySeq.put(pending.seq(), pending);
    timers.startSingleTimer(pending.seq(), new Expire(pending.seq()), settings.queueTimeout());
  }

  private void unqueue(Pending pending) {
    queue.remove(pending);
    queuedBySeq.remove(pending.seq());
    timers.cancel(pending.seq());
  }

  /** A call that will not be made: its token goes back and the consumer may retry shortly. */
  private void refuseWaiting(Pending pending, String reason) {
    bucketOf(pending.call()).ifPresent(TokenBucket::giveBack);
    pending.call().replyTo().tell(new Throttled(1, reason));
  }

  private Optional<TokenBucket> bucketOf(Call call) {
    return Optional.ofNullable(buckets.get(call.consumerPlatformId() + "/" + call.capabilityId()));
  }

  private Behavior<Command> onExpire(Expire expire) {
    Pending pending = queuedBySeq.get(expire.seq());
    if (pending != null) {
      unqueue(pending);
      refuseWaiting(
          pending,
          "no free slot at provider platform "
              + providerPlatformId
              + " within "
              + settings.queueTimeout().toMillis()
              + " ms");
    }
    return this;
  }

  // ---------------------------------------------------------------- calls

  private void dispatch(Pending pending, boolean probe) {
    inFlight++;
    Call call = pending.call();
    var answer =
        gateway
            .call(call.endpoint(), call.operation(), call.fields(), call.payload())
            .toCompletableFuture()
            .completeOnTimeout(
                PlatformGateway.Response.of(
                    PlatformGateway.Outcome.TIMEOUT,
                    "no answer within " + settings.callTimeout().toMillis() + " ms"),
                settings.callTimeout().toMillis(),
                TimeUnit.MILLISECONDS);
    getContext()
        .pipeToSelf(
            answer,
            (response, failure) ->
                new CallDone(
                    call,
                    probe,
                    failure == null
                        ? answered(response)
                        : new Answered(
                            PlatformGateway.Outcome.FAILED,
                            0,
                            String.valueOf(failure),
                            Optional.empty())));
  }

  private Behavior<Command> onCallDone(CallDone done) {
    inFlight--;
    boolean failed =
        done.answer().outcome() == PlatformGateway.Outcome.FAILED
            || done.answer().outcome() == PlatformGateway.Outcome.TIMEOUT;
    if (failed) onFailure(done.probe());
    else onSuccess(done.probe());
    done.call().replyTo().tell(done.answer());
    drain();
    return this;
  }

  private void onSuccess(boolean probe) {
    if (probe) {
      probing = false;
      open = false;
      getContext().getLog().info("provider platform {}: breaker closed", providerPlatformId);
    }
    if (!open) consecutiveFailures = 0;
  }

  private void onFailure(boolean probe) {
    if (probe) {
      probing = false;
      open();
    } else if (!open && ++consecutiveFailures >= settings.failureThreshold()) {
      open();
    }
  }

  private void open() {
    open = true;
    openUntil = System.nanoTime() + settings.openFor().toNanos();
    getContext()
        .getLog()
        .warn(
            "provider platform {}: breaker open for {} ms after {} consecutive failures",
            providerPlatformId,
            settings.openFor().toMillis(),
            consecutiveFailures);
    for (Pending waiting : queue) {
      timers.cancel(waiting.seq());
      bucketOf(waiting.call()).ifPresent(TokenBucket::giveBack);
      waiting
          .call()
          .replyTo()
          .tell(
              new Unavailable(
                  seconds(settings.openFor().toNanos()),
                  "provider platform " + providerPlatformId + " is failing; not called"));
    }
    queue.clear();
    queuedBySeq.clear();
  }

  private void drain() {
    while (!open && inFlight < settings.maxInFlight() && !queue.isEmpty()) {
      Pending next = queue.first();
      unqueue(next);
      dispatch(next, false);
    }
  }

  /**
   * A result that is not Unicode text (a JSON escape of half a surrogate pair) could never be
   * persisted with the invocation: such an answer is no usable answer, like any body that cannot be
   * read. Nor is a result longer than the bound on answers: it could not cross to the invocation.
   */
  private Answered answered(PlatformGateway.Response response) {
    Optional<String> result = result(response);
    if (result.isPresent() && !Unicode.isWellFormed(result.get())) {
      return new Answered(
          PlatformGateway.Outcome.FAILED,
          response.status(),
          "malformed answer (text that is not Unicode)",
          Optional.empty());
    }
    if (result.isPresent()
        && result.get().getBytes(StandardCharsets.UTF_8).length > settings.maxResultBytes()) {
      return new Answered(
          PlatformGateway.Outcome.FAILED,
          response.status(),
          "answer too large (a result of more than "
              + settings.maxResultBytes()
              + " bytes of JSON)",
          Optional.empty());
    }
    return new Answered(response.outcome(), response.status(), response.reason(), result);
  }

  private Behavior<Command> onGetStats(GetStats get) {
    String breaker = !open ? "CLOSED" : probing ? "HALF_OPEN" : "OPEN";
    get.replyTo().tell(new Stats(inFlight, queue.size(), breaker));
    return this;
  }

  // ---------------------------------------------------------------- helpers

  private static long seconds(long nanos) {
    return Math.max(1, (long) Math.ceil(nanos / 1e9));
  }

  /**
   * The provider's result as JSON: the {@code result} member of a JSON answer, or the whole answer;
   * for a form answer its {@code result} field (JSON if it parses, else text), or all its fields.
   */
  static Optional<String> result(PlatformGateway.Response response) {
    Optional<String> body = response.body().filter(b -> !b.isBlank());
    try {
      if (body.isPresent()) {
        JsonNode tree = parse(body.get());
        if (tree != null) {
          JsonNode result = tree.isObject() && tree.has("result") ? tree.get("result") : tree;
          return Optional.of(JSON.writeValueAsString(result));
        }
      }
      if (response.fields().isEmpty()) return Optional.empty();
      String result = response.fields().get("result");
      if (result != null) {
        JsonNode parsed = parse(result);
        return Optional.of(
            JSON.writeValueAsString(
                parsed != null ? parsed : JSON.getNodeFactory().textNode(result)));
      }
      ObjectNode all = JSON.createObjectNode();
      response.fields().forEach(all::put);
      return Optional.of(JSON.writeValueAsString(all));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      return null;
    }
  }
}
