package io.scp.actors.common;

import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.Recovery;

/**
 * Recovery for entities that never take a snapshot: the snapshot store is not asked (it answers "no
 * snapshot" without a query when the criteria select none), the journal replays everything.
 *
 * <p>It pays on entities created per request — a call, a message, an invocation — which otherwise
 * cost one snapshot query each before their first command. An entity using it must not declare
 * {@code retentionCriteria()}: its snapshots would be ignored (JournalOnlyRecoveryTest checks).
 */
public final class JournalOnlyRecovery {
  private static final Recovery RECOVERY =
      Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());

  private JournalOnlyRecovery() {}

  public static Recovery get() {
    return RECOVERY;
  }
}
