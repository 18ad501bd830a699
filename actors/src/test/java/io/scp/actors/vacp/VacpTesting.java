package io.scp.actors.vacp;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.pattern.StatusReply;

/** Shared settings and small helpers of the VACP entity tests. */
final class VacpTesting {
  static final VacpSettings SETTINGS =
      new VacpSettings(
          Duration.ofMillis(500),
          Duration.ofMillis(100),
          Duration.ofMillis(300),
          Duration.ofSeconds(1),
          3,
          Duration.ofMinutes(10),
          100,
          Duration.ofMinutes(10));

  private VacpTesting() {}

  static VacpPorts ports(ActorTestKit kit, LocalEntities entities, PlatformGateway gateway) {
    return new VacpPorts(entities, SETTINGS.askTimeout(), kit.system().scheduler(), gateway);
  }

  /** Sends a command to a spawned entity and waits for its answer. */
  static <M, R> StatusReply<R> ask(
      ActorTestKit kit, RecipientRef<M> entity, Function<ActorRef<StatusReply<R>>, M> command) {
    TestProbe<StatusReply<R>> probe = kit.createTestProbe();
    entity.tell(command.apply(probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  /**
   * Spawns platform {@code id} and registers it active, named after its id, homed at the central
   * VACP, with a callback nobody listens on.
   */
  static ActorRef<VacpPlatform.Command> activePlatform(
      ActorTestKit kit,
      LocalEntities entities,
      String id,
      int serviceClass,
      Optional<String> region) {
    var ref = entities.put(VacpPlatform.KEY, id, kit.spawn(VacpPlatform.create(id)));
    success(
        VacpTesting.<VacpPlatform.Command, VacpPlatform.Registered>ask(
            kit,
            ref,
            r ->
                new VacpPlatform.Register(
                    new VacpPlatform.Profile(
                        id,
                        serviceClass,
                        region,
                        VacpNode.CENTRAL_ID,
                        "http://127.0.0.1:1/" + id,
                        PlatformGateway.Protocol.STANDARD,
                        VacpPlatform.Status.ACTIVE),
                    Optional.of("hash-" + id),
                    r)));
    return ref;
  }

  static <R> R success(StatusReply<R> reply) {
    assertThat(reply.isSuccess()).as("succeeded: %s", reply).isTrue();
    return reply.getValue();
  }

  static ErrorCode refusal(StatusReply<?> reply) {
    assertThat(reply.isError()).as("refused: %s", reply).isTrue();
    return ((Refusal) reply.getError()).code();
  }

  static DirectoryEntry entry(
      String capabilityId, String homeVacpId, long revision, boolean active) {
    return new DirectoryEntry(
        capabilityId,
        "svc-" + capabilityId,
        "Name " + capabilityId,
        "description",
        DirectoryEntry.Style.PULL,
        "pf-" + capabilityId,
        homeVacpId.equals(VacpNode.CENTRAL_ID) ? 1 : 2,
        Optional.empty(),
        homeVacpId,
        revision,
        active);
  }
}
