package io.scp.actors.common;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;

/**
 * When this node saw each cluster member become Up. Members already Up when this node joined count
 * as up since ever. Started with the node (before any shard coordinator), so that a coordinator
 * that moves later still knows which members were restarted recently.
 */
public final class MemberUpTimes implements Extension {
  private static final Id ID = new Id();

  private final Map<Address, Instant> upSince = new ConcurrentHashMap<>();
  private final Clock clock = Clock.systemUTC();

  public static MemberUpTimes get(ActorSystem system) {
    return ID.get(system);
  }

  public static MemberUpTimes get(org.apache.pekko.actor.typed.ActorSystem<?> system) {
    return ID.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system));
  }

  private MemberUpTimes(ExtendedActorSystem system) {
    var listener =
        system.systemActorOf(
            Props.create(Listener.class, () -> new Listener(this)), "member-up-times");
    Cluster.get(system)
        .subscribe(
            listener,
            ClusterEvent.initialStateAsSnapshot(),
            ClusterEvent.MemberUp.class,
            ClusterEvent.MemberRemoved.class);
  }

  /** Since when the member at {@code address} is Up, as seen by this node; empty if it is not. */
  public Optional<Instant> upSince(Address address) {
    return Optional.ofNullable(upSince.get(address));
  }

  private static final class Listener extends AbstractActor {
    private final MemberUpTimes times;

    Listener(MemberUpTimes times) {
      this.times = times;
    }

    @Override
    public Receive createReceive() {
      return receiveBuilder()
          .match(
              ClusterEvent.CurrentClusterState.class,
              state -> {
                for (Member m : state.getMembers()) {
                  if (m.status() == MemberStatus.up())
                    times.upSince.putIfAbsent(m.address(), Instant.EPOCH);
                }
              })
          .match(
              ClusterEvent.MemberUp.class,
              up -> times.upSince.putIfAbsent(up.member().address(), times.clock.instant()))
          .match(
              ClusterEvent.MemberRemoved.class,
              removed -> times.upSince.remove(removed.member().address()))
          .build();
    }
  }

  private static final class Id extends AbstractExtensionId<MemberUpTimes>
      implements ExtensionIdProvider {
    @Override
    public MemberUpTimes createExtension(ExtendedActorSystem system) {
      return new MemberUpTimes(system);
    }

    @Override
    public Id lookup() {
      return ID;
    }
  }
}
