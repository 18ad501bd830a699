package io.scp.actors.wire;

import io.scp.actors.wire.proto.Moment;
import io.scp.actors.wire.proto.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;

/** The value types the call path's messages share, to and from their protobuf form. */
final class WireValues {
  private final ExtendedActorSystem system;
  // Resolved on first use: the serializer is made while the actor system is still starting.
  private volatile ActorRefResolver resolver;

  WireValues(ExtendedActorSystem system) {
    this.system = system;
  }

  String ref(ActorRef<?> ref) {
    return resolver().toSerializationFormat(ref);
  }

  <T> ActorRef<T> ref(String serialized) {
    return resolver().resolveActorRef(serialized);
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }

  static Moment moment(Instant instant) {
    return Moment.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  static Instant instant(Moment moment) {
    return Instant.ofEpochSecond(moment.getSeconds(), moment.getNanos());
  }

  static Span span(Duration duration) {
    return Span.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano()).build();
  }

  static Duration duration(Span span) {
    return Duration.ofSeconds(span.getSeconds(), span.getNanos());
  }

  /** An optional protobuf field as the domain's Optional. */
  static <T> Optional<T> optional(boolean present, T value) {
    return present ? Optional.of(value) : Optional.empty();
  }
}
