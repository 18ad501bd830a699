package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.actors.cpm.SmsSegmenter.Encoding;
import io.scp.actors.cpm.SmsSegmenter.Segmentation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmsSegmenterTest {

  private static void assertRejoins(Segmentation s, String text) {
    assertThat(String.join("", s.parts())).isEqualTo(text);
  }

  @ParameterizedTest(name = "{0} GSM-7 characters -> {1} parts")
  @CsvSource({
    "1, 1",
    "160, 1",
    "161, 2",
    "306, 2",
    "307, 3",
    "459, 3",
    "460, 4",
    "1530, 10",
    "1531, 11"
  })
  void gsm7UsesSingleAndConcatenatedLimits(int length, int parts) {
    String text = "x".repeat(length);
    Segmentation s = SmsSegmenter.segment(text);
    assertThat(s.encoding()).isEqualTo(Encoding.GSM7);
    assertThat(s.count()).isEqualTo(parts);
    assertThat(s.units()).isEqualTo(length);
    if (parts > 1) {
      for (int i = 0; i < parts - 1; i++) assertThat(s.parts().get(i)).hasSize(153);
    }
    assertRejoins(s, text);
  }

  @ParameterizedTest(name = "{0} UCS-2 units -> {1} parts")
  @CsvSource({"1, 1", "70, 1", "71, 2", "134, 2", "135, 3", "201, 3", "202, 4"})
  void ucs2UsesSingleAndConcatenatedLimits(int length, int parts) {
    String text = "中".repeat(length);
    Segmentation s = SmsSegmenter.segment(text);
    assertThat(s.encoding()).isEqualTo(Encoding.UCS2);
    assertThat(s.count()).isEqualTo(parts);
    if (parts > 1) {
      for (int i = 0; i < parts - 1; i++) assertThat(s.parts().get(i)).hasSize(67);
    }
    assertRejoins(s, text);
  }

  @Test
  void extensionCharactersCountTwoSeptets() {
    assertThat(SmsSegmenter.segment("€".repeat(80)).count()).isEqualTo(1);
    Segmentation s = SmsSegmenter.segment("€".repeat(81));
    assertThat(s.encoding()).isEqualTo(Encoding.GSM7);
    assertThat(s.units()).isEqualTo(162);
    assertThat(s.count()).isEqualTo(2);
    assertThat(SmsSegmenter.segment("x".repeat(159) + "{").count()).isEqualTo(2);
    assertThat(SmsSegmenter.segment("x".repeat(158) + "{").count()).isEqualTo(1);
    for (char c : "^{}\\[~]|€\f".toCharArray()) {
      assertThat(SmsSegmenter.segment(String.valueOf(c)).units()).as("%s", c).isEqualTo(2);
    }
  }

  @Test
  void anEscapePairIsNeverSplitAcrossParts() {
    String text = "x".repeat(152) + "[" + "y".repeat(10);
    Segmentation s = SmsSegmenter.segment(text);
    assertThat(s.parts().get(0)).isEqualTo("x".repeat(152));
    assertThat(s.parts().get(1)).startsWith("[");
    assertRejoins(s, text);
  }

  @Test
  void theGsmBasicTableIncludesItsNonAsciiLetters() {
    String text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\r\n";
    Segmentation s = SmsSegmenter.segment(text);
    assertThat(s.encoding()).isEqualTo(Encoding.GSM7);
    assertThat(s.units()).isEqualTo(text.length());
  }

  @Test
  void oneCharacterOutsideGsm7MakesTheWholeTextUcs2() {
    assertThat(SmsSegmenter.segment("hello `world`").encoding()).isEqualTo(Encoding.UCS2);
    assertThat(SmsSegmenter.segment("price: 5 €, ok").encoding()).isEqualTo(Encoding.GSM7);
    Segmentation s = SmsSegmenter.segment("x".repeat(100) + "ç");
    assertThat(s.encoding()).isEqualTo(Encoding.UCS2);
    assertThat(s.count()).isEqualTo(2);
  }

  @Test
  void aSurrogatePairCountsTwoUnitsAndIsNeverSplit() {
    String emoji = "😀";
    assertThat(SmsSegmenter.segment(emoji.repeat(35)).count()).isEqualTo(1);
    assertThat(SmsSegmenter.segment(emoji.repeat(36)).count()).isEqualTo(2);
    String text = "a" + emoji.repeat(40);
    Segmentation s = SmsSegmenter.segment(text);
    assertThat(s.parts().get(0)).hasSize(67);
    assertThat(s.parts().get(0).codePoints().count()).isEqualTo(34);
    assertRejoins(s, text);
  }

  @Test
  void messageModeSwitchesAboveThePagerLimit() {
    assertThat(MessageMode.of(1300, 1300)).isEqualTo(MessageMode.PAGER);
    assertThat(MessageMode.of(1301, 1300)).isEqualTo(MessageMode.LARGE);
    assertThat(MessageMode.bodyBytes("é")).isEqualTo(2);
  }
}
