package io.scp.loadtest;

/**
 * The SIP-URI pools and users of a run, named deterministically from the run id. User {@code i} (an
 * MSISDN) always allocates from pool {@code i % pools}; every pool holds a range of URIs a quarter
 * larger than its share of users, so it can never run out, whatever the concurrency. Traffic is
 * spread over several pools because one pool is one entity that persists one event per allocation
 * and per release (docs/sip-uri.md, Limits).
 */
public record SipUriPopulation(String runId, int users, int pools) {
  public SipUriPopulation {
    if (users < 1 || users > 100_000)
      throw new IllegalArgumentException("SIP-URI users must be 1-100000");
    if (pools < 1 || pools > users)
      throw new IllegalArgumentException("SIP-URI pools must be 1-" + users);
  }

  public String poolId(int pool) {
    return "lt-" + runId + "-pool-" + pool;
  }

  public int poolOf(int user) {
    return user % pools;
  }

  public String msisdn(int user) {
    return Long.toString(
        8_616_000_000_000L + Math.floorMod(runId.hashCode(), 90_000) * 100_000L + user);
  }

  /** Users of the busiest pool, plus a quarter (at least 4) so a strategy has a choice. */
  public int urisPerPool() {
    int share = (users + pools - 1) / pools;
    return share + Math.max(4, share / 4);
  }

  /** The URI range template of a pool: {@code {n}} is the URI's number. */
  public String template(int pool) {
    return "sip:lt-" + runId + "-p" + pool + "-{n}@uri.loadtest.example";
  }
}
