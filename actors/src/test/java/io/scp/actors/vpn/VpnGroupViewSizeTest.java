package io.scp.actors.vpn;

import com.typesafe.config.Config;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.testing.MessageFrames;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every answer about a VPN group carries all its members (api.md), and an answer crosses nodes as
 * one Artery message: with the product's settings a group of the most members allowed, of the
 * longest numbers, must fit the frame with room for the envelope.
 */
class VpnGroupViewSizeTest {
  final ActorTestKit testKit = ActorTestKit.create(EntityTestConfig.config());

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aFullGroupOfTheLongestNumbersFitsOneMessageBetweenNodes() {
    Config config = testKit.system().settings().config();
    int maxMembers = config.getInt("scp.vpn.max-members");

    Random random = new Random(7);
    List<VpnGroup.Member> members = new ArrayList<>(maxMembers);
    for (int i = 0; i < maxMembers; i++) {
      String shortNumber = String.valueOf(10_000_000 + i * 97L);
      String msisdn = String.valueOf(100_000_000_000_000L + (long) (random.nextDouble() * 8.9e14));
      members.add(new VpnGroup.Member(shortNumber, msisdn));
    }
    var tariff = new Tariff("enterprise", 10, 30, 5, 6, true, 7_200);
    var view = new VpnGroup.GroupView("g".repeat(64), tariff, members);

    MessageFrames.assertFitsOneFrame(testKit.system(), view);
  }
}
