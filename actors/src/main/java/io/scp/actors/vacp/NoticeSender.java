package io.scp.actors.vacp;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The in-memory half of an entity's notice outbox: sends each pending notice once at a time, counts
 * failures and schedules the next attempt with backoff. The entity persists which notices are
 * pending and which are closed; after a restart it sends the pending ones again.
 *
 * @param <C> the entity's command type
 */
final class NoticeSender<C> {
  private final VacpPorts ports;
  private final VacpSettings settings;
  private final ActorContext<C> context;
  private final TimerScheduler<C> timers;
  private final BiFunction<String, Boolean, C> answered;
  private final Function<String, C> resend;
  private final Set<String> inFlight = new HashSet<>();
  private final Map<String, Integer> failures = new HashMap<>();

  /**
   * @param answered the command the entity receives when a send ends: notice id and whether the
   *     platform answered (accepted or refused; either way it got the notice)
   * @param resend the command that makes the entity send a notice again after a pause
   */
  NoticeSender(
      VacpPorts ports,
      VacpSettings settings,
      ActorContext<C> context,
      TimerScheduler<C> timers,
      BiFunction<String, Boolean, C> answered,
      Function<String, C> resend) {
    this.ports = ports;
    this.settings = settings;
    this.context = context;
    this.timers = timers;
    this.answered = answered;
    this.resend = resend;
  }

  void sendAll(LinkedHashMap<String, Notice> pending) {
    pending.values().forEach(this::send);
  }

  void send(Notice notice) {
    if (!inFlight.add(notice.noticeId())) return;
    context.pipeToSelf(
        ports.deliver(notice),
        (response, failure) ->
            answered.apply(
                notice.noticeId(),
                failure == null
                    && (response.outcome() == PlatformGateway.Outcome.ACCEPTED
                        || response.outcome() == PlatformGateway.Outcome.REJECTED)));
  }

  /**
   * Records the end of a send. Answers whether the notice is now closed: delivered, or failed for
   * the last allowed time (then the entity records it as given up).
   */
  Optional<Boolean> onAnswered(String noticeId, boolean delivered) {
    inFlight.remove(noticeId);
    if (delivered) {
      failures.remove(noticeId);
      return Optional.of(true);
    }
    int failed = failures.merge(noticeId, 1, Integer::sum);
    if (failed >= settings.noticeAttempts()) {
      failures.remove(noticeId);
      context.getLog().warn("notice {} given up after {} attempts", noticeId, failed);
      return Optional.of(false);
    }
    timers.startSingleTimer("notice:" + noticeId, resend.apply(noticeId), settings.backoff(failed));
    return Optional.empty();
  }

  boolean busy() {
    return !inFlight.isEmpty() || !failures.isEmpty();
  }
}
