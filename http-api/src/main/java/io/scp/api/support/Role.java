package io.scp.api.support;

/** Who may call an endpoint. Operators may do everything. */
public enum Role {
  OPERATOR,
  FRONTEND,
  /** Any authenticated caller. */
  ANY;

  public boolean grants(Role required) {
    return this == OPERATOR || required == ANY || this == required;
  }
}
