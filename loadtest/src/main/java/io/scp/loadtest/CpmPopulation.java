package io.scp.loadtest;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** The CPM users of a run: SIP addresses named from the run id (no MSISDN, so no SMS, no fee). */
public record CpmPopulation(String runId, int users) {
  public CpmPopulation {
    if (users < 2) throw new IllegalArgumentException("CPM needs at least 2 users");
  }

  public String address(int user) {
    return "sip:lt-" + runId + "-cpm-" + user + "@cpm.loadtest.example";
  }

  /** The address as a URL path segment. */
  public String pathSegment(int user) {
    return URLEncoder.encode(address(user), StandardCharsets.UTF_8);
  }
}
