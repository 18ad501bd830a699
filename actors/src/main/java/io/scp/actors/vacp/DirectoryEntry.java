package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import java.util.Optional;

/**
 * A capability as a VACP directory holds it. {@code revision} grows with every change of the
 * capability (registration, change, deregistration), so a VACP keeps the newest it has seen and
 * late or repeated deliveries change nothing. A deregistered capability stays as an inactive entry
 * (a tombstone) so an older publication cannot bring it back.
 */
public record DirectoryEntry(
    String capabilityId,
    String service,
    String name,
    String description,
    Style style,
    String platformId,
    int serviceClass,
    Optional<String> region,
    String homeVacpId,
    long revision,
    boolean active)
    implements CborSerializable {

  /** How a capability is used: invoked by the consumer, pushed by the provider, or both. */
  public enum Style {
    PULL,
    PUSH,
    BOTH;

    public boolean offers(Interworking.Mode mode) {
      return this == BOTH || name().equals(mode.name());
    }
  }

  /** Whether this entry should replace {@code other} (which may be null). */
  boolean newerThan(DirectoryEntry other) {
    return other == null || revision > other.revision;
  }
}
