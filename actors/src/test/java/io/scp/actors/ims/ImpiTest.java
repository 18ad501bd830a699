package io.scp.actors.ims;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImpiTest {
  static final String IMSI = "460011100612345";

  @Test
  void derivesThePerServiceIdentitiesOfTheMissionExample() {
    assertThat(Impi.derive(IMSI, "460", "01", Optional.of("001")).value())
        .isEqualTo("460011100612345@ims.sic001.mnc001.mcc460.3gppnetwork.org");
    assertThat(Impi.derive(IMSI, "460", "01", Optional.of("002")).value())
        .isEqualTo("460011100612345@ims.sic002.mnc001.mcc460.3gppnetwork.org");
  }

  @Test
  void derivesTheStandardIdentityWithoutSic() {
    assertThat(Impi.derive(IMSI, "460", "01", Optional.empty()).value())
        .isEqualTo("460011100612345@ims.mnc001.mcc460.3gppnetwork.org");
  }

  @Test
  void padsATwoDigitMncAndKeepsAThreeDigitOne() {
    assertThat(Impi.derive("310150123456789", "310", "150", Optional.empty()).value())
        .isEqualTo("310150123456789@ims.mnc150.mcc310.3gppnetwork.org");
    assertThat(Impi.derive("234150999999999", "234", "15", Optional.of("7")).value())
        .isEqualTo("234150999999999@ims.sic7.mnc015.mcc234.3gppnetwork.org");
    assertThat(Impi.domainMnc("01")).isEqualTo("001");
    assertThat(Impi.domainMnc("001")).isEqualTo("001");
  }

  @Test
  void acceptsTheShortestAndLongestFields() {
    assertThat(Impi.derive("123456", "001", "01", Optional.of("1")).value())
        .isEqualTo("123456@ims.sic1.mnc001.mcc001.3gppnetwork.org");
    assertThat(Impi.derive("123456789012345", "999", "999", Optional.of("12345678")).value())
        .isEqualTo("123456789012345@ims.sic12345678.mnc999.mcc999.3gppnetwork.org");
  }

  @Test
  void refusesToDeriveFromBadFields() {
    assertBadField(() -> Impi.derive("12345", "460", "01", Optional.empty()), "imsi");
    assertBadField(() -> Impi.derive("1234567890123456", "460", "01", Optional.empty()), "imsi");
    assertBadField(() -> Impi.derive("46001110061234a", "460", "01", Optional.empty()), "imsi");
    assertBadField(() -> Impi.derive(null, "460", "01", Optional.empty()), "imsi");
    assertBadField(() -> Impi.derive(IMSI, "46", "01", Optional.empty()), "mcc");
    assertBadField(() -> Impi.derive(IMSI, "4600", "01", Optional.empty()), "mcc");
    assertBadField(() -> Impi.derive(IMSI, "460", "1", Optional.empty()), "mnc");
    assertBadField(() -> Impi.derive(IMSI, "460", "0001", Optional.empty()), "mnc");
    assertBadField(() -> Impi.derive(IMSI, "460", "0a", Optional.empty()), "mnc");
    assertBadField(() -> Impi.derive(IMSI, "460", "01", Optional.of("")), "sic");
    assertBadField(() -> Impi.derive(IMSI, "460", "01", Optional.of("123456789")), "sic");
    assertBadField(() -> Impi.derive(IMSI, "460", "01", Optional.of("00a")), "sic");
  }

  private static void assertBadField(Runnable derivation, String field) {
    assertThatThrownBy(derivation::run)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field + " must be");
  }

  @Test
  void parsesWhatItDerives() {
    for (Optional<String> sic : List.of(Optional.<String>empty(), Optional.of("001"))) {
      Impi derived = Impi.derive(IMSI, "460", "01", sic);
      Impi parsed = Impi.parse(derived.value());
      assertThat(parsed).isEqualTo(derived);
      assertThat(parsed.imsi()).isEqualTo(IMSI);
      assertThat(parsed.mcc()).isEqualTo("460");
      assertThat(parsed.mnc()).isEqualTo("001");
      assertThat(parsed.sic()).isEqualTo(sic);
    }
  }

  @Test
  void keepsLeadingZerosOfTheSic() {
    assertThat(Impi.parse(IMSI + "@ims.sic001.mnc001.mcc460.3gppnetwork.org").sic())
        .contains("001");
    assertThat(Impi.parse(IMSI + "@ims.sic1.mnc001.mcc460.3gppnetwork.org").sic()).contains("1");
  }

  @Test
  void readsTheDomainCaseInsensitivelyAndAnswersTheCanonicalForm() {
    Impi impi = Impi.parse(IMSI + "@IMS.SIC002.MNC001.MCC460.3GPPNETWORK.ORG");
    assertThat(impi.value()).isEqualTo(IMSI + "@ims.sic002.mnc001.mcc460.3gppnetwork.org");
    assertThat(impi.toString()).isEqualTo(impi.value());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        " ",
        "460011100612345",
        "@ims.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@",
        "460011100612345ims.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@@ims.mnc001.mcc460.3gppnetwork.org",
        // IMSI too short, too long, not digits
        "12345@ims.mnc001.mcc460.3gppnetwork.org",
        "1234567890123456@ims.mnc001.mcc460.3gppnetwork.org",
        "46001110061234X@ims.mnc001.mcc460.3gppnetwork.org",
        "+460011100612345@ims.mnc001.mcc460.3gppnetwork.org",
        "sip:460011100612345@ims.mnc001.mcc460.3gppnetwork.org",
        // MNC must be three digits in the domain
        "460011100612345@ims.mnc01.mcc460.3gppnetwork.org",
        "460011100612345@ims.mnc0001.mcc460.3gppnetwork.org",
        "460011100612345@ims.mnc.mcc460.3gppnetwork.org",
        "460011100612345@ims.mncabc.mcc460.3gppnetwork.org",
        // MCC must be three digits
        "460011100612345@ims.mnc001.mcc46.3gppnetwork.org",
        "460011100612345@ims.mnc001.mcc4600.3gppnetwork.org",
        // SIC 1-8 digits
        "460011100612345@ims.sic.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.sic123456789.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.sic00a.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.sic-1.mnc001.mcc460.3gppnetwork.org",
        // labels out of order, missing, repeated or foreign
        "460011100612345@ims.mcc460.mnc001.3gppnetwork.org",
        "460011100612345@ims.mnc001.sic001.mcc460.3gppnetwork.org",
        "460011100612345@mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.sic001.sic002.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.mnc001.mcc460.3gppnetwork.com",
        "460011100612345@ims.mnc001.mcc460.3gppnetwork.org.",
        "460011100612345@ims.mnc001.mcc460.pub.3gppnetwork.org",
        "460011100612345@ims.mnc001.mcc460",
        // whitespace and trailing text
        " 460011100612345@ims.mnc001.mcc460.3gppnetwork.org",
        "460011100612345@ims.mnc001.mcc460.3gppnetwork.org ",
        "460011100612345@ims.mnc001.mcc460.3gppnetwork.org\n",
        "460011100612345@ims.mnc001.mcc460.3gppnetwork.org;x=1",
        // non-ASCII digits
        "４６００１１１００６１２３４５@ims.mnc001.mcc460.3gppnetwork.org",
      })
  void refusesEveryMalformedShape(String text) {
    assertThatThrownBy(() -> Impi.parse(text))
        .isInstanceOfSatisfying(
            Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.MALFORMED_IMPI));
  }

  @Test
  void refusesAbsentAndOverlongText() {
    for (String text :
        new String[] {null, "1".repeat(10_000) + "@ims.mnc001.mcc460.3gppnetwork.org"}) {
      assertThatThrownBy(() -> Impi.parse(text))
          .isInstanceOfSatisfying(
              Refusal.class, r -> assertThat(r.code()).isEqualTo(ErrorCode.MALFORMED_IMPI));
    }
  }

  @Test
  void validatesSics() {
    assertThat(Impi.validSic("1")).isTrue();
    assertThat(Impi.validSic("12345678")).isTrue();
    assertThat(Impi.validSic("")).isFalse();
    assertThat(Impi.validSic("123456789")).isFalse();
    assertThat(Impi.validSic("a1")).isFalse();
    assertThat(Impi.validSic(null)).isFalse();
  }
}
