package io.scp.api.routes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scp.actors.cpm.CpmSettings;
import io.scp.actors.cpm.CpmUser;
import io.scp.api.codec.ProtoJson;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.CompletionStrategy;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.apache.pekko.stream.typed.javadsl.ActorSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket connection of a CPM user (one device), as a stream and a small actor between the
 * stream and the user's mailbox entity.
 *
 * <p>The actor registers with the mailbox and reads it in pages after the last sequence number it
 * passed on ({@link CpmUser.Sync}), then takes live {@link CpmUser.Deliver}s. It hands the client
 * one frame at a time as the socket asks for them (backpressure), never a sequence number it
 * already sent, so stored messages arrive in order and nothing twice on one connection. Its own
 * queue is bounded: when it is full a live message is dropped and read from the mailbox again once
 * the queue drains (it stays there until acknowledged). It re-registers every {@code
 * scp.cpm.stream.keepalive}, which also brings it back after the mailbox entity moved to another
 * node. Client frames {@code {"ack": messageId}} acknowledge; other frames are ignored, frames
 * larger than {@code scp.cpm.stream.max-client-frame-chars} close the connection.
 */
final class CpmStream {
  private static final Logger log = LoggerFactory.getLogger(CpmStream.class);

  private CpmStream() {}

  /** The flow of one connection; the actor is started when the socket is materialized. */
  static Flow<Message, Message, CompletionStage<NotUsed>> flow(
      ActorSystem<?> system, CpmSettings settings, String address) {
    return Flow.fromMaterializer(
        (materializer, attributes) -> connect(system, materializer, settings, address));
  }

  private static Flow<Message, Message, NotUsed> connect(
      ActorSystem<?> system, Materializer materializer, CpmSettings settings, String address) {
    ActorRef<CpmUser.DeviceEvent> connection =
        system.systemActorOf(
            Connection.create(address, settings, ClusterSharding.get(system)),
            "cpm-stream-" + UUID.randomUUID(),
            Props.empty());
    var toClient =
        ActorSource.<Out, CpmUser.DeviceEvent>actorRefWithBackpressure(
                connection,
                StreamAck.INSTANCE,
                out ->
                    out instanceof Complete
                        ? Optional.of(CompletionStrategy.draining())
                        : Optional.empty(),
                out -> Optional.empty())
            .preMaterialize(materializer);
    connection.tell(new Attach(toClient.first()));
    Source<Message, NotUsed> out =
        toClient.second().map(frame -> (Message) TextMessage.create(((Frame) frame).json()));
    int maxChars = settings.stream().maxClientFrameChars();
    Sink<Message, NotUsed> in =
        Flow.<Message>create()
            .mapAsync(1, message -> read(message, maxChars, materializer))
            .takeWhile(frame -> !frame.unreadable())
            .filter(frame -> frame.text() != null)
            .map(ClientText::text)
            .to(
                ActorSink.<String, CpmUser.DeviceEvent, SinkAck>actorRefWithBackpressure(
                    connection,
                    ClientFrame::new,
                    ClientReady::new,
                    SinkAck.INSTANCE,
                    ClientGone.INSTANCE,
                    failure -> ClientGone.INSTANCE));
    return Flow.fromSinkAndSourceCoupled(in, out);
  }

  /** A client frame as read: its text, nothing (binary), or too large (or broken) to read. */
  record ClientText(String text, boolean unreadable) {
    static final ClientText IGNORED = new ClientText(null, false);
    static final ClientText UNREADABLE = new ClientText(null, true);
  }

  /** Binary frames are drained and ignored; an unreadable text frame ends the inbound side. */
  private static CompletionStage<ClientText> read(
      Message message, int maxChars, Materializer materializer) {
    if (!message.isText()) {
      return message
          .asBinaryMessage()
          .getStreamedData()
          .runWith(Sink.ignore(), materializer)
          .thenApply(done -> ClientText.IGNORED);
    }
    return message
        .asTextMessage()
        .getStreamedText()
        .limitWeighted(maxChars, chunk -> (long) chunk.length())
        .runFold(new StringBuilder(), StringBuilder::append, materializer)
        .thenApply(text -> new ClientText(text.toString(), false))
        .exceptionally(
            failure -> {
              log.debug(
                  "closing a CPM stream: client frame unreadable or over {} characters", maxChars);
              return ClientText.UNREADABLE;
            });
  }

  // ---------------------------------------------------------------- the connection actor

  /** An element for the client. */
  sealed interface Out {}

  record Frame(String json) implements Out {}

  enum Complete implements Out {
    INSTANCE
  }

  record Attach(ActorRef<Out> toClient) implements CpmUser.DeviceEvent {}

  /** The socket took the last frame and wants the next. */
  enum StreamAck implements CpmUser.DeviceEvent {
    INSTANCE
  }

  enum SinkAck {
    INSTANCE
  }

  record ClientReady(ActorRef<SinkAck> ackTo) implements CpmUser.DeviceEvent {}

  record ClientFrame(ActorRef<SinkAck> ackTo, String text) implements CpmUser.DeviceEvent {}

  enum ClientGone implements CpmUser.DeviceEvent {
    INSTANCE
  }

  enum Keepalive implements CpmUser.DeviceEvent {
    INSTANCE
  }

  static final class Connection {
    private final String address;
    private final CpmSettings.Stream limits;
    private final ClusterSharding sharding;
    private final ActorRef<CpmUser.DeviceEvent> self;
    private final ArrayDeque<CpmUser.Entry> queue = new ArrayDeque<>();
    private ActorRef<Out> toClient;
    private long lastSeq;
    private boolean live;
    private boolean syncing;
    private boolean awaitingClient;

    private Connection(
        String address,
        CpmSettings.Stream limits,
        ClusterSharding sharding,
        ActorRef<CpmUser.DeviceEvent> self) {
      this.address = address;
      this.limits = limits;
      this.sharding = sharding;
      this.self = self;
    }

    static Behavior<CpmUser.DeviceEvent> create(
        String address, CpmSettings settings, ClusterSharding sharding) {
      return Behaviors.setup(
          context ->
              Behaviors.withTimers(
                  timers -> {
                    timers.startTimerWithFixedDelay(
                        Keepalive.INSTANCE, settings.stream().keepalive());
                    return new Connection(address, settings.stream(), sharding, context.getSelf())
                        .behavior();
                  }));
    }

    private Behavior<CpmUser.DeviceEvent> behavior() {
      return Behaviors.receive(CpmUser.DeviceEvent.class)
          .onMessage(Attach.class, this::onAttach)
          .onMessage(CpmUser.Batch.class, this::onBatch)
          .onMessage(CpmUser.Deliver.class, this::onDeliver)
          .onMessage(StreamAck.class, a -> onStreamAck())
          .onMessage(Keepalive.class, k -> onKeepalive())
          .onMessage(ClientReady.class, this::onClientReady)
          .onMessage(ClientFrame.class, this::onClientFrame)
          .onMessage(CpmUser.Closed.class, c -> close())
          .onMessage(ClientGone.class, g -> close())
          .build();
    }

    private Behavior<CpmUser.DeviceEvent> onAttach(Attach attach) {
      toClient = attach.toClient();
      sync();
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onBatch(CpmUser.Batch batch) {
      syncing = false;
      boolean complete = !batch.hasMore();
      for (CpmUser.Entry entry : batch.messages()) {
        if (entry.seq() <= lastSeq) continue;
        if (queue.size() >= limits.buffer()) {
          complete = false;
          break;
        }
        enqueue(entry);
      }
      live = complete;
      pump();
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onDeliver(CpmUser.Deliver deliver) {
      CpmUser.Entry entry = deliver.message();
      if (!live || entry.seq() <= lastSeq) return Behaviors.same();
      if (queue.size() >= limits.buffer()) {
        live = false;
      } else {
        enqueue(entry);
      }
      pump();
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onStreamAck() {
      awaitingClient = false;
      pump();
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onKeepalive() {
      if (toClient != null) sync();
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onClientReady(ClientReady ready) {
      ready.ackTo().tell(SinkAck.INSTANCE);
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> onClientFrame(ClientFrame frame) {
      ackedId(frame.text())
          .ifPresent(
              id -> sharding.entityRefFor(CpmUser.KEY, address).tell(new CpmUser.Acknowledge(id)));
      frame.ackTo().tell(SinkAck.INSTANCE);
      return Behaviors.same();
    }

    private Behavior<CpmUser.DeviceEvent> close() {
      if (toClient != null) toClient.tell(Complete.INSTANCE);
      return Behaviors.stopped();
    }

    private void enqueue(CpmUser.Entry entry) {
      queue.add(entry);
      lastSeq = entry.seq();
    }

    /** One frame to the client when it is ready; a drained queue reads what was missed. */
    private void pump() {
      if (toClient == null) return;
      if (!awaitingClient && !queue.isEmpty()) {
        toClient.tell(new Frame(json(queue.poll())));
        awaitingClient = true;
      }
      if (queue.isEmpty() && !live && !syncing) sync();
    }

    private void sync() {
      syncing = true;
      sharding
          .entityRefFor(CpmUser.KEY, address)
          .tell(new CpmUser.Sync(self, lastSeq, limits.page()));
    }
  }

  static String json(CpmUser.Entry entry) {
    ObjectNode frame = JsonNodeFactory.instance.objectNode();
    frame.put("type", "message");
    frame.setAll(ProtoJson.toTree(CpmViews.message(entry)));
    try {
      return ProtoJson.mapper().writeValueAsString(frame);
    } catch (IOException e) {
      throw new IllegalStateException("JSON encoding failed", e);
    }
  }

  /** The message id of a client frame {@code {"ack": "id"}}, if it is one. */
  static Optional<String> ackedId(String text) {
    try {
      JsonNode ack = ProtoJson.mapper().readTree(text).path("ack");
      if (ack.isTextual() && !ack.textValue().isEmpty()) return Optional.of(ack.textValue());
    } catch (IOException e) {
      log.debug("ignoring a client frame that is not JSON");
    }
    return Optional.empty();
  }
}
