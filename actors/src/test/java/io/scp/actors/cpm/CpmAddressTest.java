package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.cpm.MediaSelection.Transport;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpmAddressTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "8613800000001, 8613800000001",
    "+8613800000001, 8613800000001",
    "tel:+8613800000001, 8613800000001",
    "TEL:+86-138-0000-0001, 8613800000001",
    "tel:+86(138)00000001;phone-context=x, 8613800000001",
    "sip:alice@example.com, sip:alice@example.com",
    "SIP:Alice@example.com, sip:Alice@example.com",
    "sip:Alice@EXAMPLE.com, sip:Alice@example.com", // the host has no case, the user part has
    "sips:bob@example.com;transport=tls, sips:bob@example.com;transport=tls",
    "im:carol@example.com, im:carol@example.com",
    "alice, alice"
  })
  void canonicalForms(String raw, String canonical) {
    assertThat(CpmAddress.canonical(raw)).contains(canonical);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "not an address",
        "1234",
        "1234567890123456",
        "tel:abc",
        "sip:",
        "a/b",
        "a?b",
        "+",
        "-x",
        "100%"
      })
  void notAddresses(String raw) {
    assertThat(CpmAddress.canonical(raw)).isEmpty();
  }

  @Test
  void tooLongIsNotAnAddress() {
    assertThat(CpmAddress.canonical("a".repeat(256))).isPresent();
    assertThat(CpmAddress.canonical("a".repeat(257))).isEmpty();
  }

  @Test
  void subscriberMsisdnOfAnAddress() {
    assertThat(CpmAddress.subscriberMsisdn("8613800000001")).contains("8613800000001");
    assertThat(CpmAddress.subscriberMsisdn("sip:+8613800000001@ims.example.com;user=phone"))
        .contains("8613800000001");
    assertThat(CpmAddress.subscriberMsisdn("sip:8613800000001;npdi@ims.example.com"))
        .contains("8613800000001");
    assertThat(CpmAddress.subscriberMsisdn("sip:alice@example.com")).isEmpty();
    assertThat(CpmAddress.subscriberMsisdn("alice")).isEmpty();
    assertThat(CpmAddress.isMsisdn("8613800000001")).isTrue();
    assertThat(CpmAddress.isMsisdn("sip:alice@example.com")).isFalse();
  }

  @Test
  void mediaAreMappedToTheirTransports() {
    var decisions =
        MediaSelection.decide(List.of("text", "file", "audio", "video/H264", "text", "fax"));
    assertThat(decisions).hasSize(5);
    assertThat(decisions.get(0).transport()).contains(Transport.MSRP);
    assertThat(decisions.get(1).transport()).contains(Transport.HTTP);
    assertThat(decisions.get(2).transport()).contains(Transport.RTP);
    assertThat(decisions.get(3).type()).isEqualTo("video/H264");
    assertThat(decisions.get(3).transport()).contains(Transport.RTP);
    assertThat(decisions.get(4).accepted()).isFalse();
    assertThat(decisions.get(4).transport()).isEqualTo(Optional.empty());
    assertThat(MediaSelection.decide(List.of()))
        .containsExactly(
            new MediaSelection.MediaDecision("text", Optional.of(Transport.MSRP), true));
  }
}
