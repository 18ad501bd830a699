package io.scp.actors.vacp;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.common.ShardPlacement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;

/**
 * The authorisation of a consumer platform to use one capability: validity period, priority (0-9,
 * higher first under contention and in push fan-out), SLA (rate per second and burst) and the fee
 * per use. Keyed by {@link #entityId(String, String)}; other entities read it with {@link Get}.
 */
public final class VacpAuthorization
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpAuthorization.Command, VacpAuthorization.Event, VacpAuthorization.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpAuthorization");

  public static String entityId(String consumerPlatformId, String capabilityId) {
    return consumerPlatformId + "/" + capabilityId;
  }

  /**
   * The terms as granted. The validity bounds keep the operator's text: a date ({@code YYYY-MM-DD},
   * whole days in UTC) or a time ({@code 2030-01-01T08:00:00Z}).
   */
  public record Terms(
      Optional<String> validFrom,
      Optional<String> validUntil,
      int priority,
      int ratePerSecond,
      int burst,
      long feePerUse)
      implements CborSerializable {

    /**
     * Valid from the start of {@code validFrom} up to (excluding) the end of {@code validUntil}.
     */
    public boolean validAt(Instant now) {
      return validFrom.map(f -> !now.isBefore(start(f))).orElse(true)
          && validUntil.map(u -> now.isBefore(end(u))).orElse(true);
    }

    /** The first instant of a validity bound; throws {@link DateTimeParseException}. */
    public static Instant start(String bound) {
      return isDate(bound)
          ? LocalDate.parse(bound).atStartOfDay(ZoneOffset.UTC).toInstant()
          : OffsetDateTime.parse(bound).toInstant();
    }

    /** The first instant after a validity bound; throws {@link DateTimeParseException}. */
    public static Instant end(String bound) {
      return isDate(bound)
          ? LocalDate.parse(bound).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()
          : OffsetDateTime.parse(bound).toInstant();
    }

    /** Whether a validity bound is a whole day (YYYY-MM-DD) rather than an instant. */
    public static boolean isDate(String bound) {
      return bound.length() == 10;
    }
  }

  public record AuthorizationView(
      String consumerPlatformId, String capabilityId, String providerPlatformId, Terms terms)
      implements CborSerializable {}

  // ---------------------------------------------------------------- protocol

  public sealed interface Command extends CborSerializable {}

  public record Grant(
      String consumerPlatformId,
      String capabilityId,
      String providerPlatformId,
      Terms terms,
      ActorRef<StatusReply<Granted>> replyTo)
      implements Command {}

  public record Granted(AuthorizationView authorization, boolean created)
      implements CborSerializable {}

  public record Get(ActorRef<StatusReply<AuthorizationView>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record AuthorizationGranted(AuthorizationView authorization) implements Event {}

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME)
  @JsonSubTypes({
    @JsonSubTypes.Type(value = NoAuthorization.class, name = "none"),
    @JsonSubTypes.Type(value = Authorization.class, name = "authorization")
  })
  public sealed interface State extends CborSerializable {}

  public record NoAuthorization() implements State {}

  public record Authorization(AuthorizationView view) implements State {}

  // ---------------------------------------------------------------- wiring

  public static void init(ActorSystem<?> system) {
    ClusterSharding.get(system)
        .init(ShardPlacement.applyTo(system, Entity.of(KEY, ctx -> create(ctx.getEntityId()))));
  }

  public static Behavior<Command> create(String entityId) {
    return new VacpAuthorization(entityId);
  }

  private final String entityId;

  private VacpAuthorization(String entityId) {
    super(PersistenceId.of(KEY.name(), entityId), EntityRestart.WITH_BACKOFF);
    this.entityId = entityId;
  }

  @Override
  public State emptyState() {
    return new NoAuthorization();
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    var builder = newCommandHandlerWithReplyBuilder();
    builder
        .forStateType(NoAuthorization.class)
        .onCommand(Grant.class, this::onGrant)
        .onCommand(
            Get.class,
            (s, c) ->
                Effect()
                    .reply(
                        c.replyTo(),
                        StatusReply.error(
                            new Refusal(
                                ErrorCode.NOT_AUTHORIZED, "no authorisation " + entityId))));
    builder
        .forStateType(Authorization.class)
        .onCommand(Grant.class, this::onGrant)
        .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(s.view())));
    return builder.build();
  }

  private ReplyEffect<Event, State> onGrant(State state, Grant cmd) {
    var wanted =
        new AuthorizationView(
            cmd.consumerPlatformId(), cmd.capabilityId(), cmd.providerPlatformId(), cmd.terms());
    if (state instanceof Authorization a && a.view().equals(wanted)) {
      return Effect().reply(cmd.replyTo(), StatusReply.success(new Granted(a.view(), false)));
    }
    boolean created = state instanceof NoAuthorization;
    return Effect()
        .persist(new AuthorizationGranted(wanted))
        .thenReply(
            cmd.replyTo(),
            s -> StatusReply.success(new Granted(((Authorization) s).view(), created)));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(AuthorizationGranted.class, (s, e) -> new Authorization(e.authorization()))
        .build();
  }
}
