package io.scp.persistence;

/** JDBC URL handling shared by the embedded and the external database. */
public final class DatabaseUrls {
  /**
   * The name a node's connections carry ({@code application_name} in {@code pg_stat_activity}): how
   * {@code reset-shard-layout} sees that nodes still run on a database.
   */
  public static final String NODE_APPLICATION = "scp-node";

  private DatabaseUrls() {}

  /** Adds {@code reWriteBatchedInserts=true} unless the URL already sets it. */
  public static String tuned(String jdbcUrl) {
    if (jdbcUrl.contains("reWriteBatchedInserts")) return jdbcUrl;
    return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
  }

  /** {@link #tuned} and named as a node's, unless the URL names its application itself. */
  public static String forNode(String jdbcUrl) {
    String tuned = tuned(jdbcUrl);
    if (tuned.contains("ApplicationName=")) return tuned;
    return tuned + "&ApplicationName=" + NODE_APPLICATION;
  }

  /** The URL without user info or query parameters, safe for logs. */
  public static String redacted(String jdbcUrl) {
    String noQuery = jdbcUrl.split("\\?", 2)[0];
    return noQuery.replaceAll("//[^/@]*@", "//");
  }
}
