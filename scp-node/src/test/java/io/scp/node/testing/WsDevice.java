package io.scp.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A device on the CPM WebSocket stream, with the JDK's own client: collects the JSON frames it
 * receives and sends acknowledgements.
 */
public final class WsDevice implements WebSocket.Listener, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private final AtomicInteger pings = new AtomicInteger();
  private volatile boolean closed;
  private WebSocket socket;

  private WsDevice() {}

  /** Opens the stream of {@code address}; fails with the handshake answer when refused. */
  public static WsDevice connect(String httpBase, String address, Map<String, String> headers) {
    WsDevice device = new WsDevice();
    var builder =
        HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
    headers.forEach(builder::header);
    URI uri =
        URI.create(
            httpBase.replaceFirst("^http", "ws")
                + "/v1/cpm/users/"
                + URLEncoder.encode(address, StandardCharsets.UTF_8)
                + "/stream");
    device.socket = builder.buildAsync(uri, device).orTimeout(15, TimeUnit.SECONDS).join();
    return device;
  }

  public static WsDevice connect(String httpBase, String address) {
    return connect(httpBase, address, Map.of());
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        frames.add(JSON.readTree(partial.toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  /** Counts the server's keep-alive pings; the JDK answers them with pongs. */
  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, java.nio.ByteBuffer message) {
    pings.incrementAndGet();
    webSocket.request(1);
    return null;
  }

  public int pings() {
    return pings.get();
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed = true;
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed = true;
  }

  /** The next frame, or null when none comes within {@code timeout}. */
  public JsonNode next(Duration timeout) {
    try {
      return frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The next {@code n} frames; fails when they do not all come within {@code timeout} each. */
  public List<JsonNode> next(int n, Duration timeout) {
    List<JsonNode> got = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonNode frame = next(timeout);
      if (frame == null) {
        throw new AssertionError("only " + got.size() + " of " + n + " frames arrived: " + got);
      }
      got.add(frame);
    }
    return got;
  }

  public void ack(String messageId) {
    socket.sendText("{\"ack\":\"" + messageId + "\"}", true).join();
  }

  public void send(String text) {
    socket.sendText(text, true).join();
  }

  public boolean isClosed() {
    return closed || socket.isInputClosed();
  }

  @Override
  public void close() {
    if (!socket.isOutputClosed()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS).join();
    }
    socket.abort();
  }
}
