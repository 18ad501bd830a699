package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.scp.api.proto.SubscriberProfile;
import io.scp.api.proto.SubscriberStatus;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestNode;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Malformed input gets a 4xx with a code, never a 5xx or a stack trace, and the node keeps serving.
 */
class BadInputTest {
  static TestNode node;
  static ApiClient api;
  static String account;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    api = node.client();
    account = "acc-" + UUID.randomUUID();
    assertThat(api.put("/v1/accounts/" + account, "{\"balance\":1000}").status()).isEqualTo(201);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @ParameterizedTest(name = "{0} {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":\"100\"}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":1.5}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":true}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":99999999999999999999999}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":-5}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":0}",
        "POST|/reservations|{\"reservationId\":\"r\"}",
        "POST|/reservations|{\"amount\":5}",
        "POST|/reservations|{\"reservationId\":\"bad id with spaces\",\"amount\":5}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":5,\"ttlSeconds\":0}",
        "POST|/reservations|{\"reservationId\":[1],\"amount\":5}",
        "POST|/reservations|[1,2,3]",
        "POST|/reservations|\"just a string\"",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":5",
        "POST|/reservations|{\"reservationId\":\"r\",\"reservationId\":\"s\",\"amount\":5}",
        "POST|/reservations|{\"reservationId\":\"r\",\"amount\":NaN}",
        "POST|/reservations|{} trailing",
        "POST|/topups|{\"topupId\":\"t\",\"amount\":0}",
        "POST|/authenticate|{\"amount\":-1}",
        "PATCH||{\"validUntil\":\"31.12.2030\"}",
        "PATCH||{\"lost\":\"yes\"}",
        "PATCH||{\"minThreshold\":-1}",
        "PUT||{\"balance\":100,\"currency\":\"euro\"}",
      })
  void malformedBodiesAre400(String method, String suffix, String body) {
    var r =
        api.send(
            method,
            "/v1/accounts/" + account + (suffix == null ? "" : suffix),
            body.getBytes(StandardCharsets.UTF_8),
            "application/json");
    assertThat(r.status()).as(r.toString()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(r.json().get("message").asText())
        .doesNotContain("Exception")
        .doesNotContain("at io.");
  }

  @Test
  void badIdsInPathsAre400() {
    String longId = "a".repeat(65);
    for (String path :
        List.of("/v1/accounts/" + longId, "/v1/accounts/a%20b", "/v1/accounts/a%2Fb")) {
      var r = api.get(path);
      assertThat(r.status()).as(path).isIn(400, 404);
      assertThat(r.code()).isNotBlank();
    }
    assertThat(api.get("/v1/accounts/" + longId).code()).isEqualTo("INVALID_ARGUMENT");
  }

  @Test
  void malformedProtobufIs400() {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};
    var r =
        api.send(
            "POST", "/v1/accounts/" + account + "/reservations", garbage, "application/x-protobuf");
    assertThat(r.status()).isEqualTo(400);
  }

  /**
   * Proto3 keeps an enum number it has no name for; a route reading the field would see {@code
   * UNRECOGNIZED} (or the zero "unspecified") and might take it for a default, as a subscriber's
   * status once did (anything but SUSPENDED was ACTIVE).
   */
  @Test
  void unknownProtobufEnumValuesAre400AndChangeNothing() {
    String msisdn = "8613" + (1_000_000 + new Random().nextInt(8_999_999));
    var json = api.withHeader("Accept", "application/json");
    var suspended =
        SubscriberProfile.newBuilder().setStatus(SubscriberStatus.SUSPENDED).build().toByteArray();
    assertThat(
            json.send("PUT", "/v1/subscribers/" + msisdn, suspended, "application/x-protobuf")
                .status())
        .isEqualTo(201);
    // field 3 (status), varint: 99 has no name; 0 is SUBSCRIBER_STATUS_UNSPECIFIED
    for (byte value : new byte[] {99, 0}) {
      var r =
          json.send(
              "PUT",
              "/v1/subscribers/" + msisdn,
              new byte[] {0x18, value},
              "application/x-protobuf");
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
      assertThat(r.json().get("message").asText())
          .isEqualTo("status must be one of [ACTIVE, SUSPENDED], not " + value);
    }
    assertThat(api.get("/v1/subscribers/" + msisdn).json().get("status").asText())
        .isEqualTo("SUSPENDED");
  }

  @Test
  void oversizedBodiesAre413() {
    byte[] huge =
        ("{\"amount\":1,\"pad\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    var r =
        api.onOwnConnections()
            .send("POST", "/v1/accounts/" + account + "/authenticate", huge, "application/json");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.code()).isEqualTo("PAYLOAD_TOO_LARGE");
  }

  /** A body sent in chunks (no Content-Length) is collected, up to the same limit. */
  @Test
  void chunkedBodiesAreReadUpToTheLimit() {
    String path = "/v1/accounts/" + account + "/authenticate";
    var ok = api.sendChunked("POST", path, "{\"amount\":1}".getBytes(), "application/json");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(200);
    assertThat(ok.json().get("ok").asBoolean()).isTrue();
    byte[] huge =
        ("{\"amount\":1,\"pad\":\"" + "x".repeat(3 * 1024 * 1024) + "\"}")
            .getBytes(StandardCharsets.UTF_8);
    var tooLarge = api.onOwnConnections().sendChunked("POST", path, huge, "application/json");
    assertThat(tooLarge.status()).isEqualTo(413);
    assertThat(tooLarge.code()).isEqualTo("PAYLOAD_TOO_LARGE");
  }

  @Test
  void unknownPathsAndMethods() {
    var r = api.get("/v1/no-such-thing");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.code()).isEqualTo("NOT_FOUND");
    var m = api.delete("/v1/accounts/" + account);
    assertThat(m.status()).isEqualTo(405);
    assertThat(m.code()).isEqualTo("METHOD_NOT_ALLOWED");
    assertThat(m.header("Allow")).contains("GET").contains("PUT").doesNotContain("DELETE");
    // in the encoding of the request, as every error
    byte[] empty = new byte[0];
    var pbNotFound = api.send("POST", "/v1/no-such-thing", empty, "application/x-protobuf");
    assertThat(pbNotFound.status()).isEqualTo(404);
    assertThat(pbNotFound.header("Content-Type")).startsWith("application/x-protobuf");
    assertThat(parseError(pbNotFound.body()).getCode()).isEqualTo("NOT_FOUND");
    var pbMethod = api.send("PUT", "/v1/calls", empty, "application/x-protobuf");
    assertThat(pbMethod.status()).isEqualTo(405);
    assertThat(parseError(pbMethod.body()).getCode()).isEqualTo("METHOD_NOT_ALLOWED");
  }

  /**
   * A JSON escape can name half a surrogate pair; that text cannot be written as UTF-8, and an
   * entity that took it could never persist its event (it failed, and answered 503 from then on).
   */
  @Test
  void textThatIsNotUnicodeIs400AndTheIdStaysUsable() {
    String group = "g-" + UUID.randomUUID();
    String tariff = "\"onNetRatePerMinute\":1,\"offNetRatePerMinute\":2";
    for (String bad : List.of("\\ud800", "x\\udc00y", "\\ude00\\ud800")) {
      var r = api.put("/v1/vpn-groups/" + group, "{\"name\":\"" + bad + "\"," + tariff + "}");
      assertThat(r.status()).as(bad + ": " + r).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    // a whole pair (an emoji) is fine, and the id was never touched
    var ok = api.put("/v1/vpn-groups/" + group, "{\"name\":\"\\ud83d\\ude00\"," + tariff + "}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
    assertThat(ok.json().get("name").asText()).isEqualTo("\ud83d\ude00");
  }

  /**
   * A JSON body is UTF-8 as protobuf reads it: an overlong form ({@code C0 B6} for "6", {@code C0
   * AF} for "/"), an encoded surrogate or another encoding is refused, not decoded into a valid
   * looking value.
   */
  @Test
  void aJsonBodyThatIsNotUtf8Is400() {
    String imsi = "46000" + (1_000_000_000L + new Random().nextInt(999_999_999));
    byte[][] bodies = {
      bytes("{\"msisdn\":\"8613800000001\",\"mcc\":\"4", 0xc0, 0xb6, "0\",\"mnc\":\"00\"}"),
      bytes("{\"msisdn\":\"8613800000001\",\"mcc\":\"460\",\"mnc\":\"0", 0xe0, 0x80, 0xb0, "\"}"),
      bytes("{\"msisdn\":\"8613800000001\",\"mcc\":\"460\",\"mnc\":\"00", 0xed, 0xa0, 0x80, "\"}"),
      "{\"msisdn\":\"8613800000001\",\"mcc\":\"460\",\"mnc\":\"00\"}"
          .getBytes(StandardCharsets.UTF_16),
    };
    for (byte[] body : bodies) {
      var r = api.send("PUT", "/v1/ims/subscribers/" + imsi, body, "application/json");
      assertThat(r.status()).as(r.toString()).isEqualTo(400);
      assertThat(r.code()).isEqualTo("INVALID_ARGUMENT");
    }
    assertThat(api.get("/v1/ims/subscribers/" + imsi).status()).isEqualTo(404);
    var ok =
        api.put(
            "/v1/ims/subscribers/" + imsi,
            "{\"msisdn\":\"8613800000001\",\"mcc\":\"460\",\"mnc\":\"00\"}");
    assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
  }

  /** ASCII text and raw bytes, concatenated. */
  private static byte[] bytes(Object... parts) {
    var out = new java.io.ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof String text) out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
      else out.write((Integer) part);
    }
    return out.toByteArray();
  }

  /** A protobuf field sent with another wire type is not silently left at its default. */
  @Test
  void protobufFieldsOfTheWrongTypeAre400() {
    // ReserveRequest: reservationId (1) = "w", amount (2) sent as the string "5", not a varint
    byte[] body = {0x0a, 0x01, 'w', 0x12, 0x01, '5'};
    var r =
        api.send(
            "POST", "/v1/accounts/" + account + "/reservations", body, "application/x-protobuf");
    assertThat(r.status()).isEqualTo(400);
    assertThat(parseError(r.body()).getCode()).isEqualTo("INVALID_ARGUMENT");
    assertThat(parseError(r.body()).getMessage()).contains("amount");
    // the same with amount as a varint is a reservation
    byte[] good = {0x0a, 0x01, 'w', 0x10, 0x05};
    assertThat(
            api.send(
                    "POST",
                    "/v1/accounts/" + account + "/reservations",
                    good,
                    "application/x-protobuf")
                .status())
        .isEqualTo(201);
  }

  /** What the HTTP server refuses before routing answers the API's JSON error body too. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET /v1/accounts/a%zz HTTP/1.1|X-Pad: 1|400",
        "GET /v1/accounts/LONG HTTP/1.1|X-Pad: 1|414",
        "GET /v1/accounts/a HTTP/1.1|X-Pad: HUGE|431",
        // Pekko's parser says 501 and 505: bad input is a 4xx here, never a 5xx
        "FOO /v1/accounts/a HTTP/1.1|X-Pad: 1|400",
        "get /v1/accounts/a HTTP/1.1|X-Pad: 1|400",
        "GET /v1/accounts/a HTTP/1.7|X-Pad: 1|400",
      })
  void unparsableRequestsAnswerTheErrorBody(String requestLine, String header, int status)
      throws IOException {
    String line = requestLine.replace("LONG", "a".repeat(9000));
    String extra = header.replace("HUGE", "b".repeat(20_000));
    URI base = URI.create(api.baseUrl());
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout(10_000);
      String request = line + "\r\nHost: localhost\r\n" + extra + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      String response =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(response).startsWith("HTTP/1.1 " + status);
      assertThat(response.toLowerCase(java.util.Locale.ROOT))
          .contains("content-type: application/json");
      assertThat(response).contains("\"code\":\"INVALID_ARGUMENT\"");
    }
    assertThat(api.get("/v1/accounts/" + account).status()).isEqualTo(200);
  }

  private static io.scp.api.proto.Error parseError(byte[] body) {
    try {
      return io.scp.api.proto.Error.parseFrom(body);
    } catch (Exception e) {
      throw new AssertionError("not a protobuf scp.v1.Error", e);
    }
  }

  /** Seeded fuzzing of the decoders: mutated JSON and random bytes never produce a 5xx. */
  @Test
  void fuzzedBodiesNeverCause5xx() {
    Random random = new Random(20261122L);
    List<String> seeds =
        List.of(
            "{\"reservationId\":\"r1\",\"amount\":100,\"ttlSeconds\":30}",
            "{\"deductionId\":\"d1\",\"amount\":5}",
            "{\"topupId\":\"t1\",\"amount\":5}",
            "{\"balance\":5,\"validUntil\":\"2030-01-01\",\"minThreshold\":1,\"currency\":\"CNY\"}",
            "{\"imsi\":\"460011100612345\",\"status\":\"ACTIVE\"}");
    List<String[]> targets =
        List.of(
            new String[] {"POST", "/v1/accounts/" + account + "/reservations"},
            new String[] {"POST", "/v1/accounts/" + account + "/reservations/r1/deduct"},
            new String[] {"POST", "/v1/accounts/" + account + "/topups"},
            new String[] {"PUT", "/v1/accounts/fuzz-" + UUID.randomUUID()},
            new String[] {"PUT", "/v1/subscribers/8613900000001"},
            new String[] {"POST", "/v1/accounts/" + account + "/authenticate"});
    for (int i = 0; i < 400; i++) {
      String[] target = targets.get(random.nextInt(targets.size()));
      byte[] body =
          mutate(seeds.get(random.nextInt(seeds.size())).getBytes(StandardCharsets.UTF_8), random);
      String type = random.nextInt(4) == 0 ? "application/x-protobuf" : "application/json";
      var r = api.send(target[0], target[1], body, type);
      assertThat(r.status())
          .as(
              "%s %s %s -> %s",
              target[0], target[1], new String(body, StandardCharsets.ISO_8859_1), r)
          .isLessThan(500);
    }
    assertThat(api.get("/v1/accounts/" + account).status()).isEqualTo(200);
  }

  private static byte[] mutate(byte[] seed, Random random) {
    byte[] out = seed.clone();
    switch (random.nextInt(4)) {
      case 0 -> {
        int flips = 1 + random.nextInt(4);
        for (int i = 0; i < flips; i++)
          out[random.nextInt(out.length)] = (byte) random.nextInt(256);
      }
      case 1 -> out = java.util.Arrays.copyOf(out, random.nextInt(out.length));
      case 2 -> {
        byte[] noise = new byte[random.nextInt(64)];
        random.nextBytes(noise);
        out = noise;
      }
      default -> {
        String s = new String(out, StandardCharsets.UTF_8);
        String[] swaps = {
          "100", "-1", "1e3", "\"x\"", "null", "[]", "{}", "true", "9223372036854775808"
        };
        out =
            s.replaceFirst("[0-9]+|\"[A-Za-z0-9-]+\"", swaps[random.nextInt(swaps.length)])
                .getBytes(StandardCharsets.UTF_8);
      }
    }
    return out;
  }
}
