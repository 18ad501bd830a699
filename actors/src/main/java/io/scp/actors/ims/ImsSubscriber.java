package io.scp.actors.ims;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityCommands;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.IdlePassivation;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.RememberedEntity;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * The IMS identities of one subscriber, keyed by IMSI: one entry per IMS service the subscriber
 * signed up for (identified by its SIC), each with its own registration, plus the built-in default
 * entry that the standard IMPI (without SIC) registers.
 *
 * <p>Every service is registered, refreshed, deregistered and expired on its own, so a second
 * service's registration never overwrites the first and a deregistration removes only its service.
 * A registration lapses at its expiry: a timer re-armed after recovery persists the expiry, and the
 * entity is remembered by sharding while it holds a registration, so the deadline is met after
 * passivation, a crash or a restart. Until that timer has run, an expired registration already
 * counts as not registered.
 */
public final class ImsSubscriber
    extends EventSourcedBehaviorWithEnforcedReplies<
        ImsSubscriber.Command, ImsSubscriber.Event, ImsSubscriber.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "ImsSubscriber");

  /** The name of the built-in entry registered by the standard IMPI. */
  public static final String DEFAULT_SERVICE_NAME = "default";

  /** Settings the entity reads once from {@code scp.ims} and {@code scp.sharding}. */
  public record Settings(
      Duration minExpires, Duration maxExpires, Duration defaultExpires, Duration idleTimeout) {
    public Settings {
      if (minExpires.isNegative() || minExpires.isZero() || maxExpires.compareTo(minExpires) < 0) {
        throw new IllegalArgumentException(
            "scp.ims.min-expires must be positive and at most scp.ims.max-expires");
      }
      // A zero default would turn every REGISTER without an expiry into a deregistration.
      if (defaultExpires.isNegative() || defaultExpires.isZero()) {
        throw new IllegalArgumentException("scp.ims.default-expires must be positive");
      }
    }

    public static Settings fromConfig(com.typesafe.config.Config config) {
      return new Settings(
          config.getDuration("scp.ims.min-expires"),
          config.getDuration("scp.ims.max-expires"),
          config.getDuration("scp.ims.default-expires"),
          config.getDuration("scp.sharding.idle-timeout"));
    }

    /** The registration lifetime granted for a requested one. */
    Duration clamp(Duration requested) {
      if (requested.compareTo(minExpires) < 0) return minExpires;
      if (requested.compareTo(maxExpires) > 0) return maxExpires;
      return requested;
    }
  }

  public enum RegistrationState {
    REGISTERED,
    NOT_REGISTERED
  }

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command extends CborSerializable {}

  /** Provisions the subscriber; a later one replaces the profile. */
  public record Provision(
      String msisdn, String mcc, String mnc, ActorRef<StatusReply<Provisioned>> replyTo)
      implements Command {}

  /** Signs the subscriber up for a service (or renames it); other services are untouched. */
  public record AddService(String sic, String name, ActorRef<StatusReply<ServiceAdded>> replyTo)
      implements Command {}

  /** Cancels a service: deregisters it if needed and removes only its entry. */
  public record RemoveService(String sic, ActorRef<StatusReply<SubscriberView>> replyTo)
      implements Command {}

  public record Get(ActorRef<StatusReply<SubscriberView>> replyTo) implements Command {}

  /**
   * Whether one service is registered, for other capabilities (presence, routing); an empty {@code
   * sic} asks about the default service.
   */
  public record GetRegistration(Optional<String> sic, ActorRef<StatusReply<ServiceView>> replyTo)
      implements Command {}

  /**
   * An initial or refreshing registration. {@code expires} empty means the configured default; zero
   * deregisters; anything else is clamped to the configured bounds.
   */
  public record Register(
      Impi impi,
      String contact,
      Optional<Duration> expires,
      ActorRef<StatusReply<RegistrationResult>> replyTo)
      implements Command {}

  public record Deregister(Impi impi, ActorRef<StatusReply<RegistrationResult>> replyTo)
      implements Command {}

  /** Sent by the entity's own timer when a registration reaches its expiry. */
  public record ExpireRegistration(Optional<String> sic) implements Command {}

  /**
   * Sent by the entity's own idle timer; passivates when no command came for the idle timeout and
   * no registration is held.
   */
  public enum IdleCheck implements Command {
    INSTANCE
  }

  /** Sent by sharding on passivation and hand-off, after commands already in the mailbox. */
  public enum Stop implements Command {
    INSTANCE
  }

  public record Provisioned(SubscriberView subscriber, boolean created)
      implements CborSerializable {}

  public record ServiceAdded(ServiceView service, boolean created) implements CborSerializable {}

  /** One entry; {@code sic} is empty for the default service. */
  public record ServiceView(
      Optional<String> sic,
      String name,
      String impi,
      RegistrationState state,
      Optional<String> contact,
      Optional<Instant> expiresAt)
      implements CborSerializable {

    public boolean registered() {
      return state == RegistrationState.REGISTERED;
    }
  }

  public record SubscriberView(
      String imsi,
      String msisdn,
      String mcc,
      String mnc,
      ServiceView defaultService,
      List<ServiceView> services)
      implements CborSerializable {}

  public record RegistrationResult(
      String impi,
      Optional<String> sic,
      RegistrationState state,
      boolean initial,
      Optional<Instant> expiresAt)
      implements CborSerializable {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record SubscriberProvisioned(Profile profile) implements Event {}

  public record ServiceSubscribed(String sic, String name) implements Event {}

  public record ServiceUnsubscribed(String sic) implements Event {}

  /** {@code sic} empty: the default service. */
  public record Registered(Optional<String> sic, String contact, Instant expiresAt)
      implements Event {}

  public record Deregistered(Optional<String> sic) implements Event {}

  public record RegistrationExpired(Optional<String> sic) implements Event {}

  // ---------------------------------------------------------------- state

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Unknown.class, name = "unknown"),
    @JsonSubTypes.Type(value = Known.class, name = "known")
  })
  public sealed interface State extends CborSerializable {}

  public record Unknown() implements State {}

  /** What an operator provisions; {@code mnc} as given (two or three digits). */
  public record Profile(String msisdn, String mcc, String mnc) implements CborSerializable {

    /** The IMS domain this profile's identities live in: MCC and three-digit MNC. */
    boolean sameDomain(Profile other) {
      return mcc.equals(other.mcc) && Impi.domainMnc(mnc).equals(Impi.domainMnc(other.mnc));
    }

    boolean owns(Impi impi) {
      return mcc.equals(impi.mcc()) && Impi.domainMnc(mnc).equals(impi.mnc());
    }
  }

  /** A registration: where the service is reachable and until when. */
  public record Binding(String contact, Instant expiresAt) implements CborSerializable {
    boolean activeAt(Instant now) {
      return now.isBefore(expiresAt);
    }
  }

  public record Service(String name, Optional<Binding> binding) implements CborSerializable {}

  /**
   * A provisioned subscriber: the default service's registration and the services by SIC. Both are
   * replaced, never mutated, by the event handler.
   */
  public record Known(
      Profile profile, Optional<Binding> defaultBinding, Map<String, Service> services)
      implements State {

    public Known {
      services = Map.copyOf(services);
    }

    Optional<Binding> binding(Optional<String> sic) {
      return sic.isEmpty()
          ? defaultBinding
          : Optional.ofNullable(services.get(sic.get())).flatMap(Service::binding);
    }

    boolean registeredAt(Optional<String> sic, Instant now) {
      return binding(sic).filter(b -> b.activeAt(now)).isPresent();
    }

    boolean holdsBindings() {
      return defaultBinding.isPresent()
          || services.values().stream().anyMatch(s -> s.binding().isPresent());
    }

    Known withBinding(Optional<String> sic, Optional<Binding> binding) {
      if (sic.isEmpty()) return new Known(profile, binding, services);
      Map<String, Service> changed = new HashMap<>(services);
      changed.computeIfPresent(sic.get(), (k, s) -> new Service(s.name(), binding));
      return new Known(profile, defaultBinding, changed);
    }

    Known withService(String sic, Optional<Service> service) {
      Map<String, Service> changed = new HashMap<>(services);
      service.ifPresentOrElse(s -> changed.put(sic, s), () -> changed.remove(sic));
      return new Known(profile, defaultBinding, changed);
    }

    /** The same services, none of them registered. */
    Known withoutBindings() {
      Map<String, Service> unbound = new HashMap<>();
      services.forEach((sic, s) -> unbound.put(sic, new Service(s.name(), Optional.empty())));
      return new Known(profile, Optional.empty(), unbound);
    }

    ServiceView serviceView(String imsi, Optional<String> sic, Instant now) {
      String name = sic.map(s -> services.get(s).name()).orElse(DEFAULT_SERVICE_NAME);
      Optional<Binding> active = binding(sic).filter(b -> b.activeAt(now));
      return new ServiceView(
          sic,
          name,
          Impi.derive(imsi, profile.mcc(), profile.mnc(), sic).value(),
          active.isPresent() ? RegistrationState.REGISTERED : RegistrationState.NOT_REGISTERED,
          active.map(Binding::contact),
          active.map(Binding::expiresAt));
    }

    SubscriberView view(String imsi, Instant now) {
      List<ServiceView> list = new ArrayList<>();
      services.keySet().stream()
          .sorted()
          .forEach(sic -> list.add(serviceView(imsi, Optional.of(sic), now)));
      return new SubscriberView(
          imsi,
          profile.msisdn(),
          profile.mcc(),
          profile.mnc(),
          serviceView(imsi, Optional.empty(), now),
          list);
    }
  }

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system, Settings settings, Clock clock) {
    RememberedEntity.init(system, KEY, Stop.INSTANCE, factory(settings, clock));
  }

  /** For tests without sharding: passivation requests are ignored. */
  public static Behavior<Command> create(String imsi, Settings settings, Clock clock) {
    return RememberedEntity.standalone(imsi, factory(settings, clock));
  }

  private static RememberedEntity.Factory<Command> factory(Settings settings, Clock clock) {
    return (imsi, context, timers, passivate) ->
        new ImsSubscriber(imsi, settings, clock, timers, passivate);
  }

  private final String imsi;
  private final Settings settings;
  private final Clock clock;
  private final TimerScheduler<Command> timers;
  private final IdlePassivation<Command> idle;

  private ImsSubscriber(
      String imsi,
      Settings settings,
      Clock clock,
      TimerScheduler<Command> timers,
      Runnable passivate) {
    super(PersistenceId.of(KEY.name(), imsi), EntityRestart.WITH_BACKOFF);
    this.imsi = imsi;
    this.settings = settings;
    this.clock = clock;
    this.timers = timers;
    this.idle =
        new IdlePassivation<>(timers, IdleCheck.INSTANCE, settings.idleTimeout(), passivate);
  }

  @Override
  public State emptyState() {
    return new Unknown();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecoveryCompleted)
        .build();
  }

  private void onRecoveryCompleted(State state) {
    if (state instanceof Known known) {
      known.defaultBinding().ifPresent(b -> armExpiry(Optional.empty(), b));
      known
          .services()
          .forEach((sic, s) -> s.binding().ifPresent(b -> armExpiry(Optional.of(sic), b)));
    }
    idle.arm();
  }

  // ---------------------------------------------------------------- command handlers

  /** Shared by every instance: see {@link EntityCommands}. */
  private static final EntityCommands<ImsSubscriber, Command, Event, State> COMMANDS = commands();

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return idle.counting(COMMANDS.of(this));
  }

  private static EntityCommands<ImsSubscriber, Command, Event, State> commands() {
    EntityCommands.Builder<ImsSubscriber, Command, Event, State> builder = EntityCommands.builder();
    builder
        .forState(Unknown.class)
        .on(Provision.class, ImsSubscriber::onProvision)
        .on(AddService.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(RemoveService.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(Get.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(GetRegistration.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(Register.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(Deregister.class, (e, s, c) -> e.Effect().reply(c.replyTo(), e.unknown()))
        .on(ExpireRegistration.class, (e, s, c) -> e.Effect().noReply())
        .on(IdleCheck.class, ImsSubscriber::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    builder
        .forState(Known.class)
        .on(Provision.class, ImsSubscriber::onProvision)
        .on(AddService.class, ImsSubscriber::onAddService)
        .on(RemoveService.class, ImsSubscriber::onRemoveService)
        .on(
            Get.class,
            (e, s, c) ->
                e.Effect().reply(c.replyTo(), StatusReply.success(s.view(e.imsi, e.now()))))
        .on(GetRegistration.class, ImsSubscriber::onGetRegistration)
        .on(Register.class, ImsSubscriber::onRegister)
        .on(Deregister.class, ImsSubscriber::onDeregister)
        .on(ExpireRegistration.class, ImsSubscriber::onExpireRegistration)
        .on(IdleCheck.class, ImsSubscriber::onIdleCheck)
        .on(Stop.class, (e, s, c) -> e.Effect().stop().thenNoReply());
    return builder.build();
  }

  private Instant now() {
    return clock.instant();
  }

  private <T> StatusReply<T> unknown() {
    return refuse(
        ErrorCode.UNKNOWN_SUBSCRIBER, "no IMS subscriber is provisioned with IMSI " + imsi);
  }

  private static <T> StatusReply<T> refuse(ErrorCode code, String detail) {
    return StatusReply.error(new Refusal(code, detail));
  }

  private ReplyEffect<Event, State> onProvision(State state, Provision cmd) {
    var profile = new Profile(cmd.msisdn(), cmd.mcc(), cmd.mnc());
    if (state instanceof Known known && known.profile().equals(profile)) {
      return Effect()
          .reply(
              cmd.replyTo(), StatusReply.success(new Provisioned(known.view(imsi, now()), false)));
    }
    boolean created = state instanceof Unknown;
    return Effect()
        .persist(new SubscriberProvisioned(profile))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Provisioned(((Known) s).view(imsi, now()), created)));
  }

  private ReplyEffect<Event, State> onAddService(Known state, AddService cmd) {
    Service existing = state.services().get(cmd.sic());
    Optional<String> sic = Optional.of(cmd.sic());
    if (existing != null && existing.name().equals(cmd.name())) {
      return Effect()
          .reply(
              cmd.replyTo(),
              StatusReply.success(new ServiceAdded(state.serviceView(imsi, sic, now()), false)));
    }
    return Effect()
        .persist(new ServiceSubscribed(cmd.sic(), cmd.name()))
        .thenReply(
            cmd.replyTo(),
            s ->
                StatusReply.success(
                    new ServiceAdded(((Known) s).serviceView(imsi, sic, now()), existing == null)));
  }

  private ReplyEffect<Event, State> onRemoveService(Known state, RemoveService cmd) {
    Service existing = state.services().get(cmd.sic());
    if (existing == null) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(state.view(imsi, now())));
    }
    List<Event> events = new ArrayList<>();
    if (existing.binding().isPresent()) events.add(new Deregistered(Optional.of(cmd.sic())));
    events.add(new ServiceUnsubscribed(cmd.sic()));
    return Effect()
        .persist(events)
        .thenRun(s -> timers.cancel(expiryTimer(Optional.of(cmd.sic()))))
        .thenReply(cmd.replyTo(), s -> StatusReply.success(((Known) s).view(imsi, now())));
  }

  private ReplyEffect<Event, State> onGetRegistration(Known state, GetRegistration cmd) {
    if (cmd.sic().isPresent() && !state.services().containsKey(cmd.sic().get())) {
      return Effect().reply(cmd.replyTo(), notSubscribed(cmd.sic().get()));
    }
    return Effect()
        .reply(cmd.replyTo(), StatusReply.success(state.serviceView(imsi, cmd.sic(), now())));
  }

  /** Why {@code impi} cannot be registered or deregistered here, if it cannot. */
  private Optional<StatusReply<RegistrationResult>> refusalFor(Known state, Impi impi) {
    if (!impi.imsi().equals(imsi) || !state.profile().owns(impi)) {
      return Optional.of(
          refuse(
              ErrorCode.UNKNOWN_SUBSCRIBER,
              "no IMS subscriber with IMSI "
                  + impi.imsi()
                  + " in MCC "
                  + impi.mcc()
                  + " MNC "
                  + impi.mnc()));
    }
    if (impi.sic().isPresent() && !state.services().containsKey(impi.sic().get())) {
      return Optional.of(notSubscribed(impi.sic().get()));
    }
    return Optional.empty();
  }

  private <T> StatusReply<T> notSubscribed(String sic) {
    return refuse(
        ErrorCode.SERVICE_NOT_SUBSCRIBED,
        "IMS subscriber " + imsi + " has not signed up for the service with SIC " + sic);
  }

  private ReplyEffect<Event, State> onRegister(Known state, Register cmd) {
    Optional<StatusReply<RegistrationResult>> refusal = refusalFor(state, cmd.impi());
    if (refusal.isPresent()) return Effect().reply(cmd.replyTo(), refusal.get());
    Optional<String> sic = cmd.impi().sic();
    Instant now = now();
    Duration requested = cmd.expires().orElse(settings.defaultExpires());
    if (requested.isZero()) return deregister(state, cmd.impi(), cmd.replyTo(), false);
    boolean initial = !state.registeredAt(sic, now);
    Instant expiresAt = now.plus(settings.clamp(requested)).truncatedTo(ChronoUnit.MILLIS);
    var event = new Registered(sic, cmd.contact(), expiresAt);
    return Effect()
        .persist(event)
        .thenRun(s -> armExpiry(sic, new Binding(event.contact(), expiresAt)))
        .thenReply(
            cmd.replyTo(),
            s ->
                StatusReply.success(
                    new RegistrationResult(
                        cmd.impi().value(),
                        sic,
                        RegistrationState.REGISTERED,
                        initial,
                        Optional.of(expiresAt))));
  }

  private ReplyEffect<Event, State> onDeregister(Known state, Deregister cmd) {
    Optional<StatusReply<RegistrationResult>> refusal = refusalFor(state, cmd.impi());
    if (refusal.isPresent()) return Effect().reply(cmd.replyTo(), refusal.get());
    return deregister(state, cmd.impi(), cmd.replyTo(), true);
  }

  /**
   * Ends a registration. Deregistering what is not registered is refused when asked for explicitly
   * and a no-op for a registration with expiry zero (as a SIP registrar answers it).
   */
  private ReplyEffect<Event, State> deregister(
      Known state,
      Impi impi,
      ActorRef<StatusReply<RegistrationResult>> replyTo,
      boolean refuseWhenNotRegistered) {
    Optional<String> sic = impi.sic();
    var result =
        new RegistrationResult(
            impi.value(), sic, RegistrationState.NOT_REGISTERED, false, Optional.empty());
    if (!state.registeredAt(sic, now())) {
      return Effect()
          .reply(
              replyTo,
              refuseWhenNotRegistered
                  ? refuse(ErrorCode.NOT_REGISTERED, impi.value() + " is not registered")
                  : StatusReply.success(result));
    }
    return Effect()
        .persist(new Deregistered(sic))
        .thenRun(s -> timers.cancel(expiryTimer(sic)))
        .thenReply(replyTo, s -> StatusReply.success(result));
  }

  private ReplyEffect<Event, State> onExpireRegistration(Known state, ExpireRegistration cmd) {
    Optional<Binding> binding = state.binding(cmd.sic());
    if (binding.isEmpty()) return Effect().noReply();
    if (binding.get().activeAt(now())) {
      armExpiry(cmd.sic(), binding.get());
      return Effect().noReply();
    }
    return Effect().persist(new RegistrationExpired(cmd.sic())).thenNoReply();
  }

  private ReplyEffect<Event, State> onIdleCheck(State state, IdleCheck cmd) {
    idle.onCheck(state instanceof Known known && known.holdsBindings());
    return Effect().noReply();
  }

  private static String expiryTimer(Optional<String> sic) {
    return "expire:" + sic.orElse("");
  }

  private void armExpiry(Optional<String> sic, Binding binding) {
    Duration delay = Duration.between(now(), binding.expiresAt());
    if (delay.isNegative()) delay = Duration.ZERO;
    timers.startSingleTimer(expiryTimer(sic), new ExpireRegistration(sic), delay);
  }

  // ---------------------------------------------------------------- event handler

  /** Pure, so built once for every instance (Pekko keeps an entity's handler while it lives). */
  private static final EventHandler<State, Event> EVENTS = events();

  @Override
  public EventHandler<State, Event> eventHandler() {
    return EVENTS;
  }

  private static EventHandler<State, Event> events() {
    EventHandlerBuilder<State, Event> builder = EventHandlerBuilder.builder();
    builder
        .forStateType(Unknown.class)
        .onEvent(
            SubscriberProvisioned.class,
            (s, e) -> new Known(e.profile(), Optional.empty(), Map.of()));
    builder
        .forStateType(Known.class)
        .onEvent(SubscriberProvisioned.class, ImsSubscriber::reprovisioned)
        .onEvent(
            ServiceSubscribed.class,
            (s, e) ->
                s.withService(
                    e.sic(),
                    Optional.of(
                        new Service(
                            e.name(),
                            Optional.ofNullable(s.services().get(e.sic()))
                                .flatMap(Service::binding)))))
        .onEvent(ServiceUnsubscribed.class, (s, e) -> s.withService(e.sic(), Optional.empty()))
        .onEvent(
            Registered.class,
            (s, e) -> s.withBinding(e.sic(), Optional.of(new Binding(e.contact(), e.expiresAt()))))
        .onEvent(Deregistered.class, (s, e) -> s.withBinding(e.sic(), Optional.empty()))
        .onEvent(RegistrationExpired.class, (s, e) -> s.withBinding(e.sic(), Optional.empty()));
    return builder.build();
  }

  /** A new MCC or MNC changes every identity of the subscriber, so the old registrations end. */
  private static Known reprovisioned(Known s, SubscriberProvisioned e) {
    Known base = e.profile().sameDomain(s.profile()) ? s : s.withoutBindings();
    return new Known(e.profile(), base.defaultBinding(), base.services());
  }
}
