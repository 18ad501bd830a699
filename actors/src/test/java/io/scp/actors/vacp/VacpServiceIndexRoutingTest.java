package io.scp.actors.vacp;

import static io.scp.actors.vacp.VacpTesting.SETTINGS;
import static io.scp.actors.vacp.VacpTesting.success;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.subscriber.Subscriber;
import io.scp.actors.testing.EntityTestConfig;
import io.scp.actors.vacp.VacpServiceIndex.Candidate;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.RecipientRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Routing by service name ({@link VacpAccess}) with real capability, index, platform,
 * authorisation, subscriber, user and interworking entities, in a service whose index has seen
 * thousands of deregistered capabilities: the user's home region is still chosen before the
 * nationwide one, and a capability renamed to another service is skipped and forgotten.
 */
class VacpServiceIndexRoutingTest {
  static final String MSISDN = "8613900000003";
  static final String CONSUMER = "pf-a";

  ActorTestKit testKit;
  LocalEntities entities;
  VacpPorts ports;
  VacpAccess access;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(EntityTestConfig.config());
    entities = new LocalEntities(testKit.system());
    ports = VacpTesting.ports(testKit, entities, new RecordingGateway());
    access =
        new VacpAccess(
            entities, Duration.ofSeconds(3), testKit.system().scheduler(), Clock.systemUTC());
    entities.put(
        VacpNode.KEY,
        VacpNode.CENTRAL_ID,
        testKit.spawn(VacpNode.create(VacpNode.CENTRAL_ID, ports, SETTINGS)));
    for (String service : new String[] {"weather", "other", "gone"}) {
      entities.put(VacpServiceIndex.KEY, service, testKit.spawn(VacpServiceIndex.create(service)));
      // A name is first asked as a capability id: sharding starts an entity that knows none.
      entities.put(
          VacpCapability.KEY,
          service,
          testKit.spawn(VacpCapability.create(service, ports, SETTINGS)));
    }
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  void platform(String id, int serviceClass, Optional<String> region) {
    VacpTesting.activePlatform(testKit, entities, id, serviceClass, region);
  }

  void register(String id, String service, String platformId, int cls, Optional<String> region) {
    // the same entity when a capability is registered again (renamed)
    RecipientRef<VacpCapability.Command> ref = entities.refFor(VacpCapability.KEY, id);
    if (ref.equals(testKit.system().deadLetters())) {
      ref =
          entities.put(
              VacpCapability.KEY, id, testKit.spawn(VacpCapability.create(id, ports, SETTINGS)));
    }
    success(
        VacpTesting.<VacpCapability.Command, VacpCapability.Registered>ask(
            testKit,
            ref,
            r ->
                new VacpCapability.Register(
                    new VacpCapability.Spec(
                        service, "Forecast " + id, "x".repeat(2000), DirectoryEntry.Style.PULL),
                    new VacpCapability.Provider(platformId, cls, region, VacpNode.CENTRAL_ID),
                    r)));
  }

  void authorize(String capabilityId, String providerPlatformId) {
    String id = VacpAuthorization.entityId(CONSUMER, capabilityId);
    var ref = entities.put(VacpAuthorization.KEY, id, testKit.spawn(VacpAuthorization.create(id)));
    success(
        VacpTesting.<VacpAuthorization.Command, VacpAuthorization.Granted>ask(
            testKit,
            ref,
            r ->
                new VacpAuthorization.Grant(
                    CONSUMER,
                    capabilityId,
                    providerPlatformId,
                    new VacpAuthorization.Terms(Optional.empty(), Optional.empty(), 4, 10, 10, 0),
                    r)));
  }

  void subscriber(String homeRegion, String... services) {
    var ref = entities.put(Subscriber.KEY, MSISDN, testKit.spawn(Subscriber.create(MSISDN)));
    success(
        VacpTesting.<Subscriber.Command, Subscriber.Provisioned>ask(
            testKit,
            ref,
            r ->
                new Subscriber.Provision(
                    new Subscriber.Profile(
                        Optional.empty(),
                        Optional.of(homeRegion),
                        Subscriber.Status.ACTIVE,
                        Optional.empty()),
                    r)));
    for (String service : services) {
      success(
          VacpTesting.<Subscriber.Command, Subscriber.SubscriberView>ask(
              testKit, ref, r -> new Subscriber.SubscribeService(service, r)));
    }
    entities.put(VacpUser.KEY, MSISDN, testKit.spawn(VacpUser.create(MSISDN, ports, SETTINGS)));
  }

  void pullSetting(String capabilityId, String providerPlatformId) {
    var setting =
        new Interworking.Setting(
            MSISDN,
            CONSUMER,
            capabilityId,
            providerPlatformId,
            "weather",
            Interworking.Mode.PULL,
            new Interworking.ReceiveConditions(Optional.empty(), false, Optional.empty()));
    var ref =
        entities.put(
            Interworking.KEY,
            setting.id(),
            testKit.spawn(Interworking.create(setting.id(), ports, SETTINGS, Clock.systemUTC())));
    success(
        VacpTesting.<Interworking.Command, Interworking.SetupResult>ask(
            testKit, ref, r -> new Interworking.Setup(setting, r)));
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                success(
                            VacpTesting.<Interworking.Command, Interworking.InterworkingView>ask(
                                testKit, ref, Interworking.Get::new))
                        .status()
                    == Interworking.Status.ACTIVE);
  }

  VacpServiceIndex.Listing listing(String service, String home) {
    return success(
        VacpTesting.<VacpServiceIndex.Command, VacpServiceIndex.Listing>ask(
            testKit,
            entities.refFor(VacpServiceIndex.KEY, service),
            r -> new VacpServiceIndex.Get(Optional.of(home), r)));
  }

  /** What a capability hands the index: a revision registered, then one deregistered. */
  void registeredAndDeregistered(String service, String id, String region) {
    for (var entry :
        new DirectoryEntry[] {
          entry(service, id, region, 1, true), entry(service, id, region, 2, false)
        }) {
      success(
          VacpTesting.<VacpServiceIndex.Command, Done>ask(
              testKit,
              entities.refFor(VacpServiceIndex.KEY, service),
              r -> new VacpServiceIndex.Put(entry, r)));
    }
  }

  static DirectoryEntry entry(
      String service, String id, String region, long revision, boolean active) {
    return new DirectoryEntry(
        id,
        service,
        "Forecast " + id,
        "x".repeat(2000),
        DirectoryEntry.Style.PULL,
        "pf-north",
        2,
        Optional.of(region),
        VacpNode.CENTRAL_ID,
        revision,
        active);
  }

  Throwable refusalOf(String capability) {
    try {
      access
          .check(CONSUMER, MSISDN, capability, Interworking.Mode.PULL)
          .toCompletableFuture()
          .join();
      throw new AssertionError("not refused: " + capability);
    } catch (CompletionException e) {
      return e.getCause();
    }
  }

  @Test
  void aServiceNameRoutesToTheHomeRegionAmongThousandsOfDeregisteredCapabilities() {
    platform(CONSUMER, 1, Optional.empty());
    platform("pf-north", 2, Optional.of("north"));
    platform("pf-south", 2, Optional.of("south"));
    platform("pf-all", 1, Optional.empty());
    register("b-renamed", "weather", "pf-north", 2, Optional.of("north"));
    register("b-renamed", "other", "pf-north", 2, Optional.of("north"));
    register("c-removed", "weather", "pf-north", 2, Optional.of("north"));
    success(
        VacpTesting.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            testKit,
            entities.refFor(VacpCapability.KEY, "c-removed"),
            r -> new VacpCapability.Deregister("pf-north", r)));
    register("m-north", "weather", "pf-north", 2, Optional.of("north"));
    register("a-south", "weather", "pf-south", 2, Optional.of("south"));
    register("z-all", "weather", "pf-all", 1, Optional.empty());
    for (int i = 0; i < 2500; i++) {
      registeredAndDeregistered("weather", String.format("old-%04d", i), "north");
    }
    registeredAndDeregistered("gone", "gone-1", "north");
    authorize("m-north", "pf-north");
    authorize("z-all", "pf-all");
    subscriber("north", CONSUMER, "pf-north");
    pullSetting("m-north", "pf-north");

    assertThat(listing("weather", "north").candidates())
        .as("the renamed capability is still listed under its old service name")
        .extracting(Candidate::capabilityId)
        .containsExactly("b-renamed", "m-north", "z-all");

    var grant =
        access
            .check(CONSUMER, MSISDN, "weather", Interworking.Mode.PULL)
            .toCompletableFuture()
            .join();
    assertThat(grant.capability().capabilityId()).isEqualTo("m-north");
    assertThat(grant.providerPlatformId()).isEqualTo("pf-north");
    assertThat(grant.region()).contains("north");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(listing("weather", "north").candidates())
                    .as("the reader made the index forget the renamed capability")
                    .extracting(Candidate::capabilityId)
                    .containsExactly("m-north", "z-all"));
    assertThat(listing("other", "north").candidates())
        .extracting(Candidate::capabilityId)
        .containsExactly("b-renamed");

    assertThat(refusalOf("gone"))
        .as("only deregistered capabilities: an unknown service")
        .isInstanceOfSatisfying(
            Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.UNKNOWN_CAPABILITY));
  }
}
