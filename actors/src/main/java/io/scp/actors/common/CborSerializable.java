package io.scp.actors.common;

/** Marker for every message, event and state that crosses a node or reaches the journal. */
public interface CborSerializable {}
