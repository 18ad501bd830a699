package io.scp.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationSettingsTest {
  static final Config DEFAULTS =
      ConfigFactory.parseString(
          "scp.calls { answer-timeout = 60s, quota-seconds = 300s, max-setup-attempts = 4 }\n"
              + "scp.name = node");

  @Test
  void aBareNumberForADurationIsSeconds() {
    // as a JVM system property arrives (a string) and as a HOCON number
    Config given =
        ConfigFactory.parseString("scp.calls { quota-seconds = \"60\", answer-timeout = 5 }")
            .withFallback(DEFAULTS);
    Config config = DurationSettings.bareNumbersAsSeconds(given, DEFAULTS);
    assertThat(config.getDuration("scp.calls.quota-seconds")).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.getDuration("scp.calls.answer-timeout")).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void valuesWithAUnitAndSettingsThatAreNotDurationsStayAsWritten() {
    Config given =
        ConfigFactory.parseString(
                "scp.calls { answer-timeout = 500ms, max-setup-attempts = \"7\" }\n"
                    + "scp.name = \"12\"")
            .withFallback(DEFAULTS);
    Config config = DurationSettings.bareNumbersAsSeconds(given, DEFAULTS);
    assertThat(config.getDuration("scp.calls.answer-timeout")).isEqualTo(Duration.ofMillis(500));
    assertThat(config.getInt("scp.calls.max-setup-attempts")).isEqualTo(7);
    assertThat(config.getString("scp.name")).isEqualTo("12");
    assertThat(config.getDuration("scp.calls.quota-seconds")).isEqualTo(Duration.ofSeconds(300));
  }

  @Test
  void theShippedDefaultsAreRead() {
    Config given =
        ConfigFactory.parseString("scp.calls.quota-seconds = \"42\"")
            .withFallback(ConfigFactory.load());
    assertThat(DurationSettings.bareNumbersAsSeconds(given).getDuration("scp.calls.quota-seconds"))
        .isEqualTo(Duration.ofSeconds(42));
  }
}
