package io.scp.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * SIP-URI exclusivity after a run: asks a node to audit every pool of the run from the journal
 * ({@code GET /v1/ops/sip-uri-pools/{poolId}/audit}, which replays the pool's and its URIs' events
 * without asking the entities) and collects what the audits found.
 */
public final class SipUriAudit {
  private final ApiTarget operatorApi;

  public SipUriAudit(ApiTarget operatorApi) {
    this.operatorApi = operatorApi;
  }

  public record Findings(
      int pools, long allocations, long releases, long held, List<String> violations) {
    public boolean ok() {
      return violations.isEmpty();
    }
  }

  public Findings audit(SipUriPopulation population) {
    long allocations = 0;
    long releases = 0;
    long held = 0;
    List<String> violations = new ArrayList<>();
    for (int p = 0; p < population.pools(); p++) {
      String pool = population.poolId(p);
      ApiTarget.Answer a =
          operatorApi
              .send(
                  "audit", "GET", "/v1/ops/sip-uri-pools/" + pool + "/audit", null, ApiTarget.JSON)
              .join();
      JsonNode audit = a.json().orElse(null);
      if (audit == null) {
        violations.add("pool " + pool + ": no audit (status " + a.status() + ")");
        continue;
      }
      allocations += audit.path("allocations").asLong();
      releases += audit.path("releases").asLong();
      held += audit.path("held").asLong();
      audit.path("violations").forEach(v -> violations.add("pool " + pool + ": " + v.asText()));
    }
    return new Findings(population.pools(), allocations, releases, held, violations);
  }
}
