package io.scp.api.routes;

import com.google.protobuf.Message;
import io.scp.actors.cpm.CpmCdr;
import io.scp.actors.cpm.CpmGroup;
import io.scp.actors.cpm.CpmMessage;
import io.scp.actors.cpm.CpmSession;
import io.scp.actors.cpm.CpmUser;
import io.scp.actors.cpm.MediaSelection;
import io.scp.actors.cpm.SmsOutbox;
import io.scp.api.proto.CpmMediaDecision;
import io.scp.api.proto.CpmRecipient;
import io.scp.api.proto.CpmSendResult;
import io.scp.api.proto.CpmSmsOutbox;
import io.scp.api.proto.CpmSmsSegment;

/** CPM domain views as wire messages (JSON and protobuf share them). */
final class CpmViews {
  private CpmViews() {}

  static io.scp.api.proto.CpmUser user(CpmUser.UserView v) {
    var out =
        io.scp.api.proto.CpmUser.newBuilder()
            .setAddress(v.address())
            .setPending(v.pending())
            .setStored(v.stored());
    v.displayName().ifPresent(out::setDisplayName);
    return out.build();
  }

  static io.scp.api.proto.CpmMessage message(CpmUser.Entry e) {
    var c = e.content();
    var out =
        io.scp.api.proto.CpmMessage.newBuilder()
            .setMessageId(c.messageId())
            .setFrom(c.from())
            .addAllTo(c.to())
            .setContentType(c.contentType())
            .setMode(c.mode().name())
            .setDirection(e.direction().name())
            .setStatus(e.status().name())
            .setSentAt(c.sentAt().toString())
            .setExpiresAt(c.expiresAt().toString())
            .setSeq(e.seq());
    c.sessionId().ifPresent(out::setSessionId);
    c.body().ifPresent(out::setBody);
    return out.build();
  }

  static CpmSendResult sendResult(CpmMessage.SendResult r) {
    var out = CpmSendResult.newBuilder().setMessageId(r.messageId()).setMode(r.mode().name());
    for (var recipient : r.recipients()) {
      var b =
          CpmRecipient.newBuilder()
              .setAddress(recipient.address())
              .setRoute(recipient.route().name())
              .setStatus(recipient.status().name());
      recipient.segments().ifPresent(b::setSegments);
      out.addRecipients(b);
    }
    return out.build();
  }

  static CpmMediaDecision media(MediaSelection.MediaDecision d) {
    var out = CpmMediaDecision.newBuilder().setType(d.type()).setAccepted(d.accepted());
    d.transport().ifPresent(t -> out.setTransport(t.name()));
    return out.build();
  }

  static io.scp.api.proto.CpmGroup group(CpmGroup.GroupView v) {
    var out =
        io.scp.api.proto.CpmGroup.newBuilder().setGroupId(v.groupId()).addAllMembers(v.members());
    v.name().ifPresent(out::setName);
    return out.build();
  }

  static io.scp.api.proto.CpmSession session(CpmSession.SessionView v) {
    var out = io.scp.api.proto.CpmSession.newBuilder();
    // An ended session is also its CDR; the session's own fields, set after, win where both have
    // one.
    v.cdr()
        .map(CpmViews::cdr)
        .ifPresent(
            cdr -> {
              copyByName(cdr, out);
              out.setCdr(cdr);
            });
    out.setSessionId(v.sessionId())
        .setKind(v.kind().name())
        .setInitiator(v.initiator())
        .addAllParticipants(v.participants())
        .setState(v.active() ? "ACTIVE" : "ENDED")
        .setStartedAt(v.startedAt().toString())
        .setMessageCount(v.messageCount());
    v.groupId().ifPresent(out::setGroupId);
    v.media().forEach(m -> out.addMedia(media(m)));
    v.endedAt().ifPresent(t -> out.setEndedAt(t.toString()));
    v.endCause().ifPresent(out::setEndCause);
    return out.build();
  }

  /**
   * Sets every field of {@code from} that {@code to} has under the same name: the ones that are
   * set, and plain scalars also at their default (a charge of 0 is still the CDR's charge).
   */
  private static void copyByName(Message from, Message.Builder to) {
    for (var field : from.getDescriptorForType().getFields()) {
      var target = to.getDescriptorForType().findFieldByName(field.getName());
      boolean present =
          field.isRepeated()
              ? from.getRepeatedFieldCount(field) > 0
              : !field.hasPresence() || from.hasField(field);
      if (target != null && present) to.setField(target, from.getField(field));
    }
  }

  static io.scp.api.proto.CpmCdr cdr(CpmCdr c) {
    var out =
        io.scp.api.proto.CpmCdr.newBuilder()
            .setCdrId(c.cdrId())
            .setType(c.type().name())
            .setChargedParty(c.chargedParty())
            .setReferenceId(c.referenceId())
            .setCaller(c.caller())
            .addAllCalled(c.called())
            .setStartedAt(c.startedAt().toString())
            .setEndedAt(c.endedAt().toString())
            .setCharge(c.charge())
            .setUnits(c.units())
            .setSmsSegments(c.smsSegments())
            .setDecision(c.decision());
    c.msisdn().ifPresent(out::setMsisdn);
    c.accountId().ifPresent(out::setAccountId);
    c.sessionId().ifPresent(out::setSessionId);
    c.mode().ifPresent(m -> out.setMode(m.name()));
    c.cause().ifPresent(out::setCause);
    return out.build();
  }

  /**
   * The segments of a page of the submissions handed to the interworking function for one
   * destination, in order; every part of a submission is in the same page.
   */
  static CpmSmsOutbox outbox(SmsOutbox.OutboxView v) {
    var out = CpmSmsOutbox.newBuilder().setTo(v.to());
    for (var s : v.submissions()) {
      for (int i = 0; i < s.parts().size(); i++) {
        out.addSegments(
            CpmSmsSegment.newBuilder()
                .setMessageId(s.messageId())
                .setFrom(s.from())
                .setTo(v.to())
                .setEncoding(s.encoding().name())
                .setPart(i + 1)
                .setParts(s.parts().size())
                .setReference(s.reference())
                .setText(s.parts().get(i))
                .setSubmittedAt(s.submittedAt().toString()));
      }
    }
    v.next().map(String::valueOf).ifPresent(out::setNext);
    return out.build();
  }
}
