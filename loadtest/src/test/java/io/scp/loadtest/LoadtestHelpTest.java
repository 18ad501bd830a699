package io.scp.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every subcommand's help shows what each option defaults to, as a new user needs to repeat it. */
class LoadtestHelpTest {
  @Test
  void theHelpOfASubcommandShowsTheDefaults() {
    var calls = LoadtestMain.commandLine().getSubcommands().get("calls");
    String help = calls.getUsageMessage();
    assertThat(help)
        .contains("--subscribers")
        .contains("Default: 2000")
        .contains("Default: 20")
        .contains("with --no-provision the same");
    assertThat(LoadtestMain.commandLine().getSubcommands().get("sip-uri").getUsageMessage())
        .contains("Default: 32");
  }
}
