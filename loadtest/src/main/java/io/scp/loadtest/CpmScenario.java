package io.scp.loadtest;

import io.scp.api.proto.CpmRecipient;
import io.scp.api.proto.CpmSendRequest;
import io.scp.api.proto.CpmSendResult;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * One unit is one standalone CPM message in pager mode ({@code POST /v1/cpm/messages}) from a
 * random user to another random user of the population, with a new message id. No device is
 * connected, so every recipient is offline: the message is stored in the recipient's mailbox
 * ({@code STORED}) and the sender's history gets its copy; it leaves the mailbox when its validity
 * ends. The validity keeps mailboxes small: a recipient holds about rate × validity / users
 * messages, far below {@code scp.cpm.mailbox-limit}.
 */
public final class CpmScenario implements Scenario {
  static final Labels LABELS =
      new Labels(
          "CPM pager messages",
          "messages",
          "messages/s",
          "senders",
          "refused",
          "refusals",
          "recipient status");

  private final CpmPopulation population;
  private final Wire wire;
  private final long validitySeconds;
  private final String body;

  public CpmScenario(CpmPopulation population, Wire wire, long validitySeconds, int bodyChars) {
    this.population = population;
    this.wire = wire;
    this.validitySeconds = validitySeconds;
    StringBuilder text = new StringBuilder("Load test message: ");
    while (text.length() < bodyChars) text.append("the quick brown fox jumps over the lazy dog ");
    this.body = text.substring(0, bodyChars);
  }

  @Override
  public Labels labels() {
    return LABELS;
  }

  @Override
  public CompletableFuture<Outcome> unit(ApiTarget api, Random random) {
    int users = population.users();
    int from = random.nextInt(users);
    int to = random.nextInt(users - 1);
    if (to >= from) to++;
    String sender = population.address(from);
    String messageId = "lt-" + population.runId() + "-" + UUID.randomUUID();
    var request =
        CpmSendRequest.newBuilder()
            .setMessageId(messageId)
            .setFrom(sender)
            .addTo(population.address(to))
            .setContentType("text/plain")
            .setBody(body)
            .setValiditySeconds(validitySeconds)
            .build();
    return wire.post(api, "message", "/v1/cpm/messages", request)
        .thenApply(
            a -> {
              if (!a.ok()) return Outcome.failed(messageId, sender, "message", a);
              CpmSendResult sent = wire.decode(a.body(), CpmSendResult.newBuilder());
              if (sent.getRecipientsCount() != 1)
                return Outcome.failed(messageId, sender, "unexpected answer " + sent);
              CpmRecipient recipient = sent.getRecipients(0);
              return Outcome.done(messageId, sender, recipient.getStatus());
            });
  }
}
