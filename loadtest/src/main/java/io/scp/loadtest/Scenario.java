package io.scp.loadtest;

import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * One kind of traffic the {@link TrafficDriver} can run: how to start one unit of work (a call, a
 * registration, an allocate+release pair, a message) and what the reports call it.
 */
public interface Scenario {
  /**
   * Words for progress lines and reports.
   *
   * @param what title of the traffic ("prepaid VPN calls")
   * @param done the units completed ("calls ended")
   * @param rate units per second ("calls/s")
   * @param workers closed-loop workers ("callers")
   * @param refused units the node refused with a business answer ("released")
   * @param refusalCauses heading of the refusal causes ("release causes")
   * @param doneKinds heading of the kinds of completed units, when a scenario tells them apart
   */
  record Labels(
      String what,
      String done,
      String rate,
      String workers,
      String refused,
      String refusalCauses,
      String doneKinds) {}

  Labels labels();

  /**
   * Starts one unit. {@code random} belongs to the calling worker: use it only before returning.
   * The future never fails; errors are {@link Outcome.Kind#FAILED} outcomes.
   */
  CompletableFuture<Outcome> unit(ApiTarget api, Random random);
}
