package io.scp.persistence.journal;

import java.util.Set;

/**
 * One event as it goes into {@code event_journal}, with the tags that go into {@code event_tag}.
 */
record JournalRow(
    String persistenceId,
    long sequenceNumber,
    String writer,
    long writeTimestamp,
    String adapterManifest,
    int serializerId,
    String serializerManifest,
    byte[] payload,
    Set<String> tags) {}
