package io.scp.loadtest;

import io.scp.api.proto.AllocateSipUriRequest;
import io.scp.api.proto.Empty;
import io.scp.api.proto.SipUriAllocation;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

/**
 * One unit is an allocate+release pair: a user takes a temporary SIP-URI from its pool ({@code POST
 * …/allocations}) and gives it back ({@code POST …/allocations/{msisdn}/release}). Users are taken
 * in turn and one user is in one unit at a time, as one subscriber holds one URI at a time. Both
 * requests are idempotent per (pool, msisdn), so a retry on the next node is safe.
 */
public final class SipUriScenario implements Scenario {
  static final Labels LABELS =
      new Labels(
          "SIP-URI allocate+release",
          "allocate+release pairs",
          "pairs/s",
          "clients",
          "refused",
          "refusals",
          "");

  private final SipUriPopulation population;
  private final Wire wire;
  private final Leases<Integer> idle;

  public SipUriScenario(SipUriPopulation population, Wire wire) {
    this.population = population;
    this.wire = wire;
    List<Integer> users = IntStream.range(0, population.users()).boxed().toList();
    this.idle = new Leases<>(users);
  }

  /** Users: the most units that can be in flight at once. */
  public int users() {
    return idle.size();
  }

  @Override
  public Labels labels() {
    return LABELS;
  }

  @Override
  public CompletableFuture<Outcome> unit(ApiTarget api, Random random) {
    Integer user = idle.take();
    if (user == null)
      return CompletableFuture.completedFuture(Outcome.skipped("every user holds a URI"));
    String msisdn = population.msisdn(user);
    String pool = population.poolId(population.poolOf(user));
    String base = "/v1/sip-uri-pools/" + pool + "/allocations";
    return wire.post(
            api, "allocate", base, AllocateSipUriRequest.newBuilder().setMsisdn(msisdn).build())
        .thenCompose(
            a -> {
              if (!a.ok())
                return CompletableFuture.completedFuture(
                    Outcome.failed(msisdn, pool, "allocate", a));
              SipUriAllocation held = wire.decode(a.body(), SipUriAllocation.newBuilder());
              if (!held.getMsisdn().equals(msisdn) || held.getUri().isEmpty())
                return CompletableFuture.completedFuture(
                    Outcome.failed(msisdn, pool, "allocation for someone else: " + held));
              return wire.post(
                      api, "release", base + "/" + msisdn + "/release", Empty.getDefaultInstance())
                  .thenApply(
                      r ->
                          r.ok()
                              ? Outcome.done(msisdn, pool, "")
                              : Outcome.failed(msisdn, pool, "release " + held.getUri(), r));
            })
        .whenComplete((o, e) -> idle.giveBack(user));
  }
}
