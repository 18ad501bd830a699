package io.scp.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scp.api.proto.Account;
import io.scp.api.proto.Reservation;
import io.scp.api.proto.ReserveRequest;
import io.scp.api.proto.SubscriberProfile;
import io.scp.api.proto.SubscriberStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProtoJsonTest {
  static ReserveRequest reserve(String json) {
    return ProtoJson.decode(json.getBytes(StandardCharsets.UTF_8), ReserveRequest.newBuilder())
        .build();
  }

  @Test
  void decodesPresenceNullAndUnknownFields() {
    var r =
        reserve(
            "{\"reservationId\":\"r1\",\"amount\":9007199254740993,\"ttlSeconds\":null,\"extra\":{\"a\":1}}");
    assertThat(r.getReservationId()).isEqualTo("r1");
    assertThat(r.getAmount()).isEqualTo(9007199254740993L);
    assertThat(r.hasTtlSeconds()).isFalse();
    assertThat(reserve("").hasAmount()).isFalse();
  }

  @Test
  void refusesWrongTypes() {
    for (String bad :
        new String[] {
          "{\"amount\":\"5\"}",
          "{\"amount\":5.5}",
          "{\"amount\":true}",
          "{\"amount\":[5]}",
          "{\"reservationId\":5}",
          "{\"amount\":92233720368547758070}",
          "[]",
          "5",
          "{\"a\":1,\"a\":2}",
          "{\"amount\":1} {}",
          "{\"amount\":"
        }) {
      assertThatThrownBy(() -> reserve(bad)).as(bad).isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void enumsTakeOnlyTheirNamesAndNeverTheUnspecifiedValue() {
    var ok =
        ProtoJson.decode("{\"status\":\"SUSPENDED\"}".getBytes(), SubscriberProfile.newBuilder())
            .build();
    assertThat(ok.getStatus()).isEqualTo(SubscriberStatus.SUSPENDED);
    for (String bad :
        new String[] {"\"ACTIVE \"", "\"SUBSCRIBER_STATUS_UNSPECIFIED\"", "1", "\"suspended\""}) {
      assertThatThrownBy(
              () ->
                  ProtoJson.decode(
                      ("{\"status\":" + bad + "}").getBytes(), SubscriberProfile.newBuilder()))
          .as(bad)
          .isInstanceOf(DecodeException.class);
    }
  }

  @Test
  void encodesEveryFieldWithNullsListsAndLongNumbers() throws Exception {
    var account =
        Account.newBuilder()
            .setAccountId("a")
            .setBalance(Long.MAX_VALUE)
            .addReservations(Reservation.newBuilder().setReservationId("r").setAmount(1))
            .build();
    var tree = ProtoJson.mapper().readTree(ProtoJson.encode(account));
    assertThat(tree.get("balance").isIntegralNumber()).isTrue();
    assertThat(tree.get("balance").asLong()).isEqualTo(Long.MAX_VALUE);
    assertThat(tree.get("lost").asBoolean()).isFalse();
    assertThat(tree.get("reservations").get(0).get("reservationId").asText()).isEqualTo("r");
    var profile = ProtoJson.toTree(SubscriberProfile.newBuilder().setImsi("1").build());
    assertThat(profile.get("homeRegion").isNull()).isTrue();
    assertThat(profile.get("imsi").asText()).isEqualTo("1");
  }

  @Test
  void jsonAndProtobufRoundTripToTheSameMessage() throws Exception {
    var request =
        ReserveRequest.newBuilder().setReservationId("x").setAmount(42).setTtlSeconds(7).build();
    var viaJson = ProtoJson.decode(ProtoJson.encode(request), ReserveRequest.newBuilder()).build();
    assertThat(viaJson).isEqualTo(ReserveRequest.parseFrom(request.toByteArray()));
  }
}
