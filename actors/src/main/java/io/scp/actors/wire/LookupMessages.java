package io.scp.actors.wire;

import static io.scp.actors.wire.WireValues.optional;

import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.vpn.Tariff;
import io.scp.actors.vpn.VpnGroup;
import io.scp.actors.wire.proto.GroupRoute;
import io.scp.actors.wire.proto.GroupRouting;
import io.scp.actors.wire.proto.SubscriberGet;
import io.scp.actors.wire.proto.SubscriberView;
import io.scp.actors.wire.proto.VpnMembership;
import java.util.List;

/** What a call's setup looks up: the caller's subscriber profile and its VPN group's routing. */
final class LookupMessages {
  private LookupMessages() {}

  static List<WireCodec<?>> codecs(WireValues values) {
    return List.of(
        WireCodec.of(
            Subscriber.Get.class,
            "SG",
            m -> SubscriberGet.newBuilder().setReplyTo(values.ref(m.replyTo())).build(),
            bytes -> new Subscriber.Get(values.ref(SubscriberGet.parseFrom(bytes).getReplyTo()))),
        WireCodec.of(
            Subscriber.SubscriberView.class,
            "SV",
            LookupMessages::subscriber,
            bytes -> subscriber(SubscriberView.parseFrom(bytes))),
        WireCodec.of(
            VpnGroup.Route.class,
            "GR",
            m ->
                GroupRoute.newBuilder()
                    .setCallerMsisdn(m.callerMsisdn())
                    .setDialled(m.dialled())
                    .setReplyTo(values.ref(m.replyTo()))
                    .build(),
            bytes -> {
              GroupRoute p = GroupRoute.parseFrom(bytes);
              return new VpnGroup.Route(
                  p.getCallerMsisdn(), p.getDialled(), values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            VpnGroup.Routing.class,
            "GRT",
            m ->
                GroupRouting.newBuilder()
                    .setTariff(tariff(m.tariff()))
                    .setDestination(m.destination())
                    .setOnNet(m.onNet())
                    .build(),
            bytes -> {
              GroupRouting p = GroupRouting.parseFrom(bytes);
              return new VpnGroup.Routing(tariff(p.getTariff()), p.getDestination(), p.getOnNet());
            }));
  }

  private static SubscriberView subscriber(Subscriber.SubscriberView s) {
    Subscriber.Profile profile = s.profile();
    var b =
        SubscriberView.newBuilder()
            .setMsisdn(s.msisdn())
            .setStatus(profile.status().name())
            .addAllServices(s.services());
    profile.imsi().ifPresent(b::setImsi);
    profile.homeRegion().ifPresent(b::setHomeRegion);
    profile.prepaidAccountId().ifPresent(b::setPrepaidAccountId);
    s.vpn()
        .ifPresent(
            vpn ->
                b.setVpn(
                    VpnMembership.newBuilder()
                        .setGroupId(vpn.groupId())
                        .setShortNumber(vpn.shortNumber())));
    return b.build();
  }

  private static Subscriber.SubscriberView subscriber(SubscriberView p) {
    var profile =
        new Subscriber.Profile(
            optional(p.hasImsi(), p.getImsi()),
            optional(p.hasHomeRegion(), p.getHomeRegion()),
            Subscriber.Status.valueOf(p.getStatus()),
            optional(p.hasPrepaidAccountId(), p.getPrepaidAccountId()));
    return new Subscriber.SubscriberView(
        p.getMsisdn(),
        profile,
        optional(p.hasVpn(), p.getVpn())
            .map(vpn -> new Subscriber.VpnMembership(vpn.getGroupId(), vpn.getShortNumber())),
        List.copyOf(p.getServicesList()));
  }

  private static io.scp.actors.wire.proto.Tariff tariff(Tariff t) {
    return io.scp.actors.wire.proto.Tariff.newBuilder()
        .setName(t.name())
        .setOnNetRatePerMinute(t.onNetRatePerMinute())
        .setOffNetRatePerMinute(t.offNetRatePerMinute())
        .setConnectFee(t.connectFee())
        .setBillingIncrementSeconds(t.billingIncrementSeconds())
        .setAllowOffNet(t.allowOffNet())
        .setMaxCallSeconds(t.maxCallSeconds())
        .build();
  }

  private static Tariff tariff(io.scp.actors.wire.proto.Tariff p) {
    return new Tariff(
        p.getName(),
        p.getOnNetRatePerMinute(),
        p.getOffNetRatePerMinute(),
        p.getConnectFee(),
        p.getBillingIncrementSeconds(),
        p.getAllowOffNet(),
        p.getMaxCallSeconds());
  }
}
