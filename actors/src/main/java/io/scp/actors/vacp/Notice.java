package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import java.util.Map;

/**
 * A message to a platform that must get there: persisted by the entity that owes it, sent through
 * the {@link PlatformGateway} and retried until the platform answers (or the configured attempts
 * are spent). The id is derived from what the notice is about, so the platform can recognise a
 * repeated delivery: it is sent as the {@code noticeId} field.
 */
public record Notice(
    String noticeId, String platformId, String operation, Map<String, String> fields)
    implements CborSerializable {}
