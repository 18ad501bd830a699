package io.scp.actors.vacp;

/**
 * A token bucket: holds up to {@code burst} tokens, refilled at {@code ratePerSecond}, one token
 * per admitted call. It starts full. Time is given by the caller (monotonic nanoseconds), so the
 * bucket is plain arithmetic and easy to test.
 */
final class TokenBucket {
  private static final double NANOS_PER_SECOND = 1e9;

  private double ratePerSecond;
  private double burst;
  private double tokens;
  private long updatedAt;

  TokenBucket(int ratePerSecond, int burst, long now) {
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = burst;
    this.updatedAt = now;
  }

  /**
   * Applies terms that may have changed since the bucket was made. The time since the last use
   * refills at the old rate up to the <em>new</em> burst, so a raised burst is usable at once by a
   * bucket that had time to fill (capped at the old one first, it was not); a lowered one cuts the
   * tokens down to it.
   */
  void retune(int ratePerSecond, int burst, long now) {
    this.burst = burst;
    refill(now);
    this.ratePerSecond = ratePerSecond;
    this.tokens = Math.min(tokens, burst);
  }

  /** Takes a token if there is one. */
  boolean tryTake(long now) {
    refill(now);
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }

  /** Gives back a token taken for a call that was not made after all. */
  void giveBack() {
    tokens = Math.min(burst, tokens + 1);
  }

  /** Whole seconds (at least 1) until a token is available. */
  long secondsUntilToken(long now) {
    refill(now);
    double missing = 1 - tokens;
    if (missing <= 0) return 1;
    return Math.max(1, (long) Math.ceil(missing / ratePerSecond));
  }

  /** Whether the bucket is full again (it can be forgotten). */
  boolean full(long now) {
    refill(now);
    return tokens >= burst;
  }

  private void refill(long now) {
    if (now > updatedAt) {
      tokens = Math.min(burst, tokens + (now - updatedAt) / NANOS_PER_SECOND * ratePerSecond);
      updatedAt = now;
    }
  }
}
