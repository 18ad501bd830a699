package io.scp.actors.cpm;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ShardPlacement;
import io.scp.actors.common.SnapshotCopies;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The SMS outbox of one destination MSISDN: the segments of every CPM message handed to the SMS
 * interworking function for that number, in order. It is the hand-off point to the SMSC side and
 * what operators inspect ({@code GET /v1/cpm/sms-outbox?to=}), page by page: a thousand submissions
 * of up to 255 parts would be tens of megabytes in one answer, far over Artery's frame. A
 * submission is idempotent on its message id; the outbox keeps the latest {@code
 * scp.cpm.sms-outbox-limit} submissions, numbered in the order they came.
 */
public final class SmsOutbox
    extends EventSourcedBehaviorWithEnforcedReplies<
        SmsOutbox.Command, SmsOutbox.Event, SmsOutbox.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "SmsOutbox");

  /** One message converted to SMS: its parts in order, all of one encoding. */
  public record Submission(
      String messageId,
      String from,
      SmsSegmenter.Encoding encoding,
      List<String> parts,
      Instant submittedAt)
      implements CborSerializable {

    /** The concatenation reference carried in every part's user data header (0-255). */
    public int reference() {
      return Math.floorMod(messageId.hashCode(), 256);
    }

    /** What it weighs in a page: see {@link PageBudget}. */
    long pageChars() {
      long chars = PageBudget.ENTRY_CHARS + messageId.length() + from.length();
      for (String part : parts) chars += part.length() + PageBudget.LIST_ELEMENT_CHARS;
      return chars;
    }
  }

  /**
   * A page of the outbox, oldest first, within the {@link PageBudget}; {@code next}, when more
   * submissions follow, is the number of its last one: ask again with it as {@code after}.
   */
  public record OutboxView(String to, List<Submission> submissions, Optional<Long> next)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands and events

  public sealed interface Command extends CborSerializable {}

  public record Submit(Submission submission, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * At most {@code limit} submissions (1 or more) numbered after {@code after} (0 for the oldest
   * kept); a cursor whose submissions were dropped since starts at the oldest kept.
   */
  public record Get(long after, int limit, ActorRef<StatusReply<OutboxView>> replyTo)
      implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record SmsSubmitted(Submission submission) implements Event {}

  /**
   * The latest submissions by message id, oldest first, and how many were ever submitted. They are
   * only appended and dropped oldest first, so the newest is number {@code lastSeq} and the others
   * count down from it: the page cursor, stable while older ones are dropped.
   */
  public record State(LinkedHashMap<String, Submission> submissions, long lastSeq)
      implements CborSerializable {

    /** A snapshot written before submissions were numbered reads 0: they become 1 to n. */
    public State {
      lastSeq = Math.max(lastSeq, submissions.size());
    }

    /** The number of the oldest submission kept, less one. */
    long beforeOldest() {
      return lastSeq - submissions.size();
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, CpmSettings settings) {
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system,
                Entity.of(KEY, ctx -> create(ctx.getEntityId(), settings.smsOutboxLimit()))));
  }

  public static Behavior<Command> create(String msisdn, int limit) {
    return Behaviors.setup(ctx -> new SmsOutbox(msisdn, limit, ctx.getSystem()));
  }

  private final String msisdn;
  private final int limit;
  private final ActorSystem<?> system;

  private SmsOutbox(String msisdn, int limit, ActorSystem<?> system) {
    super(PersistenceId.of(KEY.name(), msisdn), EntityRestart.WITH_BACKOFF);
    this.system = system;
    this.msisdn = msisdn;
    this.limit = limit;
  }

  @Override
  public State emptyState() {
    return new State(new LinkedHashMap<>(), 0);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  /** A copy, so that the snapshot store never reads collections the event handler still changes. */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(system);
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(Submit.class, this::onSubmit)
        .onCommand(Get.class, this::onGet)
        .build();
  }

  private ReplyEffect<Event, State> onGet(State state, Get cmd) {
    List<Submission> page = new ArrayList<>();
    PageBudget budget = new PageBudget(cmd.limit());
    long seq = state.beforeOldest();
    long last = 0;
    boolean more = false;
    for (Submission s : state.submissions().values()) {
      if (++seq <= cmd.after()) continue;
      if (!budget.take(s.pageChars())) {
        more = true;
        break;
      }
      page.add(s);
      last = seq;
    }
    Optional<Long> next = more ? Optional.of(last) : Optional.empty();
    return Effect()
        .reply(cmd.replyTo(), StatusReply.success(new OutboxView(msisdn, List.copyOf(page), next)));
  }

  private ReplyEffect<Event, State> onSubmit(State state, Submit cmd) {
    if (state.submissions().containsKey(cmd.submission().messageId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(Done.getInstance()));
    }
    return Effect()
        .persist(new SmsSubmitted(cmd.submission()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.getInstance()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            SmsSubmitted.class,
            (s, e) -> {
              // never persisted twice (onSubmit), but a number must not move if it were
              if (s.submissions().containsKey(e.submission().messageId())) return s;
              s.submissions().put(e.submission().messageId(), e.submission());
              Iterator<String> oldest = s.submissions().keySet().iterator();
              while (s.submissions().size() > limit && oldest.hasNext()) {
                oldest.next();
                oldest.remove();
              }
              return new State(s.submissions(), s.lastSeq() + 1);
            })
        .build();
  }
}
