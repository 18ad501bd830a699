package io.scp.actors.vacp;

import io.scp.actors.common.CborSerializable;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The one way out to value-added service platforms: {@code POST {callbackUrl}/{operation}} with the
 * fields in the platform's protocol (a JSON object with typed values for STANDARD, {@code
 * application/x-www-form-urlencoded} text for FORM; see {@link PlatformFields}). Implemented
 * outside the domain (HTTP); the implementation bounds time and concurrency and never fails the
 * returned stage: every problem is an {@link Outcome}.
 */
public interface PlatformGateway {

  /** How a platform wants to be spoken to. */
  enum Protocol {
    STANDARD,
    FORM
  }

  /** Where and how to reach a platform. */
  record Endpoint(String platformId, String callbackUrl, Protocol protocol)
      implements CborSerializable {}

  /**
   * What came back. ACCEPTED: a 2xx answer that does not say {@code accepted=false}; REJECTED: the
   * platform said no (a 4xx answer, or {@code accepted=false}); FAILED: no usable answer (5xx,
   * connection refused, malformed, too many calls in flight); TIMEOUT: no answer in time.
   */
  enum Outcome {
    ACCEPTED,
    REJECTED,
    FAILED,
    TIMEOUT
  }

  /**
   * The answer: outcome, HTTP status (0 without one), a short reason for logs, the answer's top
   * level fields as strings (JSON or form) and its raw body.
   */
  record Response(
      Outcome outcome,
      int status,
      String reason,
      Map<String, String> fields,
      Optional<String> body) {

    public static Response of(Outcome outcome, String reason) {
      return new Response(outcome, 0, reason, Map.of(), Optional.empty());
    }
  }

  /**
   * Posts {@code fields} (and, for later use by invocations, an optional raw JSON {@code payload}:
   * embedded as a JSON value in STANDARD, sent as the {@code payload} form field in FORM) to {@code
   * callbackUrl + "/" + operation}.
   */
  CompletionStage<Response> call(
      Endpoint endpoint, String operation, PlatformFields fields, Optional<String> payload);
}
