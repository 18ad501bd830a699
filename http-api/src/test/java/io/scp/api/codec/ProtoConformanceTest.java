package io.scp.api.codec;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.scp.api.proto.CallSetup;
import io.scp.api.proto.SubscriberProfile;
import io.scp.api.proto.SubscriberStatus;
import io.scp.api.proto.VacpInvocationRequest;
import org.junit.jupiter.api.Test;

/**
 * Enum numbers a protobuf body may carry (the named ones, never an unknown or explicit zero), and
 * the wire types of its fields.
 */
class ProtoConformanceTest {
  @Test
  void namedValuesPassUnknownAndExplicitZeroAreRefused() throws Exception {
    assertThatCode(
            () ->
                ProtoConformance.require(
                    SubscriberProfile.newBuilder().setStatus(SubscriberStatus.SUSPENDED).build()))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> ProtoConformance.require(SubscriberProfile.parseFrom(new byte[] {0x18, 99})))
        .isInstanceOf(DecodeException.class)
        .hasMessage("status must be one of [ACTIVE, SUSPENDED], not 99");
    assertThatThrownBy(
            () -> ProtoConformance.require(SubscriberProfile.parseFrom(new byte[] {0x18, 0})))
        .hasMessage("status must be one of [ACTIVE, SUSPENDED], not 0");
  }

  @Test
  void fieldsTheContractDoesNotUsePassWhateverTheyCarry() throws Exception {
    // field 15, varint 99: unknown to CallSetup
    var setup =
        CallSetup.parseFrom(
            CallSetup.newBuilder().setCallId("c1").build().toBuilder()
                .mergeFrom(new byte[] {0x78, 99})
                .build()
                .toByteArray());
    assertThatCode(() -> ProtoConformance.require(setup)).doesNotThrowAnyException();
  }

  @Test
  void aFieldOfTheContractWithAnotherWireTypeIsRefused() throws Exception {
    // CallSetup's callId (field 1, a string) sent as the varint 5
    assertThatThrownBy(() -> ProtoConformance.require(CallSetup.parseFrom(new byte[] {0x08, 5})))
        .isInstanceOf(DecodeException.class)
        .hasMessage("callId has the wrong type (field 1)");
  }

  @Test
  void aJsonNullInsideAPayloadIsNoUnspecifiedEnum() throws Exception {
    Value nul = Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    var request =
        VacpInvocationRequest.newBuilder()
            .setInvocationId("i1")
            .setPayload(
                Value.newBuilder()
                    .setStructValue(
                        Struct.newBuilder()
                            .putFields("a", nul)
                            .putFields(
                                "list",
                                Value.newBuilder()
                                    .setListValue(ListValue.newBuilder().addValues(nul))
                                    .build())))
            .build();
    assertThatCode(
            () -> ProtoConformance.require(VacpInvocationRequest.parseFrom(request.toByteArray())))
        .doesNotThrowAnyException();
  }
}
