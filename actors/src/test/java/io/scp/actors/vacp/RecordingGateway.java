package io.scp.actors.vacp;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The platforms' side of entity unit tests: records every call and answers each operation with the
 * outcome set for it (ACCEPTED by default). The real HTTP gateway is tested against real HTTP
 * servers in http-api and in the end-to-end tests.
 */
final class RecordingGateway implements PlatformGateway {
  /** A call as made: the fields with their typed values ({@link PlatformFields#values()}). */
  record Call(String platformId, String operation, Map<String, Object> fields) {}

  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final Map<String, Outcome> outcomes = new ConcurrentHashMap<>();

  void answer(String operation, Outcome outcome) {
    outcomes.put(operation, outcome);
  }

  List<Call> calls() {
    return List.copyOf(calls);
  }

  List<Call> calls(String operation) {
    return calls.stream().filter(c -> c.operation().equals(operation)).toList();
  }

  @Override
  public CompletionStage<Response> call(
      Endpoint endpoint, String operation, PlatformFields fields, Optional<String> payload) {
    calls.add(new Call(endpoint.platformId(), operation, fields.values()));
    return CompletableFuture.completedFuture(
        Response.of(outcomes.getOrDefault(operation, Outcome.ACCEPTED), "scripted"));
  }
}
