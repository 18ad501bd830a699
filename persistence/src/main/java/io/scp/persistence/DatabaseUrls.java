package io.scp.persistence;

/** JDBC URL handling shared by the embedded and the external database. */
public final class DatabaseUrls {
  private DatabaseUrls() {}

  /** Adds {@code reWriteBatchedInserts=true} unless the URL already sets it. */
  public static String tuned(String jdbcUrl) {
    if (jdbcUrl.contains("reWriteBatchedInserts")) return jdbcUrl;
    return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
  }

  /** The URL without user info or query parameters, safe for logs. */
  public static String redacted(String jdbcUrl) {
    String noQuery = jdbcUrl.split("\\?", 2)[0];
    return noQuery.replaceAll("//[^/@]*@", "//");
  }
}
