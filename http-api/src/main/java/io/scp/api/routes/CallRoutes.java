package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.vpn.VpnCall;
import io.scp.api.proto.CallDecision;
import io.scp.api.proto.CallEnd;
import io.scp.api.proto.CallEnded;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Empty;
import io.scp.api.proto.QuotaAnswer;
import io.scp.api.proto.QuotaRequest;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.server.Route;

/** The VPN call flow for front ends: setup, answer, quota, end; and the call's state. */
public final class CallRoutes extends ApiDirectives {
  /** Dialled digits: a short number or a full number, optionally with a leading '+'. */
  static final Pattern DIALLED = Pattern.compile("\\+?[0-9]{1,20}");

  public CallRoutes(ApiContext api) {
    super(api);
  }

  public Route route() {
    return pathPrefix(
        "calls",
        () ->
            concat(
                pathEnd(
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND, CallSetup.getDefaultInstance(), this::setup))),
                pathPrefix(
                    segment(),
                    callId ->
                        concat(
                            pathEnd(() -> get(() -> query(Role.FRONTEND, () -> get(callId)))),
                            path(
                                "answer",
                                () ->
                                    post(
                                        () ->
                                            command(
                                                Role.FRONTEND,
                                                Empty.getDefaultInstance(),
                                                b -> answer(callId)))),
                            path(
                                "quota",
                                () ->
                                    post(
                                        () ->
                                            command(
                                                Role.FRONTEND,
                                                QuotaRequest.getDefaultInstance(),
                                                b -> quota(callId, b)))),
                            path(
                                "end",
                                () ->
                                    post(
                                        () ->
                                            command(
                                                Role.FRONTEND,
                                                CallEnd.getDefaultInstance(),
                                                b -> end(callId, b))))))));
  }

  private CompletionStage<Reply> setup(CallSetup b) {
    String callId = Validate.id("callId", Validate.required("callId", b.hasCallId(), b::getCallId));
    String caller =
        Validate.msisdn("caller", Validate.required("caller", b.hasCaller(), b::getCaller));
    String called = Validate.required("called", b.hasCalled(), b::getCalled);
    if (!DIALLED.matcher(called).matches())
      throw ApiError.badRequest("called must be 1-20 digits, optionally after '+'");
    return this.<VpnCall.Command, VpnCall.Decision>ask(
            VpnCall.KEY, callId, r -> new VpnCall.Setup(caller, called, r))
        .thenApply(d -> Reply.ok(decision(d)));
  }

  private CompletionStage<Reply> answer(String callId) {
    Validate.id("callId", callId);
    return this.<VpnCall.Command, VpnCall.CallView>ask(VpnCall.KEY, callId, VpnCall.Answer::new)
        .thenApply(v -> Reply.ok(call(v)));
  }

  private CompletionStage<Reply> quota(String callId, QuotaRequest b) {
    Validate.id("callId", callId);
    int requestNumber =
        (int)
            Validate.range(
                "requestNumber",
                Validate.required("requestNumber", b.hasRequestNumber(), b::getRequestNumber),
                1,
                Integer.MAX_VALUE);
    long used =
        b.hasUsedSeconds() ? Validate.range("usedSeconds", b.getUsedSeconds(), 0, 86_400 * 7) : 0;
    return this.<VpnCall.Command, VpnCall.QuotaResult>ask(
            VpnCall.KEY, callId, r -> new VpnCall.RequestQuota(requestNumber, used, r))
        .thenApply(
            q -> {
              var out =
                  QuotaAnswer.newBuilder()
                      .setGrantedSeconds(q.grantedSeconds())
                      .setTotalGrantedSeconds(q.totalGrantedSeconds());
              q.cause().ifPresent(out::setCause);
              return Reply.ok(out.build());
            });
  }

  private CompletionStage<Reply> end(String callId, CallEnd b) {
    Validate.id("callId", callId);
    long talk =
        Validate.range(
            "talkSeconds",
            Validate.required("talkSeconds", b.hasTalkSeconds(), b::getTalkSeconds),
            0,
            86_400 * 7);
    return this.<VpnCall.Command, VpnCall.EndResult>ask(
            VpnCall.KEY, callId, r -> new VpnCall.End(talk, r))
        .thenApply(
            e ->
                Reply.ok(
                    CallEnded.newBuilder()
                        .setCallId(e.callId())
                        .setState(e.state().name())
                        .setTalkSeconds(e.talkSeconds())
                        .setBilledSeconds(e.billedSeconds())
                        .setCharge(e.charge())
                        .setShortfall(e.shortfall())
                        .build()));
  }

  private CompletionStage<Reply> get(String callId) {
    Validate.id("callId", callId);
    return this.<VpnCall.Command, VpnCall.CallView>ask(VpnCall.KEY, callId, VpnCall.Get::new)
        .thenApply(v -> Reply.ok(call(v)));
  }

  static CallDecision decision(VpnCall.Decision d) {
    var out =
        CallDecision.newBuilder()
            .setCallId(d.callId())
            .setDecision(d.decision())
            .setPrepaid(d.prepaid())
            .setGrantedSeconds(d.grantedSeconds());
    d.cause().ifPresent(out::setCause);
    d.destination().ifPresent(out::setDestination);
    d.onNet().ifPresent(out::setOnNet);
    return out.build();
  }

  static io.scp.api.proto.Call call(VpnCall.CallView v) {
    VpnCall.Decision d = v.decision();
    var out =
        io.scp.api.proto.Call.newBuilder()
            .setCallId(v.callId())
            .setState(v.state().name())
            .setCaller(v.caller())
            .setCalled(v.called())
            .setDecision(d.decision())
            .setPrepaid(d.prepaid())
            .setGrantedSeconds(d.grantedSeconds())
            .setTotalGrantedSeconds(v.totalGrantedSeconds())
            .setStartedAt(v.startedAt().toString())
            .setTalkSeconds(v.talkSeconds())
            .setBilledSeconds(v.billedSeconds())
            .setCharge(v.charge())
            .setShortfall(v.shortfall());
    v.cause().or(d::cause).ifPresent(out::setCause);
    d.destination().ifPresent(out::setDestination);
    d.onNet().ifPresent(out::setOnNet);
    v.answeredAt().ifPresent(t -> out.setAnsweredAt(t.toString()));
    v.endedAt().ifPresent(t -> out.setEndedAt(t.toString()));
    return out.build();
  }
}
