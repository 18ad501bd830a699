package io.scp.api.metrics;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Maps a request path to the route template of its endpoint ({@code /v1/accounts/{accountId}}), so
 * that metrics are labelled by endpoint, not by id. Paths of no endpoint are {@code unmatched},
 * which keeps the number of label values bounded whatever clients send.
 */
public final class RouteTemplates {
  public static final String UNMATCHED = "unmatched";

  /** Every path of the wire contract (api.md) and of the project's own (docs/*.md). */
  private static final List<String> ENDPOINTS =
      List.of(
          "/metrics",
          "/v1/ops/cluster",
          "/v1/ops/sip-uri-pools/{poolId}/audit",
          "/v1/subscribers/{msisdn}",
          "/v1/subscribers/{msisdn}/services/{serviceId}",
          "/v1/accounts/{accountId}",
          "/v1/accounts/{accountId}/topups",
          "/v1/accounts/{accountId}/authenticate",
          "/v1/accounts/{accountId}/reservations",
          "/v1/accounts/{accountId}/reservations/{reservationId}/deduct",
          "/v1/accounts/{accountId}/reservations/{reservationId}/refund",
          "/v1/vpn-groups/{groupId}",
          "/v1/vpn-groups/{groupId}/members/{shortNumber}",
          "/v1/calls",
          "/v1/calls/{callId}",
          "/v1/calls/{callId}/answer",
          "/v1/calls/{callId}/quota",
          "/v1/calls/{callId}/end",
          "/v1/cdrs",
          "/v1/ims/subscribers/{imsi}",
          "/v1/ims/subscribers/{imsi}/services/{sic}",
          "/v1/ims/register",
          "/v1/ims/deregister",
          "/v1/ims/impi",
          "/v1/sip-uri-pools/{poolId}",
          "/v1/sip-uri-pools/{poolId}/uris",
          "/v1/sip-uri-pools/{poolId}/allocations",
          "/v1/sip-uri-pools/{poolId}/allocations/{msisdn}/release",
          "/v1/sip-uri-pools/{poolId}/allocations/{msisdn}/call-ended",
          "/v1/sip-uris/{uri}",
          "/v1/vacp/nodes/{vacpId}",
          "/v1/vacp/platforms/{platformId}",
          "/v1/vacp/platforms/{platformId}/api-key",
          "/v1/vacp/routing/{providerPlatformId}",
          "/v1/vacp/signing-keys/rotate",
          "/v1/vacp/capabilities",
          "/v1/vacp/capabilities/{capabilityId}",
          "/v1/vacp/authorizations/{consumerPlatformId}/{capabilityId}",
          "/v1/vacp/interworkings/{msisdn}/{consumerPlatformId}/{capabilityId}",
          "/v1/vacp/tokens",
          "/v1/vacp/tokens/verify",
          "/v1/vacp/invocations",
          "/v1/vacp/events",
          "/v1/vacp/events/{eventId}",
          "/v1/vacp/jwks",
          "/v1/cpm/users/{address}",
          "/v1/cpm/users/{address}/history",
          "/v1/cpm/users/{address}/history/{messageId}",
          "/v1/cpm/users/{address}/stream",
          "/v1/cpm/groups/{groupId}",
          "/v1/cpm/messages",
          "/v1/cpm/sessions",
          "/v1/cpm/sessions/{sessionId}",
          "/v1/cpm/sessions/{sessionId}/messages",
          "/v1/cpm/sessions/{sessionId}/participants",
          "/v1/cpm/sms-outbox");

  private record Template(String text, String[] segments, int literals) {
    static Template of(String text) {
      String[] segments = split(text);
      int literals = (int) Arrays.stream(segments).filter(s -> !isVariable(s)).count();
      return new Template(text, segments, literals);
    }

    boolean matches(String[] path) {
      if (path.length != segments.length) return false;
      for (int i = 0; i < path.length; i++) {
        if (!isVariable(segments[i]) && !segments[i].equals(path[i])) return false;
      }
      return true;
    }
  }

  /** Most literal segments first, so {@code /tokens/verify} wins over a variable in its place. */
  private static final List<Template> TEMPLATES =
      ENDPOINTS.stream()
          .map(Template::of)
          .sorted(Comparator.comparingInt(Template::literals).reversed())
          .toList();

  private RouteTemplates() {}

  public static String of(String path) {
    String[] segments = split(path);
    for (Template template : TEMPLATES) {
      if (template.matches(segments)) return template.text();
    }
    return UNMATCHED;
  }

  private static String[] split(String path) {
    return Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
  }

  private static boolean isVariable(String segment) {
    return segment.startsWith("{") && segment.endsWith("}");
  }
}
