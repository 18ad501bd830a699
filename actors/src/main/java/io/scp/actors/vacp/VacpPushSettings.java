package io.scp.actors.vacp;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of push fan-out, read once from {@code scp.vacp.push}.
 *
 * @param maxAttempts delivery attempts per recipient before it is FAILED
 * @param retryDelay pause after the first failed attempt; it doubles per failure up to {@code
 *     maxRetryDelay}
 * @param maxPayloadBytes largest accepted payload (its JSON text, UTF-8)
 */
public record VacpPushSettings(
    int maxAttempts, Duration retryDelay, Duration maxRetryDelay, int maxPayloadBytes) {

  public VacpPushSettings {
    if (maxAttempts < 1) throw new IllegalArgumentException("scp.vacp.push.max-attempts >= 1");
    if (retryDelay.isNegative() || retryDelay.isZero() || maxRetryDelay.compareTo(retryDelay) < 0) {
      throw new IllegalArgumentException(
          "scp.vacp.push.retry-delay must be positive and at most max-retry-delay");
    }
  }

  public static VacpPushSettings fromConfig(Config config) {
    return new VacpPushSettings(
        config.getInt("scp.vacp.push.max-attempts"),
        config.getDuration("scp.vacp.push.retry-delay"),
        config.getDuration("scp.vacp.push.max-retry-delay"),
        (int) config.getBytes("scp.vacp.push.max-payload-bytes").longValue());
  }

  /** The pause after failure number {@code failures} (1 = the first attempt failed). */
  public Duration backoff(int failures) {
    Duration delay = retryDelay;
    for (int i = 1; i < failures && delay.compareTo(maxRetryDelay) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : delay;
  }
}
