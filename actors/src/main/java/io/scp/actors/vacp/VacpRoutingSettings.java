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
 * @param maxPayloadBytes largest invocation payload (its compact JSON text); larger is refused
 * @param maxResultBytes largest result (its compact JSON text) a provider's answer may give, the
 *     bound on the answer itself ({@code scp.vacp.platform.max-response-bytes}): re-spelled as
 *     JSON, a form answer can grow several times, and the result crosses nodes
 */
public record VacpRoutingSettings(
    int maxInFlight,
    int queueSize,
    Duration queueTimeout,
    Duration callTimeout,
    int failureThreshold,
    Duration openFor,
    Duration invocationLinger,
    int maxPayloadBytes,
    int maxResultBytes) {

  public static VacpRoutingSettings fromConfig(Config config) {
    Config c = config.getConfig("scp.vacp.routing");
    return new VacpRoutingSettings(
        c.getInt("max-in-flight"),
        c.getInt("queue-size"),
        c.getDuration("queue-timeout"),
        c.getDuration("call-timeout"),
        c.getInt("failure-threshold"),
        c.getDuration("open-for"),
        c.getDuration("invocation-linger"),
        c.getBytes("max-payload-bytes").intValue(),
        config.getBytes("scp.vacp.platform.max-response-bytes").intValue());
  }

  /** How long an invocation may wait for its router: the queue, the call, and a margin. */
  public Duration routeTimeout(Duration askTimeout) {
    return queueTimeout.plus(callTimeout).plus(askTimeout);
  }
}
