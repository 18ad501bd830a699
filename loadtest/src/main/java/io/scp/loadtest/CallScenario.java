package io.scp.loadtest;

import com.google.protobuf.Message;
import io.scp.api.codec.ProtoJson;
import io.scp.api.proto.CallDecision;
import io.scp.api.proto.CallEnd;
import io.scp.api.proto.CallEnded;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Empty;
import io.scp.api.proto.QuotaRequest;
import java.util.concurrent.CompletableFuture;

/**
 * One complete prepaid VPN call as a front end drives it: setup, answer, optionally one more quota
 * slice, end. Bodies are JSON or protobuf; both go through the same proto messages.
 */
public final class CallScenario {
  private final ApiTarget api;
  private final boolean protobuf;

  public CallScenario(ApiTarget api, boolean protobuf) {
    this.api = api;
    this.protobuf = protobuf;
  }

  /** How a call went: connected and ended (with its charge), released (with cause), or failed. */
  public record Outcome(
      String callId, String caller, Kind kind, String detail, long charge, long endedNanos) {
    public enum Kind {
      ENDED,
      RELEASED,
      FAILED
    }
  }

  public CompletableFuture<Outcome> run(
      String callId, String caller, String called, long talkSeconds, boolean quota) {
    var setup =
        CallSetup.newBuilder().setCallId(callId).setCaller(caller).setCalled(called).build();
    return send("setup", "/v1/calls", setup)
        .thenCompose(
            a -> {
              if (!a.ok()) return failed(callId, caller, "setup", a);
              CallDecision d = this.<CallDecision>decode(a.body(), CallDecision.newBuilder());
              if (!d.getDecision().equals("CONNECT")) {
                // SYSTEM_FAILURE: the SCP could not reach its entities, an outage rather than an
                // answer
                Outcome.Kind kind =
                    d.getCause().equals("SYSTEM_FAILURE")
                        ? Outcome.Kind.FAILED
                        : Outcome.Kind.RELEASED;
                return done(new Outcome(callId, caller, kind, d.getCause(), 0, System.nanoTime()));
              }
              return answerAndEnd(callId, caller, talkSeconds, quota);
            });
  }

  private CompletableFuture<Outcome> answerAndEnd(
      String callId, String caller, long talkSeconds, boolean quota) {
    return send("answer", "/v1/calls/" + callId + "/answer", Empty.getDefaultInstance())
        .thenCompose(
            answered -> {
              if (!answered.ok()) return failed(callId, caller, "answer", answered);
              return quota(callId, quota)
                  .thenCompose(
                      granted -> {
                        if (!granted.ok()) return failed(callId, caller, "quota", granted);
                        var end = CallEnd.newBuilder().setTalkSeconds(talkSeconds).build();
                        return send("end", "/v1/calls/" + callId + "/end", end)
                            .thenCompose(
                                ended ->
                                    ended.ok()
                                        ? done(
                                            new Outcome(
                                                callId,
                                                caller,
                                                Outcome.Kind.ENDED,
                                                "",
                                                this.<CallEnded>decode(
                                                        ended.body(), CallEnded.newBuilder())
                                                    .getCharge(),
                                                System.nanoTime()))
                                        : failed(callId, caller, "end", ended));
                      });
            });
  }

  private CompletableFuture<ApiTarget.Answer> quota(String callId, boolean wanted) {
    if (!wanted)
      return CompletableFuture.completedFuture(new ApiTarget.Answer(200, new byte[0], 1));
    return send(
        "quota",
        "/v1/calls/" + callId + "/quota",
        QuotaRequest.newBuilder().setRequestNumber(1).setUsedSeconds(200).build());
  }

  private CompletableFuture<ApiTarget.Answer> send(String kind, String path, Message body) {
    byte[] bytes = protobuf ? body.toByteArray() : ProtoJson.encode(body);
    return api.send(kind, "POST", path, bytes, protobuf ? ApiTarget.PROTOBUF : ApiTarget.JSON);
  }

  @SuppressWarnings("unchecked")
  private <T extends Message> T decode(byte[] body, Message.Builder builder) {
    try {
      return protobuf
          ? (T) builder.mergeFrom(body).build()
          : (T) ProtoJson.decode(body, builder).build();
    } catch (Exception e) {
      throw new IllegalStateException("unreadable answer", e);
    }
  }

  private static CompletableFuture<Outcome> done(Outcome outcome) {
    return CompletableFuture.completedFuture(outcome);
  }

  private static CompletableFuture<Outcome> failed(
      String callId, String caller, String step, ApiTarget.Answer a) {
    String detail = step + " " + a.status() + " " + new String(a.body());
    return done(new Outcome(callId, caller, Outcome.Kind.FAILED, detail, 0, System.nanoTime()));
  }
}
