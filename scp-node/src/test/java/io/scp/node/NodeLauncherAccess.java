package io.scp.node;

import com.typesafe.config.Config;
import java.util.Optional;

/** Lets tests in other packages reach the launcher's start-up checks. */
public final class NodeLauncherAccess {
  private NodeLauncherAccess() {}

  public static Optional<String> refusal(Config config) {
    return NodeLauncher.refuseUnprotectedBind(config);
  }

  public static Optional<String> shardLayoutRefusal(Config config, String jdbcUrl) {
    return NodeLauncher.checkShardLayout(config, jdbcUrl);
  }
}
