package io.scp.actors.account;

import java.util.List;

/**
 * The reservation ids the SCP makes for its own services on an account. API clients name their
 * reservations themselves, in the same id space, so these prefixes are kept for the SCP: a client
 * reservation named like a call's would otherwise be taken over by that call's settlement, and the
 * account would ask a call that never existed whether it still holds it.
 */
public final class ReservationIds {
  /** A prepaid call's quota slice: {@code call:<callId>:<slice number>}. */
  public static final String CALL = "call:";

  /** A prepaid CPM sender's fee for one message: {@code cpm-message:<messageId>}. */
  public static final String CPM_MESSAGE = "cpm-message:";

  /** A VACP interworking's settlement: {@code vacp:<interworkingId>:<epoch>}. */
  public static final String VACP = "vacp:";

  private static final List<String> SCP_PREFIXES = List.of(CALL, CPM_MESSAGE, VACP);

  private ReservationIds() {}

  /** Whether {@code reservationId} is named like one the SCP makes for its own services. */
  public static boolean isScpOwned(String reservationId) {
    // Asked for every reservation a call makes: no stream for three prefixes.
    for (String prefix : SCP_PREFIXES) {
      if (reservationId.startsWith(prefix)) return true;
    }
    return false;
  }

  /** The prefixes, for the message that refuses a client's id. */
  public static String prefixes() {
    return String.join(", ", SCP_PREFIXES);
  }
}
