package io.scp.loadtest;

/**
 * How one unit of work went: done, refused by the node with a business answer (a released call), or
 * failed; skipped when the scenario had nothing free to start it with.
 *
 * @param id the unit's own id (call id, IMPI, msisdn, message id)
 * @param party who the unit was for (caller, pool, sender)
 * @param detail the release cause of a refused unit, what kind of unit a done one was (e.g. {@code
 *     initial} or {@code refresh} for IMS), or the error of a failed one
 * @param charge money charged for the unit (calls), else 0
 * @param endedNanos {@link System#nanoTime()} when the unit finished
 */
public record Outcome(
    String id, String party, Kind kind, String detail, long charge, long endedNanos) {
  public enum Kind {
    DONE,
    REFUSED,
    FAILED,
    SKIPPED
  }

  static Outcome done(String id, String party, String detail) {
    return new Outcome(id, party, Kind.DONE, detail, 0, System.nanoTime());
  }

  static Outcome refused(String id, String party, String cause) {
    return new Outcome(id, party, Kind.REFUSED, cause, 0, System.nanoTime());
  }

  static Outcome failed(String id, String party, String detail) {
    return new Outcome(id, party, Kind.FAILED, detail, 0, System.nanoTime());
  }

  /** A request that did not get a 2xx: which step, the status and what the node said. */
  static Outcome failed(String id, String party, String step, ApiTarget.Answer answer) {
    return failed(id, party, step + " " + answer.status() + " " + new String(answer.body()));
  }

  static Outcome skipped(String reason) {
    return new Outcome("", "", Kind.SKIPPED, reason, 0, System.nanoTime());
  }
}
