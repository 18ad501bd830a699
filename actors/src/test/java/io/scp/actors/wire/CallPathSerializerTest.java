package io.scp.actors.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vpn.Tariff;
import io.scp.actors.vpn.VpnCall;
import io.scp.actors.vpn.VpnGroup;
import java.io.NotSerializableException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every message bound to the call path's protobuf serializer comes back equal, with every optional
 * field both present and absent, and through a {@code StatusReply} as the asks send them.
 */
class CallPathSerializerTest {
  static final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());
  static final Serialization serialization =
      SerializationExtension.get(Adapter.toClassic(testKit.system()));

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static <T> ActorRef<T> ref() {
    return testKit.<T>createTestProbe().getRef();
  }

  static final Instant T0 = Instant.parse("2026-11-24T10:15:30.123456789Z");
  static final Tariff TARIFF = new Tariff("gold", 12, 30, 5, 6, true, 7200);

  static final Cdr FULL_CDR =
      new Cdr(
          "cdr-1",
          Cdr.Type.CALL,
          "8613800000001",
          Optional.of("acc-1"),
          Optional.of("call-1"),
          Optional.of("8613800000001"),
          Optional.of("8613800000002"),
          Optional.of("8613800000002"),
          Optional.of(true),
          Optional.of("CONNECT"),
          Optional.of("NORMAL"),
          T0,
          Optional.of(T0.plusSeconds(3)),
          T0.plusSeconds(65),
          62,
          66,
          1320,
          7);

  static final Cdr BARE_CDR =
      new Cdr(
          "cdr-2",
          Cdr.Type.MESSAGE,
          "sip:a@example.com",
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          T0,
          Optional.empty(),
          T0,
          0,
          0,
          0,
          0);

  static final VpnCall.Decision CONNECT =
      new VpnCall.Decision(
          "call-1",
          "CONNECT",
          Optional.empty(),
          Optional.of("8613800000002"),
          Optional.of(false),
          true,
          300);

  static final VpnCall.Decision RELEASE =
      new VpnCall.Decision(
          "call-2",
          "RELEASE",
          Optional.of("INSUFFICIENT_FUNDS"),
          Optional.empty(),
          Optional.empty(),
          false,
          0);

  static List<Object> samples() {
    return List.of(
        new VpnCall.Setup("8613800000001", "2002", ref()),
        new VpnCall.Answer(ref()),
        new VpnCall.RequestQuota(2, 295, ref()),
        new VpnCall.End(62, ref()),
        CONNECT,
        RELEASE,
        new VpnCall.QuotaResult(300, 600, Optional.empty()),
        new VpnCall.QuotaResult(0, 300, Optional.of("INSUFFICIENT_FUNDS")),
        new VpnCall.EndResult("call-1", VpnCall.Phase.ENDED, 62, 66, 1320, 7),
        new VpnCall.CallView(
            "call-1",
            VpnCall.Phase.ENDED,
            "8613800000001",
            "2002",
            CONNECT,
            Optional.of("NORMAL"),
            600,
            T0,
            Optional.of(T0.plusSeconds(3)),
            Optional.of(T0.plusSeconds(65)),
            62,
            66,
            1320,
            7),
        new VpnCall.CallView(
            "call-2",
            VpnCall.Phase.RELEASED,
            "8613800000001",
            "2003",
            RELEASE,
            Optional.empty(),
            0,
            T0,
            Optional.empty(),
            Optional.empty(),
            0,
            0,
            0,
            0),
        new Subscriber.Get(ref()),
        new Subscriber.SubscriberView(
            "8613800000001",
            new Subscriber.Profile(
                Optional.of("460010000000001"),
                Optional.of("north"),
                Subscriber.Status.ACTIVE,
                Optional.of("acc-1")),
            Optional.of(new Subscriber.VpnMembership("g1", "2001")),
            List.of("svc-a", "svc-b")),
        new Subscriber.SubscriberView(
            "8613800000009",
            new Subscriber.Profile(
                Optional.empty(), Optional.empty(), Subscriber.Status.SUSPENDED, Optional.empty()),
            Optional.empty(),
            List.of()),
        new VpnGroup.Route("8613800000001", "2002", ref()),
        new VpnGroup.Routing(TARIFF, "8613800000002", true),
        new PrepaidAccount.Authenticate(0, ref()),
        new PrepaidAccount.AuthResult(true, Optional.empty()),
        new PrepaidAccount.AuthResult(false, Optional.of(ErrorCode.ACCOUNT_BLOCKED)),
        new PrepaidAccount.Reserve(
            "call-1/1", List.of(600L, 300L, 60L), Optional.of(Duration.ofMillis(90_500)), ref()),
        new PrepaidAccount.Reserve("res-1", List.of(5L), Optional.empty(), ref()),
        new PrepaidAccount.ReservationView(
            "call-1/1", 600, 0, 600, T0, PrepaidAccount.ReservationState.OPEN),
        new PrepaidAccount.SettleCall(
            List.of(
                new PrepaidAccount.SliceCharge("call-1/1", "call-1/1/d", 600),
                new PrepaidAccount.SliceCharge("call-1/2", "call-1/2/d", 27)),
            FULL_CDR,
            ref()),
        new PrepaidAccount.SettleCall(List.of(), BARE_CDR, ref()),
        new PrepaidAccount.CallSettlement(627));
  }

  @Test
  void everyMessageComesBackEqualThroughProtobuf() throws Exception {
    for (Object message : samples()) {
      var serializer = serialization.findSerializerFor(message);
      assertThat(serializer.identifier())
          .as("serializer of %s", message.getClass())
          .isEqualTo(CallPathSerializer.IDENTIFIER);
      byte[] bytes = serialization.serialize(message).get();
      String manifest = Serializers.manifestFor(serializer, message);
      Object back = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      assertThat(back).as("round trip of %s", message.getClass()).isEqualTo(message);
    }
  }

  @Test
  void theSamplesCoverEveryClassBoundToTheSerializer() {
    var bindings =
        testKit.system().settings().config().getConfig("pekko.actor.serialization-bindings");
    Set<String> bound = new HashSet<>();
    for (var entry : bindings.root().entrySet()) {
      if ("call-path".equals(entry.getValue().unwrapped())) bound.add(entry.getKey());
    }
    Set<String> sampled =
        samples().stream().map(m -> m.getClass().getName()).collect(Collectors.toSet());
    assertThat(sampled).isEqualTo(bound);
  }

  @Test
  void aReplyCrossesInsideAStatusReply() throws Exception {
    var reply = StatusReply.success(CONNECT);
    var serializer = serialization.findSerializerFor(reply);
    byte[] bytes = serialization.serialize(reply).get();
    Object back =
        serialization
            .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, reply))
            .get();
    assertThat(back).isEqualTo(reply);
  }

  @Test
  void bytesThatAreNotTheMessageAreRefusedAsNotSerializable() {
    var serializer =
        new CallPathSerializer(
            (org.apache.pekko.actor.ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    assertThatThrownBy(() -> serializer.fromBinary(new byte[] {1, 2, 3}, "no-such-manifest"))
        .isInstanceOf(NotSerializableException.class);
    assertThatThrownBy(() -> serializer.fromBinary(new byte[] {(byte) 0xff, 0x7f}, "CS"))
        .isInstanceOf(NotSerializableException.class);
  }
}
