package io.scp.actors.vacp;

import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/** Starts sharding for every VACP entity type. */
public final class VacpEntities {
  private VacpEntities() {}

  public static void init(
      ActorSystem<?> system, VacpSettings settings, Clock clock, PlatformGateway gateway) {
    var ports =
        new VacpPorts(
            EntityRefs.of(ClusterSharding.get(system)),
            settings.askTimeout(),
            system.scheduler(),
            gateway);
    VacpNode.init(system, ports, settings);
    VacpPlatform.init(system);
    VacpApiKey.init(system);
    VacpCapability.init(system, ports, settings);
    VacpAuthorization.init(system);
    VacpUser.init(system, ports, settings);
    Interworking.init(system, ports, settings, clock);
    VacpPushQuota.init(system, settings, clock);
    VacpEvent.init(
        system, ports, settings, VacpPushSettings.fromConfig(system.settings().config()), clock);
  }
}
