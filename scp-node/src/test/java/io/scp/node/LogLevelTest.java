package io.scp.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SCP_LOG_LEVEL in either logger's spelling gives each logger its own. */
class LogLevelTest {
  @AfterEach
  void clear() {
    System.clearProperty("scp.log.level");
    System.clearProperty("pekko.loglevel");
    ConfigFactory.invalidateCaches();
  }

  @ParameterizedTest
  @CsvSource({
    "WARN,WARN,WARNING",
    "warning,WARN,WARNING",
    "error,ERROR,ERROR",
    "Info,INFO,INFO",
    "DEBUG,DEBUG,DEBUG",
    "TRACE,TRACE,DEBUG",
    "OFF,OFF,OFF"
  })
  void eachLoggerGetsItsSpelling(String value, String logback, String pekko) {
    assertThat(LogLevel.configure(value)).isEmpty();
    assertThat(System.getProperty("scp.log.level")).isEqualTo(logback);
    assertThat(ConfigFactory.load().getString("pekko.loglevel")).isEqualTo(pekko);
  }

  @ParameterizedTest
  @CsvSource({"VERBOSE", "5"})
  void unknownLevelsAreRefused(String value) {
    assertThat(LogLevel.configure(value)).hasValueSatisfying(m -> assertThat(m).contains(value));
    assertThat(System.getProperty("scp.log.level")).isNull();
  }
}
