package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.nimbusds.jose.jwk.ECKey;
import com.typesafe.config.Config;
import io.scp.actors.vacp.EntityRefs;
import io.scp.actors.vacp.Interworking;
import io.scp.actors.vacp.VacpAccess;
import io.scp.actors.vacp.VacpSigningKeys;
import io.scp.api.platform.SigningKeyCache;
import io.scp.api.platform.VacpTokens;
import io.scp.api.proto.Empty;
import io.scp.api.proto.VacpJwk;
import io.scp.api.proto.VacpJwks;
import io.scp.api.proto.VacpToken;
import io.scp.api.proto.VacpTokenClaims;
import io.scp.api.proto.VacpTokenRequest;
import io.scp.api.proto.VacpTokenVerification;
import io.scp.api.proto.VacpTokenVerifyRequest;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Token mode: a consumer platform gets a short-lived signed token for a user and a capability
 * (after the same checks and routing as an invocation) and calls the provider directly; the
 * provider verifies the token here or with the public keys of {@code GET /v1/vacp/jwks}.
 */
public final class VacpTokenRoutes extends ApiDirectives {
  /** Longer strings cannot be one of our tokens. */
  private static final int MAX_TOKEN_CHARS = 8192;

  private final VacpRoutes platforms;
  private final VacpAccess access;
  private final VacpTokens tokens;

  public VacpTokenRoutes(ApiContext api) {
    super(api);
    this.platforms = new VacpRoutes(api);
    Config config = api.system().settings().config();
    this.access =
        new VacpAccess(
            EntityRefs.of(api.sharding()),
            config.getDuration("scp.vacp.ask-timeout"),
            api.system().scheduler(),
            Clock.systemUTC());
    var keys =
        new SigningKeyCache(
            () ->
                this.<VacpSigningKeys.Command, VacpSigningKeys.KeySet>ask(
                    VacpSigningKeys.KEY, VacpSigningKeys.ID, VacpSigningKeys.GetKeys::new),
            config.getDuration("scp.vacp.signing-keys-refresh"));
    this.tokens =
        new VacpTokens(
            keys,
            config.getString("scp.vacp.token-issuer"),
            config.getDuration("scp.vacp.token-ttl"),
            Clock.systemUTC());
  }

  public Route route() {
    return pathPrefix(
        "vacp",
        () ->
            concat(
                path(
                    "tokens",
                    () ->
                        post(
                            () ->
                                platforms.asPlatform(
                                    consumer ->
                                        withBody(
                                            VacpTokenRequest.getDefaultInstance(),
                                            b -> issue(consumer.platformId(), b))))),
                path(
                    segment("tokens").slash("verify"),
                    () ->
                        post(
                            () ->
                                platforms.asPlatform(
                                    provider ->
                                        withBody(
                                            VacpTokenVerifyRequest.getDefaultInstance(),
                                            b -> verify(provider.platformId(), b))))),
                path("jwks", () -> get(() -> platforms.anyCaller(() -> withoutBody(this::jwks)))),
                path(
                    segment("signing-keys").slash("rotate"),
                    () ->
                        post(
                            () ->
                                command(
                                    Role.OPERATOR, Empty.getDefaultInstance(), b -> rotate())))));
  }

  // ---------------------------------------------------------------- issuing

  private CompletionStage<Reply> issue(String consumerPlatformId, VacpTokenRequest b) {
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", b.hasMsisdn(), b::getMsisdn));
    String capability =
        Validate.id(
            "capability", Validate.required("capability", b.hasCapability(), b::getCapability));
    var purpose = Validate.required("purpose", b.hasPurpose(), b::getPurpose);
    Interworking.Mode mode =
        switch (purpose) {
          case USE -> Interworking.Mode.PULL;
          case SUBSCRIBE -> Interworking.Mode.PUSH;
          default -> throw ApiError.badRequest("purpose must be one of [USE, SUBSCRIBE]");
        };
    return access
        .check(consumerPlatformId, msisdn, capability, mode)
        .thenCompose(
            grant ->
                tokens
                    .issue(
                        msisdn,
                        grant.providerPlatformId(),
                        consumerPlatformId,
                        grant.capability().capabilityId(),
                        grant.capability().spec().service(),
                        purpose.name())
                    .thenApply(
                        issued -> {
                          var out =
                              VacpToken.newBuilder()
                                  .setToken(issued.token())
                                  .setExpiresAt(issued.expiresAt().toString())
                                  .setProviderPlatformId(grant.providerPlatformId())
                                  .setCapabilityId(grant.capability().capabilityId());
                          grant.region().ifPresent(out::setRegion);
                          return Reply.ok(out.build());
                        }));
  }

  // ---------------------------------------------------------------- verification

  private CompletionStage<Reply> verify(String providerPlatformId, VacpTokenVerifyRequest b) {
    String token = Validate.required("token", b.hasToken(), b::getToken);
    if (token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      throw ApiError.badRequest("token must be 1-" + MAX_TOKEN_CHARS + " characters");
    }
    return tokens
        .verify(token, providerPlatformId)
        .thenApply(
            verdict -> {
              var out = VacpTokenVerification.newBuilder().setValid(verdict.claims().isPresent());
              verdict.reason().ifPresent(out::setReason);
              verdict.claims().ifPresent(c -> out.setClaims(claims(c)));
              return Reply.ok(out.build());
            });
  }

  private static VacpTokenClaims claims(VacpTokens.Claims c) {
    return VacpTokenClaims.newBuilder()
        .setIss(c.issuer())
        .setSub(c.msisdn())
        .setAud(c.providerPlatformId())
        .setConsumerPlatformId(nonNull(c.consumerPlatformId()))
        .setCapabilityId(nonNull(c.capabilityId()))
        .setService(nonNull(c.service()))
        .setPurpose(nonNull(c.purpose()))
        .setIat(c.issuedAt().getEpochSecond())
        .setExp(c.expiresAt().getEpochSecond())
        .setJti(nonNull(c.tokenId()))
        .setKid(nonNull(c.keyId()))
        .build();
  }

  private static String nonNull(String value) {
    return value == null ? "" : value;
  }

  // ---------------------------------------------------------------- keys

  private CompletionStage<Reply> jwks() {
    return tokens.keys().keys().thenApply(k -> Reply.ok(jwks(k)));
  }

  private CompletionStage<Reply> rotate() {
    return this.<VacpSigningKeys.Command, VacpSigningKeys.KeySet>ask(
            VacpSigningKeys.KEY, VacpSigningKeys.ID, VacpSigningKeys.Rotate::new)
        .thenCompose(
            rotated -> {
              tokens.keys().invalidate();
              return tokens.keys().keys();
            })
        .thenApply(k -> Reply.ok(jwks(k)));
  }

  private static VacpJwks jwks(SigningKeyCache.Keys keys) {
    var out = VacpJwks.newBuilder();
    for (ECKey key : keys.byKid().values()) {
      ECKey pub = key.toPublicJWK();
      out.addKeys(
          VacpJwk.newBuilder()
              .setKty(pub.getKeyType().getValue())
              .setCrv(pub.getCurve().getName())
              .setX(pub.getX().toString())
              .setY(pub.getY().toString())
              .setKid(pub.getKeyID())
              .setUse(pub.getKeyUse().identifier())
              .setAlg(pub.getAlgorithm().getName()));
    }
    return out.build();
  }
}
