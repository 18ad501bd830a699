package io.scp.api;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.server.Route;

/** Binds the API and unbinds it first when the node shuts down. */
public final class HttpServer {
  private HttpServer() {}

  public static CompletionStage<ServerBinding> start(
      ActorSystem<?> system, Route route, String host, int port) {
    return Http.get(system)
        .newServerAt(host, port)
        .bind(route)
        .thenApply(binding -> binding.addToCoordinatedShutdown(Duration.ofSeconds(5), system));
  }
}
