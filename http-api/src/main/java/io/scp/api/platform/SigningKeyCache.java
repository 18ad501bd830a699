package io.scp.api.platform;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.KeyUse;
import io.scp.actors.vacp.VacpSigningKeys;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * This node's copy of the cluster-wide signing keys ({@link VacpSigningKeys}): read once, then
 * again when older than {@code maxAge}, or when a token names a key this copy does not know (a
 * rotation on another node): at once, or when the copy is {@code minAge} old if it is younger. One
 * read at a time; a failed read is retried by the next caller.
 */
public final class SigningKeyCache {
  private static final Duration MIN_AGE = Duration.ofSeconds(1);

  /** The keys as JWKs: the current one (with its private part) and every key by id. */
  public record Keys(ECKey current, Map<String, ECKey> byKid, long readAt) {}

  private final Supplier<CompletionStage<VacpSigningKeys.KeySet>> read;
  private final Duration maxAge;
  private final AtomicReference<CompletableFuture<Keys>> cached = new AtomicReference<>();

  public SigningKeyCache(Supplier<CompletionStage<VacpSigningKeys.KeySet>> read, Duration maxAge) {
    this.read = read;
    this.maxAge = maxAge;
  }

  public CompletionStage<Keys> keys() {
    return readIfOlderThan(maxAge);
  }

  /**
   * The keys, with {@code kid} among them if the cluster has it. A copy that lacks it is read again
   * — once it is {@code minAge} old, so a copy read just before another node rotated (less than a
   * second ago) does not answer for the new key: the caller waits out the rest of that second.
   */
  public CompletionStage<Keys> knowing(String kid) {
    return keys()
        .thenCompose(
            k -> k.byKid().containsKey(kid) ? CompletableFuture.completedFuture(k) : reread(k));
  }

  /**
   * Reads the keys again once {@code lacking} is {@code minAge} old (another caller's read may).
   */
  private CompletionStage<Keys> reread(Keys lacking) {
    long wait = MIN_AGE.toNanos() - (System.nanoTime() - lacking.readAt());
    if (wait <= 0) return readIfOlderThan(MIN_AGE);
    return CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(wait, TimeUnit.NANOSECONDS))
        .thenCompose(ignored -> readIfOlderThan(MIN_AGE));
  }

  /** Forgets this copy (after a rotation made here). */
  public void invalidate() {
    cached.set(null);
  }

  private CompletionStage<Keys> readIfOlderThan(Duration age) {
    while (true) {
      CompletableFuture<Keys> current = cached.get();
      boolean usable =
          current != null
              && !current.isCompletedExceptionally()
              && (!current.isDone() || System.nanoTime() - current.join().readAt() < age.toNanos());
      if (usable) return current;
      CompletableFuture<Keys> next = new CompletableFuture<>();
      if (cached.compareAndSet(current, next)) {
        read.get()
            .thenApply(SigningKeyCache::parse)
            .whenComplete(
                (keys, failure) -> {
                  if (failure != null) next.completeExceptionally(failure);
                  else next.complete(keys);
                });
        return next;
      }
    }
  }

  static Keys parse(VacpSigningKeys.KeySet set) {
    Map<String, ECKey> byKid = new LinkedHashMap<>();
    for (VacpSigningKeys.SigningKey key : set.keys()) byKid.put(key.kid(), jwk(key));
    return new Keys(byKid.get(set.current().kid()), byKid, System.nanoTime());
  }

  private static ECKey jwk(VacpSigningKeys.SigningKey key) {
    try {
      KeyFactory factory = KeyFactory.getInstance("EC");
      Base64.Decoder base64 = Base64.getDecoder();
      var publicKey =
          (ECPublicKey)
              factory.generatePublic(new X509EncodedKeySpec(base64.decode(key.publicKey())));
      var privateKey =
          (ECPrivateKey)
              factory.generatePrivate(
                  new PKCS8EncodedKeySpec(base64.decode(key.privateKey().value())));
      return new ECKey.Builder(Curve.P_256, publicKey)
          .privateKey(privateKey)
          .keyID(key.kid())
          .keyUse(KeyUse.SIGNATURE)
          .algorithm(JWSAlgorithm.ES256)
          .build();
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("signing key " + key.kid() + " cannot be read", e);
    }
  }
}
