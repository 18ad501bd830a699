package io.scp.node;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSettings;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.subscriber.Subscriber;
import java.time.Clock;
import org.apache.pekko.actor.typed.ActorSystem;

/** Starts sharding for every entity type of the domain. */
final class Entities {
  private Entities() {}

  static void init(ActorSystem<?> system, Clock clock) {
    var config = system.settings().config();
    Subscriber.init(system);
    PrepaidAccount.init(system, PrepaidAccount.Settings.fromConfig(config), clock);
    var sipUri = SipUriSettings.fromConfig(config);
    SipUriSlot.init(system, sipUri, clock, new RecordingImsDeregistration());
    SipUriPool.init(system, sipUri, clock);
  }
}
