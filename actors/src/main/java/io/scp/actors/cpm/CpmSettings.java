package io.scp.actors.cpm;

import com.typesafe.config.Config;
import java.time.Duration;

/** The {@code scp.cpm} settings, read once at start-up. */
public record CpmSettings(
    int pagerMaxBytes,
    int maxMessageBytes,
    long messageFee,
    Duration defaultValidity,
    Duration maxValidity,
    int maxRecipients,
    int historyLimit,
    long historyMaxBytes,
    int mailboxLimit,
    long mailboxMaxBytes,
    int maxSmsSegments,
    int smsOutboxLimit,
    int maxGroupMembers,
    Duration askTimeout,
    Duration chargeReservationTtl,
    Duration dispatchRetry,
    Duration sessionIdleTimeout,
    int rememberedIds,
    Duration idleTimeout,
    Stream stream) {

  /** The per-connection bounds of the WebSocket stream. */
  public record Stream(int buffer, int page, Duration keepalive, int maxClientFrameChars) {}

  public static CpmSettings fromConfig(Config config) {
    Config c = config.getConfig("scp.cpm");
    Duration maxValidity = c.getDuration("max-validity");
    return new CpmSettings(
        (int) c.getBytes("pager-max-bytes").longValue(),
        (int) c.getBytes("max-message-bytes").longValue(),
        c.getLong("message-fee"),
        // the default is capped like any requested validity
        min(c.getDuration("default-validity"), maxValidity),
        maxValidity,
        c.getInt("max-recipients"),
        c.getInt("history-limit"),
        c.getBytes("history-max-bytes"),
        c.getInt("mailbox-limit"),
        c.getBytes("mailbox-max-bytes"),
        c.getInt("max-sms-segments"),
        c.getInt("sms-outbox-limit"),
        c.getInt("max-group-members"),
        c.getDuration("ask-timeout"),
        c.getDuration("charge-reservation-ttl"),
        c.getDuration("dispatch-retry"),
        c.getDuration("session-idle-timeout"),
        c.getInt("remembered-ids"),
        config.getDuration("scp.sharding.idle-timeout"),
        new Stream(
            c.getInt("stream.buffer"),
            c.getInt("stream.page"),
            c.getDuration("stream.keepalive"),
            c.getInt("stream.max-client-frame-chars")));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
