package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.google.protobuf.Value;
import com.typesafe.config.Config;
import io.scp.actors.vacp.VacpEvent;
import io.scp.actors.vacp.VacpPlatform;
import io.scp.actors.vacp.VacpPushSettings;
import io.scp.api.platform.ApiKeys;
import io.scp.api.proto.VacpEventAccepted;
import io.scp.api.proto.VacpEventDelivery;
import io.scp.api.proto.VacpEventRecipient;
import io.scp.api.proto.VacpEventRequest;
import io.scp.api.proto.VacpEventStatus;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import io.scp.api.support.WireFormat;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * VACP push fan-out: a provider platform publishes an event for a user ({@code POST
 * /v1/vacp/events}, with its own API key) and follows its deliveries ({@code GET
 * /v1/vacp/events/{eventId}}, also open to operators).
 */
public final class VacpEventRoutes extends ApiDirectives {
  /** Platform authentication, shared with the other VACP endpoints. */
  private final VacpRoutes platforms;

  private final int maxPayloadBytes;

  /** Publishing resolves the recipients and checks the conditions of those due now. */
  private final Duration publishTimeout;

  public VacpEventRoutes(ApiContext api) {
    super(api);
    Config config = api.system().settings().config();
    this.platforms = new VacpRoutes(api);
    this.maxPayloadBytes = VacpPushSettings.fromConfig(config).maxPayloadBytes();
    this.publishTimeout =
        api.askTimeout().plus(config.getDuration("scp.vacp.ask-timeout").multipliedBy(2));
  }

  public Route route() {
    return pathPrefix(
        "vacp",
        () ->
            pathPrefix(
                "events",
                () ->
                    concat(
                        pathEnd(
                            () ->
                                post(
                                    () ->
                                        platforms.asPlatform(
                                            p ->
                                                withBody(
                                                    VacpEventRequest.getDefaultInstance(),
                                                    b -> publish(p, b))))),
                        path(
                            segment(),
                            eventId ->
                                get(
                                    () ->
                                        operatorOrPlatform(
                                            caller ->
                                                withoutBody(() -> getEvent(caller, eventId))))))));
  }

  /**
   * An operator (the API token rules) or a platform (its API key, checked against the event's
   * provider later). A key that is neither is treated as no key: refused when tokens are enabled.
   */
  private Route operatorOrPlatform(Function<Optional<VacpPlatform.PlatformView>, Route> inner) {
    return extractRequest(
        request -> {
          Optional<String> presented = bearerToken(request).filter(ApiKeys::plausible);
          if (presented.isEmpty() || api.tokens().roleOf(presented.get()).isPresent()) {
            return authorized(Role.OPERATOR, () -> inner.apply(Optional.empty()));
          }
          return onSuccess(
              platforms.authenticate(presented.get()),
              platform -> {
                if (platform.isEmpty()) {
                  return authorized(Role.OPERATOR, () -> inner.apply(Optional.empty()));
                }
                if (!platform.get().active()) {
                  return complete(
                      error(
                          new ApiError(
                              403,
                              "FORBIDDEN",
                              "platform " + platform.get().platformId() + " is suspended"),
                          WireFormat.forError(request),
                          List.of()));
                }
                return inner.apply(platform);
              });
        });
  }

  private CompletionStage<Reply> publish(VacpPlatform.PlatformView caller, VacpEventRequest b) {
    String eventId =
        Validate.id("eventId", Validate.required("eventId", b.hasEventId(), b::getEventId));
    String capabilityId =
        Validate.id(
            "capabilityId",
            Validate.required("capabilityId", b.hasCapabilityId(), b::getCapabilityId));
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", b.hasMsisdn(), b::getMsisdn));
    var spec = new VacpEvent.Spec(eventId, capabilityId, msisdn, caller.platformId(), payload(b));
    return this.<VacpEvent.Command, VacpEvent.EventView>ask(
            VacpEvent.KEY, eventId, r -> new VacpEvent.Publish(spec, r), publishTimeout)
        .thenApply(view -> Reply.of(202, accepted(view)));
  }

  /** The payload as compact JSON text: any JSON value but null, at most the configured size. */
  private String payload(VacpEventRequest b) {
    if (!b.hasPayload()
        || b.getPayload().getKindCase() == Value.KindCase.KIND_NOT_SET
        || b.getPayload().getKindCase() == Value.KindCase.NULL_VALUE) {
      throw ApiError.badRequest("payload is required");
    }
    return JsonPayload.compact(b.getPayload(), maxPayloadBytes);
  }

  private CompletionStage<Reply> getEvent(
      Optional<VacpPlatform.PlatformView> caller, String eventId) {
    Validate.id("eventId", eventId);
    return this.<VacpEvent.Command, VacpEvent.EventView>ask(
            VacpEvent.KEY, eventId, VacpEvent.Get::new)
        .thenApply(
            view -> {
              if (caller.isPresent()
                  && !caller.get().platformId().equals(view.providerPlatformId())) {
                throw new ApiError(
                    403,
                    "FORBIDDEN",
                    "platform "
                        + caller.get().platformId()
                        + " may not read the events of platform "
                        + view.providerPlatformId());
              }
              return Reply.ok(status(view));
            });
  }

  // ---------------------------------------------------------------- views

  static VacpEventAccepted accepted(VacpEvent.EventView view) {
    var out = VacpEventAccepted.newBuilder().setEventId(view.eventId());
    for (VacpEvent.DeliveryView d : view.deliveries()) {
      var recipient =
          VacpEventRecipient.newBuilder()
              .setPlatformId(d.platformId())
              .setPriority(d.priority())
              .setStatus(d.status().name());
      d.reason().ifPresent(r -> recipient.setReason(r.name()));
      out.addRecipients(recipient);
    }
    return out.build();
  }

  static VacpEventStatus status(VacpEvent.EventView view) {
    var out =
        VacpEventStatus.newBuilder()
            .setEventId(view.eventId())
            .setCapabilityId(view.capabilityId())
            .setMsisdn(view.msisdn())
            .setProviderPlatformId(view.providerPlatformId())
            .setAcceptedAt(view.acceptedAt().toString());
    for (VacpEvent.DeliveryView d : view.deliveries()) {
      var delivery =
          VacpEventDelivery.newBuilder()
              .setPlatformId(d.platformId())
              .setPriority(d.priority())
              .setStatus(d.status().name())
              .setAttempts(d.attempts());
      d.reason().ifPresent(r -> delivery.setReason(r.name()));
      out.addDeliveries(delivery);
    }
    return out.build();
  }
}
