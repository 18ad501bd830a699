package io.scp.actors.sipuri;

import com.typesafe.config.Config;
import java.time.Duration;

/** Settings of the SIP-URI pools and slots, read once from {@code scp.sip-uri}. */
public record SipUriSettings(
    int maxBatch,
    Duration defaultMaxHold,
    Duration slotTimeout,
    int slotAttempts,
    int provisioningParallelism,
    int rememberedReleases,
    Duration releaseRetry,
    Duration deregistrationTimeout,
    int deregistrationAttempts,
    Duration deregistrationBackoff,
    Duration slotIdleTimeout,
    Duration idleTimeout) {

  public static SipUriSettings fromConfig(Config config) {
    Config c = config.getConfig("scp.sip-uri");
    return new SipUriSettings(
        c.getInt("max-batch"),
        c.getDuration("default-max-hold"),
        c.getDuration("slot-timeout"),
        c.getInt("slot-attempts"),
        c.getInt("provisioning-parallelism"),
        c.getInt("remembered-releases"),
        c.getDuration("release-retry"),
        c.getDuration("deregistration-timeout"),
        c.getInt("deregistration-attempts"),
        c.getDuration("deregistration-backoff"),
        c.getDuration("slot-idle-timeout"),
        config.getDuration("scp.sharding.idle-timeout"));
  }
}
