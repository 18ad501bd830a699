package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpSigningKeys.KeySet;
import io.scp.actors.vacp.VacpSigningKeys.SigningKey;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VacpSigningKeysTest {
  ActorTestKit testKit;
  EventSourcedBehaviorTestKit<VacpSigningKeys.Command, VacpSigningKeys.Event, VacpSigningKeys.State>
      kit;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    kit =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), VacpSigningKeys.create(VacpSigningKeys.ID, Clock.systemUTC()));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  KeySet get() {
    return success(kit.<StatusReply<KeySet>>runCommand(VacpSigningKeys.GetKeys::new).reply());
  }

  KeySet rotate() {
    return success(kit.<StatusReply<KeySet>>runCommand(VacpSigningKeys.Rotate::new).reply());
  }

  @Test
  void theFirstReadCreatesAKeyThatSignsAndItIsKeptAcrossRestarts() throws Exception {
    KeySet first = get();
    assertThat(first.keys()).hasSize(1);
    SigningKey key = first.current();
    assertThat(key.algorithm()).isEqualTo("ES256");
    assertThat(key.retiredAt()).isEmpty();
    assertThat(key.privateKey().toString()).doesNotContain(key.privateKey().value());

    KeyFactory factory = KeyFactory.getInstance("EC");
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(
        factory.generatePrivate(
            new PKCS8EncodedKeySpec(Base64.getDecoder().decode(key.privateKey().value()))));
    signer.update(new byte[] {1, 2, 3});
    byte[] signature = signer.sign();
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(
        factory.generatePublic(
            new X509EncodedKeySpec(Base64.getDecoder().decode(key.publicKey()))));
    verifier.update(new byte[] {1, 2, 3});
    assertThat(verifier.verify(signature)).isTrue();

    assertThat(get()).isEqualTo(first);
    kit.restart();
    assertThat(get()).isEqualTo(first);
  }

  @Test
  void aRotationRetiresTheCurrentKeyAndABoundedNumberIsKept() {
    SigningKey first = get().current();
    KeySet rotated = rotate();
    assertThat(rotated.current().kid()).isNotEqualTo(first.kid());
    assertThat(rotated.keys()).hasSize(2);
    assertThat(rotated.keys().get(1).kid()).isEqualTo(first.kid());
    assertThat(rotated.keys().get(1).retiredAt()).isPresent();

    for (int i = 0; i < 5; i++) rotate();
    kit.restart();
    KeySet kept = get();
    assertThat(kept.keys()).hasSize(VacpSigningKeys.KEPT);
    assertThat(kept.keys()).extracting(SigningKey::kid).doesNotContain(first.kid());
    assertThat(kept.keys().subList(1, VacpSigningKeys.KEPT))
        .allSatisfy(k -> assertThat(k.retiredAt()).isPresent());
  }
}
