package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import io.scp.actors.common.EntityRestart;
import io.scp.actors.common.Secret;
import io.scp.actors.common.ShardPlacement;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
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
 * The key pairs that sign VACP tokens, in one cluster-wide place (a single entity, id {@value #ID})
 * so every node signs with the same key and verifies every node's tokens. The first request creates
 * a key (ES256: ECDSA on P-256); {@link Rotate} makes a new key the current one. The previous keys
 * stay, retired, so tokens they signed verify until they expire; at most {@value #KEPT} keys are
 * kept. Nodes cache the set and refresh it (see the token routes).
 *
 * <p>The private keys are in this entity's events, i.e. in the journal, and travel between nodes in
 * the cluster's messages; they are wrapped in {@link Secret} so no log line shows them.
 */
public final class VacpSigningKeys
    extends EventSourcedBehaviorWithEnforcedReplies<
        VacpSigningKeys.Command, VacpSigningKeys.Event, VacpSigningKeys.State> {

  public static final EntityTypeKey<Command> KEY =
      EntityTypeKey.create(Command.class, "VacpSigningKeys");

  /** The one entity of this type. */
  public static final String ID = "vacp";

  static final int KEPT = 4;

  public static final String ALGORITHM = "ES256";

  /**
   * One key pair: the public key as X.509 SubjectPublicKeyInfo and the private key as PKCS #8, both
   * DER in base64; {@code retiredAt} once a newer key replaced it.
   */
  public record SigningKey(
      String kid,
      String algorithm,
      String publicKey,
      Secret privateKey,
      Instant createdAt,
      Optional<Instant> retiredAt)
      implements CborSerializable {}

  /** The keys, newest first; the first is the one to sign with. */
  public record KeySet(List<SigningKey> keys) implements CborSerializable {
    public SigningKey current() {
      return keys.get(0);
    }
  }

  public sealed interface Command extends CborSerializable {}

  /** The key set; creates the first key when there is none. */
  public record GetKeys(ActorRef<StatusReply<KeySet>> replyTo) implements Command {}

  /** A new key becomes the current one; the previous one is retired. */
  public record Rotate(ActorRef<StatusReply<KeySet>> replyTo) implements Command {}

  public sealed interface Event extends CborSerializable {}

  public record KeyCreated(SigningKey key) implements Event {}

  public record State(List<SigningKey> keys) implements CborSerializable {}

  public static void init(ActorSystem<?> system, Clock clock) {
    ClusterSharding.get(system)
        .init(
            ShardPlacement.applyTo(
                system, Entity.of(KEY, ctx -> create(ctx.getEntityId(), clock))));
  }

  public static Behavior<Command> create(String entityId, Clock clock) {
    return new VacpSigningKeys(entityId, clock);
  }

  private final Clock clock;

  private VacpSigningKeys(String entityId, Clock clock) {
    super(PersistenceId.of(KEY.name(), entityId), EntityRestart.WITH_BACKOFF);
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    return newCommandHandlerWithReplyBuilder()
        .forAnyState()
        .onCommand(
            GetKeys.class,
            (s, c) ->
                s.keys().isEmpty()
                    ? createKey(c.replyTo())
                    : Effect().reply(c.replyTo(), StatusReply.success(new KeySet(s.keys()))))
        .onCommand(Rotate.class, (s, c) -> createKey(c.replyTo()))
        .build();
  }

  private ReplyEffect<Event, State> createKey(ActorRef<StatusReply<KeySet>> replyTo) {
    KeyPair pair = newKeyPair();
    Base64.Encoder base64 = Base64.getEncoder();
    var key =
        new SigningKey(
            UUID.randomUUID().toString(),
            ALGORITHM,
            base64.encodeToString(pair.getPublic().getEncoded()),
            new Secret(base64.encodeToString(pair.getPrivate().getEncoded())),
            clock.instant(),
            Optional.empty());
    return Effect()
        .persist(new KeyCreated(key))
        .thenReply(replyTo, s -> StatusReply.success(new KeySet(s.keys())));
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK cannot make P-256 keys", e);
    }
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(
            KeyCreated.class,
            (s, e) -> {
              List<SigningKey> keys = new ArrayList<>();
              keys.add(e.key());
              for (SigningKey old : s.keys()) {
                if (keys.size() >= KEPT) break;
                keys.add(
                    old.retiredAt().isPresent()
                        ? old
                        : new SigningKey(
                            old.kid(),
                            old.algorithm(),
                            old.publicKey(),
                            old.privateKey(),
                            old.createdAt(),
                            Optional.of(e.key().createdAt())));
              }
              return new State(List.copyOf(keys));
            })
        .build();
  }
}
