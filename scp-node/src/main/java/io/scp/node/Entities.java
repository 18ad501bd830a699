package io.scp.node;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.cpm.CpmEntities;
import io.scp.actors.cpm.CpmSettings;
import io.scp.actors.ims.ImsSubscriber;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSettings;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.vacp.VacpEntities;
import io.scp.actors.vacp.VacpInvocationEntities;
import io.scp.actors.vacp.VacpRoutingSettings;
import io.scp.actors.vacp.VacpSettings;
import io.scp.actors.vpn.PostpaidCallWatch;
import io.scp.actors.vpn.VpnCall;
import io.scp.actors.vpn.VpnGroup;
import io.scp.api.platform.HttpPlatformGateway;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts sharding for every entity type of the domain. */
final class Entities {
  private Entities() {}

  static void init(ActorSystem<?> system, Clock clock) {
    var config = system.settings().config();
    Subscriber.init(system);
    PrepaidAccount.init(
        system,
        PrepaidAccount.Settings.fromConfig(config),
        clock,
        VpnCall.reservationOwners(system));
    VpnGroup.init(system);
    VpnCall.init(system, VpnCall.Settings.fromConfig(config), clock);
    PostpaidCallWatch.init(
        system,
        config.getDuration("scp.calls.postpaid-watch-interval"),
        VpnCall.watchedCalls(system));
    ImsSubscriber.init(system, ImsSubscriber.Settings.fromConfig(config), clock);
    CpmEntities.init(system, CpmSettings.fromConfig(config), clock);
    var platforms = HttpPlatformGateway.fromConfig(config);
    VacpEntities.init(system, VacpSettings.fromConfig(config), clock, platforms);
    VacpInvocationEntities.init(
        system,
        VacpSettings.fromConfig(config),
        VacpRoutingSettings.fromConfig(config),
        clock,
        platforms);
    var sipUri = SipUriSettings.fromConfig(config);
    SipUriSlot.init(system, sipUri, clock, new RecordingImsDeregistration());
    SipUriPool.init(system, sipUri, clock);
  }
}
