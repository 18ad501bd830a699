package io.scp.api.platform;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * VACP tokens: short-lived JWTs signed with the cluster's current key (ES256), with the key id in
 * the header, and their verification against every key of the cluster. Tokens are never logged.
 */
public final class VacpTokens {
  public static final String CONSUMER = "consumerPlatformId";
  public static final String CAPABILITY = "capabilityId";
  public static final String SERVICE = "service";
  public static final String PURPOSE = "purpose";

  /** What a token says. */
  public record Claims(
      String issuer,
      String msisdn,
      String providerPlatformId,
      String consumerPlatformId,
      String capabilityId,
      String service,
      String purpose,
      Instant issuedAt,
      Instant expiresAt,
      String tokenId,
      String keyId) {}

  /** A signed token and when it expires. */
  public record Issued(String token, Instant expiresAt) {}

  /** The verdict on a token: its claims, or why it is not valid. */
  public record Verdict(Optional<Claims> claims, Optional<String> reason) {
    static Verdict valid(Claims claims) {
      return new Verdict(Optional.of(claims), Optional.empty());
    }

    static Verdict invalid(String reason) {
      return new Verdict(Optional.empty(), Optional.of(reason));
    }
  }

  private final SigningKeyCache keys;
  private final String issuer;
  private final Duration ttl;
  private final Clock clock;

  public VacpTokens(SigningKeyCache keys, String issuer, Duration ttl, Clock clock) {
    this.keys = keys;
    this.issuer = issuer;
    this.ttl = ttl;
    this.clock = clock;
  }

  public SigningKeyCache keys() {
    return keys;
  }

  /** Signs a token for the provider {@code audience}, valid from now for the configured ttl. */
  public CompletionStage<Issued> issue(
      String msisdn,
      String audience,
      String consumerPlatformId,
      String capabilityId,
      String service,
      String purpose) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    Instant expires = now.plus(ttl);
    var claims =
        new JWTClaimsSet.Builder()
            .issuer(issuer)
            .subject(msisdn)
            .audience(audience)
            .claim(CONSUMER, consumerPlatformId)
            .claim(CAPABILITY, capabilityId)
            .claim(SERVICE, service)
            .claim(PURPOSE, purpose)
            .issueTime(Date.from(now))
            .expirationTime(Date.from(expires))
            .jwtID(UUID.randomUUID().toString())
            .build();
    return keys.keys()
        .thenApply(
            k -> {
              ECKey key = k.current();
              var header =
                  new JWSHeader.Builder(JWSAlgorithm.ES256)
                      .keyID(key.getKeyID())
                      .type(JOSEObjectType.JWT)
                      .build();
              var jwt = new SignedJWT(header, claims);
              try {
                jwt.sign(new ECDSASigner(key));
              } catch (JOSEException e) {
                throw new IllegalStateException("signing failed", e);
              }
              return new Issued(jwt.serialize(), expires);
            });
  }

  /**
   * Verifies a token presented to {@code audience}: well formed, signed by a key of the cluster,
   * issued here, not expired, and meant for that platform.
   */
  public CompletionStage<Verdict> verify(String token, String audience) {
    SignedJWT jwt;
    JWTClaimsSet claims;
    try {
      jwt = SignedJWT.parse(token);
      claims = jwt.getJWTClaimsSet();
    } catch (ParseException | IllegalArgumentException e) {
      return CompletableFuture.completedFuture(Verdict.invalid("malformed token"));
    }
    if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
      return CompletableFuture.completedFuture(Verdict.invalid("unsupported signature algorithm"));
    }
    String kid = jwt.getHeader().getKeyID();
    return keys.knowing(kid).thenApply(k -> check(jwt, claims, k.byKid().get(kid), audience));
  }

  private Verdict check(SignedJWT jwt, JWTClaimsSet claims, ECKey key, String audience) {
    if (key == null) return Verdict.invalid("signed with an unknown key");
    try {
      if (!jwt.verify(new ECDSAVerifier(key.toPublicJWK()))) {
        return Verdict.invalid("bad signature");
      }
    } catch (JOSEException e) {
      return Verdict.invalid("bad signature");
    }
    if (!issuer.equals(claims.getIssuer())) return Verdict.invalid("issued by someone else");
    Date exp = claims.getExpirationTime();
    Date iat = claims.getIssueTime();
    if (exp == null || iat == null) return Verdict.invalid("malformed token");
    if (!clock.instant().isBefore(exp.toInstant())) return Verdict.invalid("expired");
    if (claims.getAudience() == null || !claims.getAudience().contains(audience)) {
      return Verdict.invalid("not meant for platform " + audience);
    }
    try {
      return Verdict.valid(
          new Claims(
              claims.getIssuer(),
              claims.getSubject(),
              audience,
              claims.getStringClaim(CONSUMER),
              claims.getStringClaim(CAPABILITY),
              claims.getStringClaim(SERVICE),
              claims.getStringClaim(PURPOSE),
              iat.toInstant(),
              exp.toInstant(),
              claims.getJWTID(),
              jwt.getHeader().getKeyID()));
    } catch (ParseException e) {
      return Verdict.invalid("malformed token");
    }
  }
}
