package io.scp.actors.vacp;

import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.subscriber.Subscriber;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * The checks and the routing shared by pull invocations and tokens: which capability a consumer
 * means (an id, or a service name routed by the user's home region), and whether the consumer may
 * use it for this user now. A refusal fails the returned stage with its {@link Refusal}.
 *
 * <p>The checks, in order: the capability is known and live ({@code 404 UNKNOWN_CAPABILITY}; by
 * service name without a provider in the user's home region {@code 404 NO_PROVIDER_FOR_REGION}); it
 * offers the mode ({@code 400 INVALID_ARGUMENT}); the consumer holds an authorisation valid now
 * ({@code 403 NOT_AUTHORIZED}); the user is known ({@code 404 UNKNOWN_SUBSCRIBER}), active ({@code
 * 409 SUBSCRIBER_SUSPENDED}) and subscribed to the consumer's and the provider's services ({@code
 * 409 NOT_SUBSCRIBED}); the user has an active setting of that mode ({@code 403 NO_INTERWORKING}).
 */
public final class VacpAccess {
  private final EntityRefs refs;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final Clock clock;

  public VacpAccess(EntityRefs refs, Duration timeout, Scheduler scheduler, Clock clock) {
    this.refs = refs;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.clock = clock;
  }

  /** What the checks found: the capability used, the terms, the user and the setting. */
  public record Grant(
      VacpCapability.CapabilityView capability,
      VacpAuthorization.AuthorizationView authorization,
      Subscriber.SubscriberView subscriber,
      Interworking.InterworkingView interworking)
      implements CborSerializable {

    public String providerPlatformId() {
      return capability.provider().platformId();
    }

    /** The region served: the provider's region (for regional services, the user's). */
    public Optional<String> region() {
      return capability.provider().region();
    }
  }

  /**
   * Checks that {@code consumerPlatformId} may use {@code capability} (an id or a service name) for
   * {@code msisdn} in {@code mode} now.
   */
  public CompletionStage<Grant> check(
      String consumerPlatformId, String msisdn, String capability, Interworking.Mode mode) {
    CompletableFuture<Subscriber.SubscriberView> subscriber =
        this.<Subscriber.Command, Subscriber.SubscriberView>ask(
                Subscriber.KEY, msisdn, Subscriber.Get::new)
            .toCompletableFuture();
    Function<VacpCapability.CapabilityView, CompletionStage<Usable>> usable =
        cap -> usable(consumerPlatformId, cap, mode);
    return resolve(capability, subscriber, usable)
        .thenCompose(
            chosen ->
                subscriber.thenCompose(
                    user -> {
                      VacpCapability.CapabilityView cap = chosen.capability();
                      checkUser(user, consumerPlatformId, cap);
                      return interworking(msisdn, consumerPlatformId, cap, mode)
                          .thenApply(setting -> new Grant(cap, chosen.terms(), user, setting));
                    }));
  }

  /** A capability the consumer may use in the mode asked, with the terms it may use it on. */
  private record Usable(
      VacpCapability.CapabilityView capability, VacpAuthorization.AuthorizationView terms) {}

  /** Whether the capability offers {@code mode} and the consumer is authorised for it now. */
  private CompletionStage<Usable> usable(
      String consumerPlatformId, VacpCapability.CapabilityView cap, Interworking.Mode mode) {
    if (!cap.spec().style().offers(mode)) {
      return CompletableFuture.failedFuture(
          new Refusal(
              ErrorCode.INVALID_ARGUMENT,
              "capability "
                  + cap.capabilityId()
                  + " is "
                  + cap.spec().style()
                  + " only; it cannot be used in "
                  + mode
                  + " mode"));
    }
    return authorization(consumerPlatformId, cap.capabilityId())
        .thenApply(terms -> new Usable(cap, terms));
  }

  // ---------------------------------------------------------------- routing

  /**
   * An exact capability id names its capability. Anything else is a service name: the capability of
   * that service in the user's home region (class 2 and 3), else a nationwide one (class 1) — the
   * first of them, by capability id, that the consumer may use ({@code usable}); when it may use
   * none, the first one's refusal.
   */
  private CompletionStage<Usable> resolve(
      String capability,
      CompletionStage<Subscriber.SubscriberView> subscriber,
      Function<VacpCapability.CapabilityView, CompletionStage<Usable>> usable) {
    return this.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY, capability, VacpCapability.Get::new)
        .handle(
            (found, failure) -> {
              if (failure == null) {
                if (!found.active()) {
                  throw new Refusal(
                      ErrorCode.UNKNOWN_CAPABILITY,
                      "capability " + capability + " is deregistered");
                }
                return usable.apply(found);
              }
              if (refusal(failure)
                  .filter(r -> r.code() == ErrorCode.UNKNOWN_CAPABILITY)
                  .isEmpty()) {
                throw new CompletionException(Asks.unwrap(failure));
              }
              return byService(capability, subscriber, usable);
            })
        .thenCompose(Function.identity());
  }

  private CompletionStage<Usable> byService(
      String service,
      CompletionStage<Subscriber.SubscriberView> subscriber,
      Function<VacpCapability.CapabilityView, CompletionStage<Usable>> usable) {
    // The index answers only the user's candidates, so it is asked with the home region. A user
    // that cannot be read is refused by the checks after routing (an unknown service is still
    // UNKNOWN_CAPABILITY first); the index is asked for the nationwide ones meanwhile.
    CompletionStage<Optional<String>> home =
        subscriber.handle(
            (user, failure) ->
                failure == null ? user.profile().homeRegion() : Optional.<String>empty());
    return home.thenCompose(
        region ->
            this.<VacpServiceIndex.Command, VacpServiceIndex.Listing>ask(
                    VacpServiceIndex.KEY, service, r -> new VacpServiceIndex.Get(region, r))
                .thenCompose(
                    listing -> {
                      if (listing.live() == 0) {
                        throw new Refusal(
                            ErrorCode.UNKNOWN_CAPABILITY,
                            "no capability or service named " + service);
                      }
                      return subscriber.thenCompose(
                          user ->
                              firstUsable(
                                      service, listing.candidates(), 0, usable, Optional.empty())
                                  .thenApply(
                                      chosen ->
                                          chosen.orElseThrow(
                                              () -> noProvider(service, listing, region))));
                    }));
  }

  private static Refusal noProvider(
      String service, VacpServiceIndex.Listing listing, Optional<String> home) {
    if (listing.candidates().isEmpty() && listing.regional() > 0) {
      return new Refusal(
          ErrorCode.NO_PROVIDER_FOR_REGION,
          "service "
              + service
              + " has no provider for region "
              + home.orElse("(the user has no home region)"));
    }
    return new Refusal(ErrorCode.UNKNOWN_CAPABILITY, "no live capability offers " + service);
  }

  /**
   * The first candidate its capability confirms (still live, still of this service) and the
   * consumer may use. Empty when none is confirmed; the first confirmed one's refusal when the
   * consumer may use none of them. A candidate its capability does not confirm is one the index
   * missed a revision of (a service renamed away from, a late delivery): the index is told to
   * forget it, so it is not asked about again.
   */
  private CompletionStage<Optional<Usable>> firstUsable(
      String service,
      List<VacpServiceIndex.Candidate> candidates,
      int next,
      Function<VacpCapability.CapabilityView, CompletionStage<Usable>> usable,
      Optional<Refusal> firstRefusal) {
    if (next >= candidates.size()) {
      if (firstRefusal.isPresent()) return CompletableFuture.failedFuture(firstRefusal.get());
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return this.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY, candidates.get(next).capabilityId(), VacpCapability.Get::new)
        .handle(
            (found, failure) -> {
              if (failure != null && refusal(failure).isEmpty()) {
                throw new CompletionException(Asks.unwrap(failure));
              }
              if (failure != null) {
                return firstUsable(service, candidates, next + 1, usable, firstRefusal);
              }
              if (!found.active() || !found.spec().service().equals(service)) {
                refs.refFor(VacpServiceIndex.KEY, service)
                    .tell(new VacpServiceIndex.Forget(found.capabilityId(), found.revision()));
                return firstUsable(service, candidates, next + 1, usable, firstRefusal);
              }
              return usable
                  .apply(found)
                  .thenApply(Optional::of)
                  .exceptionallyCompose(
                      refused -> {
                        Optional<Refusal> refusal = refusal(refused);
                        if (refusal.isEmpty()) {
                          return CompletableFuture.failedFuture(Asks.unwrap(refused));
                        }
                        return firstUsable(
                            service, candidates, next + 1, usable, firstRefusal.or(() -> refusal));
                      });
            })
        .thenCompose(Function.identity());
  }

  // ---------------------------------------------------------------- checks

  private CompletionStage<VacpAuthorization.AuthorizationView> authorization(
      String consumerPlatformId, String capabilityId) {
    return this.<VacpAuthorization.Command, VacpAuthorization.AuthorizationView>ask(
            VacpAuthorization.KEY,
            VacpAuthorization.entityId(consumerPlatformId, capabilityId),
            VacpAuthorization.Get::new)
        .thenApply(
            authorization -> {
              if (!authorization.terms().validAt(clock.instant())) {
                throw new Refusal(
                    ErrorCode.NOT_AUTHORIZED,
                    "the authorisation of "
                        + consumerPlatformId
                        + " for "
                        + capabilityId
                        + " is not valid now");
              }
              return authorization;
            });
  }

  private static void checkUser(
      Subscriber.SubscriberView user,
      String consumerPlatformId,
      VacpCapability.CapabilityView capability) {
    if (user.profile().status() != Subscriber.Status.ACTIVE) {
      throw new Refusal(
          ErrorCode.SUBSCRIBER_SUSPENDED, "subscriber " + user.msisdn() + " is suspended");
    }
    for (String service : List.of(consumerPlatformId, capability.provider().platformId())) {
      if (!user.services().contains(service)) {
        throw new Refusal(
            ErrorCode.NOT_SUBSCRIBED,
            "subscriber " + user.msisdn() + " is not subscribed to service " + service);
      }
    }
  }

  private CompletionStage<Interworking.InterworkingView> interworking(
      String msisdn,
      String consumerPlatformId,
      VacpCapability.CapabilityView capability,
      Interworking.Mode mode) {
    String id = Interworking.entityId(msisdn, consumerPlatformId, capability.capabilityId());
    return this.<Interworking.Command, Interworking.InterworkingView>ask(
            Interworking.KEY, id, Interworking.Get::new)
        .thenApply(
            setting -> {
              if (setting.status() != Interworking.Status.ACTIVE
                  || setting.setting().mode() != mode) {
                throw new Refusal(
                    ErrorCode.NO_INTERWORKING, "no active " + mode + " interworking setting " + id);
              }
              return setting;
            });
  }

  // ---------------------------------------------------------------- helpers

  private <M, R> CompletionStage<R> ask(
      EntityTypeKey<M> key, String entityId, Function<ActorRef<StatusReply<R>>, M> command) {
    return Asks.withStatus(refs.refFor(key, entityId), command, timeout, scheduler);
  }

  private static Optional<Refusal> refusal(Throwable failure) {
    return Asks.unwrap(failure) instanceof Refusal r ? Optional.of(r) : Optional.empty();
  }
}
