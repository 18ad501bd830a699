package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.VpnFixture;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** VPN groups: tariff, members, and membership kept consistent with the subscriber. */
class VpnGroupApiTest {
  static final int MAX_MEMBERS = 3;
  static TestNode node;
  static ApiClient api;
  static VpnFixture vpn;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("scp.vpn.max-members", String.valueOf(MAX_MEMBERS)));
    api = node.client();
    vpn = new VpnFixture(api);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void configureReadAndUpdateTheTariff() {
    String id = VpnFixture.newId("grp");
    String body =
        "{\"name\":\"Acme\",\"onNetRatePerMinute\":6,\"offNetRatePerMinute\":30,\"connectFee\":5,"
            + "\"billingIncrementSeconds\":6,\"allowOffNet\":true,\"maxCallSeconds\":1800}";
    var created = api.put("/v1/vpn-groups/" + id, body);
    assertThat(created.status()).isEqualTo(201);
    var g = created.json();
    assertThat(g.get("groupId").asText()).isEqualTo(id);
    assertThat(g.get("name").asText()).isEqualTo("Acme");
    assertThat(g.get("onNetRatePerMinute").asLong()).isEqualTo(6);
    assertThat(g.get("offNetRatePerMinute").asLong()).isEqualTo(30);
    assertThat(g.get("connectFee").asLong()).isEqualTo(5);
    assertThat(g.get("billingIncrementSeconds").asInt()).isEqualTo(6);
    assertThat(g.get("allowOffNet").asBoolean()).isTrue();
    assertThat(g.get("maxCallSeconds").asInt()).isEqualTo(1800);
    assertThat(g.get("members")).isEmpty();
    assertThat(api.put("/v1/vpn-groups/" + id, body).status()).isEqualTo(200);
    var updated =
        api.put("/v1/vpn-groups/" + id, body.replace("\"connectFee\":5", "\"connectFee\":7"));
    assertThat(updated.status()).isEqualTo(200);
    assertThat(api.get("/v1/vpn-groups/" + id).json().get("connectFee").asLong()).isEqualTo(7);
    assertThat(api.get("/v1/vpn-groups/" + VpnFixture.newId("grp")).code())
        .isEqualTo("UNKNOWN_GROUP");
    assertThat(
            api.put("/v1/vpn-groups/" + id, "{\"onNetRatePerMinute\":-1,\"offNetRatePerMinute\":1}")
                .status())
        .isEqualTo(400);
    assertThat(api.put("/v1/vpn-groups/" + id, "{\"onNetRatePerMinute\":1}").status())
        .isEqualTo(400);
  }

  @Test
  void membershipIsRecordedOnBothSidesWithItsConflicts() {
    String group = vpn.group("\"onNetRatePerMinute\":1,\"offNetRatePerMinute\":2");
    String other = vpn.group("\"onNetRatePerMinute\":1,\"offNetRatePerMinute\":2");
    String alice = vpn.postpaid();
    String bob = vpn.postpaid();

    var joined =
        api.put("/v1/vpn-groups/" + group + "/members/100", "{\"msisdn\":\"" + alice + "\"}");
    assertThat(joined.status()).isEqualTo(200);
    assertThat(joined.json().get("members").get(0).get("shortNumber").asText()).isEqualTo("100");
    assertThat(joined.json().get("members").get(0).get("msisdn").asText()).isEqualTo(alice);
    var vpnField = api.get("/v1/subscribers/" + alice).json().get("vpn");
    assertThat(vpnField.get("groupId").asText()).isEqualTo(group);
    assertThat(vpnField.get("shortNumber").asText()).isEqualTo("100");
    assertThat(
            api.put("/v1/vpn-groups/" + group + "/members/100", "{\"msisdn\":\"" + alice + "\"}")
                .status())
        .as("joining again is idempotent")
        .isEqualTo(200);

    var taken = api.put("/v1/vpn-groups/" + group + "/members/100", "{\"msisdn\":\"" + bob + "\"}");
    assertThat(taken.status()).isEqualTo(409);
    assertThat(taken.code()).isEqualTo("SHORT_NUMBER_TAKEN");
    var elsewhere =
        api.put("/v1/vpn-groups/" + other + "/members/1", "{\"msisdn\":\"" + alice + "\"}");
    assertThat(elsewhere.status()).isEqualTo(409);
    assertThat(elsewhere.code()).isEqualTo("ALREADY_MEMBER");
    assertThat(api.get("/v1/vpn-groups/" + other).json().get("members")).isEmpty();
    var unknown =
        api.put(
            "/v1/vpn-groups/" + group + "/members/101",
            "{\"msisdn\":\"" + VpnFixture.newMsisdn() + "\"}");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("UNKNOWN_SUBSCRIBER");
    assertThat(api.get("/v1/vpn-groups/" + group).json().get("members")).hasSize(1);

    var left = api.delete("/v1/vpn-groups/" + group + "/members/100");
    assertThat(left.status()).isEqualTo(200);
    assertThat(left.json().get("members")).isEmpty();
    assertThat(api.get("/v1/subscribers/" + alice).json().get("vpn").isNull()).isTrue();
    assertThat(api.delete("/v1/vpn-groups/" + group + "/members/100").status()).isEqualTo(200);
    assertThat(
            api.put("/v1/vpn-groups/" + other + "/members/1", "{\"msisdn\":\"" + alice + "\"}")
                .status())
        .as("free to join another group now")
        .isEqualTo(200);
  }

  @Test
  void aFullGroupRefusesANewMemberUntilOneLeaves() {
    String group = vpn.group("\"onNetRatePerMinute\":1,\"offNetRatePerMinute\":2");
    for (int i = 1; i <= MAX_MEMBERS; i++) {
      var joined =
          api.put(
              "/v1/vpn-groups/" + group + "/members/" + i,
              "{\"msisdn\":\"" + vpn.postpaid() + "\"}");
      assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
    }
    String newcomer = vpn.postpaid();
    var full =
        api.put("/v1/vpn-groups/" + group + "/members/9", "{\"msisdn\":\"" + newcomer + "\"}");
    assertThat(full.status()).as(full.toString()).isEqualTo(409);
    assertThat(full.code()).isEqualTo("GROUP_FULL");
    assertThat(api.get("/v1/subscribers/" + newcomer).json().get("vpn").isNull()).isTrue();
    String first =
        api.get("/v1/vpn-groups/" + group).json().get("members").get(0).get("msisdn").asText();
    assertThat(
            api.put("/v1/vpn-groups/" + group + "/members/1", "{\"msisdn\":\"" + first + "\"}")
                .status())
        .as("a member joining again is no newcomer")
        .isEqualTo(200);

    assertThat(api.delete("/v1/vpn-groups/" + group + "/members/2").status()).isEqualTo(200);
    var joined =
        api.put("/v1/vpn-groups/" + group + "/members/9", "{\"msisdn\":\"" + newcomer + "\"}");
    assertThat(joined.status()).as(joined.toString()).isEqualTo(200);
    assertThat(joined.json().get("members")).hasSize(MAX_MEMBERS);
  }

  @Test
  void badShortNumbersAndMsisdns() {
    String group = vpn.group("\"onNetRatePerMinute\":1,\"offNetRatePerMinute\":2");
    assertThat(
            api.put("/v1/vpn-groups/" + group + "/members/12a", "{\"msisdn\":\"8613800000001\"}")
                .status())
        .isEqualTo(400);
    assertThat(
            api.put(
                    "/v1/vpn-groups/" + group + "/members/123456789",
                    "{\"msisdn\":\"8613800000001\"}")
                .status())
        .isEqualTo(400);
    assertThat(api.put("/v1/vpn-groups/" + group + "/members/1", "{\"msisdn\":\"123\"}").status())
        .isEqualTo(400);
    assertThat(api.put("/v1/vpn-groups/" + group + "/members/1", "{}").status()).isEqualTo(400);
  }
}
