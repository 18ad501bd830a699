package io.scp.actors.sipuri;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.Secret;
import io.scp.actors.sipuri.SipUriTesting.FakeIms;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The slot: exclusive binding per allocation, release with IMS de-registration, recovery. */
class SipUriSlotTest {
  static final ActorTestKit testKit = ActorTestKit.create(SipUriTesting.CONFIG);
  static final String URI = "sip:+8613800000001@ims.example.com";
  static final Secret PASSWORD = new Secret("s3cret-s3cret-s3cret");
  static final Instant AT = Instant.parse("2030-01-01T00:00:00Z");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static EventSourcedBehaviorTestKit<SipUriSlot.Command, SipUriSlot.Event, SipUriSlot.State> slot(
      FakeIms ims) {
    return EventSourcedBehaviorTestKit.create(
        testKit.system(),
        SipUriSlot.create(URI, SipUriTesting.settings(), Clock.systemUTC(), ims),
        EventSourcedBehaviorTestKit.enabledSerializationSettings());
  }

  static <C, E, S> SipUriSlot.ClaimResult claim(
      EventSourcedBehaviorTestKit<SipUriSlot.Command, E, S> slot,
      String pool,
      int position,
      boolean force) {
    return slot.<SipUriSlot.ClaimResult>runCommand(
            r -> new SipUriSlot.Claim(pool, position, PASSWORD, force, r))
        .reply();
  }

  static <E, S> SipUriSlot.HoldResult hold(
      EventSourcedBehaviorTestKit<SipUriSlot.Command, E, S> slot,
      String msisdn,
      long allocation,
      Optional<Instant> releaseAt) {
    return slot.<SipUriSlot.HoldResult>runCommand(
            r -> new SipUriSlot.Hold("p1", msisdn, allocation, AT, releaseAt, r))
        .reply();
  }

  static <E, S> SipUriSlot.UnbindResult unbind(
      EventSourcedBehaviorTestKit<SipUriSlot.Command, E, S> slot, long allocation) {
    return slot.<SipUriSlot.UnbindResult>runCommand(r -> new SipUriSlot.Unbind("p1", allocation, r))
        .reply();
  }

  static SipUriSlot.SlotView view(
      EventSourcedBehaviorTestKit<SipUriSlot.Command, SipUriSlot.Event, SipUriSlot.State> slot) {
    StatusReply<SipUriSlot.SlotView> reply =
        slot.<StatusReply<SipUriSlot.SlotView>>runCommand(SipUriSlot.Get::new).reply();
    return reply.getValue();
  }

  @Test
  void claimMakesTheUriAMemberOfOnePool() {
    var slot = slot(new FakeIms(0));
    var unknown = slot.<StatusReply<SipUriSlot.SlotView>>runCommand(SipUriSlot.Get::new).reply();
    assertThat(unknown.isError()).isTrue();

    var first =
        slot.<SipUriSlot.ClaimResult>runCommand(
            r -> new SipUriSlot.Claim("p1", 7, PASSWORD, false, r));
    assertThat(first.reply()).isInstanceOf(SipUriSlot.Claimed.class);
    assertThat(first.events()).containsExactly(new SipUriSlot.SlotClaimed("p1", 7, PASSWORD));

    assertThat(claim(slot, "p1", 9, false)).isEqualTo(new SipUriSlot.Member(7));
    assertThat(claim(slot, "p2", 0, false)).isEqualTo(new SipUriSlot.Taken("p1"));
    assertThat(claim(slot, "p2", 0, true)).isEqualTo(new SipUriSlot.Taken("p1"));
    // A claim of a request that never completed is taken over by the next one.
    assertThat(claim(slot, "p1", 9, true)).isInstanceOf(SipUriSlot.Claimed.class);
    assertThat(claim(slot, "p1", 11, false)).isEqualTo(new SipUriSlot.Member(9));

    var v = view(slot);
    assertThat(v.poolId()).isEqualTo("p1");
    assertThat(v.state()).isEqualTo(SipUriSlot.SlotState.IDLE);
    assertThat(v.msisdn()).isEmpty();
  }

  @Test
  void holdIsExclusiveAndIdempotentPerAllocation() {
    var slot = slot(new FakeIms(0));
    claim(slot, "p1", 0, false);

    var held =
        slot.<SipUriSlot.HoldResult>runCommand(
            r -> new SipUriSlot.Hold("p1", "8613811111111", 5, AT, Optional.empty(), r));
    assertThat(held.events()).hasSize(1);
    var h = (SipUriSlot.Held) held.reply();
    assertThat(h.password()).isEqualTo(PASSWORD);
    assertThat(h.slot().msisdn()).contains("8613811111111");
    assertThat(h.slot().state()).isEqualTo(SipUriSlot.SlotState.OCCUPIED);

    var again =
        slot.<SipUriSlot.HoldResult>runCommand(
            r -> new SipUriSlot.Hold("p1", "8613811111111", 5, AT, Optional.empty(), r));
    assertThat(again.events()).isEmpty();
    assertThat(again.reply()).isEqualTo(h);

    assertThat(hold(slot, "8613822222222", 6, Optional.empty()))
        .isEqualTo(new SipUriSlot.HeldByOther(5));
    assertThat(
            slot.<SipUriSlot.HoldResult>runCommand(
                    r -> new SipUriSlot.Hold("p2", "8613822222222", 6, AT, Optional.empty(), r))
                .reply())
        .isInstanceOf(SipUriSlot.NotMember.class);

    Instant releaseAt = AT.plus(5, ChronoUnit.MINUTES);
    var scheduled = (SipUriSlot.Held) hold(slot, "8613811111111", 5, Optional.of(releaseAt));
    assertThat(scheduled.slot().releaseAt()).contains(releaseAt);
    assertThat(view(slot).releaseAt()).contains(releaseAt);
  }

  @Test
  void unbindDeregistersFromImsAndEndsTheAllocationForGood() {
    FakeIms ims = new FakeIms(0);
    var slot = slot(ims);
    claim(slot, "p1", 0, false);
    hold(slot, "8613811111111", 5, Optional.empty());

    var unbound = unbind(slot, 5);
    assertThat(unbound).isInstanceOf(SipUriSlot.Unbound.class);
    assertThat(((SipUriSlot.Unbound) unbound).deregisteredAt()).isPresent();
    assertThat(ims.calls.get()).isEqualTo(1);
    var v = view(slot);
    assertThat(v.state()).isEqualTo(SipUriSlot.SlotState.IDLE);
    assertThat(v.msisdn()).isEmpty();
    assertThat(v.deregisteredAt()).isEqualTo(((SipUriSlot.Unbound) unbound).deregisteredAt());

    // A replay answers the same without de-registering again; a late Hold is refused.
    assertThat(unbind(slot, 5)).isEqualTo(unbound);
    assertThat(ims.calls.get()).isEqualTo(1);
    assertThat(hold(slot, "8613811111111", 5, Optional.empty()))
        .isInstanceOf(SipUriSlot.Stale.class);

    // The next allocation binds again.
    assertThat(hold(slot, "8613822222222", 6, Optional.empty()))
        .isInstanceOf(SipUriSlot.Held.class);
  }

  @Test
  void anAllocationReleasedBeforeItsHoldArrivedIsNeverBound() {
    var slot = slot(new FakeIms(0));
    claim(slot, "p1", 0, false);
    assertThat(unbind(slot, 3)).isInstanceOf(SipUriSlot.Unbound.class);
    assertThat(hold(slot, "8613811111111", 3, Optional.empty()))
        .isInstanceOf(SipUriSlot.Stale.class);
    assertThat(view(slot).state()).isEqualTo(SipUriSlot.SlotState.IDLE);
  }

  @Test
  void deregistrationIsRetriedAndAReleaseWaitsForIt() {
    FakeIms ims = new FakeIms(2);
    var slot = slot(ims);
    claim(slot, "p1", 0, false);
    hold(slot, "8613811111111", 5, Optional.empty());
    assertThat(unbind(slot, 5)).isInstanceOf(SipUriSlot.Unbound.class);
    assertThat(ims.calls.get()).isEqualTo(3);

    FakeIms down = new FakeIms(Integer.MAX_VALUE);
    var other = slot(down);
    claim(other, "p1", 0, false);
    hold(other, "8613811111111", 5, Optional.empty());
    assertThat(unbind(other, 5)).isInstanceOf(SipUriSlot.UnbindFailed.class);
    assertThat(down.calls.get()).isEqualTo(3);
    // Not de-registered, so still held: the URI is never handed to the next user.
    assertThat(view(other).state()).isEqualTo(SipUriSlot.SlotState.OCCUPIED);
  }

  @Test
  void stateSurvivesRestart() {
    var slot = slot(new FakeIms(0));
    claim(slot, "p1", 4, false);
    hold(slot, "8613811111111", 5, Optional.of(AT.plusSeconds(60)));
    unbind(slot, 5);
    hold(slot, "8613822222222", 6, Optional.empty());
    var before = view(slot);
    slot.restart();
    assertThat(view(slot)).isEqualTo(before);
    assertThat(hold(slot, "8613811111111", 5, Optional.empty()))
        .isInstanceOf(SipUriSlot.Stale.class);
  }

  @Test
  void passwordsNeverShowInLogs() {
    var claim = new SipUriSlot.Claim("p1", 0, PASSWORD, false, null);
    assertThat(claim.toString()).doesNotContain(PASSWORD.value());
    assertThat(new SipUriSlot.SlotClaimed("p1", 0, PASSWORD).toString())
        .doesNotContain(PASSWORD.value());
    assertThat(Passwords.generate().value()).hasSize(Passwords.LENGTH).matches("[A-Za-z0-9]+");
  }
}
