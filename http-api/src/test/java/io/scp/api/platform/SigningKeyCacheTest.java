package io.scp.api.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.Secret;
import io.scp.actors.vacp.VacpSigningKeys;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A node's copy of the signing keys against a rotation made on another node: a token signed with
 * the new key verifies here too, also when this copy was read less than a second before.
 */
class SigningKeyCacheTest {
  final AtomicReference<VacpSigningKeys.KeySet> cluster = new AtomicReference<>();
  final AtomicInteger reads = new AtomicInteger();
  final SigningKeyCache cache =
      new SigningKeyCache(
          () -> {
            reads.incrementAndGet();
            return CompletableFuture.completedFuture(cluster.get());
          },
          Duration.ofSeconds(60));

  static VacpSigningKeys.SigningKey newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    var pair = generator.generateKeyPair();
    Base64.Encoder base64 = Base64.getEncoder();
    return new VacpSigningKeys.SigningKey(
        UUID.randomUUID().toString(),
        "ES256",
        base64.encodeToString(pair.getPublic().getEncoded()),
        new Secret(base64.encodeToString(pair.getPrivate().getEncoded())),
        Instant.now(),
        Optional.empty());
  }

  void rotate() throws Exception {
    List<VacpSigningKeys.SigningKey> keys = new ArrayList<>();
    keys.add(newKey());
    if (cluster.get() != null) keys.addAll(cluster.get().keys());
    cluster.set(new VacpSigningKeys.KeySet(keys));
  }

  @Test
  void aKeyRotatedElsewhereJustAfterThisCopyWasReadIsFoundByWaitingOutTheSecond() throws Exception {
    rotate();
    String first = cluster.get().current().kid();
    assertThat(cache.keys().toCompletableFuture().get(5, TimeUnit.SECONDS).byKid())
        .containsKey(first);

    rotate(); // on another node, well within a second of this node's read
    String second = cluster.get().current().kid();
    long start = System.nanoTime();
    var known = cache.knowing(second).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(known.byKid()).containsKeys(first, second);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    assertThat(reads.get()).isEqualTo(2);

    assertThat(cache.knowing(first).toCompletableFuture().get(5, TimeUnit.SECONDS).byKid())
        .as("a known key is no reason to read again")
        .containsKey(first);
    assertThat(reads.get()).isEqualTo(2);
  }

  @Test
  void aKeyNobodyHasIsStillUnknownAfterOneMoreRead() throws Exception {
    rotate();
    cache.keys().toCompletableFuture().get(5, TimeUnit.SECONDS);
    var keys = cache.knowing("no-such-kid").toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(keys.byKid()).doesNotContainKey("no-such-kid");
    assertThat(reads.get()).isEqualTo(2);
  }
}
