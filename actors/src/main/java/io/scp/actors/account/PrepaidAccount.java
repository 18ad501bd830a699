package io.scp.actors.account;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.Cdr;
import io.scp.actors.common.CdrEvent;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.OpenAcrossChecks;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.common.SnapshotCopies;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
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
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A prepaid account and its four interfaces: authenticate, reserve, deduct, refund.
 *
 * <p>Money rules kept here: {@code initialBalance + toppedUp = balance + deducted}, {@code 0 <=
 * reserved <= balance}. Every mutating command carries its own id and a replay answers from state.
 * An unsettled reservation is released at its expiry by a timer that is re-armed after recovery (a
 * call's reservation found past its expiry then is held a little longer for its call to settle);
 * the entity is remembered by sharding, so it is started again after a crash, a rebalance or a
 * restart, and it only passivates itself when it got no command for the idle timeout and no
 * reservation is open.
 *
 * <p>While reservations stay open the account periodically tells their owners (see {@link
 * ReservationOwners}) that it still holds money for them. Owners that are not remembered
 * themselves, such as prepaid calls, are started again this way after their node died.
 */
public final class PrepaidAccount
    extends EventSourcedBehaviorWithEnforcedReplies<
        PrepaidAccount.Command, PrepaidAccount.Event, PrepaidAccount.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "PrepaidAccount");

  /**
   * The most money an account may hold: the API's limit for any amount, which an account may be
   * opened with. Top-ups stop there, so no sum of them ever leaves the range of a long.
   */
  public static final long MAX_BALANCE = 1_000_000_000_000_000L;

  /** Settings the entity reads once from {@code scp.prepaid} and {@code scp.sharding}. */
  public record Settings(
      Duration defaultTtl,
      Duration maxTtl,
      int rememberedIds,
      int maxOpenReservations,
      Duration idleTimeout,
      Duration ownerCheckInterval,
      Duration ownedExpiryHold) {
    public static Settings fromConfig(com.typesafe.config.Config config) {
      return new Settings(
          config.getDuration("scp.prepaid.reservation-ttl"),
          config.getDuration("scp.prepaid.max-reservation-ttl"),
          config.getInt("scp.prepaid.remembered-ids"),
          config.getInt("scp.prepaid.max-open-reservations"),
          config.getDuration("scp.sharding.idle-timeout"),
          config.getDuration("scp.prepaid.owner-check-interval"),
          config.getDuration("scp.prepaid.owned-expiry-hold"));
    }
  }

  /**
   * Who holds reservations, told about each reservation that stays open across two owner checks.
   * The owner decides what an open reservation means to it (a live call ignores it, a call that
   * never got connected refunds it).
   */
  public interface ReservationOwners {
    ReservationOwners NONE = of(reservationId -> false, (accountId, reservationId) -> {});

    /** Whether the reservation has an owner to tell (a call's reservation id names its call). */
    boolean owns(String reservationId);

    void stillOpen(String accountId, String reservationId);

    static ReservationOwners of(Predicate<String> owns, BiConsumer<String, String> stillOpen) {
      return new ReservationOwners() {
        @Override
        public boolean owns(String reservationId) {
          return owns.test(reservationId);
        }

        @Override
        public void stillOpen(String accountId, String reservationId) {
          stillOpen.accept(accountId, reservationId);
        }
      };
    }
  }

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  /** The terms an account is opened with; opening again with the same terms is a no-op. */
  public record Terms(long balance, LocalDate validUntil, long minThreshold, String currency)
      implements CborSerializable {}

  public record Open(Terms terms, ActorRef<StatusReply<Opened>> replyTo) implements Command {}

  /** Any of the four settings; empty means unchanged. */
  public record Amend(
      Optional<LocalDate> validUntil,
      Optional<Long> minThreshold,
      Optional<Boolean> lost,
      Optional<Boolean> blocked,
      ActorRef<StatusReply<AccountView>> replyTo)
      implements Command {}

  public record TopUp(String topupId, long amount, ActorRef<StatusReply<AccountView>> replyTo)
      implements Command {}

  public record Authenticate(long amount, ActorRef<StatusReply<AuthResult>> replyTo)
      implements Command {}

  /**
   * Freezes the largest of {@code acceptableAmounts} (in descending order) that the available money
   * covers, atomically; a caller that can use less money for less service (a call's quota slice)
   * offers several amounts, a plain reservation offers one. {@code ttl} empty means the configured
   * default; it is capped by the configured maximum. A replay answers the existing reservation if
   * its amount is one of those offered.
   */
  public record Reserve(
      String reservationId,
      List<Long> acceptableAmounts,
      Optional<Duration> ttl,
      ActorRef<StatusReply<ReservationView>> replyTo)
      implements Command {

    public Reserve(
        String reservationId,
        long amount,
        Optional<Duration> ttl,
        ActorRef<StatusReply<ReservationView>> replyTo) {
      this(reservationId, List.of(amount), ttl, replyTo);
    }
  }

  public record Deduct(
      String reservationId,
      String deductionId,
      long amount,
      ActorRef<StatusReply<ReservationView>> replyTo)
      implements Command {}

  public record Refund(String reservationId, ActorRef<StatusReply<RefundResult>> replyTo)
      implements Command {}

  /** A call's share of one reservation at its end: charge {@code amount}, refund the rest. */
  public record SliceCharge(String reservationId, String deductionId, long amount)
      implements CborSerializable {}

  /**
   * Settles every reservation of a call (or the one of a CPM message's fee) in one step and writes
   * its charging record with it: each slice is charged its amount (at most what is left on it; a
   * closed or unknown reservation gives nothing) and closed, and the CDR carries what was actually
   * charged. {@code cdr} comes as the call sees it, {@code charge} being the charge of the talk
   * time; the account sets its charge to what it deducted and its shortfall to the rest. Money and
   * record are one event, so no crash leaves a deduction without its CDR. A replay (a slice already
   * carries its deduction id) answers what was charged then and writes nothing.
   */
  public record SettleCall(
      List<SliceCharge> slices, Cdr cdr, ActorRef<StatusReply<CallSettlement>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<AccountView>> replyTo) implements Command {}

  /** Sent by the entity's own timer when a reservation reaches its expiry. */
  public record ExpireReservation(String reservationId) implements Command {}

  /**
   * Sent by the entity's own idle timer; passivates when no command came for the idle timeout and
   * no reservation is open.
   */
  public enum IdleCheck implements Command {
    INSTANCE
  }

  /** Sent by the entity's own timer while reservations are open: their owners are told. */
  public enum CheckOwners implements Command {
    INSTANCE
  }

  /** Sent by sharding on passivation and hand-off, after commands already in the mailbox. */
  public enum Stop implements Command {
    INSTANCE
  }

  public record Opened(AccountView account, boolean created) implements CborSerializable {}

  public record AuthResult(boolean ok, Optional<ErrorCode> reason) implements CborSerializable {}

  public enum ReservationState {
    OPEN,
    REFUNDED,
    EXPIRED
  }

  public record ReservationView(
      String reservationId,
      long amount,
      long deducted,
      long remaining,
      Instant expiresAt,
      ReservationState state)
      implements CborSerializable {}

  public record RefundResult(String reservationId, long refunded) implements CborSerializable {}

  /** What a call's settlement deducted, over all its slices. */
  public record CallSettlement(long charged) implements CborSerializable {}

  public record AccountView(
      String accountId,
      String currency,
      long balance,
      long reserved,
      long available,
      long deducted,
      long toppedUp,
      long initialBalance,
      LocalDate validUntil,
      long minThreshold,
      boolean lost,
      boolean blocked,
      List<ReservationView> reservations)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record AccountOpened(Terms terms) implements Event {}

  public record AccountAmended(
      LocalDate validUntil, long minThreshold, boolean lost, boolean blocked) implements Event {}

  public record ToppedUp(String topupId, long amount) implements Event {}

  public record FundsReserved(String reservationId, long amount, Instant expiresAt)
      implements Event {}

  public record FundsDeducted(String reservationId, String deductionId, long amount)
      implements Event {}

  /**
   * A deduction from a client's own reservation (one named through the accounts API, not one of
   * {@link ReservationIds}): money taken for a service the client rated itself, so it carries its
   * own charging record — every deduction is on a CDR, as the SCP's own services' are.
   */
  public record ClientDeducted(FundsDeducted deduction, Cdr cdr) implements Event, CdrEvent {
    @Override
    public Cdr chargingRecord() {
      return cdr;
    }
  }

  public record ReservationRefunded(String reservationId, long refunded) implements Event {}

  public record ReservationExpired(String reservationId, long released) implements Event {}

  /** One reservation closed by a call's settlement: {@code deducted} charged, the rest refunded. */
  public record SliceSettled(String reservationId, String deductionId, long deducted, long refunded)
      implements CborSerializable {}

  /** A call's reservations settled together; carries the call's CDR. */
  public record CallSettled(List<SliceSettled> slices, Cdr cdr) implements Event, CdrEvent {
    @Override
    public Cdr chargingRecord() {
      return cdr;
    }
  }

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unopened.class, name = "unopened"),
    @JsonSubTypes.Type(value = Account.class, name = "account")
  })
  public sealed interface State extends CborSerializable {
    /** A copy that shares no mutable collection with this state: what a snapshot is taken of. */
    State deepCopy();
  }

  /** No account yet; knows its id for the account that opens it. */
  public record Unopened(String accountId) implements State {
    @Override
    public State deepCopy() {
      return this;
    }
  }

  /**
   * One reservation; {@code deductions} maps deduction id to amount, for replays. The event handler
   * adds to it in place (a reservation with tens of thousands of small deductions made each one
   * copy the map, quadratic in their number), once it has a map of its own: a new reservation
   * shares the empty one. A snapshot gets a copy ({@link #deepCopy}).
   */
  public record Reservation(
      String reservationId,
      long amount,
      long deducted,
      Instant expiresAt,
      ReservationState state,
      long released,
      Map<String, Long> deductions)
      implements CborSerializable {

    long remaining() {
      return state == ReservationState.OPEN ? amount - deducted : 0;
    }

    Reservation deepCopy() {
      return new Reservation(
          reservationId,
          amount,
          deducted,
          expiresAt,
          state,
          released,
          deductions.isEmpty() ? Map.of() : new LinkedHashMap<>(deductions));
    }

    ReservationView view() {
      return new ReservationView(reservationId, amount, deducted, remaining(), expiresAt, state);
    }
  }

  /**
   * An open account. The collections are mutated by the event handler only (deterministically);
   * scalar changes produce a new record that shares them.
   */
  public record Account(
      String accountId,
      Terms terms,
      long balance,
      long reserved,
      long deducted,
      long toppedUp,
      LocalDate validUntil,
      long minThreshold,
      boolean lost,
      boolean blocked,
      LinkedHashMap<String, Reservation> reservations,
      LinkedHashMap<String, Long> topups,
      ForgottenIds forgotten)
      implements State {

    public Account {
      // Snapshots taken before forgotten ids were kept have none.
      if (forgotten == null) forgotten = ForgottenIds.none();
    }

    long available() {
      return balance - reserved;
    }

    Account withMoney(long balance, long reserved, long deducted, long toppedUp) {
      return new Account(
          accountId,
          terms,
          balance,
          reserved,
          deducted,
          toppedUp,
          validUntil,
          minThreshold,
          lost,
          blocked,
          reservations,
          topups,
          forgotten);
    }

    @Override
    public Account deepCopy() {
      LinkedHashMap<String, Reservation> reservationsCopy = new LinkedHashMap<>();
      reservations.forEach((id, r) -> reservationsCopy.put(id, r.deepCopy()));
      return new Account(
          accountId,
          terms,
          balance,
          reserved,
          deducted,
          toppedUp,
          validUntil,
          minThreshold,
          lost,
          blocked,
          reservationsCopy,
          new LinkedHashMap<>(topups),
          forgotten.copy());
    }

    /**
     * Whether {@code limit} reservations are open. Every answer about the account lists them, and
     * an answer crosses nodes as one message: the limit keeps it within the frame. The map holds at
     * most the window's closed reservations beside the open ones, so only an account near the limit
     * counts them.
     */
    boolean atOpenReservationLimit(int limit) {
      return reservations.size() >= limit
          && reservations.values().stream().filter(r -> r.state() == ReservationState.OPEN).count()
              >= limit;
    }

    boolean hasOpenReservations() {
      return reservations.values().stream().anyMatch(r -> r.state() == ReservationState.OPEN);
    }

    AccountView view() {
      List<ReservationView> open = new ArrayList<>();
      for (Reservation r : reservations.values()) {
        if (r.state() == ReservationState.OPEN) open.add(r.view());
      }
      return new AccountView(
          accountId,
          terms.currency(),
          balance,
          reserved,
          available(),
          deducted,
          toppedUp,
          terms.balance(),
          validUntil,
          minThreshold,
          lost,
          blocked,
          open);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(
      ActorSystem<?> system, Settings settings, Clock clock, ReservationOwners owners) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(settings, clock, owners));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(
      String accountId, Settings settings, Clock clock, ReservationOwners owners) {
    return RememberedEntity.standalone(accountId, factory(settings, clock, owners));
  }

  public static Behavior<Command> create(String accountId, Settings settings, Clock clock) {
    return create(accountId, settings, clock, ReservationOwners.NONE);
  }

  /** For tests without sharding: passivation requests run {@code passivate}. */
  public static Behavior<Command> create(
      String accountId, Settings settings, Clock clock, Runnable passivate) {
    return RememberedEntity.standalone(
        accountId, factory(settings, clock, ReservationOwners.NONE), passivate);
  }

  private static RememberedEntity.Factory<Command> factory(
      Settings settings, Clock clock, ReservationOwners owners) {
    EventHandler<State, Event> events = events(settings.rememberedIds());
    return (id, context, timers, passivate) ->
        new PrepaidAccount(id, settings, clock, owners, events, context, timers, passivate);
  }

  private final String accountId;
  private final Settings settings;
  private final Clock clock;
  private final ReservationOwners owners;
  private final EventHandler<State, Event> events;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;

  private final OpenAcrossChecks ownerChecks = new OpenAcrossChecks();

  /**
   * After a recovery an owned reservation expires no earlier than this. The account may come back
   * after an outage longer than a call's reservation: had it released the money at once, the call,
   * asleep since its node went down and no longer told by an open reservation, would never be
   * closed nor charged. Its owner is told at once instead and gets this long to settle.
   */
  private Instant ownedExpiryHeldUntil = Instant.MIN;

  private PrepaidAccount(
      String accountId,
      Settings settings,
      Clock clock,
      ReservationOwners owners,
      EventHandler<State, Event> events,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), accountId), EntityRestart.WITH_BACKOFF);
    this.accountId = accountId;
    this.settings = settings;
    this.clock = clock;
    this.owners = owners;
    this.events = events;
    this.context = context;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return new Unopened(accountId);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  /** A copy, so that the snapshot store never reads collections the event handler still changes. */
  @Override
  public SnapshotAdapter<State> snapshotAdapter() {
    return new SnapshotCopies<>(State::deepCopy);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return event instanceof CdrEvent ? Set.of(CdrEvent.TAG) : Set.of();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .build();
  }

  private void onRecoveryCompleted(State state) {
    if (state instanceof Account account) {
      ownedExpiryHeldUntil = clock.instant().plus(settings.ownedExpiryHold());
      for (Reservation r : account.reservations().values()) {
        if (r.state() != ReservationState.OPEN) continue;
        if (heldForOwner(r)) owners.stillOpen(accountId, r.reservationId());
        armExpiry(r);
      }
      ownerChecks.recovered(openReservationIds(account));
      armOwnerCheck(account);
    }
    idle.arm();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every account: see {@link EntityCommands}. */
  private static final EntityCommands<PrepaidAccount, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return idle.counting(COMMANDS.of(this));
  }

  private static EntityCommands<PrepaidAccount, Command, Event, State> commands() {
    EntityCommands.Builder<PrepaidAccount, Command, Event, State> builder =
        EntityCommands.builder();
    builder
        .forState(Unopened.class)
        .on(Open.class, PrepaidAccount::onOpen)
        .on(IdleCheck.class, PrepaidAccount::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply())
        .on(ExpireReservation.class, (e, s, c) -> e.Effect().noReply())
        .on(CheckOwners.class, (e, s, c) -> e.Effect().noReply())
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(Amend.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(TopUp.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(Authenticate.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(Reserve.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(Deduct.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(Refund.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()))
        .on(SettleCall.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.notFound()));
    builder
        .forState(Account.class)
        .on(Open.class, PrepaidAccount::onOpenAgain)
        .on(Amend.class, PrepaidAccount::onAmend)
        .on(TopUp.class, PrepaidAccount::onTopUp)
        .on(Authenticate.class, PrepaidAccount::onAuthenticate)
        .on(Reserve.class, PrepaidAccount::onReserve)
        .on(Deduct.class, PrepaidAccount::onDeduct)
        .on(Refund.class, PrepaidAccount::onRefund)
        .on(SettleCall.class, PrepaidAccount::onSettleCall)
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), StatusReply.success(s.view())))
        .on(ExpireReservation.class, PrepaidAccount::onExpireReservation)
        .on(CheckOwners.class, PrepaidAccount::onCheckOwners)
        .on(IdleCheck.class, PrepaidAccount::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private <T> StatusReply<T> notFound() {
    return StatusReply.error(
        new Refusal(ErrorCode.ACCOUNT_NOT_FOUND, "account " + accountId + " does not exist"));
  }

  private static <T> StatusReply<T> refuse(ErrorCode code, String detail) {
    return StatusReply.error(new Refusal(code, detail));
  }

  /** A client's reservation closed so long ago that only its id's fingerprint is kept. */
  private static boolean forgottenReservation(Account state, String reservationId) {
    return state.forgotten().contains(ForgottenIds.Kind.RESERVATION, reservationId)
        && !ReservationIds.isScpOwned(reservationId);
  }

  /**
   * Whether a deduction of {@code r} was let go for its fingerprint. Only a reservation that
   * reached its window of deductions let any go (it keeps the window after a trim): a new deduction
   * of any other, the usual case, needs no fingerprint computed.
   */
  private boolean forgottenDeduction(Account state, Reservation r, String deductionId) {
    return r.deductions().size() >= settings.rememberedIds()
        && state
            .forgotten()
            .contains(
                ForgottenIds.Kind.DEDUCTION,
                ForgottenIds.deduction(r.reservationId(), deductionId));
  }

  private static <T> StatusReply<T> closedLongAgo(String reservationId) {
    return refuse(
        ErrorCode.RESERVATION_CLOSED,
        "reservation "
            + reservationId
            + " was closed long ago; it is not made again, takes no deduction and has nothing left"
            + " to refund");
  }

  /** The answer to a deduction or refund on a reservation the account does not hold. */
  private static <T> StatusReply<T> notHeld(Account state, String reservationId) {
    return forgottenReservation(state, reservationId)
        ? closedLongAgo(reservationId)
        : refuse(ErrorCode.RESERVATION_NOT_FOUND, "reservation " + reservationId + " is not known");
  }

  private static <T> StatusReply<T> mustBePositive(long amount) {
    return refuse(ErrorCode.INVALID_ARGUMENT, "amount " + amount + " is not allowed here");
  }

  private ReplyEffect<Event, State> onOpen(Unopened state, Open cmd) {
    return Effect()
        .persist(new AccountOpened(cmd.terms()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new Opened(((Account) s).view(), true)));
  }

  private ReplyEffect<Event, State> onOpenAgain(Account state, Open cmd) {
    if (!state.terms().equals(cmd.terms())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.IDEMPOTENCY_CONFLICT,
                  "account " + accountId + " already exists with other terms"));
    }
    return Effect().reply(cmd.replyTo(), StatusReply.success(new Opened(state.view(), false)));
  }

  private ReplyEffect<Event, State> onAmend(Account state, Amend cmd) {
    var event =
        new AccountAmended(
            cmd.validUntil().orElse(state.validUntil()),
            cmd.minThreshold().orElse(state.minThreshold()),
            cmd.lost().orElse(state.lost()),
            cmd.blocked().orElse(state.blocked()));
    if (event.validUntil().equals(state.validUntil())
        && event.minThreshold() == state.minThreshold()
        && event.lost() == state.lost()
        && event.blocked() == state.blocked()) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view()));
    }
    return Effect()
        .persist(event)
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Account) s).view()));
  }

  private ReplyEffect<Event, State> onTopUp(Account state, TopUp cmd) {
    if (cmd.amount() <= 0) return Effect().reply(cmd.replyTo(), mustBePositive(cmd.amount()));
    Long applied = state.topups().get(cmd.topupId());
    if (applied == null && state.forgotten().contains(ForgottenIds.Kind.TOPUP, cmd.topupId())) {
      // Applied long ago (its amount is no longer kept): a replay, answered like one.
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view()));
    }
    if (applied != null) {
      return applied == cmd.amount()
          ? Effect().reply(cmd.replyTo(), StatusReply.success(state.view()))
          : Effect()
              .reply(
                  cmd.replyTo(),
                  refuse(
                      ErrorCode.IDEMPOTENCY_CONFLICT,
                      "top-up " + cmd.topupId() + " was applied with another amount"));
    }
    Optional<String> overLimit = topUpOverLimit(state, cmd.amount());
    if (overLimit.isPresent()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.BALANCE_LIMIT,
                  "top-up " + cmd.topupId() + " would take " + overLimit.get()));
    }
    return Effect()
        .persist(new ToppedUp(cmd.topupId(), cmd.amount()))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Account) s).view()));
  }

  /**
   * What a top-up of {@code amount} would take over its limit, if anything: the balance over the
   * money limit, or the money ever put on the account (initialBalance + toppedUp = balance +
   * deducted) over what a long holds, some 9 * 10^18 minor units, so no lifetime sum overflows.
   */
  private Optional<String> topUpOverLimit(Account state, long amount) {
    if (amount > MAX_BALANCE - state.balance()) {
      return Optional.of(
          "the balance over " + MAX_BALANCE + "; the account holds " + state.balance());
    }
    if (amount > Long.MAX_VALUE - state.terms().balance() - state.toppedUp()) {
      return Optional.of("the money ever put on account " + accountId + " over " + Long.MAX_VALUE);
    }
    return Optional.empty();
  }

  /** Why the account cannot be used right now, if it cannot. */
  private Optional<ErrorCode> unusableReason(Account state, long amount) {
    if (state.lost()) return Optional.of(ErrorCode.ACCOUNT_LOST);
    if (state.blocked()) return Optional.of(ErrorCode.ACCOUNT_BLOCKED);
    if (LocalDate.now(clock.withZone(ZoneOffset.UTC)).isAfter(state.validUntil())) {
      return Optional.of(ErrorCode.ACCOUNT_EXPIRED);
    }
    // The balance, reserved money included, as mission.md defines the threshold; the amount
    // itself must still be available.
    if (state.balance() < state.minThreshold()) return Optional.of(ErrorCode.BELOW_THRESHOLD);
    if (amount > state.available()) return Optional.of(ErrorCode.INSUFFICIENT_FUNDS);
    return Optional.empty();
  }

  private ReplyEffect<Event, State> onAuthenticate(Account state, Authenticate cmd) {
    Optional<ErrorCode> reason = unusableReason(state, cmd.amount());
    return Effect()
        .reply(cmd.replyTo(), StatusReply.success(new AuthResult(reason.isEmpty(), reason)));
  }

  private ReplyEffect<Event, State> onReserve(Account state, Reserve cmd) {
    List<Long> offered = cmd.acceptableAmounts();
    if (offered.isEmpty() || offered.stream().anyMatch(a -> a <= 0)) {
      return Effect()
          .reply(
              cmd.replyTo(),
              mustBePositive(offered.isEmpty() ? 0 : offered.get(offered.size() - 1)));
    }
    Reservation existing = state.reservations().get(cmd.reservationId());
    if (existing == null && forgottenReservation(state, cmd.reservationId())) {
      return Effect().reply(cmd.replyTo(), closedLongAgo(cmd.reservationId()));
    }
    if (existing != null) {
      return offered.contains(existing.amount())
          ? Effect().reply(cmd.replyTo(), StatusReply.success(existing.view()))
          : Effect()
              .reply(
                  cmd.replyTo(),
                  refuse(
                      ErrorCode.IDEMPOTENCY_CONFLICT,
                      "reservation " + cmd.reservationId() + " exists with another amount"));
    }
    long smallest = offered.stream().mapToLong(Long::longValue).min().orElseThrow();
    Optional<ErrorCode> reason = unusableReason(state, smallest);
    if (reason.isPresent()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(reason.get(), "account " + accountId + " refused the reservation"));
    }
    if (state.atOpenReservationLimit(settings.maxOpenReservations())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.TOO_MANY_RESERVATIONS,
                  "account "
                      + accountId
                      + " holds "
                      + settings.maxOpenReservations()
                      + " open reservations, the most allowed; settle or refund one first"));
    }
    long amount =
        offered.stream()
            .mapToLong(Long::longValue)
            .filter(a -> a <= state.available())
            .max()
            .orElseThrow();
    Duration ttl = cmd.ttl().orElse(settings.defaultTtl());
    // The cap is for clients' reservations. The SCP's services size theirs to what they must
    // outlive (a call: its longest possible duration); cut short, a call the SCP ends itself
    // would find its money released and charge nothing.
    boolean capped = !ReservationIds.isScpOwned(cmd.reservationId());
    if (capped && ttl.compareTo(settings.maxTtl()) > 0) ttl = settings.maxTtl();
    Instant expiresAt = clock.instant().plus(ttl);
    return Effect()
        .persist(new FundsReserved(cmd.reservationId(), amount, expiresAt))
        .thenRun(
            s -> {
              armExpiry(((Account) s).reservations().get(cmd.reservationId()));
              armOwnerCheck((Account) s);
            })
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(((Account) s).reservations().get(cmd.reservationId()).view()));
  }

  private ReplyEffect<Event, State> onDeduct(Account state, Deduct cmd) {
    if (cmd.amount() < 0) return Effect().reply(cmd.replyTo(), mustBePositive(cmd.amount()));
    Reservation r = state.reservations().get(cmd.reservationId());
    if (r == null) return Effect().reply(cmd.replyTo(), notHeld(state, cmd.reservationId()));
    Long applied = r.deductions().get(cmd.deductionId());
    if (applied == null && forgottenDeduction(state, r, cmd.deductionId())) {
      // Applied long ago (its amount is no longer kept): a replay, answered like one.
      return Effect().reply(cmd.replyTo(), StatusReply.success(r.view()));
    }
    if (applied != null) {
      return applied == cmd.amount()
          ? Effect().reply(cmd.replyTo(), StatusReply.success(r.view()))
          : Effect()
              .reply(
                  cmd.replyTo(),
                  refuse(
                      ErrorCode.IDEMPOTENCY_CONFLICT,
                      "deduction " + cmd.deductionId() + " was applied with another amount"));
    }
    if (r.state() != ReservationState.OPEN) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.RESERVATION_CLOSED,
                  "reservation " + cmd.reservationId() + " is " + r.state()));
    }
    if (cmd.amount() > r.remaining()) {
      return Effect()
          .reply(
              cmd.replyTo(),
              refuse(
                  ErrorCode.EXCEEDS_RESERVATION,
                  "deduction of "
                      + cmd.amount()
                      + " exceeds the "
                      + r.remaining()
                      + " left on reservation "
                      + cmd.reservationId()));
    }
    var deduction = new FundsDeducted(cmd.reservationId(), cmd.deductionId(), cmd.amount());
    Event event =
        ReservationIds.isScpOwned(cmd.reservationId())
            ? deduction // the SCP's service writes its own record, with what it charged for
            : new ClientDeducted(deduction, clientDeductionRecord(deduction));
    return Effect()
        .persist(event)
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(((Account) s).reservations().get(cmd.reservationId()).view()));
  }

  /**
   * The charging record of a client's deduction: the account is the charged party, the amount the
   * charge; the cdrId names the account, reservation and deduction, so a replay writes no second.
   */
  private Cdr clientDeductionRecord(FundsDeducted deduction) {
    Instant now = clock.instant();
    return new Cdr(
        "deduction:" + accountId + ":" + deduction.reservationId() + ":" + deduction.deductionId(),
        Cdr.Type.CALL,
        accountId,
        Optional.of(accountId),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        now,
        Optional.empty(),
        now,
        0,
        0,
        deduction.amount(),
        0);
  }

  private ReplyEffect<Event, State> onRefund(Account state, Refund cmd) {
    Reservation r = state.reservations().get(cmd.reservationId());
    if (r == null) return Effect().reply(cmd.replyTo(), notHeld(state, cmd.reservationId()));
    if (r.state() != ReservationState.OPEN) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.success(new RefundResult(r.reservationId(), r.released())));
    }
    return Effect()
        .persist(new ReservationRefunded(cmd.reservationId(), r.remaining()))
        .thenRun(s -> timers.cancel(cmd.reservationId()))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new RefundResult(cmd.reservationId(), r.remaining())));
  }

  private ReplyEffect<Event, State> onSettleCall(Account state, SettleCall cmd) {
    for (SliceCharge slice : cmd.slices()) {
      if (slice.amount() < 0) return Effect().reply(cmd.replyTo(), mustBePositive(slice.amount()));
    }
    boolean replay = false;
    long chargedBefore = 0;
    List<SliceSettled> slices = new ArrayList<>();
    for (SliceCharge slice : cmd.slices()) {
      Reservation r = state.reservations().get(slice.reservationId());
      if (r == null) continue;
      Long applied = r.deductions().get(slice.deductionId());
      if (applied != null) {
        replay = true;
        chargedBefore += applied;
      } else if (r.state() == ReservationState.OPEN) {
        long charge = Math.min(slice.amount(), r.remaining());
        slices.add(
            new SliceSettled(
                r.reservationId(), slice.deductionId(), charge, r.remaining() - charge));
      }
    }
    if (replay) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new CallSettlement(chargedBefore)));
    }
    long charged = slices.stream().mapToLong(SliceSettled::deducted).sum();
    Cdr asCharged = cmd.cdr().withCharge(charged, Math.max(0, cmd.cdr().charge() - charged));
    return Effect()
        .persist(new CallSettled(List.copyOf(slices), asCharged))
        .thenRun(s -> slices.forEach(slice -> timers.cancel(slice.reservationId())))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(new CallSettlement(charged)));
  }

  private ReplyEffect<Event, State> onExpireReservation(Account state, ExpireReservation cmd) {
    Reservation r = state.reservations().get(cmd.reservationId());
    if (r == null || r.state() != ReservationState.OPEN) return Effect().noReply();
    if (clock.instant().isBefore(expiryOf(r))) {
      armExpiry(r);
      return Effect().noReply();
    }
    context.getLog().debug("reservation {} of {} expired", r.reservationId(), accountId);
    return Effect().persist(new ReservationExpired(r.reservationId(), r.remaining())).thenNoReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck cmd) {
    idle.onCheck(state instanceof Account account && account.hasOpenReservations());
    return Effect().noReply();
  }

  /** When the reservation's timer releases it: at its expiry, an owned one not before the hold. */
  private Instant expiryOf(Reservation r) {
    return heldForOwner(r) ? ownedExpiryHeldUntil : r.expiresAt();
  }

  /** Owned and expiring within the hold after a recovery (the owner test only then). */
  private boolean heldForOwner(Reservation r) {
    return r.expiresAt().isBefore(ownedExpiryHeldUntil) && owners.owns(r.reservationId());
  }

  private void armExpiry(Reservation r) {
    Duration delay = Duration.between(clock.instant(), expiryOf(r));
    if (delay.isNegative()) delay = Duration.ZERO;
    timers.startSingleTimer(r.reservationId(), new ExpireReservation(r.reservationId()), delay);
  }

  private ReplyEffect<Event, State> onCheckOwners(Account state, CheckOwners check) {
    for (String reservationId : ownerChecks.check(openReservationIds(state))) {
      owners.stillOpen(accountId, reservationId);
    }
    armOwnerCheck(state);
    return Effect().noReply();
  }

  private static List<String> openReservationIds(Account account) {
    List<String> open = new ArrayList<>();
    for (Reservation r : account.reservations().values()) {
      if (r.state() == ReservationState.OPEN) open.add(r.reservationId());
    }
    return open;
  }

  /** Keeps one owner-check timer running while any reservation is open. */
  private void armOwnerCheck(Account account) {
    if (timers.isTimerActive(CheckOwners.INSTANCE) || !account.hasOpenReservations()) return;
    timers.startSingleTimer(
        CheckOwners.INSTANCE, CheckOwners.INSTANCE, settings.ownerCheckInterval());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    return events;
  }

  /**
   * Pure, and the same for every account of a node (it keeps {@code rememberedIds} of each kind):
   * built once by {@link #factory}, as Pekko keeps an entity's handler while it lives.
   */
  private static EventHandler<State, Event> events(int rememberedIds) {
    EventHandlerBuilder<State, Event> builder = EventHandlerBuilder.builder();
    builder.forStateType(Unopened.class).onEvent(AccountOpened.class, PrepaidAccount::opened);
    builder
        .forStateType(Account.class)
        .onEvent(
            AccountAmended.class,
            (s, e) ->
                new Account(
                    s.accountId(),
                    s.terms(),
                    s.balance(),
                    s.reserved(),
                    s.deducted(),
                    s.toppedUp(),
                    e.validUntil(),
                    e.minThreshold(),
                    e.lost(),
                    e.blocked(),
                    s.reservations(),
                    s.topups(),
                    s.forgotten()))
        .onEvent(ToppedUp.class, (s, e) -> toppedUp(s, e, rememberedIds))
        .onEvent(FundsReserved.class, PrepaidAccount::reserved)
        .onEvent(FundsDeducted.class, (s, e) -> deducted(s, e, rememberedIds))
        .onEvent(ClientDeducted.class, (s, e) -> deducted(s, e.deduction(), rememberedIds))
        .onEvent(
            ReservationRefunded.class,
            (s, e) ->
                closed(
                    s, e.reservationId(), ReservationState.REFUNDED, e.refunded(), rememberedIds))
        .onEvent(
            ReservationExpired.class,
            (s, e) ->
                closed(s, e.reservationId(), ReservationState.EXPIRED, e.released(), rememberedIds))
        .onEvent(CallSettled.class, (s, e) -> callSettled(s, e, rememberedIds));
    return builder.build();
  }

  private static Account opened(Unopened s, AccountOpened e) {
    Terms t = e.terms();
    return new Account(
        s.accountId(),
        t,
        t.balance(),
        0,
        0,
        0,
        t.validUntil(),
        t.minThreshold(),
        false,
        false,
        new LinkedHashMap<>(),
        new LinkedHashMap<>(),
        ForgottenIds.none());
  }

  private static Account toppedUp(Account s, ToppedUp e, int rememberedIds) {
    s.topups().put(e.topupId(), e.amount());
    s.forgotten().addAll(ForgottenIds.Kind.TOPUP, forgetOldest(s.topups(), rememberedIds));
    return s.withMoney(
        s.balance() + e.amount(), s.reserved(), s.deducted(), s.toppedUp() + e.amount());
  }

  private static Account reserved(Account s, FundsReserved e) {
    s.reservations()
        .put(
            e.reservationId(),
            new Reservation(
                e.reservationId(),
                e.amount(),
                0,
                e.expiresAt(),
                ReservationState.OPEN,
                0,
                Map.of()));
    return s.withMoney(s.balance(), s.reserved() + e.amount(), s.deducted(), s.toppedUp());
  }

  /**
   * A reservation keeps its newest {@code rememberedIds} deductions with their amounts, for
   * replays; older ones leave their fingerprint on the account (trimmed a tenth past the window, so
   * that the fingerprints merge once per hundred deductions, not at each). A long session deducting
   * every few seconds so costs its account 8 bytes a deduction, in memory and in every snapshot,
   * instead of its whole history.
   */
  private static Account deducted(Account s, FundsDeducted e, int rememberedIds) {
    Reservation r = s.reservations().get(e.reservationId());
    // Its own map from the first deduction on (a new reservation shares the immutable empty one).
    LinkedHashMap<String, Long> deductions =
        r.deductions() instanceof LinkedHashMap<String, Long> own
            ? own
            : new LinkedHashMap<>(r.deductions());
    deductions.put(e.deductionId(), e.amount());
    if (deductions.size() > rememberedIds + rememberedIds / 10) {
      List<String> forgotten = new ArrayList<>();
      for (String deductionId : forgetOldest(deductions, rememberedIds)) {
        forgotten.add(ForgottenIds.deduction(r.reservationId(), deductionId));
      }
      s.forgotten().addAll(ForgottenIds.Kind.DEDUCTION, forgotten);
    }
    s.reservations()
        .put(
            r.reservationId(),
            new Reservation(
                r.reservationId(),
                r.amount(),
                r.deducted() + e.amount(),
                r.expiresAt(),
                r.state(),
                r.released(),
                deductions));
    return s.withMoney(
        s.balance() - e.amount(),
        s.reserved() - e.amount(),
        s.deducted() + e.amount(),
        s.toppedUp());
  }

  private static Account closed(
      Account s, String reservationId, ReservationState how, long released, int rememberedIds) {
    Reservation r = s.reservations().get(reservationId);
    s.reservations()
        .put(
            reservationId,
            new Reservation(
                r.reservationId(),
                r.amount(),
                r.deducted(),
                r.expiresAt(),
                how,
                released,
                r.deductions()));
    forgetOldestClosed(s, rememberedIds);
    return s.withMoney(s.balance(), s.reserved() - released, s.deducted(), s.toppedUp());
  }

  private static Account callSettled(Account s, CallSettled e, int rememberedIds) {
    Account account = s;
    for (SliceSettled slice : e.slices()) {
      account =
          deducted(
              account,
              new FundsDeducted(slice.reservationId(), slice.deductionId(), slice.deducted()),
              rememberedIds);
      account =
          closed(
              account,
              slice.reservationId(),
              ReservationState.REFUNDED,
              slice.refunded(),
              rememberedIds);
    }
    return account;
  }

  /** Trims the oldest ids beyond {@code keep}; answers those it trimmed. */
  private static List<String> forgetOldest(LinkedHashMap<String, Long> ids, int keep) {
    if (ids.size() <= keep) return List.of();
    List<String> forgotten = new ArrayList<>();
    Iterator<String> it = ids.keySet().iterator();
    while (ids.size() > keep && it.hasNext()) {
      forgotten.add(it.next());
      it.remove();
    }
    return forgotten;
  }

  /**
   * Open reservations are never forgotten; closed ones beyond the window go oldest first. The map
   * may grow a tenth beyond the window before it is trimmed back to it: counting the closed ones
   * walks the whole map, and an account at its window would otherwise walk its thousand
   * reservations for every call it settles. So an account remembers at least the window's closed
   * reservations. A client's reservation leaves its fingerprint ({@link ForgottenIds}), so a very
   * late replay is still recognised; the SCP's own need none (their call, message or settlement
   * guards its ids).
   */
  private static void forgetOldestClosed(Account account, int keep) {
    LinkedHashMap<String, Reservation> reservations = account.reservations();
    if (reservations.size() <= keep + keep / 10) return;
    long closed =
        reservations.values().stream().filter(r -> r.state() != ReservationState.OPEN).count();
    List<String> clients = new ArrayList<>();
    Iterator<Map.Entry<String, Reservation>> it = reservations.entrySet().iterator();
    while (closed > keep && it.hasNext()) {
      Map.Entry<String, Reservation> entry = it.next();
      if (entry.getValue().state() != ReservationState.OPEN) {
        if (!ReservationIds.isScpOwned(entry.getKey())) clients.add(entry.getKey());
        it.remove();
        closed--;
      }
    }
    account.forgotten().addAll(ForgottenIds.Kind.RESERVATION, clients);
  }
}
