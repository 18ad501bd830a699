package io.scp.actors.vacp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
  static final long SECOND = 1_000_000_000L;

  static int admitted(TokenBucket bucket, int tries, long now) {
    int admitted = 0;
    for (int i = 0; i < tries; i++) if (bucket.tryTake(now)) admitted++;
    return admitted;
  }

  @Test
  void aRaisedBurstIsUsableAtOnceByABucketThatHadTimeToFill() {
    var bucket = new TokenBucket(1, 3, 0);
    assertThat(admitted(bucket, 10, 0)).isEqualTo(3);
    // ten idle seconds at 1/s, then the burst goes from 3 to 6
    bucket.retune(1, 6, 10 * SECOND);
    assertThat(admitted(bucket, 10, 10 * SECOND)).isEqualTo(6);
  }

  @Test
  void aRaisedBurstDoesNotGrantTimeThatDidNotPass() {
    var bucket = new TokenBucket(1, 3, 0);
    assertThat(admitted(bucket, 3, 0)).isEqualTo(3);
    bucket.retune(1, 6, 2 * SECOND); // two seconds: two tokens
    assertThat(admitted(bucket, 10, 2 * SECOND)).isEqualTo(2);
  }

  @Test
  void aLoweredBurstCutsTheTokensAndTheSameTermsChangeNothing() {
    var bucket = new TokenBucket(1, 6, 0);
    bucket.retune(1, 2, SECOND);
    assertThat(admitted(bucket, 10, SECOND)).isEqualTo(2);
    var same = new TokenBucket(1, 3, 0);
    same.retune(1, 3, 100 * SECOND);
    assertThat(admitted(same, 10, 100 * SECOND)).isEqualTo(3);
  }
}
