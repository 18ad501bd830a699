package io.scp.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A bad port is refused in one line before the database or the cluster start. */
class PortSettingsTest {
  static Config with(String path, Object value) {
    return ConfigFactory.parseMap(Map.of(path, value)).withFallback(ConfigFactory.load());
  }

  @Test
  void portsThatAreNotNumbersOrOutOfRangeAreRefused() {
    assertThat(NodeLauncher.refuseBadPorts(with("scp.http.port", "abc")))
        .hasValueSatisfying(m -> assertThat(m).startsWith("scp-node: scp.http.port must be"));
    assertThat(NodeLauncher.refuseBadPorts(with("pekko.management.http.port", 70_000)))
        .hasValueSatisfying(m -> assertThat(m).contains("from 0 to 65535, not 70000"));
    assertThat(NodeLauncher.refuseBadPorts(with("scp.db.port", -1))).isPresent();
  }

  @Test
  void theDefaultsAndPortZeroPass() {
    assertThat(NodeLauncher.refuseBadPorts(ConfigFactory.load())).isEmpty();
    assertThat(NodeLauncher.refuseBadPorts(with("scp.http.port", 0))).isEmpty();
  }
}
