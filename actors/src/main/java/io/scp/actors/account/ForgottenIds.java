package io.scp.actors.account;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.scp.actors.common.CborSerializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;

/**
 * The client ids (top-ups, reservations, deductions) an account no longer keeps with their details,
 * as 64-bit fingerprints: a replay older than the account's window is still recognised, and never
 * applied a second time, for 8 bytes an id. Two distinct ids share a fingerprint with a chance of
 * about one in 10^19 / n; such a new id would be taken for a replay (refused, nothing charged).
 *
 * <p>Mutated in place by the account's event handler, like the account's maps, and copied for
 * snapshots.
 */
public final class ForgottenIds implements CborSerializable {
  /**
   * Which kind of id: the same string may name a top-up and a reservation. A deduction's id is
   * unique within its reservation only, so it is fingerprinted with it ({@link #deduction}).
   */
  public enum Kind {
    TOPUP,
    RESERVATION,
    DEDUCTION
  }

  /** What a deduction is fingerprinted as: a space is in no id, so the pair is unambiguous. */
  public static String deduction(String reservationId, String deductionId) {
    return reservationId + ' ' + deductionId;
  }

  private long[] sorted;

  @JsonCreator
  public ForgottenIds(@JsonProperty("fingerprints") long[] fingerprints) {
    this.sorted = fingerprints == null ? new long[0] : fingerprints.clone();
    Arrays.sort(this.sorted);
  }

  public static ForgottenIds none() {
    return new ForgottenIds(new long[0]);
  }

  @JsonProperty("fingerprints")
  public long[] fingerprints() {
    return sorted;
  }

  public boolean contains(Kind kind, String id) {
    return sorted.length > 0 && Arrays.binarySearch(sorted, fingerprint(kind, id)) >= 0;
  }

  /** Remembers {@code ids} as forgotten: one merge for a batch. */
  public void addAll(Kind kind, Collection<String> ids) {
    if (ids.isEmpty()) return;
    long[] more = Arrays.copyOf(sorted, sorted.length + ids.size());
    int n = sorted.length;
    for (String id : ids) more[n++] = fingerprint(kind, id);
    Arrays.sort(more);
    sorted = more;
  }

  public ForgottenIds copy() {
    return new ForgottenIds(sorted);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ForgottenIds o && Arrays.equals(sorted, o.sorted);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sorted);
  }

  @Override
  public String toString() {
    return "ForgottenIds[" + sorted.length + "]";
  }

  static long fingerprint(Kind kind, String id) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update((byte) kind.ordinal());
      byte[] digest = sha.digest(id.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
