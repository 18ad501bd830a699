package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.vacp.VacpUser;
import io.scp.api.proto.Empty;
import io.scp.api.proto.SubscriberProfile;
import io.scp.api.proto.SubscriberStatus;
import io.scp.api.proto.VpnMembership;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.Route;

/** Subscriber provisioning and value-added service subscriptions (operator). */
public final class SubscriberRoutes extends ApiDirectives {
  public SubscriberRoutes(ApiContext api) {
    super(api);
  }

  public Route route() {
    return pathPrefix(
        segment("subscribers").slash(segment()),
        msisdn ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        SubscriberProfile.getDefaultInstance(),
                                        b -> provision(msisdn, b))),
                            get(() -> query(Role.OPERATOR, () -> get(msisdn))))),
                path(
                    segment("services").slash(segment()),
                    serviceId ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        Empty.getDefaultInstance(),
                                        b -> subscribe(msisdn, serviceId))),
                            delete(
                                () ->
                                    query(Role.OPERATOR, () -> unsubscribe(msisdn, serviceId)))))));
  }

  private CompletionStage<Reply> provision(String msisdn, SubscriberProfile body) {
    Validate.msisdn("msisdn", msisdn);
    var profile =
        new Subscriber.Profile(
            body.hasImsi() ? Optional.of(Validate.imsi("imsi", body.getImsi())) : Optional.empty(),
            body.hasHomeRegion()
                ? Optional.of(Validate.id("homeRegion", body.getHomeRegion()))
                : Optional.empty(),
            body.hasStatus() && body.getStatus() == SubscriberStatus.SUSPENDED
                ? Subscriber.Status.SUSPENDED
                : Subscriber.Status.ACTIVE,
            body.hasPrepaidAccountId()
                ? Optional.of(Validate.id("prepaidAccountId", body.getPrepaidAccountId()))
                : Optional.empty());
    return this.<Subscriber.Command, Subscriber.Provisioned>ask(
            Subscriber.KEY, msisdn, r -> new Subscriber.Provision(profile, r))
        .thenApply(
            p ->
                p.created()
                    ? Reply.created(subscriber(p.subscriber()))
                    : Reply.ok(subscriber(p.subscriber())));
  }

  private CompletionStage<Reply> get(String msisdn) {
    Validate.msisdn("msisdn", msisdn);
    return this.<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, msisdn, Subscriber.Get::new)
        .thenApply(v -> Reply.ok(subscriber(v)));
  }

  private CompletionStage<Reply> subscribe(String msisdn, String serviceId) {
    Validate.msisdn("msisdn", msisdn);
    Validate.id("serviceId", serviceId);
    return this.<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, msisdn, r -> new Subscriber.SubscribeService(serviceId, r))
        .thenApply(v -> Reply.ok(subscriber(v)));
  }

  private CompletionStage<Reply> unsubscribe(String msisdn, String serviceId) {
    Validate.msisdn("msisdn", msisdn);
    Validate.id("serviceId", serviceId);
    // Through the user's VACP index: interworkings that involve the service are settled and
    // removed first (VacpUser owns that cascade), then the subscriber drops the service.
    return this.<VacpUser.Command, Subscriber.SubscriberView>ask(
            VacpUser.KEY, msisdn, r -> new VacpUser.DropService(serviceId, r))
        .thenApply(v -> Reply.ok(subscriber(v)));
  }

  static io.scp.api.proto.Subscriber subscriber(Subscriber.SubscriberView v) {
    var p = v.profile();
    var out =
        io.scp.api.proto.Subscriber.newBuilder()
            .setMsisdn(v.msisdn())
            .setStatus(SubscriberStatus.valueOf(p.status().name()))
            .addAllServices(v.services());
    p.imsi().ifPresent(out::setImsi);
    p.homeRegion().ifPresent(out::setHomeRegion);
    p.prepaidAccountId().ifPresent(out::setPrepaidAccountId);
    v.vpn()
        .ifPresent(
            m ->
                out.setVpn(
                    VpnMembership.newBuilder()
                        .setGroupId(m.groupId())
                        .setShortNumber(m.shortNumber())));
    return out.build();
  }
}
