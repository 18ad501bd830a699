package io.scp.actors.wire;

import static io.scp.actors.wire.WireValues.instant;
import static io.scp.actors.wire.WireValues.moment;
import static io.scp.actors.wire.WireValues.optional;

import io.scp.actors.vpn.VpnCall;
import io.scp.actors.wire.proto.CallAnswer;
import io.scp.actors.wire.proto.CallDecision;
import io.scp.actors.wire.proto.CallEnd;
import io.scp.actors.wire.proto.CallEndResult;
import io.scp.actors.wire.proto.CallQuota;
import io.scp.actors.wire.proto.CallQuotaResult;
import io.scp.actors.wire.proto.CallSetup;
import io.scp.actors.wire.proto.CallView;
import java.util.List;

/** The call entity's commands from the HTTP routes and their replies. */
final class CallMessages {
  private CallMessages() {}

  static List<WireCodec<?>> codecs(WireValues values) {
    return List.of(
        WireCodec.of(
            VpnCall.Setup.class,
            "CS",
            m ->
                CallSetup.newBuilder()
                    .setCaller(m.caller())
                    .setCalled(m.called())
                    .setReplyTo(values.ref(m.replyTo()))
                    .build(),
            bytes -> {
              CallSetup p = CallSetup.parseFrom(bytes);
              return new VpnCall.Setup(p.getCaller(), p.getCalled(), values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            VpnCall.Answer.class,
            "CA",
            m -> CallAnswer.newBuilder().setReplyTo(values.ref(m.replyTo())).build(),
            bytes -> new VpnCall.Answer(values.ref(CallAnswer.parseFrom(bytes).getReplyTo()))),
        WireCodec.of(
            VpnCall.RequestQuota.class,
            "CQ",
            m ->
                CallQuota.newBuilder()
                    .setRequestNumber(m.requestNumber())
                    .setUsedSeconds(m.usedSeconds())
                    .setReplyTo(values.ref(m.replyTo()))
                    .build(),
            bytes -> {
              CallQuota p = CallQuota.parseFrom(bytes);
              return new VpnCall.RequestQuota(
                  p.getRequestNumber(), p.getUsedSeconds(), values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            VpnCall.End.class,
            "CE",
            m ->
                CallEnd.newBuilder()
                    .setTalkSeconds(m.talkSeconds())
                    .setReplyTo(values.ref(m.replyTo()))
                    .build(),
            bytes -> {
              CallEnd p = CallEnd.parseFrom(bytes);
              return new VpnCall.End(p.getTalkSeconds(), values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            VpnCall.Decision.class,
            "CD",
            CallMessages::decision,
            bytes -> decision(CallDecision.parseFrom(bytes))),
        WireCodec.of(
            VpnCall.QuotaResult.class,
            "CQR",
            m -> {
              var b =
                  CallQuotaResult.newBuilder()
                      .setGrantedSeconds(m.grantedSeconds())
                      .setTotalGrantedSeconds(m.totalGrantedSeconds());
              m.cause().ifPresent(b::setCause);
              return b.build();
            },
            bytes -> {
              CallQuotaResult p = CallQuotaResult.parseFrom(bytes);
              return new VpnCall.QuotaResult(
                  p.getGrantedSeconds(),
                  p.getTotalGrantedSeconds(),
                  optional(p.hasCause(), p.getCause()));
            }),
        WireCodec.of(
            VpnCall.EndResult.class,
            "CER",
            m ->
                CallEndResult.newBuilder()
                    .setCallId(m.callId())
                    .setState(m.state().name())
                    .setTalkSeconds(m.talkSeconds())
                    .setBilledSeconds(m.billedSeconds())
                    .setCharge(m.charge())
                    .setShortfall(m.shortfall())
                    .build(),
            bytes -> {
              CallEndResult p = CallEndResult.parseFrom(bytes);
              return new VpnCall.EndResult(
                  p.getCallId(),
                  VpnCall.Phase.valueOf(p.getState()),
                  p.getTalkSeconds(),
                  p.getBilledSeconds(),
                  p.getCharge(),
                  p.getShortfall());
            }),
        WireCodec.of(
            VpnCall.CallView.class,
            "CV",
            CallMessages::view,
            bytes -> view(CallView.parseFrom(bytes))));
  }

  private static CallDecision decision(VpnCall.Decision d) {
    var b =
        CallDecision.newBuilder()
            .setCallId(d.callId())
            .setDecision(d.decision())
            .setPrepaid(d.prepaid())
            .setGrantedSeconds(d.grantedSeconds());
    d.cause().ifPresent(b::setCause);
    d.destination().ifPresent(b::setDestination);
    d.onNet().ifPresent(b::setOnNet);
    return b.build();
  }

  private static VpnCall.Decision decision(CallDecision p) {
    return new VpnCall.Decision(
        p.getCallId(),
        p.getDecision(),
        optional(p.hasCause(), p.getCause()),
        optional(p.hasDestination(), p.getDestination()),
        optional(p.hasOnNet(), p.getOnNet()),
        p.getPrepaid(),
        p.getGrantedSeconds());
  }

  private static CallView view(VpnCall.CallView v) {
    var b =
        CallView.newBuilder()
            .setCallId(v.callId())
            .setState(v.state().name())
            .setCaller(v.caller())
            .setCalled(v.called())
            .setDecision(decision(v.decision()))
            .setTotalGrantedSeconds(v.totalGrantedSeconds())
            .setStartedAt(moment(v.startedAt()))
            .setTalkSeconds(v.talkSeconds())
            .setBilledSeconds(v.billedSeconds())
            .setCharge(v.charge())
            .setShortfall(v.shortfall());
    v.cause().ifPresent(b::setCause);
    v.answeredAt().ifPresent(at -> b.setAnsweredAt(moment(at)));
    v.endedAt().ifPresent(at -> b.setEndedAt(moment(at)));
    return b.build();
  }

  private static VpnCall.CallView view(CallView p) {
    return new VpnCall.CallView(
        p.getCallId(),
        VpnCall.Phase.valueOf(p.getState()),
        p.getCaller(),
        p.getCalled(),
        decision(p.getDecision()),
        optional(p.hasCause(), p.getCause()),
        p.getTotalGrantedSeconds(),
        instant(p.getStartedAt()),
        optional(p.hasAnsweredAt(), p.getAnsweredAt()).map(WireValues::instant),
        optional(p.hasEndedAt(), p.getEndedAt()).map(WireValues::instant),
        p.getTalkSeconds(),
        p.getBilledSeconds(),
        p.getCharge(),
        p.getShortfall());
  }
}
