package io.scp.actors.cpm;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CpmSettingsTest {
  static CpmSettings with(String settings) {
    return CpmSettings.fromConfig(
        ConfigFactory.parseString(settings).withFallback(ConfigFactory.load()).resolve());
  }

  @Test
  void theDefaultValidityIsCappedByTheMaximumLikeAnyRequestedOne() {
    CpmSettings inconsistent = with("scp.cpm { default-validity = 60s, max-validity = 30s }");
    assertThat(inconsistent.defaultValidity()).isEqualTo(Duration.ofSeconds(30));
    CpmSettings consistent = with("scp.cpm { default-validity = 20s, max-validity = 30s }");
    assertThat(consistent.defaultValidity()).isEqualTo(Duration.ofSeconds(20));
  }
}
