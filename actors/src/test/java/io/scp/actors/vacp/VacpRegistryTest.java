package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.refusal;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.testing.EntityTestConfig;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Platforms, their API key index and authorisations. */
class VacpRegistryTest {
  static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static VacpPlatform.Profile profile(String name, int serviceClass) {
    return new VacpPlatform.Profile(
        name,
        serviceClass,
        Optional.of("north"),
        serviceClass == 1 ? "central" : "vacp-north",
        "http://127.0.0.1:9/cb",
        PlatformGateway.Protocol.FORM,
        VacpPlatform.Status.ACTIVE);
  }

  @Test
  void aPlatformKeepsOnlyItsKeysHashAndItsPlaceInTheHierarchy() {
    var kit =
        EventSourcedBehaviorTestKit
            .<VacpPlatform.Command, VacpPlatform.Event, VacpPlatform.State>create(
                testKit.system(), VacpPlatform.create("pf-1"));
    assertThat(
            refusal(
                kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(VacpPlatform.Get::new)
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_PLATFORM);
    var created =
        kit.<StatusReply<VacpPlatform.Registered>>runCommand(
            r -> new VacpPlatform.Register(profile("One", 2), Optional.of("hash-1"), r));
    assertThat(success(created.reply()).created()).isTrue();
    var same =
        kit.<StatusReply<VacpPlatform.Registered>>runCommand(
            r -> new VacpPlatform.Register(profile("One", 2), Optional.of("hash-other"), r));
    assertThat(success(same.reply()).created()).isFalse();
    assertThat(same.hasNoEvents()).as("a second key is ignored").isTrue();
    var renamed =
        kit.<StatusReply<VacpPlatform.Registered>>runCommand(
            r -> new VacpPlatform.Register(profile("Uno", 2), Optional.empty(), r));
    assertThat(success(renamed.reply()).platform().profile().name()).isEqualTo("Uno");
    var reclassed =
        kit.<StatusReply<VacpPlatform.Registered>>runCommand(
            r -> new VacpPlatform.Register(profile("Uno", 1), Optional.empty(), r));
    assertThat(refusal(reclassed.reply())).isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);

    assertThat(
            success(
                    kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(
                            r -> new VacpPlatform.Authenticate("hash-1", r))
                        .reply())
                .endpoint()
                .protocol())
        .isEqualTo(PlatformGateway.Protocol.FORM);
    assertThat(
            refusal(
                kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(
                        r -> new VacpPlatform.Authenticate("hash-other", r))
                    .reply()))
        .isEqualTo(ErrorCode.UNKNOWN_PLATFORM);
    kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(
        r -> new VacpPlatform.RotateKey("hash-2", r));
    kit.restart();
    assertThat(
            kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(
                    r -> new VacpPlatform.Authenticate("hash-1", r))
                .reply()
                .isError())
        .isTrue();
    assertThat(
            kit.<StatusReply<VacpPlatform.PlatformView>>runCommand(
                    r -> new VacpPlatform.Authenticate("hash-2", r))
                .reply()
                .isSuccess())
        .isTrue();
  }

  @Test
  void aKeyHashResolvesToOnePlatform() {
    var kit =
        EventSourcedBehaviorTestKit.<VacpApiKey.Command, VacpApiKey.Event, VacpApiKey.State>create(
            testKit.system(), VacpApiKey.create("abc123"));
    assertThat(
            refusal(kit.<StatusReply<VacpApiKey.Bound>>runCommand(VacpApiKey.Resolve::new).reply()))
        .isEqualTo(ErrorCode.NOT_FOUND);
    kit.<StatusReply<VacpApiKey.Bound>>runCommand(r -> new VacpApiKey.Bind("pf-1", r));
    assertThat(
            kit.<StatusReply<VacpApiKey.Bound>>runCommand(r -> new VacpApiKey.Bind("pf-1", r))
                .hasNoEvents())
        .isTrue();
    assertThat(
            refusal(
                kit.<StatusReply<VacpApiKey.Bound>>runCommand(r -> new VacpApiKey.Bind("pf-2", r))
                    .reply()))
        .isEqualTo(ErrorCode.IDEMPOTENCY_CONFLICT);
    kit.restart();
    assertThat(
            success(kit.<StatusReply<VacpApiKey.Bound>>runCommand(VacpApiKey.Resolve::new).reply())
                .platformId())
        .isEqualTo("pf-1");
  }

  @Test
  void anAuthorisationIsValidWithinItsPeriod() {
    var terms =
        new VacpAuthorization.Terms(
            Optional.of("2030-01-01"), Optional.of("2030-01-31T12:00:00Z"), 9, 100, 200, 5);
    assertThat(terms.validAt(Instant.parse("2029-12-31T23:59:59Z"))).isFalse();
    assertThat(terms.validAt(Instant.parse("2030-01-01T00:00:00Z"))).isTrue();
    assertThat(terms.validAt(Instant.parse("2030-01-31T11:59:59Z"))).isTrue();
    assertThat(terms.validAt(Instant.parse("2030-01-31T12:00:00Z"))).isFalse();
    var wholeDay =
        new VacpAuthorization.Terms(Optional.empty(), Optional.of("2030-01-31"), 0, 1, 1, 0);
    assertThat(wholeDay.validAt(Instant.parse("2030-01-31T23:59:59Z"))).isTrue();
    assertThat(wholeDay.validAt(Instant.parse("2030-02-01T00:00:00Z"))).isFalse();

    var kit =
        EventSourcedBehaviorTestKit
            .<VacpAuthorization.Command, VacpAuthorization.Event, VacpAuthorization.State>create(
                testKit.system(), VacpAuthorization.create("pf-a/cap-1"));
    assertThat(
            refusal(
                kit.<StatusReply<VacpAuthorization.AuthorizationView>>runCommand(
                        VacpAuthorization.Get::new)
                    .reply()))
        .isEqualTo(ErrorCode.NOT_AUTHORIZED);
    var granted =
        kit.<StatusReply<VacpAuthorization.Granted>>runCommand(
            r -> new VacpAuthorization.Grant("pf-a", "cap-1", "pf-b", terms, r));
    assertThat(success(granted.reply()).created()).isTrue();
    assertThat(
            kit.<StatusReply<VacpAuthorization.Granted>>runCommand(
                    r -> new VacpAuthorization.Grant("pf-a", "cap-1", "pf-b", terms, r))
                .hasNoEvents())
        .isTrue();
    kit.restart();
    var view =
        success(
            kit.<StatusReply<VacpAuthorization.AuthorizationView>>runCommand(
                    VacpAuthorization.Get::new)
                .reply());
    assertThat(view.terms().priority()).isEqualTo(9);
    assertThat(view.terms().burst()).isEqualTo(200);
    assertThat(view.providerPlatformId()).isEqualTo("pf-b");
  }
}
