package io.scp.loadtest;

import io.scp.api.proto.CallDecision;
import io.scp.api.proto.CallEnd;
import io.scp.api.proto.CallEnded;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Empty;
import io.scp.api.proto.QuotaRequest;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One complete prepaid VPN call as a front end drives it: setup, answer, optionally one more quota
 * slice, end with a random talk time. Caller and callee are random members of one VPN group
 * (dialled by short number). A call the SCP releases is a refused unit with its cause.
 */
public final class CallScenario implements Scenario {
  static final Labels LABELS =
      new Labels(
          "prepaid VPN calls",
          "calls ended",
          "calls/s",
          "callers",
          "released",
          "release causes",
          "");

  private final Population population;
  private final List<Population.Member> members;
  private final Wire wire;
  private final boolean quota;
  private final int talkMaxSeconds;

  public CallScenario(Population population, Wire wire, boolean quota, int talkMaxSeconds) {
    this.population = population;
    this.members = population.members();
    this.wire = wire;
    this.quota = quota;
    this.talkMaxSeconds = talkMaxSeconds;
  }

  @Override
  public Labels labels() {
    return LABELS;
  }

  @Override
  public CompletableFuture<Outcome> unit(ApiTarget api, Random random) {
    Population.Member[] pair = Population.pair(members, population.groups(), random);
    long talk = 1 + Math.floorMod(random.nextLong(), talkMaxSeconds);
    String callId = "lt-" + population.runId() + "-" + UUID.randomUUID();
    return run(api, callId, pair[0].msisdn(), pair[1].shortNumber(), talk);
  }

  CompletableFuture<Outcome> run(
      ApiTarget api, String callId, String caller, String called, long talkSeconds) {
    var setup =
        CallSetup.newBuilder().setCallId(callId).setCaller(caller).setCalled(called).build();
    return wire.post(api, "setup", "/v1/calls", setup)
        .thenCompose(
            a -> {
              if (!a.ok()) return done(Outcome.failed(callId, caller, "setup", a));
              CallDecision d = wire.decode(a.body(), CallDecision.newBuilder());
              if (!d.getDecision().equals("CONNECT")) {
                // SYSTEM_FAILURE: the SCP could not reach its entities, an outage rather than an
                // answer
                return done(
                    d.getCause().equals("SYSTEM_FAILURE")
                        ? Outcome.failed(callId, caller, d.getCause())
                        : Outcome.refused(callId, caller, d.getCause()));
              }
              return answerAndEnd(api, callId, caller, talkSeconds);
            });
  }

  private CompletableFuture<Outcome> answerAndEnd(
      ApiTarget api, String callId, String caller, long talkSeconds) {
    return wire.post(api, "answer", "/v1/calls/" + callId + "/answer", Empty.getDefaultInstance())
        .thenCompose(
            answered -> {
              if (!answered.ok()) return done(Outcome.failed(callId, caller, "answer", answered));
              return quota(api, callId)
                  .thenCompose(
                      granted -> {
                        if (!granted.ok())
                          return done(Outcome.failed(callId, caller, "quota", granted));
                        var end = CallEnd.newBuilder().setTalkSeconds(talkSeconds).build();
                        return wire.post(api, "end", "/v1/calls/" + callId + "/end", end)
                            .thenApply(ended -> ended(callId, caller, ended));
                      });
            });
  }

  private Outcome ended(String callId, String caller, ApiTarget.Answer ended) {
    if (!ended.ok()) return Outcome.failed(callId, caller, "end", ended);
    long charge = wire.<CallEnded>decode(ended.body(), CallEnded.newBuilder()).getCharge();
    return new Outcome(callId, caller, Outcome.Kind.DONE, "", charge, System.nanoTime());
  }

  private CompletableFuture<ApiTarget.Answer> quota(ApiTarget api, String callId) {
    if (!quota) return CompletableFuture.completedFuture(new ApiTarget.Answer(200, new byte[0], 1));
    return wire.post(
        api,
        "quota",
        "/v1/calls/" + callId + "/quota",
        QuotaRequest.newBuilder().setRequestNumber(1).setUsedSeconds(200).build());
  }

  private static CompletableFuture<Outcome> done(Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }
}
