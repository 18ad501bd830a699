package io.scp.actors.vacp;

import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Starts sharding for the entity types of pull invocations and tokens: invocations, the routing
 * actors of the provider platforms, the service-name index and the token signing keys.
 */
public final class VacpInvocationEntities {
  private VacpInvocationEntities() {}

  public static void init(
      ActorSystem<?> system,
      VacpSettings settings,
      VacpRoutingSettings routing,
      Clock clock,
      PlatformGateway gateway) {
    var refs = EntityRefs.of(ClusterSharding.get(system));
    var ports = new VacpPorts(refs, settings.askTimeout(), system.scheduler(), gateway);
    var access = new VacpAccess(refs, settings.askTimeout(), system.scheduler(), clock);
    VacpServiceIndex.init(system);
    VacpProviderRouter.init(system, gateway, routing);
    VacpSigningKeys.init(system, clock);
    VacpInvocation.init(
        system,
        new VacpInvocation.Ports(
            ports, access, refs, system.scheduler(), settings, routing, clock));
  }
}
