package io.scp.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the money rules of quality.md through the API after a run: conservation and nothing left
 * reserved on every account, every acknowledged end reflected on its call, and the CDR charges of
 * every caller equal to what was deducted from its account.
 */
public final class InvariantChecker {
  private static final int BODILESS_READS = 5;

  private final ApiTarget api;
  private final List<String> bodilessAnswers = new ArrayList<>();

  public InvariantChecker(ApiTarget operatorApi) {
    this.api = operatorApi;
  }

  public record Findings(
      List<String> violations,
      long accounts,
      long deducted,
      long cdrCharges,
      long acknowledgedEnds,
      List<String> bodilessAnswers) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  /**
   * Waits until no account holds reserved money (calls the front end abandoned close by
   * themselves).
   */
  public boolean awaitSettled(Population population, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      long reserved = 0;
      for (Population.Member m : population.members()) {
        JsonNode a = get("/v1/accounts/" + m.accountId());
        reserved += a == null ? 1 : a.path("reserved").asLong();
      }
      if (reserved == 0) return true;
      Thread.sleep(1_000);
    }
    return false;
  }

  public Findings check(Population population, RunResult result, Duration cdrLag)
      throws InterruptedException {
    List<String> violations = new ArrayList<>();
    Map<String, Long> deductedByCaller = new HashMap<>();
    Map<String, JsonNode> accountViews = new HashMap<>();
    long deducted = 0;
    for (Population.Member m : population.members()) {
      JsonNode a = get("/v1/accounts/" + m.accountId());
      if (a == null) {
        violations.add("account " + m.accountId() + " unreadable");
        continue;
      }
      long initial = a.path("initialBalance").asLong();
      long balance = a.path("balance").asLong();
      long reserved = a.path("reserved").asLong();
      long accountDeducted = a.path("deducted").asLong();
      if (initial + a.path("toppedUp").asLong() != balance + accountDeducted) {
        violations.add("conservation broken on " + m.accountId() + ": " + a);
      }
      if (reserved < 0 || reserved > balance)
        violations.add("reserved out of range on " + m.accountId() + ": " + a);
      if (reserved != 0)
        violations.add("money still reserved on " + m.accountId() + ": " + reserved);
      deductedByCaller.put(m.msisdn(), accountDeducted);
      accountViews.put(m.msisdn(), a);
      deducted += accountDeducted;
    }
    long acknowledged = 0;
    for (Outcome o : result.outcomes) {
      if (o.kind() != Outcome.Kind.DONE) continue;
      acknowledged++;
      JsonNode call = get("/v1/calls/" + o.id());
      if (call == null
          || !call.path("state").asText().equals("ENDED")
          || call.path("charge").asLong() != o.charge()) {
        violations.add(
            "acknowledged end of "
                + o.id()
                + " (charge "
                + o.charge()
                + ") not reflected: "
                + call);
      }
    }
    long cdrCharges = awaitCdrs(population, deductedByCaller, accountViews, cdrLag, violations);
    return new Findings(
        violations,
        population.members().size(),
        deducted,
        cdrCharges,
        acknowledged,
        List.copyOf(bodilessAnswers));
  }

  /** Sum of CALL CDR charges per caller must equal that caller's deductions (CDRs lag a little). */
  private long awaitCdrs(
      Population population,
      Map<String, Long> deductedByCaller,
      Map<String, JsonNode> accountViews,
      Duration lag,
      List<String> violations)
      throws InterruptedException {
    long deadline = System.nanoTime() + lag.toNanos();
    Map<String, Long> charges;
    do {
      charges = new HashMap<>();
      for (Population.Member m : population.members())
        charges.put(m.msisdn(), cdrCharges(m.msisdn()));
      if (charges.equals(deductedByCaller)) break;
      Thread.sleep(1_000);
    } while (System.nanoTime() < deadline);
    for (var entry : deductedByCaller.entrySet()) {
      long cdr = charges.getOrDefault(entry.getKey(), -1L);
      if (cdr != entry.getValue()) {
        violations.add(
            "caller "
                + entry.getKey()
                + ": CDR charges "
                + cdr
                + " but deducted "
                + entry.getValue()
                + " (account as read: "
                + accountViews.get(entry.getKey())
                + ")");
      }
    }
    return charges.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The caller's charges on every one of its call CDRs, read page after page. */
  private long cdrCharges(String msisdn) {
    String query = "/v1/cdrs?type=CALL&limit=1000&msisdn=" + msisdn;
    long sum = 0;
    String before = "";
    do {
      JsonNode page = get(query + before);
      if (page == null) return -1;
      for (JsonNode cdr : page.path("cdrs")) {
        if (cdr.path("chargedParty").asText().equals(msisdn)) sum += cdr.path("charge").asLong();
      }
      JsonNode next = page.path("next");
      before = next.isTextual() ? "&before=" + next.asText() : "";
    } while (!before.isEmpty());
    return sum;
  }

  /**
   * The resource as JSON, or null when it cannot be read. A 2xx answer without a JSON body says
   * nothing about the state (read as zeros it would even hide a broken balance), so it is noted in
   * {@link Findings#bodilessAnswers} and the resource is read again.
   */
  private JsonNode get(String path) {
    for (int attempt = 1; ; attempt++) {
      ApiTarget.Answer a = api.send("check", "GET", path, null, ApiTarget.JSON).join();
      Optional<JsonNode> json = a.json();
      if (json.isPresent() || !a.ok()) return json.orElse(null);
      bodilessAnswers.add(
          path
              + ": status "
              + a.status()
              + " with a body of "
              + a.body().length
              + " bytes from "
              + a.origin());
      if (attempt == BODILESS_READS) return null;
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
  }
}
