package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;

/**
 * A message to a platform that must get there: persisted by the entity that owes it, sent through
 * the {@link PlatformGateway} and retried until the platform answers (or the configured attempts
 * are spent). The id is derived from what the notice is about, so the platform can recognise a
 * repeated delivery: it is sent as the {@code noticeId} field. The fields are typed (see {@link
 * PlatformFields}); a notice persisted before they were holds text only, and is sent as text.
 */
public record Notice(String noticeId, String platformId, String operation, PlatformFields fields)
    implements CborSerializable {}
