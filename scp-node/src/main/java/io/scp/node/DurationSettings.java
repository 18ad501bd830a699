package io.scp.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Duration settings ({@code scp.…}) given as a bare number are seconds.
 *
 * <p>HOCON reads a duration without a unit as milliseconds, so {@code -Dscp.calls.quota-seconds=60}
 * would grant 60 ms (0 s) slices and release every prepaid call, and {@code
 * -Dscp.calls.answer-timeout=5} would release calls 5 ms after setup. The API's durations are
 * integer seconds, and so are these. A duration setting is one whose shipped default has a unit
 * ({@code 300s}); a value with a unit ({@code 500ms}) is used as written.
 */
final class DurationSettings {
  private static final Pattern BARE_NUMBER = Pattern.compile("\\s*\\d+\\s*");
  private static final Pattern WITH_UNIT = Pattern.compile("\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]+\\s*");

  private DurationSettings() {}

  /** {@code config} with every bare number given for a duration setting turned into seconds. */
  static Config bareNumbersAsSeconds(Config config) {
    return bareNumbersAsSeconds(
        config,
        ConfigFactory.defaultApplication()
            .withFallback(ConfigFactory.defaultReference())
            .resolve());
  }

  /** The same, with the shipped defaults given. */
  static Config bareNumbersAsSeconds(Config config, Config defaults) {
    if (!config.hasPath("scp")) return config;
    Config result = config;
    for (Map.Entry<String, ConfigValue> setting : config.getConfig("scp").entrySet()) {
      String path = "scp." + setting.getKey();
      String value = String.valueOf(setting.getValue().unwrapped());
      if (BARE_NUMBER.matcher(value).matches() && isDuration(defaults, path)) {
        result = result.withValue(path, ConfigValueFactory.fromAnyRef(value.trim() + "s"));
      }
    }
    return result;
  }

  private static boolean isDuration(Config defaults, String path) {
    return defaults.hasPath(path)
        && defaults.getValue(path).valueType() == ConfigValueType.STRING
        && WITH_UNIT.matcher(defaults.getString(path)).matches();
  }
}
