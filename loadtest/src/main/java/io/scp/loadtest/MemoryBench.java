package io.scp.loadtest;

import io.scp.api.proto.CallDecision;
import io.scp.api.proto.CallEnd;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.Empty;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * The heap a live call takes on its node (the memory bar of quality.md: at most 4 KiB per live
 * entity): with the node otherwise idle, {@code calls} calls are set up and answered and held open,
 * so every one of them is a live call entity with an open reservation on its account; the heap
 * after a full collection before and while they are held (10 s after the last was opened), over the
 * calls the node hosts, is what one of them costs. Then they are ended, so the accounts are as a
 * normal run leaves them.
 */
final class MemoryBench {
  static final String CALL_ENTITY = "VpnCall";
  private static final Duration SETTLE = Duration.ofSeconds(10);

  /** Heap and live entities before the calls were opened and while they were held. */
  record LiveCalls(int opened, NodeHeap.Reading before, NodeHeap.Reading held) {
    long liveCalls() {
      return held.entities(CALL_ENTITY) - before.entities(CALL_ENTITY);
    }

    long bytesPerCall() {
      return (held.heapBytes() - before.heapBytes()) / Math.max(1, liveCalls());
    }
  }

  private final String url;
  private final long pid;
  private final PrintStream out;

  /** The node serving {@code url} runs as process {@code pid} on this machine. */
  MemoryBench(String url, long pid, PrintStream out) {
    this.url = url;
    this.pid = pid;
    this.out = out;
  }

  LiveCalls liveCalls(Population population, int calls, int inFlight) throws Exception {
    awaitNoLiveCalls(url, Duration.ofSeconds(60));
    NodeHeap.Reading before = NodeHeap.afterFullCollection(pid, url);
    var api = new ApiTarget(List.of(url), null, new Latencies(), 5, Duration.ofSeconds(30));
    var wire = new Wire(true);
    List<Population.Member> members = population.members();
    String prefix = "lt-" + population.runId() + "-held-" + System.currentTimeMillis() + "-";
    List<Integer> numbers = IntStream.range(0, calls).boxed().toList();
    Bounded.forEach(
        numbers, inFlight, i -> open(api, wire, members, population.groups(), prefix + i, i));
    // The timeouts of the requests that opened them (asks of at most 5 s, cancelled when answered)
    // stay in the scheduler until they would have fired: transient, not the calls' own heap.
    Thread.sleep(SETTLE.toMillis());
    NodeHeap.Reading held = NodeHeap.afterFullCollection(pid, url);
    Bounded.forEach(numbers, inFlight, i -> end(api, wire, prefix + i));
    var result = new LiveCalls(calls, before, held);
    out.printf(
        "memory: %d calls held, %d live call entities, %d bytes of heap each%n",
        calls, result.liveCalls(), result.bytesPerCall());
    return result;
  }

  /** Calls of the rows before linger a moment after they end; the count starts from none. */
  private static void awaitNoLiveCalls(String url, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (NodeHeap.read(url).entities(CALL_ENTITY) > 0) {
      if (System.nanoTime() > deadline)
        throw new IllegalStateException("calls still live on " + url + " after " + timeout);
      Thread.sleep(500);
    }
  }

  private static CompletableFuture<Void> open(
      ApiTarget api,
      Wire wire,
      List<Population.Member> members,
      int groups,
      String callId,
      int seed) {
    Population.Member[] pair = Population.pair(members, groups, new Random(seed));
    var setup =
        CallSetup.newBuilder()
            .setCallId(callId)
            .setCaller(pair[0].msisdn())
            .setCalled(pair[1].shortNumber())
            .build();
    return wire.post(api, "setup", "/v1/calls", setup)
        .thenCompose(
            a -> {
              CallDecision d = a.ok() ? wire.decode(a.body(), CallDecision.newBuilder()) : null;
              if (d == null || !d.getDecision().equals("CONNECT"))
                throw new IllegalStateException(
                    "call " + callId + " not connected: " + a.status() + " " + d);
              return wire.post(
                  api, "answer", "/v1/calls/" + callId + "/answer", Empty.getDefaultInstance());
            })
        .thenAccept(a -> expectOk(a, "answer of " + callId));
  }

  private static CompletableFuture<Void> end(ApiTarget api, Wire wire, String callId) {
    return wire.post(
            api,
            "end",
            "/v1/calls/" + callId + "/end",
            CallEnd.newBuilder().setTalkSeconds(1).build())
        .thenAccept(a -> expectOk(a, "end of " + callId));
  }

  private static void expectOk(ApiTarget.Answer answer, String what) {
    if (!answer.ok()) throw new IllegalStateException(what + " failed: " + answer.status());
  }
}
