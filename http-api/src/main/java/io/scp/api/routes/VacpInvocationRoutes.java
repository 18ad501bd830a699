package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.typesafe.config.Config;
import io.scp.actors.common.Refusal;
import io.scp.actors.vacp.VacpInvocation;
import io.scp.actors.vacp.VacpProviderRouter;
import io.scp.actors.vacp.VacpRoutingSettings;
import io.scp.api.codec.JsonValues;
import io.scp.api.proto.Error;
import io.scp.api.proto.VacpInvocationRequest;
import io.scp.api.proto.VacpInvocationResult;
import io.scp.api.proto.VacpRoutingStats;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ErrorMapping;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Pull invocations ({@code POST /v1/vacp/invocations}, consumer platforms with their API key) and
 * the operator's view of a provider's routing actor.
 */
public final class VacpInvocationRoutes extends ApiDirectives {
  private final VacpRoutes platforms;

  /** An invocation waits for its checks, its place in the provider's queue and the call. */
  private final Duration invocationTimeout;

  private final int maxPayloadBytes;

  public VacpInvocationRoutes(ApiContext api) {
    super(api);
    this.platforms = new VacpRoutes(api);
    Config config = api.system().settings().config();
    Duration askTimeout = config.getDuration("scp.vacp.ask-timeout");
    VacpRoutingSettings routing = VacpRoutingSettings.fromConfig(config);
    this.invocationTimeout =
        api.askTimeout().plus(routing.routeTimeout(askTimeout)).plus(askTimeout);
    this.maxPayloadBytes = routing.maxPayloadBytes();
  }

  public Route route() {
    return pathPrefix(
        "vacp",
        () ->
            concat(
                path(
                    "invocations",
                    () ->
                        post(
                            () ->
                                platforms.asPlatform(
                                    consumer ->
                                        withBody(
                                            VacpInvocationRequest.getDefaultInstance(),
                                            b -> invoke(consumer.platformId(), b))))),
                path(
                    segment("routing").slash(segment()),
                    provider -> get(() -> query(Role.OPERATOR, () -> routingStats(provider))))));
  }

  private CompletionStage<Reply> invoke(String consumerPlatformId, VacpInvocationRequest b) {
    String invocationId =
        Validate.id(
            "invocationId",
            Validate.required("invocationId", b.hasInvocationId(), b::getInvocationId));
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", b.hasMsisdn(), b::getMsisdn));
    String capability =
        Validate.id(
            "capability", Validate.required("capability", b.hasCapability(), b::getCapability));
    Optional<String> payload =
        b.hasPayload()
            ? Optional.of(JsonPayload.compact(b.getPayload(), maxPayloadBytes))
            : Optional.empty();
    var request =
        new VacpInvocation.Request(consumerPlatformId, invocationId, msisdn, capability, payload);
    return api.sharding()
        .entityRefFor(VacpInvocation.KEY, VacpInvocation.entityId(consumerPlatformId, invocationId))
        .<VacpInvocation.Answer>ask(
            replyTo -> new VacpInvocation.Invoke(request, replyTo), invocationTimeout)
        .thenApply(VacpInvocationRoutes::reply);
  }

  private static Reply reply(VacpInvocation.Answer answer) {
    if (answer instanceof VacpInvocation.Refused refused) return refusal(refused);
    VacpInvocation.Result r = ((VacpInvocation.Invoked) answer).result();
    var out =
        VacpInvocationResult.newBuilder()
            .setInvocationId(r.invocationId())
            .setProviderPlatformId(r.providerPlatformId())
            .setCapabilityId(r.capabilityId());
    r.result().ifPresent(json -> out.setResult(JsonValues.parse(json)));
    r.region().ifPresent(out::setRegion);
    return Reply.ok(out.build());
  }

  /**
   * A refusal; those that may pass later (429 THROTTLED, 503 UNAVAILABLE) say when in {@code
   * Retry-After}.
   */
  static Reply refusal(VacpInvocation.Refused refused) {
    if (refused.retryAfterSeconds().isEmpty()) {
      throw new Refusal(refused.code(), refused.detail());
    }
    return new Reply(
        ErrorMapping.statusOf(refused.code()),
        Error.newBuilder().setCode(refused.code().name()).setMessage(refused.detail()).build(),
        List.of(
            RawHeader.create(
                "Retry-After", Long.toString(Math.max(1, refused.retryAfterSeconds().get())))));
  }

  private CompletionStage<Reply> routingStats(String providerPlatformId) {
    Validate.id("providerPlatformId", providerPlatformId);
    return api.sharding()
        .entityRefFor(VacpProviderRouter.KEY, providerPlatformId)
        .<VacpProviderRouter.Stats>ask(VacpProviderRouter.GetStats::new, api.askTimeout())
        .thenApply(
            s ->
                Reply.ok(
                    VacpRoutingStats.newBuilder()
                        .setProviderPlatformId(providerPlatformId)
                        .setInFlight(s.inFlight())
                        .setQueued(s.queued())
                        .setBreaker(s.breaker())
                        .build()));
  }
}
