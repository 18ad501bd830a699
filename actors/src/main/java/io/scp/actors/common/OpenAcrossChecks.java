package io.scp.actors.common;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Ids that were open at two consecutive periodic checks. Entities that wake the owners of what they
 * hold (an account its reservations' calls, a watch its postpaid calls) tell only those: an id
 * opened since the last check belongs to an owner that is certainly still busy with it. Not
 * persisted: after a recovery everything open predates it and is told at the next check.
 */
public final class OpenAcrossChecks {
  private Set<String> atLastCheck = Set.of();

  /** On recovery: what is open now is told at the next check. */
  public void recovered(Collection<String> openNow) {
    atLastCheck = new HashSet<>(openNow);
  }

  /** One check: the ids open now that were open at the last check too. */
  public List<String> check(Collection<String> openNow) {
    List<String> stillOpen = new ArrayList<>();
    for (String id : openNow) {
      if (atLastCheck.contains(id)) stillOpen.add(id);
    }
    atLastCheck = new HashSet<>(openNow);
    return stillOpen;
  }
}
