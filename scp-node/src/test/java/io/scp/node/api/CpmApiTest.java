package io.scp.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.common.Cdr;
import io.scp.api.proto.CpmSendRequest;
import io.scp.api.proto.CpmSendResult;
import io.scp.node.testing.ApiClient;
import io.scp.node.testing.TestDatabase;
import io.scp.node.testing.TestNode;
import io.scp.node.testing.WsDevice;
import java.net.URLEncoder;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.IntStream;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CPM through the real HTTP API and a real WebSocket client (the JDK's): live and deferred
 * delivery, acknowledgements, validity, history, sessions, SMS interworking, charging, replays and
 * bad input, on a real node with sharding and PostgreSQL.
 */
class CpmApiTest {
  private static final Duration FRAME_WAIT = Duration.ofSeconds(10);
  private static final Duration QUIET = Duration.ofMillis(700);

  /** A short re-registration period, so that it runs during the tests. */
  private static final Map<String, Object> SETTINGS = Map.of("scp.cpm.stream.keepalive", "1s");

  static TestNode node;
  static ApiClient api;

  @BeforeAll
  static void start() {
    node = TestNode.start(SETTINGS);
    api = node.client();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  // ---------------------------------------------------------------- helpers

  static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static String sipUser(String name) {
    String address = "sip:" + unique(name) + "@cpm.example.com";
    var r = api.put("/v1/cpm/users/" + enc(address), "{\"displayName\":\"" + name + "\"}");
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
    return address;
  }

  static String msisdn() {
    return "86139" + String.format("%08d", (long) (Math.random() * 100_000_000L));
  }

  static String enc(String address) {
    return URLEncoder.encode(address, StandardCharsets.UTF_8);
  }

  static ApiClient.Response send(String messageId, String from, List<String> to, String body) {
    return send(messageId, from, to, body, "");
  }

  static ApiClient.Response send(
      String messageId, String from, List<String> to, String body, String extra) {
    StringBuilder json = new StringBuilder("{\"messageId\":\"" + messageId + "\"");
    json.append(",\"from\":\"").append(from).append("\",\"to\":[");
    for (int i = 0; i < to.size(); i++) {
      if (i > 0) json.append(',');
      json.append('"').append(to.get(i)).append('"');
    }
    json.append("],\"body\":").append(quote(body)).append(extra).append('}');
    return api.post("/v1/cpm/messages", json.toString());
  }

  static ApiClient.Response sent(String messageId, String from, List<String> to, String body) {
    var r = send(messageId, from, to, body);
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    return r;
  }

  static String quote(String s) {
    return io.scp.api.codec.ProtoJson.mapper().valueToTree(s).toString();
  }

  static WsDevice connect(String address) {
    return WsDevice.connect(api.baseUrl(), address);
  }

  static List<String> ids(List<JsonNode> frames) {
    return frames.stream().map(f -> f.get("messageId").asText()).toList();
  }

  static JsonNode history(String address, String query) {
    var r = api.get("/v1/cpm/users/" + enc(address) + "/history" + query);
    assertThat(r.status()).as(r.toString()).isEqualTo(200);
    return r.json();
  }

  static List<String> historyIds(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("messages").forEach(m -> ids.add(m.get("messageId").asText()));
    return ids;
  }

  /** Makes sure the device is registered with its mailbox: a message reaches it. */
  static void warmUp(WsDevice device, String from, String to) {
    String id = unique("warm");
    sent(id, from, List.of(to), "hello");
    JsonNode frame = device.next(FRAME_WAIT);
    assertThat(frame).isNotNull();
    assertThat(frame.get("messageId").asText()).isEqualTo(id);
    device.ack(id);
  }

  // ---------------------------------------------------------------- delivery

  @Test
  void onlineUserGetsMessagesLiveAndSenderKeepsACopy() {
    String alice = sipUser("alice");
    String bob = sipUser("bob");
    try (WsDevice phone = connect(bob)) {
      warmUp(phone, alice, bob);
      String id = unique("m");
      var r = sent(id, alice, List.of(bob), "hi bob");
      assertThat(r.json().get("messageId").asText()).isEqualTo(id);
      assertThat(r.json().get("mode").asText()).isEqualTo("PAGER");
      JsonNode recipient = r.json().get("recipients").get(0);
      assertThat(recipient.get("address").asText()).isEqualTo(bob);
      assertThat(recipient.get("route").asText()).isEqualTo("CPM");
      assertThat(recipient.get("status").asText()).isEqualTo("DELIVERED");

      JsonNode frame = phone.next(FRAME_WAIT);
      assertThat(frame).isNotNull();
      assertThat(frame.get("type").asText()).isEqualTo("message");
      assertThat(frame.get("messageId").asText()).isEqualTo(id);
      assertThat(frame.get("from").asText()).isEqualTo(alice);
      assertThat(frame.get("body").asText()).isEqualTo("hi bob");
      assertThat(frame.get("contentType").asText()).isEqualTo("text/plain");
    }
    JsonNode outbox = history(alice, "?peer=" + enc(bob));
    assertThat(outbox.get("messages").get(0).get("direction").asText()).isEqualTo("OUT");
    assertThat(outbox.get("messages").get(0).get("status").asText()).isEqualTo("SENT");
  }

  /**
   * The longest address docs/cpm.md allows is a user like any other: its events are stored under a
   * persistence id longer than 255 characters (found by an audit: the journal refused them, and
   * with them the other events of their batch).
   */
  @Test
  void anAddressOfTheLongestLengthAllowedIsAUserLikeAnyOther() {
    String domain = "@cpm.example.com";
    String local = unique("long");
    String longest =
        "sip:"
            + local
            + "x".repeat(256 - "sip:".length() - local.length() - domain.length())
            + domain;
    assertThat(longest).hasSize(256);
    var created = api.put("/v1/cpm/users/" + enc(longest), "{\"displayName\":\"Long\"}");
    assertThat(created.status()).as(created.toString()).isEqualTo(201);
    var tooLong = api.put("/v1/cpm/users/" + enc(longest.replace("sip:", "sip:y")), "{}");
    assertThat(tooLong.status()).isEqualTo(400);

    String alice = sipUser("alice");
    String id = unique("m");
    var r = sent(id, alice, List.of(longest), "to the longest address");
    assertThat(r.json().get("recipients").get(0).get("status").asText()).isEqualTo("STORED");
    assertThat(historyIds(history(longest, ""))).containsExactly(id);
  }

  @Test
  void offlineUserGetsEverythingInOrderOnConnectAndNothingTwice() {
    String alice = sipUser("alice");
    String carol = sipUser("carol");
    List<String> sentIds = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String id = unique("m" + i);
      var r = sent(id, alice, List.of(carol), "message " + i);
      assertThat(r.json().get("recipients").get(0).get("status").asText()).isEqualTo("STORED");
      sentIds.add(id);
    }
    try (WsDevice phone = connect(carol);
        WsDevice tablet = connect(carol)) {
      List<JsonNode> onPhone = phone.next(5, FRAME_WAIT);
      assertThat(ids(onPhone)).containsExactlyElementsOf(sentIds);
      assertThat(onPhone.get(0).get("body").asText()).isEqualTo("message 1");
      assertThat(ids(tablet.next(5, FRAME_WAIT))).containsExactlyElementsOf(sentIds);
      assertThat(phone.next(QUIET)).as("nothing twice").isNull();

      String live = unique("live");
      sent(live, alice, List.of(carol), "live one");
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(live);
      assertThat(tablet.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(live);
      sentIds.add(live);
      sentIds.forEach(phone::ack);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> api.get("/v1/cpm/users/" + enc(carol)).json().get("pending").asInt() == 0);
    }
    try (WsDevice phone = connect(carol)) {
      String after = unique("after");
      sent(after, alice, List.of(carol), "after reconnect");
      JsonNode first = phone.next(FRAME_WAIT);
      assertThat(first.get("messageId").asText())
          .as("acknowledged ones are not resent")
          .isEqualTo(after);
      assertThat(phone.next(QUIET)).isNull();
    }
    JsonNode page = history(carol, "?limit=10");
    assertThat(page.get("messages").get(1).get("status").asText()).isEqualTo("ACKNOWLEDGED");
    assertThat(history(carol, "?peer=&before=&limit="))
        .as("empty parameters are no parameters")
        .isEqualTo(history(carol, ""));
  }

  @Test
  void unacknowledgedMessagesAreOfferedAgainOnTheNextConnection() {
    String alice = sipUser("alice");
    String dan = sipUser("dan");
    String id = unique("m");
    sent(id, alice, List.of(dan), "read me");
    try (WsDevice phone = connect(dan)) {
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(id);
    }
    try (WsDevice phone = connect(dan)) {
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(id);
      assertThat(phone.next(QUIET)).isNull();
    }
  }

  @Test
  void junkClientFramesAreIgnoredAndAnOversizedOneClosesTheStream() {
    String alice = sipUser("alice");
    String kim = sipUser("kim");
    try (WsDevice phone = connect(kim)) {
      phone.send("not json");
      phone.send("{\"ack\":42}");
      warmUp(phone, alice, kim);
      phone.send("{\"ack\":\"" + "x".repeat(5000) + "\"}");
      await().atMost(Duration.ofSeconds(10)).until(phone::isClosed);
    }
  }

  @Test
  void expiredMessagesAreDroppedAndMarkedExpired() {
    String alice = sipUser("alice");
    String erin = sipUser("erin");
    String doomed = unique("doomed");
    var r = send(doomed, alice, List.of(erin), "too late", ",\"validitySeconds\":1");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode m = history(erin, "").get("messages").get(0);
              assertThat(m.get("status").asText()).isEqualTo("EXPIRED");
              assertThat(m.get("body").isNull()).isTrue();
            });
    String fresh = unique("fresh");
    sent(fresh, alice, List.of(erin), "in time");
    try (WsDevice phone = connect(erin)) {
      assertThat(phone.next(FRAME_WAIT).get("messageId").asText()).isEqualTo(fresh);
      assertThat(phone.next(QUIET)).isNull();
    }
  }

  @Test
  void aVeryLongValidityIsCappedToTheConfiguredMaximum() {
    String alice = sipUser("alice");
    String lena = sipUser("lena");
    String id = unique("forever");
    var r = send(id, alice, List.of(lena), "keep", ",\"validitySeconds\":9223372036854775807");
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    JsonNode m = history(lena, "").get("messages").get(0);
    assertThat(m.get("messageId").asText()).isEqualTo(id);
    assertThat(
            Duration.between(
                Instant.parse(m.get("sentAt").asText()),
                Instant.parse(m.get("expiresAt").asText())))
        .isEqualTo(Duration.ofDays(7));
  }

  // ---------------------------------------------------------------- history

  @Test
  void historyPagesNewestFirstFiltersByPeerAndDeletes() {
    String alice = sipUser("alice");
    String frank = sipUser("frank");
    String other = sipUser("other");
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String id = unique("h" + i);
      sent(id, alice, List.of(frank), "h" + i);
      ids.add(id);
    }
    sent(unique("x"), other, List.of(frank), "not from alice");

    JsonNode first = history(frank, "?peer=" + enc(alice) + "&limit=2");
    assertThat(historyIds(first)).containsExactly(ids.get(4), ids.get(3));
    String next = first.get("next").asText();
    JsonNode second = history(frank, "?peer=" + enc(alice) + "&limit=2&before=" + next);
    assertThat(historyIds(second)).containsExactly(ids.get(2), ids.get(1));
    JsonNode last =
        history(frank, "?peer=" + enc(alice) + "&limit=2&before=" + second.get("next").asText());
    assertThat(historyIds(last)).containsExactly(ids.get(0));
    assertThat(last.get("next").isNull()).isTrue();
    assertThat(historyIds(history(frank, ""))).hasSize(6);

    String gone = ids.get(2);
    var deleted = api.delete("/v1/cpm/users/" + enc(frank) + "/history/" + gone);
    assertThat(deleted.status()).as(deleted.toString()).isEqualTo(200);
    assertThat(api.delete("/v1/cpm/users/" + enc(frank) + "/history/" + gone).status())
        .isEqualTo(200);
    assertThat(historyIds(history(frank, ""))).hasSize(5).doesNotContain(gone);
    assertThat(api.delete("/v1/cpm/users/" + enc(frank) + "/history/never-was").code())
        .isEqualTo("NOT_FOUND");
    try (WsDevice phone = connect(frank)) {
      List<String> offered = ids(phone.next(5, FRAME_WAIT));
      assertThat(offered).doesNotContain(gone);
    }
    assertThat(historyIds(history(alice, "?peer=" + enc(frank)))).hasSize(5);
  }

  // ---------------------------------------------------------------- SMS interworking

  @Test
  void nonCpmMsisdnsGetSegmentedSms() {
    String alice = sipUser("alice");
    String gsmPhone = msisdn();
    String ucsPhone = msisdn();
    String gsm = "a".repeat(161);
    String ucs = "中".repeat(71);
    var r = sent(unique("sms"), alice, List.of(gsmPhone, "tel:+" + ucsPhone), gsm);
    JsonNode recipients = r.json().get("recipients");
    assertThat(recipients.get(0).get("route").asText()).isEqualTo("SMS");
    assertThat(recipients.get(0).get("status").asText()).isEqualTo("SENT_SMS");
    assertThat(recipients.get(0).get("segments").asInt()).isEqualTo(2);
    assertThat(recipients.get(1).get("address").asText()).isEqualTo(ucsPhone);

    String chinese = unique("sms");
    var u = sent(chinese, alice, List.of(ucsPhone), ucs);
    assertThat(u.json().get("recipients").get(0).get("segments").asInt()).isEqualTo(2);

    var outbox = api.get("/v1/cpm/sms-outbox?to=" + gsmPhone);
    assertThat(outbox.status()).as(outbox.toString()).isEqualTo(200);
    JsonNode segments = outbox.json().get("segments");
    assertThat(segments).hasSize(2);
    assertThat(segments.get(0).get("encoding").asText()).isEqualTo("GSM7");
    assertThat(segments.get(0).get("part").asInt()).isEqualTo(1);
    assertThat(segments.get(1).get("parts").asInt()).isEqualTo(2);
    assertThat(segments.get(0).get("text").asText() + segments.get(1).get("text").asText())
        .isEqualTo(gsm);
    assertThat(segments.get(0).get("text").asText()).hasSize(153);

    JsonNode ucsSegments = api.get("/v1/cpm/sms-outbox?to=" + ucsPhone).json().get("segments");
    assertThat(ucsSegments).hasSize(4);
    assertThat(ucsSegments.get(2).get("messageId").asText()).isEqualTo(chinese);
    assertThat(ucsSegments.get(2).get("encoding").asText()).isEqualTo("UCS2");
    assertThat(ucsSegments.get(2).get("text").asText()).hasSize(67);
    assertThat(ucsSegments.get(3).get("text").asText()).isEqualTo("中".repeat(4));

    assertThat(api.get("/v1/cpm/sms-outbox").status()).isEqualTo(400);
    assertThat(api.get("/v1/cpm/sms-outbox?to=" + msisdn()).json().get("segments")).isEmpty();
  }

  /**
   * An outbox answer used to carry every kept submission: a thousand of 255 parts were tens of
   * megabytes, past Artery's 2 MiB frame (503 on every retry when the outbox lived on another
   * node). Pages stop at {@code limit} messages or at the page budget, and following {@code next}
   * reaches every segment once, in order.
   */
  @Test
  void theSmsOutboxPagesAndReachesEverySegmentOnce() {
    String alice = sipUser("alice");
    String phone = msisdn();
    String largest = "x".repeat(153 * 255); // 255 parts, the most a message may have
    List<String> sentIds = new ArrayList<>();
    int segments = 0;
    for (int i = 0; i < 12; i++) {
      String id = unique("page");
      var r = sent(id, alice, List.of(phone), i % 4 == 0 ? "short " + i : largest);
      segments += r.json().get("recipients").get(0).get("segments").asInt();
      sentIds.add(id);
    }
    assertThat(segments).isEqualTo(3 + 9 * 255);

    List<JsonNode> byLimit = outboxPages(phone, "&limit=2");
    assertThat(byLimit).hasSize(6);
    assertThat(byLimit).allSatisfy(page -> assertThat(messageIds(page)).hasSize(2));
    assertEverySegmentOnce(byLimit, sentIds, segments);

    List<JsonNode> byBudget = outboxPages(phone, "");
    assertThat(byBudget)
        .as("the budget ends a page before the default limit of 100: 9 x 255 parts do not fit one")
        .hasSizeGreaterThan(1);
    assertEverySegmentOnce(byBudget, sentIds, segments);

    String base = "/v1/cpm/sms-outbox?to=" + phone;
    assertThat(api.get(base + "&after=&limit=").json()).isEqualTo(byBudget.get(0));
    assertThat(api.get(base + "&limit=0").status()).isEqualTo(400);
    assertThat(api.get(base + "&limit=1001").status()).isEqualTo(400);
    assertThat(api.get(base + "&after=yesterday").code()).isEqualTo("INVALID_ARGUMENT");
    JsonNode beyond = api.get(base + "&after=999999").json();
    assertThat(beyond.get("segments")).isEmpty();
    assertThat(beyond.get("next").isNull()).isTrue();
  }

  /** Every page of an outbox, following {@code next} until it is null. */
  static List<JsonNode> outboxPages(String phone, String query) {
    List<JsonNode> pages = new ArrayList<>();
    String after = "";
    do {
      var r = api.get("/v1/cpm/sms-outbox?to=" + phone + query + after);
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      JsonNode page = r.json();
      assertThat(page.get("to").asText()).isEqualTo(phone);
      assertThat(page.get("segments")).as("no page is empty").isNotEmpty();
      pages.add(page);
      after = page.get("next").isNull() ? "" : "&after=" + page.get("next").asText();
      assertThat(pages).as("pages end").hasSizeLessThan(100);
    } while (!after.isEmpty());
    return pages;
  }

  static List<String> messageIds(JsonNode page) {
    List<String> ids = new ArrayList<>();
    page.get("segments")
        .forEach(
            s -> {
              String id = s.get("messageId").asText();
              if (ids.isEmpty() || !ids.get(ids.size() - 1).equals(id)) ids.add(id);
            });
    return ids;
  }

  /** Each segment once, messages in the order they were sent, all parts of one in one page. */
  static void assertEverySegmentOnce(List<JsonNode> pages, List<String> sentIds, int segments) {
    List<String> seen = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    for (JsonNode page : pages) {
      List<String> onPage = messageIds(page);
      ids.addAll(onPage);
      page.get("segments")
          .forEach(
              s -> {
                seen.add(s.get("messageId").asText() + "#" + s.get("part").asInt());
                assertThat(s.get("part").asInt()).isBetween(1, s.get("parts").asInt());
              });
      for (String id : onPage) {
        int parts = 0;
        for (JsonNode s : page.get("segments")) {
          if (s.get("messageId").asText().equals(id)) parts = s.get("parts").asInt();
        }
        final String message = id;
        assertThat(seen.stream().filter(k -> k.startsWith(message + "#")).count())
            .as("every part of %s in its page", id)
            .isEqualTo(parts);
      }
    }
    assertThat(ids).containsExactlyElementsOf(sentIds);
    assertThat(seen).hasSize(segments).doesNotHaveDuplicates();
  }

  // ---------------------------------------------------------------- charging and replays

  @Test
  void prepaidSenderPaysPerRecipientAndIsRefusedWhenFundsRunOut() {
    String accountId = unique("acc");
    String sender = prepaidCpmUser(accountId, 25);
    String bob = sipUser("bob");
    String carol = sipUser("carol");

    String first = unique("paid");
    sent(first, sender, List.of(bob), "ten");
    assertThat(account(accountId).get("balance").asLong()).isEqualTo(15);

    String tooDear = unique("dear");
    var refused = send(tooDear, sender, List.of(bob, carol), "twenty");
    assertThat(refused.status()).as(refused.toString()).isEqualTo(409);
    assertThat(refused.code()).isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(send(tooDear, sender, List.of(bob, carol), "twenty").code())
        .isEqualTo("INSUFFICIENT_FUNDS");
    assertThat(historyIds(history(bob, ""))).doesNotContain(tooDear);

    sent(unique("paid"), "tel:+" + sender, List.of(carol), "ten more");
    JsonNode account = account(accountId);
    assertThat(account.get("balance").asLong()).isEqualTo(5);
    assertThat(account.get("deducted").asLong()).isEqualTo(20);
    assertThat(account.get("reserved").asLong()).isZero();
    assertThat(send(unique("broke"), sender, List.of(bob), "no").code())
        .isEqualTo("INSUFFICIENT_FUNDS");

    // every message has a MESSAGE CDR; the charges on them are what the account paid
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode cdrs = api.get("/v1/cdrs?type=MESSAGE&msisdn=" + sender).json().get("cdrs");
              assertThat(cdrs).hasSize(4);
              long charged = 0;
              for (JsonNode cdr : cdrs) charged += cdr.get("charge").asLong();
              assertThat(charged).isEqualTo(20);
            });
    JsonNode firstCdr = api.get("/v1/cdrs?type=MESSAGE&msisdn=" + sender).json().get("cdrs").get(3);
    assertThat(firstCdr.get("cdrId").asText()).isEqualTo("cpm-message:" + first);
    assertThat(firstCdr.get("callId").asText()).isEqualTo(first);
    assertThat(firstCdr.get("decision").asText()).isEqualTo("ACCEPTED");
    assertThat(firstCdr.get("charge").asLong()).isEqualTo(10);
  }

  /** mission.md: a pooled SIP-URI is bound to its user's number, which pays for what it does. */
  @Test
  void aMessageSentUnderALentSipUriIsBilledToTheNumberItIsBoundTo() {
    String accountId = unique("acc");
    String holder = prepaidCpmUser(accountId, 100);
    String pool = unique("pool");
    assertThat(api.put("/v1/sip-uri-pools/" + pool, "{}").status()).isEqualTo(201);
    // provisioned with an upper-case host: the pool keeps the canonical spelling
    String lent = "sip:" + unique("lent") + "@" + pool + ".ims.example.com";
    assertThat(
            api.post(
                    "/v1/sip-uri-pools/" + pool + "/uris",
                    "{\"uris\":[{\"uri\":\"" + lent.replace(".ims.", ".IMS.") + "\"}]}")
                .status())
        .isEqualTo(200);
    var allocation =
        api.post("/v1/sip-uri-pools/" + pool + "/allocations", "{\"msisdn\":\"" + holder + "\"}");
    assertThat(allocation.json().get("uri").asText()).isEqualTo(lent);
    String bob = sipUser("bob");

    String billed = unique("lent");
    sent(billed, lent, List.of(bob), "under the lent URI");
    assertThat(account(accountId).get("deducted").asLong()).isEqualTo(10);
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(api.get("/v1/cdrs?type=MESSAGE&msisdn=" + holder).json().get("cdrs"))
                    .hasSize(1));
    JsonNode cdr = api.get("/v1/cdrs?type=MESSAGE&msisdn=" + holder).json().get("cdrs").get(0);
    assertThat(cdr.get("callId").asText()).isEqualTo(billed);
    assertThat(cdr.get("charge").asLong()).isEqualTo(10);

    // a session started under the lent URI: its CDR names the same number
    String sessionId = unique("lent-session");
    var session =
        api.post(
            "/v1/cpm/sessions",
            "{\"sessionId\":\""
                + sessionId
                + "\",\"initiator\":\""
                + lent
                + "\",\"participants\":[\""
                + bob
                + "\"],\"kind\":\"ONE_TO_ONE\"}");
    assertThat(session.status()).as(session.toString()).isEqualTo(201);
    JsonNode ended = api.delete("/v1/cpm/sessions/" + sessionId).json();
    assertThat(ended.get("cdr").get("msisdn").asText()).isEqualTo(holder);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () ->
                assertThat(api.get("/v1/cdrs?type=SESSION&msisdn=" + holder).json().get("cdrs"))
                    .hasSize(1));
    assertThat(
            api.get("/v1/cdrs?type=SESSION&msisdn=" + holder)
                .json()
                .get("cdrs")
                .get(0)
                .get("callId")
                .asText())
        .isEqualTo(sessionId);

    // released, the URI is no one's: its messages are billed to nobody's account
    assertThat(
            api.post("/v1/sip-uri-pools/" + pool + "/allocations/" + holder + "/release", "{}")
                .status())
        .isEqualTo(200);
    sent(unique("free"), lent, List.of(bob), "after the release");
    assertThat(account(accountId).get("deducted").asLong()).isEqualTo(10);
  }

  @Test
  void theFeeIsSettledWithItsCdrOnTheAccountSoARetryAfterTheMessagesNodeDiedChargesNothingMore()
      throws Exception {
    String accountId = unique("acc");
    String sender = prepaidCpmUser(accountId, 100);
    String bob = sipUser("bob");

    sent(unique("paid"), sender, List.of(bob), "ten");
    assertThat(journalHas("PrepaidAccount|" + accountId, "CallSettled"))
        .as("the fee and its CDR are one event of the account")
        .isTrue();

    // What a message's first attempt did on the account before its node died: the fee reserved
    // and settled with the CDR. The message itself persisted nothing.
    String id = unique("crash");
    String fee = "cpm-message:" + id;
    var account =
        ClusterSharding.get(node.node().system()).entityRefFor(PrepaidAccount.KEY, accountId);
    account
        .<PrepaidAccount.ReservationView>askWithStatus(
            r -> new PrepaidAccount.Reserve(fee, 10, Optional.of(Duration.ofSeconds(60)), r),
            Duration.ofSeconds(10))
        .toCompletableFuture()
        .get();
    Instant now = Instant.now();
    var cdr =
        new Cdr(
            fee,
            Cdr.Type.MESSAGE,
            sender,
            Optional.of(accountId),
            Optional.of(id),
            Optional.of(sender),
            Optional.of(bob),
            Optional.empty(),
            Optional.empty(),
            Optional.of("ACCEPTED"),
            Optional.empty(),
            now,
            Optional.empty(),
            now,
            0,
            0,
            10,
            0);
    account
        .<PrepaidAccount.CallSettlement>askWithStatus(
            r ->
                new PrepaidAccount.SettleCall(
                    List.of(new PrepaidAccount.SliceCharge(fee, fee, 10)), cdr, r),
            Duration.ofSeconds(10))
        .toCompletableFuture()
        .get();
    assertThat(account(accountId).get("deducted").asLong()).isEqualTo(20);
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(() -> assertThat(messageCdrs(sender)).hasSize(2));

    // the front end retries the message: accepted, and the fee is found settled
    sent(id, sender, List.of(bob), "ten more");
    assertThat(historyIds(history(bob, ""))).contains(id);
    JsonNode after = account(accountId);
    assertThat(after.get("deducted").asLong()).isEqualTo(20);
    assertThat(after.get("reserved").asLong()).isZero();
    assertThat(after.get("balance").asLong()).isEqualTo(80);
    List<JsonNode> cdrs = messageCdrs(sender);
    assertThat(cdrs).hasSize(2);
    assertThat(cdrs.stream().mapToLong(c -> c.get("charge").asLong()).sum()).isEqualTo(20);
  }

  /** A subscriber's CDRs show what it received as well as what it sent (docs/cpm.md). */
  @Test
  void aMessageCdrNamesItsOneRecipientAsTheDestination() {
    String sender = sipUser("sender");
    String byNumber = msisdn();
    String byPhoneUri = msisdn();
    String toNumber = unique("to-number");
    String toPhoneUri = unique("to-phone-uri");
    String toTwo = unique("to-two");
    sent(toNumber, sender, List.of(byNumber), "to a number");
    String phoneUri = "sip:+" + byPhoneUri + "@ims.example.com;user=phone";
    assertThat(api.put("/v1/cpm/users/" + enc(phoneUri), "{}").status()).isEqualTo(201);
    sent(toPhoneUri, sender, List.of(phoneUri), "to a SIP URI that names a number");
    sent(toTwo, sender, List.of(byNumber, phoneUri), "to both");

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(messageCdrs(byNumber)).hasSize(1);
              assertThat(messageCdrs(byPhoneUri)).hasSize(1);
            });
    JsonNode received = messageCdrs(byNumber).get(0);
    assertThat(received.get("callId").asText()).isEqualTo(toNumber);
    assertThat(received.get("destination").asText()).isEqualTo(byNumber);
    assertThat(received.get("caller").asText()).isEqualTo(sender);
    assertThat(messageCdrs(byPhoneUri).get(0).get("callId").asText()).isEqualTo(toPhoneUri);
    assertThat(messageCdrs(byPhoneUri).get(0).get("destination").asText()).isEqualTo(byPhoneUri);

    // a group message has no single destination: its recipients are in "called"
    JsonNode group =
        api.get("/v1/cdrs?type=MESSAGE&limit=1000").json().findParents("callId").stream()
            .filter(c -> c.get("callId").asText().equals(toTwo))
            .findFirst()
            .orElseThrow();
    assertThat(group.get("destination").isNull()).isTrue();
    assertThat(group.get("called").asText()).startsWith(byNumber + ",sip:+" + byPhoneUri + "@");
  }

  /** A CPM user whose subscriber pays through a new prepaid account holding {@code balance}. */
  static String prepaidCpmUser(String accountId, long balance) {
    assertThat(api.put("/v1/accounts/" + accountId, "{\"balance\":" + balance + "}").status())
        .isEqualTo(201);
    String msisdn = msisdn();
    assertThat(
            api.put("/v1/subscribers/" + msisdn, "{\"prepaidAccountId\":\"" + accountId + "\"}")
                .status())
        .isEqualTo(201);
    assertThat(api.put("/v1/cpm/users/" + msisdn, "{}").status()).isEqualTo(201);
    return msisdn;
  }

  static List<JsonNode> messageCdrs(String msisdn) {
    JsonNode cdrs = api.get("/v1/cdrs?type=MESSAGE&msisdn=" + msisdn).json().get("cdrs");
    List<JsonNode> list = new ArrayList<>();
    cdrs.forEach(list::add);
    return list;
  }

  static JsonNode account(String accountId) {
    return api.get("/v1/accounts/" + accountId).json();
  }

  @Test
  void replayingAMessageIdChangesNothing() {
    String accountId = unique("acc");
    api.put("/v1/accounts/" + accountId, "{\"balance\":1000}");
    String sender = msisdn();
    api.put("/v1/subscribers/" + sender, "{\"prepaidAccountId\":\"" + accountId + "\"}");
    String bob = sipUser("bob");
    String sms = msisdn();
    String id = unique("once");
    var first = sent(id, sender, List.of(bob, sms), "only once");
    for (int i = 0; i < 3; i++) {
      var again = send(id, sender, List.of(bob, sms), "only once");
      assertThat(again.status()).isEqualTo(202);
      assertThat(again.json()).isEqualTo(first.json());
    }
    assertThat(account(accountId).get("deducted").asLong()).isEqualTo(20);
    assertThat(historyIds(history(bob, ""))).containsExactly(id);
    assertThat(api.get("/v1/cpm/sms-outbox?to=" + sms).json().get("segments")).hasSize(1);
    var other = send(id, sender, List.of(bob, sms), "something else");
    assertThat(other.status()).isEqualTo(409);
    assertThat(other.code()).isEqualTo("IDEMPOTENCY_CONFLICT");
  }

  @Test
  void protobufBodiesAreAcceptedAndAnswered() throws Exception {
    String alice = sipUser("alice");
    String bob = sipUser("bob");
    String id = unique("pb");
    byte[] body =
        CpmSendRequest.newBuilder()
            .setMessageId(id)
            .setFrom(alice)
            .addTo(bob)
            .setBody("x".repeat(1301))
            .build()
            .toByteArray();
    var r = api.send("POST", "/v1/cpm/messages", body, "application/x-protobuf");
    assertThat(r.status()).isEqualTo(202);
    CpmSendResult result = CpmSendResult.parseFrom(r.body());
    assertThat(result.getMessageId()).isEqualTo(id);
    assertThat(result.getMode()).isEqualTo("LARGE");
    assertThat(result.getRecipients(0).getStatus()).isEqualTo("STORED");
    assertThat(result.getRecipients(0).hasSegments()).isFalse();
  }

  // ---------------------------------------------------------------- bad input

  @Test
  void badInputIsRefusedWithACode() {
    String alice = sipUser("alice");
    String bob = sipUser("bob");
    assertThat(sent(unique("p"), alice, List.of(bob), "é".repeat(650)).json().get("mode").asText())
        .isEqualTo("PAGER");
    var tooBig = send(unique("big"), alice, List.of(bob), "x".repeat(1_048_577));
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.code()).isEqualTo("PAYLOAD_TOO_LARGE");

    assertThat(api.post("/v1/cpm/messages", "{\"from\":\"" + alice + "\"}").code())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(send(unique("m"), alice, List.of(), "x").status()).isEqualTo(400);
    assertThat(send(unique("m"), alice, List.of("not an address"), "x").status()).isEqualTo(400);
    assertThat(send(unique("m"), alice, List.of(bob), "").status()).isEqualTo(400);
    assertThat(send("bad id!", alice, List.of(bob), "x").status()).isEqualTo(400);
    assertThat(send(unique("m"), alice, List.of(alice), "x").status()).isEqualTo(400);
    assertThat(send(unique("m"), alice, List.of(bob), "x", ",\"validitySeconds\":0").status())
        .isEqualTo(400);
    assertThat(send(unique("m"), alice, List.of(bob), "x", ",\"validitySeconds\":\"1\"").status())
        .isEqualTo(400);
    assertThat(api.post("/v1/cpm/messages", "{not json").code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(
            api.send("POST", "/v1/cpm/messages", new byte[] {1, 2, 3, 4}, "application/x-protobuf")
                .status())
        .isEqualTo(400);
    List<String> repeated = new ArrayList<>(java.util.Collections.nCopies(150, bob));
    repeated.add(bob.replace("@cpm.example.com", "@CPM.Example.com"));
    var once = send(unique("dup"), alice, repeated, "x");
    assertThat(once.status()).as("duplicates are dropped before counting: " + once).isEqualTo(202);
    assertThat(once.json().get("recipients")).hasSize(1);
    List<String> tooMany = new ArrayList<>();
    for (int i = 0; i < 101; i++) tooMany.add("86139" + String.format("%08d", i));
    var over = send(unique("many"), alice, tooMany, "x");
    assertThat(over.status()).as(over.toString()).isEqualTo(400);
    assertThat(over.code()).isEqualTo("INVALID_ARGUMENT");

    var unknown = send(unique("m"), alice, List.of("sip:nobody@cpm.example.com"), "x");
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.code()).isEqualTo("UNKNOWN_USER");

    assertThat(api.get("/v1/cpm/users/" + enc("sip:ghost@cpm.example.com") + "/history").code())
        .isEqualTo("UNKNOWN_USER");
  }

  @Test
  void historyQueryIsValidated() {
    String bob = sipUser("bob");
    assertThat(api.get("/v1/cpm/users/" + enc(bob) + "/history?limit=0").status()).isEqualTo(400);
    assertThat(api.get("/v1/cpm/users/" + enc(bob) + "/history?limit=x").status()).isEqualTo(400);
    assertThat(api.get("/v1/cpm/users/" + enc(bob) + "/history?before=yesterday").status())
        .isEqualTo(400);
  }

  @Test
  void streamOfAnUnknownUserIsRefusedBeforeTheUpgrade() {
    assertThatThrownBy(() -> connect("sip:ghost@cpm.example.com"))
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(WebSocketHandshakeException.class)
        .satisfies(
            e ->
                assertThat(((WebSocketHandshakeException) e).getResponse().statusCode())
                    .isEqualTo(404));
  }

  @Test
  void aPlainGetOfTheStreamIsToldItNeedsTheUpgrade() {
    var plain = api.get("/v1/cpm/users/" + enc(sipUser("dora")) + "/stream");
    assertThat(plain.status()).as(plain.toString()).isEqualTo(400);
    assertThat(plain.code()).isEqualTo("INVALID_ARGUMENT");
    assertThat(plain.json().get("message").asText()).contains("WebSocket");
  }

  // ---------------------------------------------------------------- sessions

  @Test
  void oneToOneSessionChoosesMediaCarriesMessagesAndEndsWithACdr() {
    String alice = sipUser("alice");
    String bob = sipUser("bob");
    String carol = sipUser("carol");
    String sessionId = unique("s");
    String request =
        "{\"sessionId\":\""
            + sessionId
            + "\",\"initiator\":\""
            + alice
            + "\",\"participants\":[\""
            + bob
            + "\"],\"kind\":\"ONE_TO_ONE\",\"media\":[\"text\",\"file\",\"audio\",\"video\",\"hologram\"]}";
    var started = api.post("/v1/cpm/sessions", request);
    assertThat(started.status()).as(started.toString()).isEqualTo(201);
    assertThat(started.json().get("sessionId").asText()).isEqualTo(sessionId);
    JsonNode media = started.json().get("media");
    assertThat(media).hasSize(5);
    assertThat(media.get(0).get("transport").asText()).isEqualTo("MSRP");
    assertThat(media.get(1).get("transport").asText()).isEqualTo("HTTP");
    assertThat(media.get(2).get("transport").asText()).isEqualTo("RTP");
    assertThat(media.get(3).get("type").asText()).isEqualTo("video");
    assertThat(media.get(3).get("accepted").asBoolean()).isTrue();
    assertThat(media.get(4).get("accepted").asBoolean()).isFalse();
    assertThat(api.post("/v1/cpm/sessions", request).status()).isEqualTo(200);

    String id = unique("sm");
    var posted =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + id + "\",\"from\":\"" + alice + "\",\"body\":\"in session\"}");
    assertThat(posted.status()).as(posted.toString()).isEqualTo(202);
    assertThat(posted.json().get("recipients").get(0).get("address").asText()).isEqualTo(bob);
    try (WsDevice phone = connect(bob)) {
      JsonNode frame = phone.next(FRAME_WAIT);
      assertThat(frame.get("messageId").asText()).isEqualTo(id);
      assertThat(frame.get("sessionId").asText()).isEqualTo(sessionId);
    }

    var outsider =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + unique("sm") + "\",\"from\":\"" + carol + "\",\"body\":\"hi\"}");
    assertThat(outsider.status()).isEqualTo(403);
    assertThat(outsider.code()).isEqualTo("NOT_PARTICIPANT");

    var added =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/participants", "{\"address\":\"" + carol + "\"}");
    assertThat(added.status()).as(added.toString()).isEqualTo(200);
    assertThat(added.json().get("kind").asText()).isEqualTo("AD_HOC_GROUP");
    assertThat(added.json().get("participants")).hasSize(3);
    var toBoth =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + unique("sm") + "\",\"from\":\"" + bob + "\",\"body\":\"all\"}");
    assertThat(toBoth.json().get("recipients")).hasSize(2);
    // a posting whose message is refused (its id was taken by another message) is not a unit
    String taken = unique("sm");
    assertThat(
            api.post(
                    "/v1/cpm/messages",
                    "{\"messageId\":\""
                        + taken
                        + "\",\"from\":\""
                        + alice
                        + "\",\"to\":[\""
                        + bob
                        + "\"],\"body\":\"standalone\"}")
                .status())
        .isEqualTo(202);
    var refused =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + taken + "\",\"from\":\"" + alice + "\",\"body\":\"other\"}");
    assertThat(refused.code()).isEqualTo("IDEMPOTENCY_CONFLICT");

    var ended = api.delete("/v1/cpm/sessions/" + sessionId);
    assertThat(ended.status()).as(ended.toString()).isEqualTo(200);
    JsonNode cdr = ended.json().get("cdr");
    assertThat(cdr.get("type").asText()).isEqualTo("SESSION");
    assertThat(cdr.get("chargedParty").asText()).isEqualTo(alice);
    assertThat(cdr.get("units").asInt()).isEqualTo(2);
    assertThat(ended.json().get("state").asText()).isEqualTo("ENDED");
    // The answer is also the session CDR itself (api.md: "200 (session CDR)").
    for (String field : List.of("cdrId", "type", "chargedParty", "units", "charge", "decision")) {
      assertThat(ended.json().get(field)).as(field).isEqualTo(cdr.get(field));
    }
    assertThat(ended.json().get("sessionId").asText()).isEqualTo(sessionId);
    assertThat(api.delete("/v1/cpm/sessions/" + sessionId).json()).isEqualTo(ended.json());
    assertThat(api.get("/v1/cpm/sessions/" + sessionId).json()).isEqualTo(ended.json());
    var late =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + unique("sm") + "\",\"from\":\"" + bob + "\",\"body\":\"late\"}");
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.code()).isEqualTo("SESSION_ENDED");
  }

  @Test
  void prearrangedGroupSessionTakesTheGroupsMembers() {
    String alice = sipUser("alice");
    String bob = sipUser("bob");
    String phone = msisdn();
    String groupId = unique("g");
    String group =
        "{\"name\":\"team\",\"members\":[\"" + alice + "\",\"" + bob + "\",\"" + phone + "\"]}";
    assertThat(api.put("/v1/cpm/groups/" + groupId, group).status()).isEqualTo(201);
    assertThat(api.put("/v1/cpm/groups/" + groupId, group).status()).isEqualTo(200);

    String sessionId = unique("s");
    var started =
        api.post(
            "/v1/cpm/sessions",
            "{\"sessionId\":\""
                + sessionId
                + "\",\"initiator\":\""
                + bob
                + "\",\"kind\":\"PREARRANGED_GROUP\",\"groupId\":\""
                + groupId
                + "\"}");
    assertThat(started.status()).as(started.toString()).isEqualTo(201);
    assertThat(started.json().get("media").get(0).get("type").asText()).isEqualTo("text");
    var posted =
        api.post(
            "/v1/cpm/sessions/" + sessionId + "/messages",
            "{\"messageId\":\"" + unique("g") + "\",\"from\":\"" + bob + "\",\"body\":\"team!\"}");
    assertThat(posted.status()).isEqualTo(202);
    JsonNode recipients = posted.json().get("recipients");
    assertThat(recipients).hasSize(2);
    assertThat(recipients.get(0).get("address").asText()).isEqualTo(alice);
    assertThat(recipients.get(1).get("route").asText()).isEqualTo("SMS");

    var noGroup =
        api.post(
            "/v1/cpm/sessions",
            "{\"sessionId\":\""
                + unique("s")
                + "\",\"initiator\":\""
                + bob
                + "\",\"kind\":\"PREARRANGED_GROUP\",\"groupId\":\"no-such-group\"}");
    assertThat(noGroup.code()).isEqualTo("UNKNOWN_GROUP");
    var badKind =
        api.post(
            "/v1/cpm/sessions",
            "{\"sessionId\":\"" + unique("s") + "\",\"initiator\":\"" + bob + "\",\"kind\":\"X\"}");
    assertThat(badKind.status()).isEqualTo(400);
  }

  // ---------------------------------------------------------------- restarts

  @Test
  void validityDeadlinesAreMetAfterARestart() throws Exception {
    String alice = sipUser("alice");
    String gina = sipUser("gina");
    String id = unique("restart");
    var r = send(id, alice, List.of(gina), "expires while down", ",\"validitySeconds\":3");
    assertThat(r.status()).isEqualTo(202);
    node.close();
    node = TestNode.start(SETTINGS);
    api = node.client();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> journalHas("CpmUser|" + gina, "MessagesExpired"));
    JsonNode m = history(gina, "").get("messages").get(0);
    assertThat(m.get("messageId").asText()).isEqualTo(id);
    assertThat(m.get("status").asText()).isEqualTo("EXPIRED");
  }

  /** Reads the journal directly, so the entity is not woken up by the check itself. */
  static boolean journalHas(String persistenceId, String eventClass) throws SQLException {
    try (var c = TestDatabase.connect();
        var q =
            c.prepareStatement(
                "select count(*) from event_journal where persistence_id = ? and"
                    + " event_ser_manifest like ?")) {
      q.setString(1, persistenceId);
      q.setString(2, "%" + eventClass);
      try (var rs = q.executeQuery()) {
        rs.next();
        return rs.getLong(1) > 0;
      }
    }
  }

  @Test
  void manyMessagesToAnOfflineUserArriveInOrderThroughTheBoundedStream() {
    String alice = sipUser("alice");
    String hugo = sipUser("hugo");
    List<String> ids = IntStream.range(0, 150).mapToObj(i -> unique("bulk" + i)).toList();
    ids.forEach(id -> sent(id, alice, List.of(hugo), id));
    try (WsDevice phone = connect(hugo)) {
      assertThat(ids(phone.next(150, FRAME_WAIT))).containsExactlyElementsOf(ids);
      assertThat(phone.next(QUIET)).isNull();
    }
  }
}
