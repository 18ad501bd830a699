package io.scp.actors.wire;

import static io.scp.actors.wire.WireValues.instant;
import static io.scp.actors.wire.WireValues.moment;
import static io.scp.actors.wire.WireValues.optional;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.wire.proto.AccountAuthResult;
import io.scp.actors.wire.proto.AccountAuthenticate;
import io.scp.actors.wire.proto.AccountCallSettlement;
import io.scp.actors.wire.proto.AccountReservation;
import io.scp.actors.wire.proto.AccountReserve;
import io.scp.actors.wire.proto.AccountSettleCall;
import io.scp.actors.wire.proto.SliceCharge;
import java.util.List;

/** A prepaid call's asks to its account: check, reserve a slice, settle with the CDR. */
final class AccountMessages {
  private AccountMessages() {}

  static List<WireCodec<?>> codecs(WireValues values) {
    return List.of(
        WireCodec.of(
            PrepaidAccount.Authenticate.class,
            "AA",
            m ->
                AccountAuthenticate.newBuilder()
                    .setAmount(m.amount())
                    .setReplyTo(values.ref(m.replyTo()))
                    .build(),
            bytes -> {
              AccountAuthenticate p = AccountAuthenticate.parseFrom(bytes);
              return new PrepaidAccount.Authenticate(p.getAmount(), values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            PrepaidAccount.AuthResult.class,
            "AAR",
            m -> {
              var b = AccountAuthResult.newBuilder().setOk(m.ok());
              m.reason().ifPresent(reason -> b.setReason(reason.name()));
              return b.build();
            },
            bytes -> {
              AccountAuthResult p = AccountAuthResult.parseFrom(bytes);
              return new PrepaidAccount.AuthResult(
                  p.getOk(), optional(p.hasReason(), p.getReason()).map(ErrorCode::valueOf));
            }),
        WireCodec.of(
            PrepaidAccount.Reserve.class,
            "AR",
            m -> {
              var b =
                  AccountReserve.newBuilder()
                      .setReservationId(m.reservationId())
                      .addAllAcceptableAmounts(m.acceptableAmounts())
                      .setReplyTo(values.ref(m.replyTo()));
              m.ttl().ifPresent(ttl -> b.setTtl(WireValues.span(ttl)));
              return b.build();
            },
            bytes -> {
              AccountReserve p = AccountReserve.parseFrom(bytes);
              return new PrepaidAccount.Reserve(
                  p.getReservationId(),
                  List.copyOf(p.getAcceptableAmountsList()),
                  optional(p.hasTtl(), p.getTtl()).map(WireValues::duration),
                  values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            PrepaidAccount.ReservationView.class,
            "ARV",
            m ->
                AccountReservation.newBuilder()
                    .setReservationId(m.reservationId())
                    .setAmount(m.amount())
                    .setDeducted(m.deducted())
                    .setRemaining(m.remaining())
                    .setExpiresAt(moment(m.expiresAt()))
                    .setState(m.state().name())
                    .build(),
            bytes -> {
              AccountReservation p = AccountReservation.parseFrom(bytes);
              return new PrepaidAccount.ReservationView(
                  p.getReservationId(),
                  p.getAmount(),
                  p.getDeducted(),
                  p.getRemaining(),
                  instant(p.getExpiresAt()),
                  PrepaidAccount.ReservationState.valueOf(p.getState()));
            }),
        WireCodec.of(
            PrepaidAccount.SettleCall.class,
            "AS",
            m -> {
              var b =
                  AccountSettleCall.newBuilder()
                      .setCdr(cdr(m.cdr()))
                      .setReplyTo(values.ref(m.replyTo()));
              for (PrepaidAccount.SliceCharge slice : m.slices()) {
                b.addSlices(
                    SliceCharge.newBuilder()
                        .setReservationId(slice.reservationId())
                        .setDeductionId(slice.deductionId())
                        .setAmount(slice.amount()));
              }
              return b.build();
            },
            bytes -> {
              AccountSettleCall p = AccountSettleCall.parseFrom(bytes);
              return new PrepaidAccount.SettleCall(
                  p.getSlicesList().stream()
                      .map(
                          s ->
                              new PrepaidAccount.SliceCharge(
                                  s.getReservationId(), s.getDeductionId(), s.getAmount()))
                      .toList(),
                  cdr(p.getCdr()),
                  values.ref(p.getReplyTo()));
            }),
        WireCodec.of(
            PrepaidAccount.CallSettlement.class,
            "ASR",
            m -> AccountCallSettlement.newBuilder().setCharged(m.charged()).build(),
            bytes ->
                new PrepaidAccount.CallSettlement(
                    AccountCallSettlement.parseFrom(bytes).getCharged())));
  }

  private static io.scp.actors.wire.proto.Cdr cdr(Cdr c) {
    var b =
        io.scp.actors.wire.proto.Cdr.newBuilder()
            .setCdrId(c.cdrId())
            .setType(c.type().name())
            .setChargedParty(c.chargedParty())
            .setStartedAt(moment(c.startedAt()))
            .setEndedAt(moment(c.endedAt()))
            .setTalkSeconds(c.talkSeconds())
            .setBilledSeconds(c.billedSeconds())
            .setCharge(c.charge())
            .setShortfall(c.shortfall());
    c.accountId().ifPresent(b::setAccountId);
    c.callId().ifPresent(b::setCallId);
    c.caller().ifPresent(b::setCaller);
    c.called().ifPresent(b::setCalled);
    c.destination().ifPresent(b::setDestination);
    c.onNet().ifPresent(b::setOnNet);
    c.decision().ifPresent(b::setDecision);
    c.cause().ifPresent(b::setCause);
    c.answeredAt().ifPresent(at -> b.setAnsweredAt(moment(at)));
    return b.build();
  }

  private static Cdr cdr(io.scp.actors.wire.proto.Cdr p) {
    return new Cdr(
        p.getCdrId(),
        Cdr.Type.valueOf(p.getType()),
        p.getChargedParty(),
        optional(p.hasAccountId(), p.getAccountId()),
        optional(p.hasCallId(), p.getCallId()),
        optional(p.hasCaller(), p.getCaller()),
        optional(p.hasCalled(), p.getCalled()),
        optional(p.hasDestination(), p.getDestination()),
        optional(p.hasOnNet(), p.getOnNet()),
        optional(p.hasDecision(), p.getDecision()),
        optional(p.hasCause(), p.getCause()),
        instant(p.getStartedAt()),
        optional(p.hasAnsweredAt(), p.getAnsweredAt()).map(WireValues::instant),
        instant(p.getEndedAt()),
        p.getTalkSeconds(),
        p.getBilledSeconds(),
        p.getCharge(),
        p.getShortfall());
  }
}
