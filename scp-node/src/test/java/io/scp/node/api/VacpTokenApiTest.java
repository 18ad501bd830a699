package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VacpFixture;
import io.scp.node.testing.VacpFixture.Platform;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Token mode through HTTP: a consumer gets a signed token after the invocation checks, the provider
 * verifies it (here, or with the JWK set and a JWT library), and tampered, expired or misdirected
 * tokens are refused. Tokens live 3 s in this class.
 */
class VacpTokenApiTest {
  static final String VALID = "\"validFrom\":\"2020-01-01\",\"validUntil\":\"2099-12-31\"";

  static TestNode node;
  static ApiClient api;
  static VacpFixture vacp;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.vacp.token-ttl", "3s"));
    api = node.client();
    vacp = new VacpFixture(api);
  }

  @AfterAll
  static void stop() {
    vacp.close();
    node.close();
  }

  record Setting(Platform consumer, Platform provider, String capability, String msisdn) {
    ApiClient.Response token(String purpose) {
      return consumer
          .client()
          .post(
              "/v1/vacp/tokens",
              "{\"msisdn\":\""
                  + msisdn
                  + "\",\"capability\":\""
                  + capability
                  + "\",\"purpose\":\""
                  + purpose
                  + "\"}");
    }
  }

  static Setting setting(String style, String mode) {
    Platform provider = vacp.platform(1, "central");
    Platform consumer = vacp.platform(1, "central");
    String capability = vacp.capability(provider, style);
    vacp.authorize(consumer, capability, VALID);
    String msisdn = vacp.subscriber(null, consumer.id(), provider.id());
    var r =
        consumer
            .client()
            .put(
                VacpFixture.interworkingPath(msisdn, consumer, capability),
                "{\"mode\":\"" + mode + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return new Setting(consumer, provider, capability, msisdn);
  }

  static JsonNode verify(Platform platform, String token) {
    var r = platform.client().post("/v1/vacp/tokens/verify", "{\"token\":" + quoted(token) + "}");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  static String issued(Setting s, String purpose) {
    var r = s.token(purpose);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json().get("token").asText();
  }

  @Test
  void aTokenVerifiesForItsProviderWithItsClaims() throws Exception {
    Setting s = setting("PULL", "PULL");
    var r = s.token("USE");
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    String token = r.json().get("token").asText();
    Instant expiresAt = Instant.parse(r.json().get("expiresAt").asText());
    assertThat(expiresAt).isBetween(Instant.now(), Instant.now().plusSeconds(4));
    assertThat(r.json().get("providerPlatformId").asText()).isEqualTo(s.provider().id());

    JsonNode verdict = verify(s.provider(), token);
    assertThat(verdict.get("valid").asBoolean()).as(verdict.toString()).isTrue();
    JsonNode claims = verdict.get("claims");
    assertThat(claims.get("sub").asText()).isEqualTo(s.msisdn());
    assertThat(claims.get("aud").asText()).isEqualTo(s.provider().id());
    assertThat(claims.get("consumerPlatformId").asText()).isEqualTo(s.consumer().id());
    assertThat(claims.get("capabilityId").asText()).isEqualTo(s.capability());
    assertThat(claims.get("purpose").asText()).isEqualTo("USE");
    assertThat(claims.get("iss").asText()).isEqualTo("scp-vacp");
    assertThat(claims.get("exp").asLong() - claims.get("iat").asLong()).isEqualTo(3);
    assertThat(claims.get("exp").asLong()).isEqualTo(expiresAt.getEpochSecond());
    assertThat(claims.get("jti").asText()).isNotBlank();

    SignedJWT jwt = SignedJWT.parse(token);
    assertThat(claims.get("kid").asText()).isEqualTo(jwt.getHeader().getKeyID());
    assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("ES256");
    assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(s.provider().id());

    var jwks = api.get("/v1/vacp/jwks");
    assertThat(jwks.status()).as(jwks.toString()).isEqualTo(200);
    JWKSet set = JWKSet.parse(new String(jwks.body(), StandardCharsets.UTF_8));
    ECKey key = (ECKey) set.getKeyByKeyId(jwt.getHeader().getKeyID());
    assertThat(key).isNotNull();
    assertThat(key.isPrivate()).as("the JWK set holds public keys only").isFalse();
    assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
  }

  @Test
  void tamperedMisdirectedAndMalformedTokensAreNotValid() {
    Setting s = setting("PULL", "PULL");
    String token = issued(s, "USE");
    String[] parts = token.split("\\.");

    String otherPayload = flip(parts[1], parts[1].length() / 2);
    var tamperedPayload = verify(s.provider(), parts[0] + "." + otherPayload + "." + parts[2]);
    assertThat(tamperedPayload.get("valid").asBoolean()).isFalse();
    assertThat(tamperedPayload.get("reason").asText()).isNotBlank();
    assertThat(tamperedPayload.get("claims").isNull()).isTrue();

    String otherSignature = flip(parts[2], 10);
    var tamperedSignature = verify(s.provider(), parts[0] + "." + parts[1] + "." + otherSignature);
    assertThat(tamperedSignature.get("valid").asBoolean()).isFalse();
    assertThat(tamperedSignature.get("reason").asText()).isEqualTo("bad signature");

    var wrongAudience = verify(s.consumer(), token);
    assertThat(wrongAudience.get("valid").asBoolean()).isFalse();
    assertThat(wrongAudience.get("reason").asText()).contains("not meant for");

    var garbage = verify(s.provider(), "not.a.token");
    assertThat(garbage.get("valid").asBoolean()).isFalse();

    assertThat(verify(s.provider(), token).get("valid").asBoolean())
        .as("the untouched token still verifies")
        .isTrue();
    assertThat(api.post("/v1/vacp/tokens/verify", "{\"token\":\"x\"}").status())
        .as("verification needs a platform key")
        .isEqualTo(401);
  }

  @Test
  void aTokenExpires() {
    Setting s = setting("PULL", "PULL");
    String token = issued(s, "USE");
    assertThat(verify(s.provider(), token).get("valid").asBoolean()).isTrue();
    await()
        .atMost(Duration.ofSeconds(6))
        .pollInterval(Duration.ofMillis(250))
        .until(() -> !verify(s.provider(), token).get("valid").asBoolean());
    assertThat(verify(s.provider(), token).get("reason").asText()).isEqualTo("expired");
  }

  @Test
  void thePurposeNeedsTheMatchingSettingAndTheUsualChecksApply() {
    Setting pull = setting("BOTH", "PULL");
    var subscribe = pull.token("SUBSCRIBE");
    assertThat(subscribe.status()).as(subscribe.toString()).isEqualTo(403);
    assertThat(subscribe.code()).isEqualTo("NO_INTERWORKING");

    Setting push = setting("BOTH", "PUSH");
    String token = issued(push, "SUBSCRIBE");
    JsonNode verdict = verify(push.provider(), token);
    assertThat(verdict.get("claims").get("purpose").asText()).isEqualTo("SUBSCRIBE");
    assertThat(push.token("USE").code()).isEqualTo("NO_INTERWORKING");

    Platform stranger = vacp.platform(1, "central");
    var notAuthorized =
        stranger
            .client()
            .post(
                "/v1/vacp/tokens",
                "{\"msisdn\":\""
                    + pull.msisdn()
                    + "\",\"capability\":\""
                    + pull.capability()
                    + "\",\"purpose\":\"USE\"}");
    assertThat(notAuthorized.status()).isEqualTo(403);
    assertThat(notAuthorized.code()).isEqualTo("NOT_AUTHORIZED");
    assertThat(pull.token("NEVER").status()).isEqualTo(400);
  }

  @Test
  void afterARotationNewTokensUseTheNewKeyAndOldOnesStillVerify() throws Exception {
    Setting s = setting("PULL", "PULL");
    String before = issued(s, "USE");
    var rotated = api.post("/v1/vacp/signing-keys/rotate", "{}");
    assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
    assertThat(rotated.json().get("keys").size()).isGreaterThanOrEqualTo(2);

    String after = issued(s, "USE");
    String oldKid = SignedJWT.parse(before).getHeader().getKeyID();
    String newKid = SignedJWT.parse(after).getHeader().getKeyID();
    assertThat(newKid).isNotEqualTo(oldKid);
    assertThat(rotated.json().get("keys").get(0).get("kid").asText()).isEqualTo(newKid);
    assertThat(verify(s.provider(), before).get("valid").asBoolean()).isTrue();
    assertThat(verify(s.provider(), after).get("valid").asBoolean()).isTrue();
  }

  /** The same base64url text with one character changed. */
  static String flip(String text, int at) {
    char c = text.charAt(at);
    char other = c == 'A' ? 'B' : 'A';
    return text.substring(0, at) + other + text.substring(at + 1);
  }
}
