package io.scp.api.codec;

/** A body that cannot be read as the expected message; answered with 400 INVALID_ARGUMENT. */
public final class DecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public DecodeException(String message) {
    super(message, null, false, false);
  }
}
