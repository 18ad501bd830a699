package io.scp.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Value;
import io.scp.api.proto.VacpEventRequest;
import org.junit.jupiter.api.Test;

/** Free JSON in a {@code google.protobuf.Value} field (an event's payload), both encodings. */
class ProtoJsonValueTest {
  static final ObjectMapper JSON = new ObjectMapper();

  static VacpEventRequest decode(String json) {
    return ProtoJson.decode(json.getBytes(), VacpEventRequest.newBuilder()).build();
  }

  @Test
  void anyJsonValueRoundTripsThroughJsonAndProtobuf() throws Exception {
    String payload =
        "{\"city\":\"Beijing\",\"tempC\":21,\"rain\":0.25,\"big\":-9007199254740992,"
            + "\"alerts\":[\"wind\",true,null,{\"level\":3}],\"none\":null}";
    VacpEventRequest request = decode("{\"eventId\":\"e1\",\"payload\":" + payload + "}");
    assertThat(request.hasPayload()).isTrue();
    assertThat(JSON.readTree(JsonValues.toJson(request.getPayload())))
        .isEqualTo(JSON.readTree(payload));

    VacpEventRequest parsed = VacpEventRequest.parseFrom(request.toByteArray());
    assertThat(parsed).isEqualTo(request);
    assertThat(JSON.readTree(ProtoJson.encode(parsed)).get("payload"))
        .isEqualTo(JSON.readTree(payload));

    for (String scalar : new String[] {"\"text\"", "7", "false", "[]"}) {
      assertThat(JsonValues.toJson(decode("{\"payload\":" + scalar + "}").getPayload()))
          .isEqualTo(scalar);
    }
  }

  @Test
  void nullIsAbsentAndNumbersJsonCannotHoldAreRefused() {
    assertThat(decode("{\"payload\":null}").hasPayload()).isFalse();
    assertThat(decode("{}").hasPayload()).isFalse();
    assertThatThrownBy(
            () -> JsonValues.toNode(Value.newBuilder().setNumberValue(Double.NaN).build()))
        .isInstanceOf(DecodeException.class);
  }
}
