package io.scp.api.codec;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scp.api.proto.CallSetup;
import io.scp.api.proto.SubscriberProfile;
import io.scp.api.proto.SubscriberStatus;
import org.junit.jupiter.api.Test;

/** Enum numbers a protobuf body may carry: the named ones, never an unknown or explicit zero. */
class ProtoEnumsTest {
  @Test
  void namedValuesPassUnknownAndExplicitZeroAreRefused() throws Exception {
    assertThatCode(
            () ->
                ProtoEnums.requireKnown(
                    SubscriberProfile.newBuilder().setStatus(SubscriberStatus.SUSPENDED).build()))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () -> ProtoEnums.requireKnown(SubscriberProfile.parseFrom(new byte[] {0x18, 99})))
        .isInstanceOf(DecodeException.class)
        .hasMessage("status must be one of [ACTIVE, SUSPENDED], not 99");
    assertThatThrownBy(
            () -> ProtoEnums.requireKnown(SubscriberProfile.parseFrom(new byte[] {0x18, 0})))
        .hasMessage("status must be one of [ACTIVE, SUSPENDED], not 0");
  }

  @Test
  void typesWithoutEnumsPassWhateverTheyCarry() throws Exception {
    // field 15, varint 99: unknown to CallSetup, which has no enum field to misread it
    var setup =
        CallSetup.parseFrom(
            CallSetup.newBuilder().setCallId("c1").build().toBuilder()
                .mergeFrom(new byte[] {0x78, 99})
                .build()
                .toByteArray());
    assertThatCode(() -> ProtoEnums.requireKnown(setup)).doesNotThrowAnyException();
  }
}
