package io.scp.actors.vacp;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the VACP entities, read once from {@code scp.vacp} and {@code scp.sharding}.
 *
 * @param askTimeout how long an entity waits for another entity
 * @param retryDelay first pause before a failed step (publication, notice, settlement) is retried;
 *     it doubles per failure up to {@code maxRetryDelay}
 * @param publishWait how long a directory change waits for the regional VACPs before it answers
 *     (delivery goes on after that)
 * @param noticeAttempts attempts to deliver a notice to a platform before it is given up
 * @param settlementTtl lifetime of the reservation a prepaid settlement makes
 * @param rememberedUses per-use ids an interworking remembers for replays
 * @param idleTimeout entities with nothing pending passivate after this long
 */
public record VacpSettings(
    Duration askTimeout,
    Duration retryDelay,
    Duration maxRetryDelay,
    Duration publishWait,
    int noticeAttempts,
    Duration settlementTtl,
    int rememberedUses,
    Duration idleTimeout) {

  public static VacpSettings fromConfig(Config config) {
    return new VacpSettings(
        config.getDuration("scp.vacp.ask-timeout"),
        config.getDuration("scp.vacp.retry-delay"),
        config.getDuration("scp.vacp.max-retry-delay"),
        config.getDuration("scp.vacp.publish-wait"),
        config.getInt("scp.vacp.notice-attempts"),
        config.getDuration("scp.vacp.settlement-reservation-ttl"),
        config.getInt("scp.vacp.remembered-uses"),
        config.getDuration("scp.sharding.idle-timeout"));
  }

  /** The pause before retry number {@code failures} (1 = first retry). */
  public Duration backoff(int failures) {
    Duration delay = retryDelay;
    for (int i = 1; i < failures && delay.compareTo(maxRetryDelay) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : delay;
  }
}
