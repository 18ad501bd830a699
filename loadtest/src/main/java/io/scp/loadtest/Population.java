package io.scp.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The subscribers a run uses: {@code groups} VPN groups of prepaid members, numbered
 * deterministically from a run prefix so a run can be repeated or checked afterwards.
 */
public record Population(String runId, int groups, int subscribers, long balance) {

  public record Member(String msisdn, String accountId, String groupId, String shortNumber) {}

  public List<Member> members() {
    List<Member> members = new ArrayList<>(subscribers);
    long base = 8_615_000_000_000L + Math.floorMod(runId.hashCode(), 900_000) * 1_000L;
    for (int i = 0; i < subscribers; i++) {
      int group = i % groups;
      members.add(
          new Member(
              Long.toString(base + i),
              "lt-" + runId + "-acc-" + i,
              "lt-" + runId + "-grp-" + group,
              Integer.toString(1000 + i / groups)));
    }
    return members;
  }

  public List<String> groupIds() {
    List<String> ids = new ArrayList<>();
    for (int g = 0; g < groups; g++) ids.add("lt-" + runId + "-grp-" + g);
    return ids;
  }

  /** A caller and a callee of the same group (dialled by short number). */
  public static Member[] pair(List<Member> members, int groups, Random random) {
    Member caller = members.get(random.nextInt(members.size()));
    int group = members.indexOf(caller) % groups;
    int perGroup = (members.size() - group + groups - 1) / groups;
    Member callee = caller;
    if (perGroup > 1) {
      while (callee == caller) callee = members.get(group + groups * random.nextInt(perGroup));
    }
    return new Member[] {caller, callee};
  }
}
