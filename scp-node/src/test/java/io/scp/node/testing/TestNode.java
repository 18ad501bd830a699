package io.scp.node.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.scp.node.ScpNode;
import java.util.HashMap;
import java.util.Map;

/**
 * A real node for tests: real cluster (of one), real sharding, real PostgreSQL, real HTTP socket on
 * an ephemeral port. Closing it stops the actor system but not the JVM.
 */
public final class TestNode implements AutoCloseable {
  private final ScpNode node;
  private final ApiClient client;

  private TestNode(ScpNode node) {
    this.node = node;
    this.client = new ApiClient("http://127.0.0.1:" + node.httpPort());
  }

  public static TestNode start() {
    return start(Map.of());
  }

  /** Starts a node with extra settings on top of the test defaults. */
  public static TestNode start(Map<String, Object> settings) {
    return new TestNode(ScpNode.start(config(settings)));
  }

  public static Config config(Map<String, Object> settings) {
    Map<String, Object> values = new HashMap<>();
    values.put("scp.db.jdbc-url", TestDatabase.get().jdbcUrl());
    values.put("scp.http.port", 0);
    values.put("scp.api-tokens", "");
    values.put("pekko.remote.artery.canonical.port", 0);
    values.put("pekko.management.http.port", 0);
    values.put("pekko.coordinated-shutdown.exit-jvm", "off");
    values.put("pekko.coordinated-shutdown.run-by-jvm-shutdown-hook", "off");
    values.put("pekko.cluster.jmx.multi-mbeans-in-same-jvm", "on");
    values.putAll(settings);
    return ConfigFactory.load(
        ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultApplication()));
  }

  public ApiClient client() {
    return client;
  }

  public ScpNode node() {
    return node;
  }

  @Override
  public void close() {
    node.stop();
  }
}
