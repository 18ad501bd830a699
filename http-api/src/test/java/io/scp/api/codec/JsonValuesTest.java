package io.scp.api.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.api.proto.VacpInvocationRequest;
import io.scp.api.proto.VacpInvocationResult;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonValuesTest {
  static VacpInvocationRequest request(String json) {
    return ProtoJson.decode(
            json.getBytes(StandardCharsets.UTF_8), VacpInvocationRequest.newBuilder())
        .build();
  }

  static JsonNode tree(String json) throws Exception {
    return ProtoJson.mapper().readTree(json);
  }

  @Test
  void freeJsonTravelsAsItself() throws Exception {
    String payload = "{\"b\":[1,2.5,\"x\",true,null],\"a\":{\"n\":-3}}";
    var r = request("{\"invocationId\":\"i\",\"payload\":" + payload + "}");
    assertThat(r.hasPayload()).isTrue();
    assertThat(tree(JsonValues.toJson(r.getPayload()))).isEqualTo(tree(payload));
    assertThat(JsonValues.toJson(r.getPayload()))
        .as("members sorted, integral numbers without a fraction")
        .isEqualTo("{\"a\":{\"n\":-3},\"b\":[1,2.5,\"x\",true,null]}");
    assertThat(request("{\"payload\":\"text\"}").getPayload().getStringValue()).isEqualTo("text");
    assertThat(request("{\"payload\":null}").hasPayload()).isFalse();

    var out =
        VacpInvocationResult.newBuilder()
            .setInvocationId("i")
            .setResult(JsonValues.parse("{\"t\":21}"))
            .build();
    JsonNode encoded = tree(new String(ProtoJson.encode(out), StandardCharsets.UTF_8));
    assertThat(encoded.get("result")).isEqualTo(tree("{\"t\":21}"));
    assertThat(encoded.get("region").isNull()).isTrue();
    assertThat(JsonValues.parse("not json").getStringValue()).isEqualTo("not json");
  }
}
