package io.scp.api.routes;

import io.scp.actors.common.Asks;
import io.scp.actors.common.Cdr;
import io.scp.api.proto.CdrList;
import io.scp.api.proto.CdrRecord;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import io.scp.persistence.cdr.CdrRepository;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The CDR read model for operators and billing: {@code GET /v1/cdrs?msisdn=&type=&limit=&before=},
 * newest first, paged with the cursor {@code next}.
 */
public final class CdrRoutes extends ApiDirectives {
  static final int DEFAULT_LIMIT = 100;

  private final CdrRepository cdrs;

  public CdrRoutes(ApiContext api, CdrRepository cdrs) {
    super(api);
    this.cdrs = cdrs;
  }

  public Route route() {
    return path(
        "cdrs",
        () ->
            get(
                () ->
                    optionalParameter(
                        "msisdn",
                        msisdn ->
                            optionalParameter(
                                "type",
                                type ->
                                    optionalParameter(
                                        "limit",
                                        limit ->
                                            optionalParameter(
                                                "before",
                                                before ->
                                                    query(
                                                        Role.OPERATOR,
                                                        () ->
                                                            find(
                                                                msisdn, type, limit, before))))))));
  }

  private CompletionStage<Reply> find(
      Optional<String> msisdn,
      Optional<String> type,
      Optional<String> limit,
      Optional<String> before) {
    Optional<String> party = msisdn.map(m -> Validate.msisdn("msisdn", m));
    Optional<Cdr.Type> cdrType = type.map(CdrRoutes::type);
    int n = limit.map(CdrRoutes::limit).orElse(DEFAULT_LIMIT);
    Optional<Long> cursor = before.map(CdrRoutes::cursor);
    return cdrs.find(party, cdrType, cursor, n)
        .toCompletableFuture()
        .orTimeout(api.askTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle(
            (page, failure) -> {
              if (failure != null) throw unavailableIfStore(failure);
              var list = CdrList.newBuilder();
              page.cdrs().forEach(cdr -> list.addCdrs(record(cdr)));
              page.next().map(String::valueOf).ifPresent(list::setNext);
              return Reply.ok(list.build());
            });
  }

  /** A page's {@code next}: a positive position in the write order, as digits. */
  private static long cursor(String value) {
    if (!value.matches("[1-9][0-9]{0,17}")) {
      throw ApiError.badRequest("before must be the next cursor of a page, not " + value);
    }
    return Long.parseLong(value);
  }

  private static Cdr.Type type(String value) {
    try {
      return Cdr.Type.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(
          "type must be one of " + Arrays.toString(Cdr.Type.values()) + ", not " + value);
    }
  }

  private static int limit(String value) {
    if (!value.matches("[0-9]{1,9}")) {
      throw ApiError.badRequest(
          "limit must be an integer between 1 and " + CdrRepository.MAX_LIMIT);
    }
    return (int) Validate.range("limit", Long.parseLong(value), 1, CdrRepository.MAX_LIMIT);
  }

  /** The database not answering is a 503 the caller may retry; anything else stays as it is. */
  private static RuntimeException unavailableIfStore(Throwable failure) {
    Throwable cause = Asks.unwrap(failure);
    if (cause instanceof SQLException || cause instanceof RejectedExecutionException) {
      return new ApiError(503, "UNAVAILABLE", "the CDR store did not answer, retry later");
    }
    return failure instanceof RuntimeException r ? r : new CompletionException(failure);
  }

  static CdrRecord record(Cdr cdr) {
    var out =
        CdrRecord.newBuilder()
            .setCdrId(cdr.cdrId())
            .setType(cdr.type().name())
            .setChargedParty(cdr.chargedParty())
            .setStartedAt(cdr.startedAt().toString())
            .setEndedAt(cdr.endedAt().toString())
            .setTalkSeconds(cdr.talkSeconds())
            .setBilledSeconds(cdr.billedSeconds())
            .setCharge(cdr.charge())
            .setShortfall(cdr.shortfall());
    cdr.accountId().ifPresent(out::setAccountId);
    cdr.callId().ifPresent(out::setCallId);
    cdr.caller().ifPresent(out::setCaller);
    cdr.called().ifPresent(out::setCalled);
    cdr.destination().ifPresent(out::setDestination);
    cdr.onNet().ifPresent(out::setOnNet);
    cdr.decision().ifPresent(out::setDecision);
    cdr.cause().ifPresent(out::setCause);
    cdr.answeredAt().map(Object::toString).ifPresent(out::setAnsweredAt);
    return out.build();
  }
}
