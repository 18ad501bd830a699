package io.scp.api.support;

/** An answer other than success decided by the HTTP layer itself (validation, auth, limits). */
public final class ApiError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;

  public ApiError(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public static ApiError badRequest(String message) {
    return new ApiError(400, "INVALID_ARGUMENT", message);
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }
}
