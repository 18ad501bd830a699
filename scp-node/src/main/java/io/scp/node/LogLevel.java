package io.scp.node;

import com.typesafe.config.ConfigFactory;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@code SCP_LOG_LEVEL} for both loggers of a node: logback (the log lines) and Pekko (which
 * decides what it hands to logback). They spell one level differently — logback's {@code WARN} is
 * Pekko's {@code WARNING} — and each refuses the other's spelling, so the variable takes either and
 * each logger gets its own.
 */
final class LogLevel {
  /** One level as each logger spells it. */
  private record Names(String logback, String pekko) {}

  private static final Map<String, Names> LEVELS =
      Map.of(
          "ERROR", new Names("ERROR", "ERROR"),
          "WARN", new Names("WARN", "WARNING"),
          "WARNING", new Names("WARN", "WARNING"),
          "INFO", new Names("INFO", "INFO"),
          "DEBUG", new Names("DEBUG", "DEBUG"),
          "TRACE", new Names("TRACE", "DEBUG"),
          "OFF", new Names("OFF", "OFF"));

  private LogLevel() {}

  /**
   * Sets the level for logback ({@code scp.log.level}, read by logback.xml) and Pekko ({@code
   * pekko.loglevel}, unless given with -D) before either starts. An unknown name is refused.
   */
  static Optional<String> configure(String value) {
    if (value == null || value.isBlank()) return Optional.empty();
    Names names = LEVELS.get(value.trim().toUpperCase(Locale.ROOT));
    if (names == null) {
      return Optional.of(
          "SCP_LOG_LEVEL must be one of ERROR, WARN (or WARNING), INFO, DEBUG, TRACE, OFF, not "
              + value);
    }
    System.setProperty("scp.log.level", names.logback());
    if (System.getProperty("pekko.loglevel") == null) {
      System.setProperty("pekko.loglevel", names.pekko());
    }
    ConfigFactory.invalidateCaches();
    return Optional.empty();
  }
}
