package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.account.PrepaidAccount;
import io.scp.actors.account.ReservationIds;
import io.scp.actors.common.ErrorCode;
import io.scp.api.proto.Account;
import io.scp.api.proto.AccountPatch;
import io.scp.api.proto.AccountTerms;
import io.scp.api.proto.AuthenticateRequest;
import io.scp.api.proto.AuthenticateResult;
import io.scp.api.proto.DeductRequest;
import io.scp.api.proto.Empty;
import io.scp.api.proto.RefundResult;
import io.scp.api.proto.Reservation;
import io.scp.api.proto.ReserveRequest;
import io.scp.api.proto.TopupRequest;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.server.Route;

/** Prepaid accounts: provisioning, top-ups and the four prepaid interfaces. */
public final class AccountRoutes extends ApiDirectives {
  /** Accounts opened without a validity date never expire. */
  static final LocalDate NO_EXPIRY = LocalDate.of(9999, 12, 31);

  static final String DEFAULT_CURRENCY = "CNY";

  /**
   * Longer TTLs are cut to this before they reach the account, which caps them again to {@code
   * scp.prepaid.max-reservation-ttl}; the cut only keeps expiry arithmetic far from overflow.
   */
  private static final Duration LONGEST_TTL = Duration.ofDays(365);

  public AccountRoutes(ApiContext api) {
    super(api);
  }

  public Route route() {
    return pathPrefix(
        segment("accounts").slash(segment()),
        accountId ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        AccountTerms.getDefaultInstance(),
                                        b -> open(accountId, b))),
                            patch(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        AccountPatch.getDefaultInstance(),
                                        b -> amend(accountId, b))),
                            get(() -> query(Role.ANY, () -> get(accountId))))),
                path(
                    "topups",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.OPERATOR,
                                    TopupRequest.getDefaultInstance(),
                                    b -> topUp(accountId, b)))),
                path(
                    "authenticate",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    AuthenticateRequest.getDefaultInstance(),
                                    b -> authenticate(accountId, b)))),
                path(
                    "reservations",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    ReserveRequest.getDefaultInstance(),
                                    b -> reserve(accountId, b)))),
                path(
                    segment("reservations").slash(segment()).slash("deduct"),
                    reservationId ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    DeductRequest.getDefaultInstance(),
                                    b -> deduct(accountId, reservationId, b)))),
                path(
                    segment("reservations").slash(segment()).slash("refund"),
                    reservationId ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    Empty.getDefaultInstance(),
                                    b -> refund(accountId, reservationId))))));
  }

  private CompletionStage<Reply> open(String accountId, AccountTerms body) {
    Validate.id("accountId", accountId);
    var terms =
        new PrepaidAccount.Terms(
            Validate.money(
                "balance", Validate.required("balance", body.hasBalance(), body::getBalance), 0),
            body.hasValidUntil() ? Validate.date("validUntil", body.getValidUntil()) : NO_EXPIRY,
            body.hasMinThreshold() ? Validate.money("minThreshold", body.getMinThreshold(), 0) : 0,
            body.hasCurrency()
                ? Validate.currency("currency", body.getCurrency())
                : DEFAULT_CURRENCY);
    return this.<PrepaidAccount.Command, PrepaidAccount.Opened>ask(
            PrepaidAccount.KEY, accountId, r -> new PrepaidAccount.Open(terms, r))
        .thenApply(
            o ->
                o.created() ? Reply.created(account(o.account())) : Reply.ok(account(o.account())));
  }

  private CompletionStage<Reply> amend(String accountId, AccountPatch body) {
    Validate.id("accountId", accountId);
    if (body.hasBalance()) {
      throw ApiError.badRequest(
          "balance cannot be patched: it changes through top-ups, reservations and deductions");
    }
    if (body.hasCurrency()) {
      throw ApiError.badRequest("the currency of an account cannot change");
    }
    Optional<LocalDate> validUntil =
        body.hasValidUntil()
            ? Optional.of(Validate.date("validUntil", body.getValidUntil()))
            : Optional.empty();
    Optional<Long> minThreshold =
        body.hasMinThreshold()
            ? Optional.of(Validate.money("minThreshold", body.getMinThreshold(), 0))
            : Optional.empty();
    Optional<Boolean> lost = body.hasLost() ? Optional.of(body.getLost()) : Optional.empty();
    Optional<Boolean> blocked =
        body.hasBlocked() ? Optional.of(body.getBlocked()) : Optional.empty();
    return this.<PrepaidAccount.Command, PrepaidAccount.AccountView>ask(
            PrepaidAccount.KEY,
            accountId,
            r -> new PrepaidAccount.Amend(validUntil, minThreshold, lost, blocked, r))
        .thenApply(v -> Reply.ok(account(v)));
  }

  private CompletionStage<Reply> get(String accountId) {
    Validate.id("accountId", accountId);
    return this.<PrepaidAccount.Command, PrepaidAccount.AccountView>ask(
            PrepaidAccount.KEY, accountId, PrepaidAccount.Get::new)
        .thenApply(v -> Reply.ok(account(v)));
  }

  private CompletionStage<Reply> topUp(String accountId, TopupRequest body) {
    Validate.id("accountId", accountId);
    String topupId =
        Validate.id("topupId", Validate.required("topupId", body.hasTopupId(), body::getTopupId));
    long amount =
        Validate.money("amount", Validate.required("amount", body.hasAmount(), body::getAmount), 1);
    return this.<PrepaidAccount.Command, PrepaidAccount.AccountView>ask(
            PrepaidAccount.KEY, accountId, r -> new PrepaidAccount.TopUp(topupId, amount, r))
        .thenApply(v -> Reply.ok(account(v)));
  }

  private CompletionStage<Reply> authenticate(String accountId, AuthenticateRequest body) {
    Validate.id("accountId", accountId);
    long amount = body.hasAmount() ? Validate.money("amount", body.getAmount(), 0) : 0;
    return this.<PrepaidAccount.Command, PrepaidAccount.AuthResult>ask(
            PrepaidAccount.KEY, accountId, r -> new PrepaidAccount.Authenticate(amount, r))
        .thenApply(
            a -> {
              var result = AuthenticateResult.newBuilder().setOk(a.ok());
              a.reason().map(ErrorCode::name).ifPresent(result::setReason);
              return Reply.ok(result.build());
            });
  }

  private CompletionStage<Reply> reserve(String accountId, ReserveRequest body) {
    Validate.id("accountId", accountId);
    String reservationId =
        clientReservationId(
            Validate.required("reservationId", body.hasReservationId(), body::getReservationId));
    long amount =
        Validate.money("amount", Validate.required("amount", body.hasAmount(), body::getAmount), 1);
    Optional<Duration> ttl =
        body.hasTtlSeconds()
            ? Optional.of(Validate.seconds("ttlSeconds", body.getTtlSeconds(), LONGEST_TTL))
            : Optional.empty();
    return this.<PrepaidAccount.Command, PrepaidAccount.ReservationView>ask(
            PrepaidAccount.KEY,
            accountId,
            r -> new PrepaidAccount.Reserve(reservationId, amount, ttl, r))
        .thenApply(v -> Reply.created(reservation(v)));
  }

  private CompletionStage<Reply> deduct(
      String accountId, String reservationId, DeductRequest body) {
    Validate.id("accountId", accountId);
    clientReservationId(reservationId);
    String deductionId =
        Validate.id(
            "deductionId",
            Validate.required("deductionId", body.hasDeductionId(), body::getDeductionId));
    long amount =
        Validate.money("amount", Validate.required("amount", body.hasAmount(), body::getAmount), 0);
    return this.<PrepaidAccount.Command, PrepaidAccount.ReservationView>ask(
            PrepaidAccount.KEY,
            accountId,
            r -> new PrepaidAccount.Deduct(reservationId, deductionId, amount, r))
        .thenApply(v -> Reply.ok(reservation(v)));
  }

  /** A reservation id as clients may name one: an id, not in the SCP's own name space. */
  private static String clientReservationId(String reservationId) {
    Validate.id("reservationId", reservationId);
    if (ReservationIds.isScpOwned(reservationId)) {
      throw ApiError.badRequest(
          "reservationId must not start with "
              + ReservationIds.prefixes()
              + ": those name the SCP's own reservations for calls, messages and VACP");
    }
    return reservationId;
  }

  private CompletionStage<Reply> refund(String accountId, String reservationId) {
    Validate.id("accountId", accountId);
    clientReservationId(reservationId);
    return this.<PrepaidAccount.Command, PrepaidAccount.RefundResult>ask(
            PrepaidAccount.KEY, accountId, r -> new PrepaidAccount.Refund(reservationId, r))
        .thenApply(
            v ->
                Reply.ok(
                    RefundResult.newBuilder()
                        .setReservationId(v.reservationId())
                        .setRefunded(v.refunded())
                        .build()));
  }

  static Account account(PrepaidAccount.AccountView v) {
    var account =
        Account.newBuilder()
            .setAccountId(v.accountId())
            .setCurrency(v.currency())
            .setBalance(v.balance())
            .setReserved(v.reserved())
            .setAvailable(v.available())
            .setDeducted(v.deducted())
            .setToppedUp(v.toppedUp())
            .setInitialBalance(v.initialBalance())
            .setValidUntil(v.validUntil().toString())
            .setMinThreshold(v.minThreshold())
            .setLost(v.lost())
            .setBlocked(v.blocked());
    v.reservations().forEach(r -> account.addReservations(reservation(r)));
    return account.build();
  }

  static Reservation reservation(PrepaidAccount.ReservationView r) {
    return Reservation.newBuilder()
        .setReservationId(r.reservationId())
        .setAmount(r.amount())
        .setDeducted(r.deducted())
        .setRemaining(r.remaining())
        .setExpiresAt(r.expiresAt().toString())
        .setState(r.state().name())
        .build();
  }
}
