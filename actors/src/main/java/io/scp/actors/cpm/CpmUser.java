package io.scp.actors.cpm;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A CPM user, keyed by canonical address: its profile, its mailbox of messages not yet acknowledged
 * and its history (network storage), the same for every device.
 *
 * <p>Each message gets a per-user sequence number when it arrives, so every device sees the same
 * order. A message stays in the mailbox until a device acknowledges it or its validity ends; at the
 * end of validity a message no device has received is marked EXPIRED and its body dropped.
 * Connected devices (WebSocket connections) are not persisted: a device registers with {@link Sync}
 * and gets the mailbox after the last sequence number it has, then live {@link Deliver}s. The
 * entity is remembered and only passivates when its mailbox is empty and no device is connected, so
 * validity deadlines are met across passivation, crashes and restarts.
 */
public final class CpmUser
    extends EventSourcedBehaviorWithEnforcedReplies<CpmUser.Command, CpmUser.Event, CpmUser.State> {

  public static final EntityTypeKey<Command> KEY = EntityTypeKey.create(Command.class, "CpmUser");

  private static final Pattern SEQ_CURSOR = Pattern.compile("[0-9]{1,18}");

  // ---------------------------------------------------------------- values

  public enum Direction {
    IN,
    OUT
  }

  /** IN: STORED, DELIVERED (to a device), ACKNOWLEDGED or EXPIRED; OUT: SENT. */
  public enum Status {
    STORED,
    DELIVERED,
    ACKNOWLEDGED,
    EXPIRED,
    SENT
  }

  /** A message as stored for one user; {@code body} is empty once the message expired. */
  public record Content(
      String messageId,
      Optional<String> sessionId,
      String from,
      List<String> to,
      String contentType,
      Optional<String> body,
      MessageMode mode,
      Instant sentAt,
      Instant expiresAt)
      implements CborSerializable {

    Content withoutBody() {
      return new Content(
          messageId, sessionId, from, to, contentType, Optional.empty(), mode, sentAt, expiresAt);
    }

    long bodyLength() {
      return body.map(String::length).orElse(0);
    }

    /**
     * Every string it carries: the body, and the whole recipient list, which every recipient's copy
     * repeats (up to 100 addresses of up to 256 characters, more than a short body).
     */
    long chars() {
      long chars =
          messageId.length()
              + sessionId.map(String::length).orElse(0)
              + from.length()
              + contentType.length()
              + bodyLength();
      for (String address : to) chars += address.length() + PageBudget.LIST_ELEMENT_CHARS;
      return chars;
    }
  }

  /** One message of the history, as every device sees it. */
  public record Entry(long seq, Content content, Direction direction, Status status)
      implements CborSerializable {

    String messageId() {
      return content.messageId();
    }

    /** What it weighs in a page: see {@link PageBudget}. */
    long pageChars() {
      return content.chars() + PageBudget.ENTRY_CHARS;
    }

    Entry withStatus(Status status) {
      Content c = status == Status.EXPIRED ? content.withoutBody() : content;
      return new Entry(seq, c, direction, status);
    }
  }

  public record UserView(String address, Optional<String> displayName, int pending, int stored)
      implements CborSerializable {}

  public record Provisioned(UserView user, boolean created) implements CborSerializable {}

  /** What a sender needs to know about a recipient before it accepts a message. */
  public record UserInfo(boolean provisioned, boolean accepting) implements CborSerializable {}

  public record Deposited(Status status) implements CborSerializable {}

  /** Within the {@link PageBudget}, so that it crosses nodes whatever its messages carry. */
  public record HistoryPage(List<Entry> messages, Optional<String> next)
      implements CborSerializable {}

  // ---------------------------------------------------------------- device protocol

  /**
   * What a connected device (a WebSocket connection actor) receives. Not sealed: the connection
   * actor adds its own messages to this protocol.
   */
  public interface DeviceEvent extends CborSerializable {}

  /** A message that arrived while the device was connected. */
  public record Deliver(Entry message) implements DeviceEvent {}

  /**
   * The mailbox after the sequence number the device asked from, in order, within the {@link
   * PageBudget}.
   */
  public record Batch(List<Entry> messages, boolean hasMore) implements DeviceEvent {}

  /** The device cannot be served (the address is not a CPM user). */
  public record Closed(String reason) implements DeviceEvent {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  public record Provision(Optional<String> displayName, ActorRef<StatusReply<Provisioned>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<UserView>> replyTo) implements Command {}

  /**
   * Whether the user exists and its mailbox takes {@code incomingChars} more characters (and one
   * more message); 0 asks only whether it is full.
   */
  public record Lookup(long incomingChars, ActorRef<StatusReply<UserInfo>> replyTo)
      implements Command {}

  /** An incoming message; a replay of its id answers the current status. */
  public record Deposit(Content content, ActorRef<StatusReply<Deposited>> replyTo)
      implements Command {}

  /** The sender's own copy of a message it sent. */
  public record RecordSent(Content content, ActorRef<StatusReply<Done>> replyTo)
      implements Command {}

  /**
   * Registers {@code device} for live delivery (again, harmlessly) and asks for at most {@code
   * limit} mailbox messages after {@code afterSeq}; answered with a {@link Batch} to the device.
   */
  public record Sync(ActorRef<DeviceEvent> device, long afterSeq, int limit) implements Command {}

  public record Acknowledge(String messageId) implements Command {}

  public record DeviceGone(ActorRef<DeviceEvent> device) implements Command {}

  /**
   * Newest first; {@code before} is a {@code next} cursor, an ISO-8601 time or a message id of the
   * history.
   */
  public record History(
      Optional<String> peer,
      Optional<String> before,
      int limit,
      ActorRef<StatusReply<HistoryPage>> replyTo)
      implements Command {}

  public record Delete(String messageId, ActorRef<StatusReply<Done>> replyTo) implements Command {}

  /** Sent by the entity's own timer at the earliest validity end in the mailbox. */
  public enum ExpireDue implements Command {
    INSTANCE
  }

  public enum IdleCheck implements Command {
    INSTANCE
  }

  public enum Stop implements Command {
    INSTANCE
  }

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record UserProvisioned(Optional<String> displayName) implements Event {}

  public record MessageDeposited(long seq, Content content, boolean delivered) implements Event {}

  public record MessageRecorded(long seq, Content content) implements Event {}

  public record MessagesDelivered(List<String> messageIds) implements Event {}

  public record MessageAcknowledged(String messageId) implements Event {}

  public record MessagesExpired(List<String> messageIds) implements Event {}

  public record MessageDeleted(String messageId) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unprovisioned.class, name = "unprovisioned"),
    @JsonSubTypes.Type(value = User.class, name = "user")
  })
  public sealed interface State extends CborSerializable {}

  public record Unprovisioned() implements State {}

  /**
   * A provisioned user. {@code history} is in sequence order; {@code mailbox} maps the sequence
   * number of every message not yet acknowledged or expired to its id; {@code deleted} remembers
   * recently deleted ids so that a delete or a late re-delivery of them changes nothing; {@code
   * index} is derived from history and mailbox (see {@link MailboxIndex}) and not serialized. The
   * collections are changed by the event handler only, the mailbox through {@link #store} and
   * {@link #unstore} so that its index follows.
   */
  public record User(
      Optional<String> displayName,
      long lastSeq,
      LinkedHashMap<String, Entry> history,
      TreeMap<Long, String> mailbox,
      LinkedHashSet<String> deleted,
      @JsonIgnore MailboxIndex index)
      implements State {

    /** A user read from a snapshot: its mailbox index is rebuilt. */
    @JsonCreator
    User(
        @JsonProperty("displayName") Optional<String> displayName,
        @JsonProperty("lastSeq") long lastSeq,
        @JsonProperty("history") LinkedHashMap<String, Entry> history,
        @JsonProperty("mailbox") TreeMap<Long, String> mailbox,
        @JsonProperty("deleted") LinkedHashSet<String> deleted) {
      this(displayName, lastSeq, history, mailbox, deleted, MailboxIndex.of(history, mailbox));
    }

    static User provisioned(Optional<String> displayName) {
      return new User(
          displayName, 0, new LinkedHashMap<>(), new TreeMap<>(), new LinkedHashSet<>());
    }

    User with(Optional<String> displayName, long lastSeq) {
      return new User(displayName, lastSeq, history, mailbox, deleted, index);
    }

    boolean knows(String messageId) {
      return history.containsKey(messageId) || deleted.contains(messageId);
    }

    long mailboxChars() {
      return index.chars();
    }

    /** Puts a message in the history, or its new status in place of the old. */
    void record(Entry entry) {
      index.historyChanged(history.put(entry.messageId(), entry), entry);
    }

    /**
     * Keeps the history within its limits: drops the oldest messages not in the mailbox while it
     * holds more than {@code maxMessages} or more than {@code maxChars} characters of bodies
     * (without the second, a user sent a thousand large messages held a gigabyte of heap while in
     * memory). Messages still in the mailbox are never dropped.
     */
    void forgetOldest(int maxMessages, long maxChars) {
      Iterator<Entry> oldest = history.values().iterator();
      while ((history.size() > maxMessages || index.historyChars() > maxChars)
          && oldest.hasNext()) {
        Entry entry = oldest.next();
        if (!mailbox.containsKey(entry.seq())) {
          oldest.remove();
          index.historyChanged(entry, null);
        }
      }
    }

    /** Takes a message out of the history (not out of the mailbox); null when it was not there. */
    Entry forget(String messageId) {
      Entry entry = history.remove(messageId);
      index.historyChanged(entry, null);
      return entry;
    }

    void store(Entry entry) {
      mailbox.put(entry.seq(), entry.messageId());
      index.add(entry);
    }

    /** Takes a message out of the mailbox; {@code entry} as it was stored. */
    void unstore(Entry entry) {
      if (mailbox.remove(entry.seq()) != null) index.remove(entry);
    }

    UserView view(String address) {
      return new UserView(address, displayName, mailbox.size(), history.size());
    }

    /** The state at this moment, sharing nothing the event handler goes on changing. */
    User deepCopy() {
      return new User(
          displayName,
          lastSeq,
          new LinkedHashMap<>(history),
          new TreeMap<>(mailbox),
          new LinkedHashSet<>(deleted),
          index.copy());
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, CpmSettings settings, Clock clock) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(settings, clock));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String address, CpmSettings settings, Clock clock) {
    return RememberedEntity.standalone(address, factory(settings, clock));
  }

  private static RememberedEntity.Factory<Command> factory(CpmSettings settings, Clock clock) {
    return (address, context, timers, passivate) ->
        new CpmUser(address, settings, clock, context, timers, passivate);
  }

  private final String address;
  private final CpmSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;

  /** Connected devices: live connections, deliberately not part of the persisted state. */
  private final Set<ActorRef<DeviceEvent>> devices = new HashSet<>();

  private CpmUser(
      String address,
      CpmSettings settings,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), address), EntityRestart.WITH_BACKOFF);
    this.address = address;
    this.settings = settings;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return new Unprovisioned();
  }

  /**
   * A snapshot holds the whole history (up to {@code history-limit} messages, a few hundred bytes
   * each) while an event holds one message: every 100 events the snapshots wrote ten times what the
   * events did. Every 1 000 they write about as much, and a recovery replays at most 1 000 small
   * events.
   */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(1000, 2);
  }

  /**
   * A copy, so that the snapshot store never reads collections the event handler still changes; an
   * own copy rather than a round trip through Jackson, which took 5 % of a node's CPU under CPM
   * load (the history's thousand messages).
   */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(CpmUser::snapshotCopy);
  }

  static State snapshotCopy(State state) {
    return state instanceof User user ? user.deepCopy() : state;
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .build();
  }

  private void onRecoveryCompleted(State state) {
    if (state instanceof User user) armExpiry(user);
    idle.arm();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every instance: see {@link EntityCommands}. */
  private static final EntityCommands<CpmUser, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return idle.counting(COMMANDS.of(this));
  }

  private static EntityCommands<CpmUser, Command, Event, State> commands() {
    EntityCommands.Builder<CpmUser, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forState(Unprovisioned.class)
        .on(Provision.class, CpmUser::onProvision)
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(
            Lookup.class,
            (e, s, c) ->
                e.Effect().reply(c.replyTo(), StatusReply.success(new UserInfo(false, false))))
        .on(Deposit.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(RecordSent.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(History.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(Delete.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(
            Sync.class,
            (e, s, c) -> e.Effect().reply(c.device(), new Closed(e.address + " is not a CPM user")))
        .on(Acknowledge.class, (e, s, c) -> e.Effect().noReply())
        .on(DeviceGone.class, (e, s, c) -> e.Effect().noReply())
        .on(ExpireDue.class, (e, s, c) -> e.Effect().noReply());
    builder
        .forState(User.class)
        .on(Provision.class, CpmUser::onProvision)
        .on(
            Get.class,
            (e, s, c) -> e.Effect().reply(c.replyTo(), StatusReply.success(s.view(e.address))))
        .on(Lookup.class, CpmUser::onLookup)
        .on(Deposit.class, CpmUser::onDeposit)
        .on(RecordSent.class, CpmUser::onRecordSent)
        .on(Sync.class, CpmUser::onSync)
        .on(Acknowledge.class, CpmUser::onAcknowledge)
        .on(DeviceGone.class, CpmUser::onDeviceGone)
        .on(History.class, CpmUser::onHistory)
        .on(Delete.class, CpmUser::onDelete)
        .on(ExpireDue.class, CpmUser::onExpireDue);
    builder
        .forAnyState()
        .on(IdleCheck.class, CpmUser::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private <T> StatusReply<T> unknown() {
    return StatusReply.error(
        new Refusal(ErrorCode.UNKNOWN_USER, address + " is not a provisioned CPM user"));
  }

  private ReplyEffect<Event, State> onProvision(State state, Provision cmd) {
    if (state instanceof User user && user.displayName().equals(cmd.displayName())) {
      return Effect()
          .reply(cmd.replyTo(), StatusReply.success(new Provisioned(user.view(address), false)));
    }
    boolean created = state instanceof Unprovisioned;
    return Effect()
        .persist(new UserProvisioned(cmd.displayName()))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Provisioned(((User) s).view(address), created)));
  }

  private ReplyEffect<Event, State> onLookup(User state, Lookup cmd) {
    boolean accepting =
        state.mailbox().size() < settings.mailboxLimit()
            && state.mailboxChars() < settings.mailboxMaxBytes()
            && state.mailboxChars() + cmd.incomingChars() <= settings.mailboxMaxBytes();
    return Effect().reply(cmd.replyTo(), StatusReply.success(new UserInfo(true, accepting)));
  }

  private ReplyEffect<Event, State> onDeposit(User state, Deposit cmd) {
    String id = cmd.content().messageId();
    if (state.knows(id)) {
      Entry existing = state.history().get(id);
      Status status =
          existing != null
                  && (existing.status() == Status.DELIVERED
                      || existing.status() == Status.ACKNOWLEDGED)
              ? Status.DELIVERED
              : Status.STORED;
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Deposited(status)));
    }
    boolean delivered = !devices.isEmpty();
    return Effect()
        .persist(new MessageDeposited(state.lastSeq() + 1, cmd.content(), delivered))
        .thenRun(
            (User s) -> {
              Entry entry = s.history().get(id);
              if (entry != null) devices.forEach(d -> d.tell(new Deliver(entry)));
              armExpiry(s);
            })
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Deposited(delivered ? Status.DELIVERED : Status.STORED)));
  }

  private ReplyEffect<Event, State> onRecordSent(User state, RecordSent cmd) {
    if (state.knows(cmd.content().messageId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(Done.getInstance()));
    }
    return Effect()
        .persist(new MessageRecorded(state.lastSeq() + 1, cmd.content()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.getInstance()));
  }

  private ReplyEffect<Event, State> onSync(User state, Sync cmd) {
    if (devices.add(cmd.device())) context.watchWith(cmd.device(), new DeviceGone(cmd.device()));
    List<String> ids = new ArrayList<>();
    boolean hasMore = false;
    PageBudget budget = new PageBudget(cmd.limit());
    for (String id : state.mailbox().tailMap(cmd.afterSeq(), false).values()) {
      if (!budget.take(state.history().get(id).pageChars())) {
        hasMore = true;
        break;
      }
      ids.add(id);
    }
    boolean more = hasMore;
    List<String> firstDelivery =
        ids.stream().filter(id -> state.history().get(id).status() == Status.STORED).toList();
    if (firstDelivery.isEmpty()) {
      return Effect().reply(cmd.device(), new Batch(entries(state, ids), more));
    }
    return Effect()
        .persist(new MessagesDelivered(firstDelivery))
        .thenReply(cmd.device(), s -> new Batch(entries((User) s, ids), more));
  }

  private static List<Entry> entries(User state, List<String> ids) {
    return ids.stream().map(state.history()::get).toList();
  }

  private ReplyEffect<Event, State> onAcknowledge(User state, Acknowledge cmd) {
    Entry entry = state.history().get(cmd.messageId());
    if (entry == null
        || entry.direction() != Direction.IN
        || !(entry.status() == Status.STORED || entry.status() == Status.DELIVERED)) {
      return Effect().noReply();
    }
    return Effect().persist(new MessageAcknowledged(cmd.messageId())).thenNoReply();
  }

  private ReplyEffect<Event, State> onDeviceGone(User state, DeviceGone cmd) {
    devices.remove(cmd.device());
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onHistory(User state, History cmd) {
    long seqBound = Long.MAX_VALUE;
    Instant timeBound = Instant.MAX;
    if (cmd.before().isPresent()) {
      String before = cmd.before().get();
      if (SEQ_CURSOR.matcher(before).matches()) {
        seqBound = Long.parseLong(before);
      } else if (state.history().containsKey(before)) {
        seqBound = state.history().get(before).seq();
      } else {
        try {
          timeBound = Instant.parse(before);
        } catch (DateTimeParseException e) {
          return Effect()
              .reply(
                  cmd.replyTo(),
                  StatusReply.error(
                      new Refusal(
                          ErrorCode.INVALID_ARGUMENT,
                          "before must be a next cursor, an ISO-8601 time or a message id of"
                              + " the history")));
        }
      }
    }
    List<Entry> all = new ArrayList<>(state.history().values());
    List<Entry> page = new ArrayList<>();
    boolean more = false;
    PageBudget budget = new PageBudget(cmd.limit());
    for (int i = all.size() - 1; i >= 0; i--) {
      Entry e = all.get(i);
      if (e.seq() >= seqBound || !e.content().sentAt().isBefore(timeBound)) continue;
      if (cmd.peer().isPresent() && !involves(e, cmd.peer().get())) continue;
      if (!budget.take(e.pageChars())) {
        more = true;
        break;
      }
      page.add(e);
    }
    Optional<String> next =
        more ? Optional.of(Long.toString(page.get(page.size() - 1).seq())) : Optional.empty();
    return Effect()
        .reply(cmd.replyTo(), StatusReply.success(new HistoryPage(List.copyOf(page), next)));
  }

  private static boolean involves(Entry e, String peer) {
    return e.direction() == Direction.IN
        ? e.content().from().equals(peer)
        : e.content().to().contains(peer);
  }

  private ReplyEffect<Event, State> onDelete(User state, Delete cmd) {
    if (state.deleted().contains(cmd.messageId())) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(Done.getInstance()));
    }
    if (!state.history().containsKey(cmd.messageId())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.error(
                  new Refusal(
                      ErrorCode.NOT_FOUND,
                      "message " + cmd.messageId() + " is not in the history of " + address)));
    }
    return Effect()
        .persist(new MessageDeleted(cmd.messageId()))
        .thenRun((User s) -> armExpiry(s))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(Done.getInstance()));
  }

  private ReplyEffect<Event, State> onExpireDue(User state, ExpireDue cmd) {
    List<String> due = new ArrayList<>();
    for (long seq : state.index().dueAt(clock.instant())) due.add(state.mailbox().get(seq));
    if (due.isEmpty()) {
      armExpiry(state);
      return Effect().noReply();
    }
    context.getLog().debug("{} messages of {} expired", due.size(), address);
    return Effect()
        .persist(new MessagesExpired(due))
        .thenRun((User s) -> armExpiry(s))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck cmd) {
    boolean busy = state instanceof User user && !user.mailbox().isEmpty() || !devices.isEmpty();
    idle.onCheck(busy);
    return Effect().noReply();
  }

  /** One timer for the earliest validity end in the mailbox. */
  private void armExpiry(User state) {
    Optional<Instant> earliest = state.index().earliestExpiry();
    if (earliest.isEmpty()) {
      timers.cancel(ExpireDue.INSTANCE);
      return;
    }
    Duration delay = Duration.between(clock.instant(), earliest.get());
    if (delay.isNegative()) delay = Duration.ZERO;
    timers.startSingleTimer(ExpireDue.INSTANCE, ExpireDue.INSTANCE, delay);
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(Unprovisioned.class)
        .onEvent(UserProvisioned.class, (s, e) -> User.provisioned(e.displayName()));
    builder
        .forStateType(User.class)
        .onEvent(UserProvisioned.class, (s, e) -> s.with(e.displayName(), s.lastSeq()))
        .onEvent(MessageDeposited.class, this::deposited)
        .onEvent(MessageRecorded.class, this::recorded)
        .onEvent(MessagesDelivered.class, CpmUser::delivered)
        .onEvent(MessageAcknowledged.class, CpmUser::acknowledged)
        .onEvent(MessagesExpired.class, CpmUser::expired)
        .onEvent(MessageDeleted.class, this::deleted);
    return builder.build();
  }

  private User deposited(User s, MessageDeposited e) {
    Status status = e.delivered() ? Status.DELIVERED : Status.STORED;
    Entry entry = new Entry(e.seq(), e.content(), Direction.IN, status);
    s.record(entry);
    s.store(entry);
    s.forgetOldest(settings.historyLimit(), settings.historyMaxBytes());
    return s.with(s.displayName(), e.seq());
  }

  private User recorded(User s, MessageRecorded e) {
    s.record(new Entry(e.seq(), e.content(), Direction.OUT, Status.SENT));
    s.forgetOldest(settings.historyLimit(), settings.historyMaxBytes());
    return s.with(s.displayName(), e.seq());
  }

  private static User delivered(User s, MessagesDelivered e) {
    for (String id : e.messageIds()) {
      Entry entry = s.history().get(id);
      if (entry != null && entry.status() == Status.STORED) {
        s.record(entry.withStatus(Status.DELIVERED));
      }
    }
    return s;
  }

  private static User acknowledged(User s, MessageAcknowledged e) {
    Entry entry = s.history().get(e.messageId());
    if (entry != null) {
      s.record(entry.withStatus(Status.ACKNOWLEDGED));
      s.unstore(entry);
    }
    return s;
  }

  /** Never-delivered messages become EXPIRED; delivered ones keep their status. */
  private static User expired(User s, MessagesExpired e) {
    for (String id : e.messageIds()) {
      Entry entry = s.history().get(id);
      if (entry == null) continue;
      s.unstore(entry);
      if (entry.status() == Status.STORED) s.record(entry.withStatus(Status.EXPIRED));
    }
    return s;
  }

  private User deleted(User s, MessageDeleted e) {
    Entry entry = s.forget(e.messageId());
    if (entry != null) s.unstore(entry);
    s.deleted().add(e.messageId());
    Iterator<String> oldest = s.deleted().iterator();
    while (s.deleted().size() > settings.rememberedIds() && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
    return s;
  }
}
