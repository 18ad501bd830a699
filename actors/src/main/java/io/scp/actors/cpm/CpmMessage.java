package io.scp.actors.cpm;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.account.ReservationIds;
import io.scp.actors.common.Asks;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.JournalOnlyRecovery;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import io.scp.actors.subscriber.Subscriber;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One standalone (or session) message, keyed by its messageId: the single place that decides it,
 * charges for it and delivers it, so that a replay of the id changes nothing.
 *
 * <p>Steps: look up every recipient (a CPM user gets it in its mailbox, another MSISDN by SMS, any
 * other address is refused) and the sender's subscriber; charge a prepaid sender {@code
 * scp.cpm.message-fee} per recipient through its account (reservation and deduction ids derived
 * from the messageId); persist the acceptance with its CDR; deliver to every recipient (each
 * delivery idempotent on the messageId); persist the outcome and answer. A prepaid refusal is final
 * and persisted with its CDR. A delivery that fails is retried with backoff until it succeeds; the
 * entity is remembered, so that also holds across a crash.
 */
public final class CpmMessage
    extends EventSourcedBehaviorWithEnforcedReplies<
        CpmMessage.Command, CpmMessage.Event, CpmMessage.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "CpmMessage");

  /** Refusals of the prepaid account (and of the subscriber) that are final for a messageId. */
  private static final Set<ErrorCode> FINAL_REFUSALS =
      EnumSet.of(
          ErrorCode.ACCOUNT_EXPIRED,
          ErrorCode.BELOW_THRESHOLD,
          ErrorCode.ACCOUNT_LOST,
          ErrorCode.ACCOUNT_BLOCKED,
          ErrorCode.INSUFFICIENT_FUNDS,
          ErrorCode.SUBSCRIBER_SUSPENDED);

  private static final Duration MAX_RETRY_DELAY = Duration.ofMinutes(1);

  // ---------------------------------------------------------------- values

  public enum Route {
    CPM,
    SMS
  }

  public enum DeliveryStatus {
    DELIVERED,
    STORED,
    SENT_SMS
  }

  /** A validated request; addresses are canonical, {@code to} has no duplicates. */
  public record Submission(
      String messageId,
      String from,
      List<String> to,
      String contentType,
      String body,
      Duration validity,
      Optional<String> sessionId)
      implements CborSerializable {}

  public record RecipientOutcome(
      String address, Route route, DeliveryStatus status, Optional<Integer> segments)
      implements CborSerializable {}

  public record SendResult(String messageId, MessageMode mode, List<RecipientOutcome> recipients)
      implements CborSerializable {}

  /** How the message goes out: one route per recipient, and who pays. */
  public record Plan(
      List<Route> routes,
      boolean senderIsUser,
      Optional<String> msisdn,
      Optional<String> accountId,
      int smsSegments)
      implements CborSerializable {}

  // ---------------------------------------------------------------- commands

  public sealed interface Command extends CborSerializable {}

  public record Send(Submission submission, ActorRef<StatusReply<SendResult>> replyTo)
      implements Command {}

  /** The recipients' and the sender's lookups, in the order of {@code to}. */
  record Resolved(
      List<CpmUser.UserInfo> recipients,
      CpmUser.UserInfo sender,
      Optional<String> msisdn,
      Optional<Subscriber.SubscriberView> subscriber)
      implements Command {}

  /** The account deducted the fee and wrote {@code cdr} (as charged) with it. */
  record Charged(Plan plan, CpmCdr cdr) implements Command {}

  record ChargeRefused(Plan plan, Refusal refusal) implements Command {}

  record Delivered(List<RecipientOutcome> outcomes) implements Command {}

  record Failed(Refusal refusal) implements Command {}

  record DeliveryFailed(Refusal refusal) implements Command {}

  enum RetryDelivery implements Command {
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

  public record MessageAccepted(
      Submission submission,
      String fingerprint,
      MessageMode mode,
      Plan plan,
      Instant acceptedAt,
      Instant expiresAt,
      CpmCdr cdr,
      boolean cdrOnAccount)
      implements Event, CpmCdr.Carrier {}

  public record MessageRefused(String fingerprint, ErrorCode code, String detail, CpmCdr cdr)
      implements Event, CpmCdr.Carrier {}

  public record MessageDelivered(List<RecipientOutcome> outcomes, Instant deliveredAt)
      implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = New.class, name = "new"),
    @JsonSubTypes.Type(value = Accepted.class, name = "accepted"),
    @JsonSubTypes.Type(value = Refused.class, name = "refused"),
    @JsonSubTypes.Type(value = Sent.class, name = "sent")
  })
  public sealed interface State extends CborSerializable {}

  public record New() implements State {}

  /** Charged and recorded, delivery not yet confirmed. */
  public record Accepted(MessageAccepted accepted) implements State {}

  public record Refused(String fingerprint, ErrorCode code, String detail) implements State {}

  /** Delivered; only what a replay needs is kept. */
  public record Sent(String fingerprint, SendResult result) implements State {}

  /** A request being worked on and the callers waiting for its answer (not persisted). */
  private static final class InFlight {
    final String fingerprint;
    final Submission submission;
    final List<ActorRef<StatusReply<SendResult>>> waiters = new ArrayList<>();

    InFlight(String fingerprint, Submission submission) {
      this.fingerprint = fingerprint;
      this.submission = submission;
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, CpmSettings settings, Clock clock) {
    RememberedEntity.init(
        system,
        KEY,
        Stop.INSTANCE,
        (messageId, context, timers, passivate) ->
            new CpmMessage(messageId, settings, clock, context, timers, passivate));
  }

  private final String messageId;
  private final CpmSettings settings;
  private final Clock clock;
  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final Runnable passivate;
  private final ClusterSharding sharding;
  private InFlight inFlight;
  private Duration retryDelay;

  private CpmMessage(
      String messageId,
      CpmSettings settings,
      Clock clock,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), messageId), EntityRestart.WITH_BACKOFF);
    this.messageId = messageId;
    this.settings = settings;
    this.clock = clock;
    this.context = context;
    this.timers = timers;
    this.passivate = passivate;
    this.sharding = ClusterSharding.get(context.getSystem());
    this.retryDelay = settings.dispatchRetry();
  }

  /** One per request and never snapshotted: recovery goes straight to the journal. */
  @Override
  public Recovery recovery() {
    return JournalOnlyRecovery.get();
  }

  @Override
  public State emptyState() {
    return new New();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    if (event instanceof MessageAccepted accepted && accepted.cdrOnAccount()) return Set.of();
    return event instanceof CpmCdr.Carrier ? Set.of(CpmCdr.TAG) : Set.of();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(
            RecoveryCompleted.instance(),
            state -> {
              if (state instanceof Accepted) {
                timers.startSingleTimer(RetryDelivery.INSTANCE, Duration.ZERO);
              }
              armIdleCheck();
            })
        .build();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every message: see {@link EntityCommands}. */
  private static final EntityCommands<CpmMessage, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return COMMANDS.of(this);
  }

  private static EntityCommands<CpmMessage, Command, Event, State> commands() {
    EntityCommands.Builder<CpmMessage, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forAnyState()
        .on(Send.class, CpmMessage::onSend)
        .on(Resolved.class, CpmMessage::onResolved)
        .on(Charged.class, CpmMessage::onCharged)
        .on(ChargeRefused.class, CpmMessage::onChargeRefused)
        .on(Failed.class, (e, s, c) -> e.answer(s, StatusReply.error(c.refusal())))
        .on(Delivered.class, CpmMessage::onDelivered)
        .on(DeliveryFailed.class, CpmMessage::onDeliveryFailed)
        .on(RetryDelivery.class, CpmMessage::onRetryDelivery)
        .on(IdleCheck.class, CpmMessage::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private ReplyEffect<Event, State> onSend(State state, Send cmd) {
    String fingerprint = fingerprint(cmd.submission());
    if (state instanceof Sent sent) {
      return sent.fingerprint().equals(fingerprint)
          ? Effect().reply(cmd.replyTo(), StatusReply.success(sent.result()))
          : Effect().reply(cmd.replyTo(), conflict());
    }
    if (state instanceof Refused refused) {
      return refused.fingerprint().equals(fingerprint)
          ? Effect()
              .reply(
                  cmd.replyTo(), StatusReply.error(new Refusal(refused.code(), refused.detail())))
          : Effect().reply(cmd.replyTo(), conflict());
    }
    if (inFlight != null) {
      if (!inFlight.fingerprint.equals(fingerprint)) {
        return Effect().reply(cmd.replyTo(), conflict());
      }
      inFlight.waiters.add(cmd.replyTo());
      return Effect().noReply();
    }
    if (state instanceof Accepted accepted) {
      if (!accepted.accepted().fingerprint().equals(fingerprint)) {
        return Effect().reply(cmd.replyTo(), conflict());
      }
      inFlight = new InFlight(fingerprint, accepted.accepted().submission());
      inFlight.waiters.add(cmd.replyTo());
      timers.cancel(RetryDelivery.INSTANCE);
      deliver(accepted.accepted());
      return Effect().noReply();
    }
    inFlight = new InFlight(fingerprint, cmd.submission());
    inFlight.waiters.add(cmd.replyTo());
    resolve(cmd.submission());
    return Effect().noReply();
  }

  /** Looks up the recipients, the sender as a CPM user and the sender's subscriber at once. */
  private void resolve(Submission s) {
    List<CompletableFuture<CpmUser.UserInfo>> recipients = new ArrayList<>();
    for (String address : s.to()) {
      recipients.add(lookup(address, s.body().length()).toCompletableFuture());
    }
    // of the sender only whether it is a CPM user counts
    CompletableFuture<CpmUser.UserInfo> sender = lookup(s.from(), 0).toCompletableFuture();
    CompletableFuture<Optional<String>> msisdn = billedMsisdn(s.from()).toCompletableFuture();
    CompletableFuture<Optional<Subscriber.SubscriberView>> subscriber =
        msisdn.thenCompose(
            number ->
                number
                    .map(this::subscriber)
                    .orElse(CompletableFuture.completedFuture(Optional.empty())));
    List<CompletableFuture<?>> all = new ArrayList<>(recipients);
    all.add(sender);
    all.add(subscriber);
    pipe(
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
            .thenApply(
                done ->
                    new Resolved(
                        recipients.stream().map(CompletableFuture::join).toList(),
                        sender.join(),
                        msisdn.join(),
                        subscriber.join())),
        Failed::new);
  }

  /** The recipient, and whether its mailbox takes this message's body. */
  private CompletionStage<CpmUser.UserInfo> lookup(String address, long bodyChars) {
    return ask(CpmUser.KEY, address, r -> new CpmUser.Lookup(bodyChars, r));
  }

  /** The number the sender's messages are billed to (a lent SIP-URI's bound number). */
  private CompletionStage<Optional<String>> billedMsisdn(String from) {
    return BilledNumber.of(sharding, from, settings.askTimeout());
  }

  private CompletionStage<Optional<Subscriber.SubscriberView>> subscriber(String msisdn) {
    return this.<Subscriber.Command, Subscriber.SubscriberView>ask(
            Subscriber.KEY, msisdn, Subscriber.Get::new)
        .thenApply(Optional::of)
        .exceptionally(
            failure -> {
              Refusal refusal = refusalOf(failure);
              if (refusal.code() == ErrorCode.UNKNOWN_SUBSCRIBER) return Optional.empty();
              throw refusal;
            });
  }

  private ReplyEffect<Event, State> onResolved(State state, Resolved cmd) {
    if (!(state instanceof New) || inFlight == null) return Effect().noReply();
    Submission s = inFlight.submission;
    List<Route> routes = new ArrayList<>();
    int smsSegments = 0;
    for (int i = 0; i < s.to().size(); i++) {
      String address = s.to().get(i);
      CpmUser.UserInfo info = cmd.recipients().get(i);
      if (info.provisioned()) {
        if (!info.accepting()) {
          return answer(
              state, refusal(ErrorCode.THROTTLED, "the mailbox of " + address + " is full"));
        }
        routes.add(Route.CPM);
      } else if (CpmAddress.isMsisdn(address)) {
        int parts = SmsSegmenter.segment(s.body()).count();
        if (parts > settings.maxSmsSegments()) {
          return answer(
              state,
              refusal(
                  ErrorCode.PAYLOAD_TOO_LARGE,
                  "the body needs "
                      + parts
                      + " SMS parts for "
                      + address
                      + ", at most "
                      + settings.maxSmsSegments()));
        }
        smsSegments += parts;
        routes.add(Route.SMS);
      } else {
        return answer(
            state,
            refusal(
                ErrorCode.UNKNOWN_USER,
                address + " is neither a CPM user nor an MSISDN reachable by SMS"));
      }
    }
    Optional<String> msisdn = cmd.msisdn();
    Optional<String> accountId = cmd.subscriber().flatMap(v -> v.profile().prepaidAccountId());
    Plan plan =
        new Plan(List.copyOf(routes), cmd.sender().provisioned(), msisdn, accountId, smsSegments);
    if (cmd.subscriber()
        .map(v -> v.profile().status() == Subscriber.Status.SUSPENDED)
        .orElse(false)) {
      return refuse(
          s,
          plan,
          new Refusal(
              ErrorCode.SUBSCRIBER_SUSPENDED, "subscriber " + msisdn.get() + " is suspended"));
    }
    long charge = settings.messageFee() * s.to().size();
    CpmCdr cdr = acceptedCdr(s, plan, clock.instant(), charge);
    if (accountId.isEmpty() || charge == 0) return accept(s, plan, cdr, false);
    context.pipeToSelf(
        charge(accountId.get(), cdr),
        (charged, failure) -> {
          if (failure == null) return new Charged(plan, charged);
          Refusal refusal = refusalOf(failure);
          return FINAL_REFUSALS.contains(refusal.code())
              ? new ChargeRefused(plan, refusal)
              : new Failed(refusal);
        });
    return Effect().noReply();
  }

  /**
   * Reserves the fee and settles it with the message's CDR, with ids derived from the messageId, so
   * a retry after a crash or a timeout finds the same reservation and settlement instead of
   * charging again. The account deducts, closes the reservation and writes the CDR as charged in
   * one event: no crash between the deduction and the message's own event leaves money taken
   * without its CDR.
   */
  private CompletionStage<CpmCdr> charge(String accountId, CpmCdr cdr) {
    String id = ReservationIds.CPM_MESSAGE + messageId;
    return this.<PrepaidAccount.Command, PrepaidAccount.ReservationView>ask(
            PrepaidAccount.KEY,
            accountId,
            r ->
                new PrepaidAccount.Reserve(
                    id, cdr.charge(), Optional.of(settings.chargeReservationTtl()), r))
        .thenCompose(
            reserved ->
                this.<PrepaidAccount.Command, PrepaidAccount.CallSettlement>ask(
                    PrepaidAccount.KEY,
                    accountId,
                    r ->
                        new PrepaidAccount.SettleCall(
                            List.of(new PrepaidAccount.SliceCharge(id, id, cdr.charge())),
                            cdr.toCdr(),
                            r)))
        .thenApply(settled -> cdr.withCharge(settled.charged()));
  }

  private ReplyEffect<Event, State> onCharged(State state, Charged cmd) {
    if (!(state instanceof New) || inFlight == null) return Effect().noReply();
    return accept(inFlight.submission, cmd.plan(), cmd.cdr(), true);
  }

  private ReplyEffect<Event, State> onChargeRefused(State state, ChargeRefused cmd) {
    if (!(state instanceof New) || inFlight == null) return Effect().noReply();
    return refuse(inFlight.submission, cmd.plan(), cmd.refusal());
  }

  /** The CDR of an accepted message: charged {@code charge}, dated {@code at}. */
  private CpmCdr acceptedCdr(Submission s, Plan plan, Instant at, long charge) {
    return cdr(
        s,
        plan,
        at,
        charge,
        plan.smsSegments(),
        Optional.of(mode(s)),
        "ACCEPTED",
        Optional.empty());
  }

  private MessageMode mode(Submission s) {
    return MessageMode.of(MessageMode.bodyBytes(s.body()), settings.pagerMaxBytes());
  }

  /** Accepts the message; its CDR goes to the CDR table from here unless the account wrote it. */
  private ReplyEffect<Event, State> accept(
      Submission s, Plan plan, CpmCdr cdr, boolean cdrOnAccount) {
    Instant at = cdr.startedAt();
    var event =
        new MessageAccepted(
            s, inFlight.fingerprint, mode(s), plan, at, at.plus(s.validity()), cdr, cdrOnAccount);
    return Effect().persist(event).thenRun(after -> deliver(event)).thenNoReply();
  }

  private ReplyEffect<Event, State> refuse(Submission s, Plan plan, Refusal refusal) {
    CpmCdr cdr =
        cdr(
            s,
            plan,
            clock.instant(),
            0,
            0,
            Optional.empty(),
            "REFUSED",
            Optional.of(refusal.code().name()));
    return Effect()
        .persist(new MessageRefused(inFlight.fingerprint, refusal.code(), refusal.detail(), cdr))
        .thenRun(after -> settle(after, StatusReply.error(refusal)))
        .thenNoReply();
  }

  private CpmCdr cdr(
      Submission s,
      Plan plan,
      Instant at,
      long charge,
      int smsSegments,
      Optional<MessageMode> mode,
      String decision,
      Optional<String> cause) {
    return new CpmCdr(
        "cpm-message:" + messageId,
        CpmCdr.Type.MESSAGE,
        s.from(),
        plan.msisdn(),
        plan.accountId(),
        messageId,
        s.sessionId(),
        s.from(),
        s.to(),
        at,
        at,
        charge,
        s.to().size(),
        smsSegments,
        mode,
        decision,
        cause);
  }

  /** Delivers to every recipient and files the sender's copy; each step is idempotent. */
  private void deliver(MessageAccepted accepted) {
    Submission s = accepted.submission();
    // Its session counts it now (again after a crash: the session counts an id once).
    s.sessionId()
        .ifPresent(
            session ->
                sharding
                    .entityRefFor(CpmSession.KEY, session)
                    .tell(new CpmSession.MessageAccepted(messageId)));
    var content =
        new CpmUser.Content(
            messageId,
            s.sessionId(),
            s.from(),
            s.to(),
            s.contentType(),
            Optional.of(s.body()),
            accepted.mode(),
            accepted.acceptedAt(),
            accepted.expiresAt());
    List<CompletableFuture<RecipientOutcome>> outcomes = new ArrayList<>();
    for (int i = 0; i < s.to().size(); i++) {
      String address = s.to().get(i);
      outcomes.add(
          (accepted.plan().routes().get(i) == Route.CPM
                  ? deposit(address, content)
                  : submitSms(address, s, accepted.acceptedAt()))
              .toCompletableFuture());
    }
    List<CompletableFuture<?>> all = new ArrayList<>(outcomes);
    if (accepted.plan().senderIsUser()) {
      all.add(
          this.<CpmUser.Command, Done>ask(
                  CpmUser.KEY, s.from(), r -> new CpmUser.RecordSent(content, r))
              .toCompletableFuture());
    }
    pipe(
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> new Delivered(outcomes.stream().map(CompletableFuture::join).toList())),
        DeliveryFailed::new);
  }

  private CompletionStage<RecipientOutcome> deposit(String address, CpmUser.Content content) {
    return this.<CpmUser.Command, CpmUser.Deposited>ask(
            CpmUser.KEY, address, r -> new CpmUser.Deposit(content, r))
        .thenApply(
            d ->
                new RecipientOutcome(
                    address,
                    Route.CPM,
                    d.status() == CpmUser.Status.DELIVERED
                        ? DeliveryStatus.DELIVERED
                        : DeliveryStatus.STORED,
                    Optional.empty()));
  }

  private CompletionStage<RecipientOutcome> submitSms(String msisdn, Submission s, Instant at) {
    SmsSegmenter.Segmentation segments = SmsSegmenter.segment(s.body());
    var submission =
        new SmsOutbox.Submission(messageId, s.from(), segments.encoding(), segments.parts(), at);
    return this.<SmsOutbox.Command, Done>ask(
            SmsOutbox.KEY, msisdn, r -> new SmsOutbox.Submit(submission, r))
        .thenApply(
            done ->
                new RecipientOutcome(
                    msisdn, Route.SMS, DeliveryStatus.SENT_SMS, Optional.of(segments.count())));
  }

  private ReplyEffect<Event, State> onDelivered(State state, Delivered cmd) {
    if (!(state instanceof Accepted)) return Effect().noReply();
    retryDelay = settings.dispatchRetry();
    return Effect()
        .persist(new MessageDelivered(cmd.outcomes(), clock.instant()))
        .thenRun(after -> settle(after, StatusReply.success(((Sent) after).result())))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onDeliveryFailed(State state, DeliveryFailed cmd) {
    context.getLog().warn("delivery of message {} failed, retrying: {}", messageId, cmd.refusal());
    timers.startSingleTimer(RetryDelivery.INSTANCE, retryDelay);
    retryDelay = retryDelay.multipliedBy(2);
    if (retryDelay.compareTo(MAX_RETRY_DELAY) > 0) retryDelay = MAX_RETRY_DELAY;
    return answer(state, StatusReply.error(cmd.refusal()));
  }

  private ReplyEffect<Event, State> onRetryDelivery(State state, RetryDelivery cmd) {
    if (state instanceof Accepted accepted && inFlight == null) {
      inFlight = new InFlight(accepted.accepted().fingerprint(), accepted.accepted().submission());
      deliver(accepted.accepted());
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck cmd) {
    if (inFlight != null || state instanceof Accepted) {
      armIdleCheck();
    } else {
      passivate.run();
    }
    return Effect().noReply();
  }

  // ---------------------------------------------------------------- helpers

  /** Answers everyone waiting; nothing is persisted. */
  private ReplyEffect<Event, State> answer(State state, StatusReply<SendResult> reply) {
    settle(state, reply);
    return Effect().noReply();
  }

  /** Replies to the waiting callers; an entity with nothing left to do passivates. */
  private void settle(State state, StatusReply<SendResult> reply) {
    if (inFlight != null) inFlight.waiters.forEach(w -> w.tell(reply));
    inFlight = null;
    if (!(state instanceof Accepted)) passivate.run();
  }

  private <T> StatusReply<T> conflict() {
    return StatusReply.error(
        new Refusal(
            ErrorCode.IDEMPOTENCY_CONFLICT,
            "message " + messageId + " was already sent with other content"));
  }

  private static <T> StatusReply<T> refusal(ErrorCode code, String detail) {
    return StatusReply.error(new Refusal(code, detail));
  }

  private <M, R> CompletionStage<R> ask(
      EntityTypeKey<M> key, String entityId, Function<ActorRef<StatusReply<R>>, M> command) {
    return Asks.withStatus(sharding.entityRefFor(key, entityId), command, settings.askTimeout());
  }

  private <T> void pipe(CompletionStage<T> stage, Function<Refusal, Command> onFailure) {
    context.pipeToSelf(
        stage,
        (value, failure) ->
            failure == null ? (Command) value : onFailure.apply(refusalOf(failure)));
  }

  /** A domain refusal as it is; anything else (a timeout) as UNAVAILABLE, safe to retry. */
  static Refusal refusalOf(Throwable failure) {
    if (Asks.unwrap(failure) instanceof Refusal r) return r;
    return new Refusal(
        ErrorCode.UNAVAILABLE,
        "a recipient or the account did not answer in time, retry with the same messageId");
  }

  static String fingerprint(Submission s) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (String part :
          List.of(
              s.from(),
              String.join("\u0001", s.to()),
              s.contentType(),
              s.body(),
              Long.toString(s.validity().toSeconds()),
              s.sessionId().orElse(""))) {
        sha.update(part.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  private void armIdleCheck() {
    timers.startSingleTimer(IdleCheck.INSTANCE, IdleCheck.INSTANCE, settings.idleTimeout());
  }

  // ---------------------------------------------------------------- event handler

  @Override
  public EventHandler<State, Event> eventHandler() {
    var builder = newEventHandlerBuilder();
    builder
        .forStateType(New.class)
        .onEvent(MessageAccepted.class, (s, e) -> new Accepted(e))
        .onEvent(
            MessageRefused.class, (s, e) -> new Refused(e.fingerprint(), e.code(), e.detail()));
    builder
        .forStateType(Accepted.class)
        .onEvent(
            MessageDelivered.class,
            (s, e) ->
                new Sent(
                    s.accepted().fingerprint(),
                    new SendResult(messageId, s.accepted().mode(), e.outcomes())));
    return builder.build();
  }
}
