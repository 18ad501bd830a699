package io.scp.actors.cpm;

import java.nio.charset.StandardCharsets;

/**
 * How a standalone message travels: pager mode (one SIP MESSAGE) up to {@code
 * scp.cpm.pager-max-bytes} of body, large-message mode (an MSRP transfer) above.
 */
public enum MessageMode {
  PAGER,
  LARGE;

  public static MessageMode of(int bodyBytes, int pagerMaxBytes) {
    return bodyBytes <= pagerMaxBytes ? PAGER : LARGE;
  }

  /** The size that classifies a body: its UTF-8 encoding. */
  public static int bodyBytes(String body) {
    return body.getBytes(StandardCharsets.UTF_8).length;
  }
}
