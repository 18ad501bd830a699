package io.scp.actors.vacp;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of pull invocations and the routing actors, read once from {@code scp.vacp.routing}.
 *
 * @param maxInFlight calls one provider platform is sent at once (cluster-wide)
 * @param queueSize admitted calls that may wait for a free slot, per provider platform
 * @param queueTimeout longest wait in that queue; then the call is refused with 429 THROTTLED
 * @param callTimeout one call to the provider ({@code PROVIDER_TIMEOUT} beyond)
 * @param failureThreshold consecutive failures or timeouts that open a provider's breaker
 * @param openFor how long an open breaker refuses calls before it lets one probe through
 * @param invocationLinger how long a finished invocation stays in memory for replays
 */
public record VacpRoutingSettings(
    int maxInFlight,
    int queueSize,
    Duration queueTimeout,
    Duration callTimeout,
    int failureThreshold,
    Duration openFor,
    Duration invocationLinger) {

  public static VacpRoutingSettings fromConfig(Config config) {
    Config c = config.getConfig("scp.vacp.routing");
    return new VacpRoutingSettings(
        c.getInt("max-in-flight"),
        c.getInt("queue-size"),
        c.getDuration("queue-timeout"),
        c.getDuration("call-timeout"),
        c.getInt("failure-threshold"),
        c.getDuration("open-for"),
        c.getDuration("invocation-linger"));
  }

  /** How long an invocation may wait for its router: the queue, the call, and a margin. */
  public Duration routeTimeout(Duration askTimeout) {
    return queueTimeout.plus(callTimeout).plus(askTimeout);
  }
}
