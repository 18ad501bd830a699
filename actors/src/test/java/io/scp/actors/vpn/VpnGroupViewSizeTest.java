package io.scp.actors.vpn;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import io.scp.actors.testing.EntityTestConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every answer about a VPN group carries all its members (api.md), and an answer crosses nodes as
 * one Artery message: with the product's settings a group of the most members allowed, of the
 * longest numbers, must fit the frame with room for the envelope.
 */
class VpnGroupViewSizeTest {
  static final long ENVELOPE_ROOM = 64 * 1024;

  final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aFullGroupOfTheLongestNumbersFitsOneMessageBetweenNodes() {
    Config config = testKit.system().settings().config();
    int maxMembers = config.getInt("scp.vpn.max-members");
    long frame = config.getBytes("pekko.remote.artery.advanced.maximum-frame-size");

    Random random = new Random(7);
    List<VpnGroup.Member> members = new ArrayList<>(maxMembers);
    for (int i = 0; i < maxMembers; i++) {
      String shortNumber = String.valueOf(10_000_000 + i * 97L);
      String msisdn = String.valueOf(100_000_000_000_000L + (long) (random.nextDouble() * 8.9e14));
      members.add(new VpnGroup.Member(shortNumber, msisdn));
    }
    var tariff = new Tariff("enterprise", 10, 30, 5, 6, true, 7_200);
    var view = new VpnGroup.GroupView("g".repeat(64), tariff, members);

    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    byte[] bytes = serialization.serialize(view).get();
    assertThat((long) bytes.length).isLessThan(frame - ENVELOPE_ROOM);

    var serializer = serialization.findSerializerFor(view);
    Object back =
        serialization
            .deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, view))
            .get();
    assertThat(back).isEqualTo(view);
  }
}
