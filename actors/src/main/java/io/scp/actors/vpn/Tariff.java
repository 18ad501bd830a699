package io.scp.actors.vpn;

import io.scp.actors.common.CborSerializable;

/**
 * The VPN group's price list and the call charging arithmetic.
 *
 * <p>Talk time {@code t > 0} costs {@code connectFee + ceil(roundUpToIncrement(t) × rate / 60)}; an
 * unanswered call costs 0. Quota slices reserve the difference of that charge between the time
 * granted before and after the slice, so the reservations of a call always add up to the charge of
 * its total granted time (the first slice carries the connect fee).
 *
 * <p>A charge never exceeds {@link #MAX_CHARGE}: rates and talk time are each within the API's
 * limits, but their product need not fit in a long (10^15 per minute for a week of talk).
 */
public record Tariff(
    String name,
    long onNetRatePerMinute,
    long offNetRatePerMinute,
    long connectFee,
    int billingIncrementSeconds,
    boolean allowOffNet,
    int maxCallSeconds)
    implements CborSerializable {

  /**
   * The ceiling of a charge: a thousand times the largest amount of money the API takes, so no
   * balance covers it, and far enough below {@code Long.MAX_VALUE} that sums and differences of
   * charges cannot overflow.
   */
  public static final long MAX_CHARGE = 1_000_000_000_000_000_000L;

  public long ratePerMinute(boolean onNet) {
    return onNet ? onNetRatePerMinute : offNetRatePerMinute;
  }

  /** Talk time rounded up to whole billing increments; 0 for 0. */
  public long billedSeconds(long talkSeconds) {
    if (talkSeconds <= 0) return 0;
    long increments = (talkSeconds + billingIncrementSeconds - 1) / billingIncrementSeconds;
    return increments * billingIncrementSeconds;
  }

  /** What {@code talkSeconds} of talk cost, connect fee included; 0 for an unanswered call. */
  public long charge(long talkSeconds, boolean onNet) {
    if (talkSeconds <= 0) return 0;
    long billed = billedSeconds(talkSeconds);
    long rate = ratePerMinute(onNet);
    // billed × rate / 60 as whole minutes plus the rest: the minutes alone may pass the ceiling
    // (then so does the charge), the rest (under a minute, 59 × 10^15 at most) always fits.
    long minutes = billed / 60;
    if (rate > 0 && minutes > MAX_CHARGE / rate) return MAX_CHARGE;
    long restCost = (billed % 60) * rate;
    long talkCost = minutes * rate + restCost / 60 + (restCost % 60 == 0 ? 0 : 1);
    return Math.min(MAX_CHARGE, connectFee + talkCost);
  }

  /** Money a slice must reserve to extend the granted time from {@code before} to {@code after}. */
  public long sliceCost(long before, long after, boolean onNet) {
    return charge(after, onNet) - charge(before, onNet);
  }

  /**
   * The largest slice the money {@code available} can cover: the full {@code quota} (capped so the
   * call stays within {@code maxCallSeconds}) when affordable, else the most whole billing
   * increments that are. 0 means not even one increment (or nothing left of the maximum duration).
   */
  public long affordableSlice(long grantedBefore, long quota, long available, boolean onNet) {
    long full = Math.min(quota, Math.max(0, maxCallSeconds - grantedBefore));
    if (full <= 0) return 0;
    if (sliceCost(grantedBefore, grantedBefore + full, onNet) <= available) return full;
    long slice = (full / billingIncrementSeconds) * billingIncrementSeconds;
    while (slice > 0 && sliceCost(grantedBefore, grantedBefore + slice, onNet) > available) {
      slice -= billingIncrementSeconds;
    }
    return slice;
  }
}
