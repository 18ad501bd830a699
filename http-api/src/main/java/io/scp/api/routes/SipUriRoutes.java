package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.typesafe.config.Config;
import io.scp.actors.common.Asks;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Secret;
import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.sipuri.SipUriSpelling;
import io.scp.actors.sipuri.UriSegment;
import io.scp.api.proto.AddSipUrisRequest;
import io.scp.api.proto.AddSipUrisResult;
import io.scp.api.proto.AllocateSipUriRequest;
import io.scp.api.proto.Empty;
import io.scp.api.proto.SipUri;
import io.scp.api.proto.SipUriAllocation;
import io.scp.api.proto.SipUriEntry;
import io.scp.api.proto.SipUriPoolAudit;
import io.scp.api.proto.SipUriPoolSettings;
import io.scp.api.proto.SipUriRange;
import io.scp.api.proto.SipUriReleasePlanned;
import io.scp.api.proto.SipUriReleased;
import io.scp.api.proto.SipUriStrategy;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import io.scp.persistence.sipuri.SipUriExclusivity;
import io.scp.persistence.sipuri.SipUriJournalAudit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * SIP-URI pools: provisioning (operator), allocation and release (front end), lookups, and the
 * exclusivity audit from the journal (operator).
 */
public final class SipUriRoutes extends ApiDirectives {
  /** Largest number a range may reach: 15 digits, like the longest MSISDN. */
  static final long MAX_RANGE_NUMBER = 999_999_999_999_999L;

  static final long MAX_HOLD_SECONDS = 30L * 24 * 3600;

  /**
   * An explicit list reaches its pool in messages of this many URIs, so each stays far below the
   * remoting frame size when the pool lives on another node.
   */
  static final int LIST_CHUNK = 1000;

  private final int maxBatch;
  private final long maxBodyBytes;
  private final Duration provisioningTimeout;
  private final long defaultMaxHoldSeconds;
  private final Duration auditTimeout;
  private final SipUriJournalAudit audit;

  public SipUriRoutes(ApiContext api, SipUriJournalAudit audit) {
    super(api);
    this.audit = audit;
    Config config = api.system().settings().config().getConfig("scp.sip-uri");
    this.maxBatch = config.getInt("max-batch");
    this.maxBodyBytes = config.getBytes("max-body-bytes");
    this.provisioningTimeout = config.getDuration("provisioning-timeout");
    this.defaultMaxHoldSeconds = config.getDuration("default-max-hold").toSeconds();
    this.auditTimeout = config.getDuration("audit-timeout");
  }

  public Route route() {
    return concat(
        pathPrefix(
            segment("sip-uri-pools").slash(segment()),
            poolId ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                put(
                                    () ->
                                        command(
                                            Role.OPERATOR,
                                            SipUriPoolSettings.getDefaultInstance(),
                                            b -> configure(poolId, b))),
                                get(() -> query(Role.OPERATOR, () -> getPool(poolId))))),
                    path(
                        "uris",
                        () ->
                            post(
                                () ->
                                    withRequestTimeout(
                                        provisioningTimeout.plusSeconds(5),
                                        () ->
                                            command(
                                                Role.OPERATOR,
                                                AddSipUrisRequest.getDefaultInstance(),
                                                maxBodyBytes,
                                                provisioningTimeout,
                                                b -> addUris(poolId, b))))),
                    path(
                        "allocations",
                        () ->
                            post(
                                () ->
                                    command(
                                        Role.FRONTEND,
                                        AllocateSipUriRequest.getDefaultInstance(),
                                        b -> allocate(poolId, b)))),
                    path(
                        segment("allocations").slash(segment()).slash("release"),
                        msisdn ->
                            post(
                                () ->
                                    command(
                                        Role.FRONTEND,
                                        Empty.getDefaultInstance(),
                                        b -> release(poolId, msisdn)))),
                    path(
                        segment("allocations").slash(segment()).slash("call-ended"),
                        msisdn ->
                            post(
                                () ->
                                    command(
                                        Role.FRONTEND,
                                        Empty.getDefaultInstance(),
                                        b -> callEnded(poolId, msisdn)))))),
        path(
            segment("sip-uris").slash(segment()),
            uri -> get(() -> query(Role.OPERATOR, () -> getUri(uri)))),
        path(
            segment("ops").slash("sip-uri-pools").slash(segment()).slash("audit"),
            poolId ->
                get(
                    () ->
                        withRequestTimeout(
                            auditTimeout.plusSeconds(5),
                            () -> query(Role.OPERATOR, () -> audit(poolId))))));
  }

  private CompletionStage<Reply> configure(String poolId, SipUriPoolSettings body) {
    Validate.id("poolId", poolId);
    SipUriPool.Strategy strategy =
        body.hasStrategy() && body.getStrategy() == SipUriStrategy.IDLE_QUEUE
            ? SipUriPool.Strategy.IDLE_QUEUE
            : SipUriPool.Strategy.ROUND_ROBIN;
    long maxHold =
        body.hasMaxHoldSeconds()
            ? Validate.range("maxHoldSeconds", body.getMaxHoldSeconds(), 0, MAX_HOLD_SECONDS)
            : defaultMaxHoldSeconds;
    return this.<SipUriPool.Command, SipUriPool.Configured>ask(
            SipUriPool.KEY, poolId, r -> new SipUriPool.Configure(strategy, maxHold, r))
        .thenApply(c -> c.created() ? Reply.created(pool(c.pool())) : Reply.ok(pool(c.pool())));
  }

  private CompletionStage<Reply> getPool(String poolId) {
    Validate.id("poolId", poolId);
    return this.<SipUriPool.Command, SipUriPool.PoolView>ask(
            SipUriPool.KEY, poolId, SipUriPool.Get::new)
        .thenApply(v -> Reply.ok(pool(v)));
  }

  private CompletionStage<Reply> addUris(String poolId, AddSipUrisRequest body) {
    Validate.id("poolId", poolId);
    if (body.hasRange() == (body.getUrisCount() > 0)) {
      throw ApiError.badRequest("give either range or a non-empty uris list");
    }
    if (body.hasRange()) {
      UriSegment.Range range = range(body.getRange());
      return add(poolId, range, List.of()).thenApply(SipUriRoutes::added);
    }
    if (body.getUrisCount() > maxBatch) {
      throw ApiError.badRequest(
          "uris may hold at most " + maxBatch + " entries (scp.sip-uri.max-batch)");
    }
    List<String> uris = new ArrayList<>(body.getUrisCount());
    List<Optional<Secret>> passwords = new ArrayList<>(body.getUrisCount());
    for (int i = 0; i < body.getUrisCount(); i++) {
      SipUriEntry entry = body.getUris(i);
      String field = "uris[" + i + "]";
      uris.add(
          SipUriSpelling.canonical(
              Validate.sipUri(
                  field + ".uri",
                  Validate.required(field + ".uri", entry.hasUri(), entry::getUri))));
      passwords.add(
          entry.hasPassword()
              ? Optional.of(new Secret(Validate.password(field + ".password", entry.getPassword())))
              : Optional.empty());
    }
    return addInChunks(poolId, uris, passwords, 0, new SipUriPool.Added(0, 0, 0))
        .thenApply(SipUriRoutes::added);
  }

  /** One chunk after the other, so that positions follow the order of the list. */
  private CompletionStage<SipUriPool.Added> addInChunks(
      String poolId,
      List<String> uris,
      List<Optional<Secret>> passwords,
      int from,
      SipUriPool.Added sum) {
    if (from >= uris.size()) return CompletableFuture.completedFuture(sum);
    int to = Math.min(uris.size(), from + LIST_CHUNK);
    return add(
            poolId,
            new UriSegment.Listed(List.copyOf(uris.subList(from, to))),
            List.copyOf(passwords.subList(from, to)))
        .thenCompose(
            a ->
                addInChunks(
                    poolId,
                    uris,
                    passwords,
                    to,
                    new SipUriPool.Added(
                        sum.added() + a.added(), sum.skipped() + a.skipped(), a.total())));
  }

  private CompletionStage<SipUriPool.Added> add(
      String poolId, UriSegment uris, List<Optional<Secret>> passwords) {
    return this.<SipUriPool.Command, SipUriPool.Added>ask(
        SipUriPool.KEY,
        poolId,
        r -> new SipUriPool.AddUris(uris, passwords, r),
        provisioningTimeout);
  }

  private UriSegment.Range range(SipUriRange r) {
    long from =
        Validate.range(
            "range.from",
            Validate.required("range.from", r.hasFrom(), r::getFrom),
            0,
            MAX_RANGE_NUMBER);
    long to =
        Validate.range(
            "range.to", Validate.required("range.to", r.hasTo(), r::getTo), from, MAX_RANGE_NUMBER);
    if (to - from + 1 > maxBatch) {
      throw ApiError.badRequest(
          "a range may hold at most " + maxBatch + " URIs (scp.sip-uri.max-batch)");
    }
    int width = r.hasWidth() ? (int) Validate.range("range.width", r.getWidth(), 1, 15) : 0;
    String template = Validate.required("range.template", r.hasTemplate(), r::getTemplate);
    if (!template.contains(UriSegment.PLACEHOLDER)) {
      throw ApiError.badRequest("range.template must contain " + UriSegment.PLACEHOLDER);
    }
    // The number replaces {n} in the canonical spelling: digits need none.
    UriSegment.Range range =
        new UriSegment.Range(
            SipUriSpelling.canonical(template), from, width, (int) (to - from + 1));
    Validate.sipUri("range.template", range.uri(range.size() - 1));
    return range;
  }

  private CompletionStage<Reply> allocate(String poolId, AllocateSipUriRequest body) {
    Validate.id("poolId", poolId);
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", body.hasMsisdn(), body::getMsisdn));
    return this.<SipUriPool.Command, SipUriPool.Allocation>ask(
            SipUriPool.KEY, poolId, r -> new SipUriPool.Allocate(msisdn, r))
        .thenApply(
            a ->
                Reply.ok(
                    SipUriAllocation.newBuilder()
                        .setUri(a.uri())
                        .setPassword(a.password().value())
                        .setMsisdn(a.msisdn())
                        .setAllocatedAt(a.allocatedAt().toString())
                        .build()));
  }

  private CompletionStage<Reply> release(String poolId, String msisdn) {
    Validate.id("poolId", poolId);
    Validate.msisdn("msisdn", msisdn);
    return this.<SipUriPool.Command, SipUriPool.Released>ask(
            SipUriPool.KEY, poolId, r -> new SipUriPool.Release(msisdn, r))
        .thenApply(
            r ->
                Reply.ok(
                    SipUriReleased.newBuilder()
                        .setUri(r.uri())
                        .setState(SipUriSlot.SlotState.IDLE.name())
                        .build()));
  }

  private CompletionStage<Reply> callEnded(String poolId, String msisdn) {
    Validate.id("poolId", poolId);
    Validate.msisdn("msisdn", msisdn);
    return this.<SipUriPool.Command, SipUriPool.ReleasePlanned>ask(
            SipUriPool.KEY, poolId, r -> new SipUriPool.CallEnded(msisdn, r))
        .thenApply(
            p ->
                Reply.ok(
                    SipUriReleasePlanned.newBuilder()
                        .setUri(p.uri())
                        .setReleaseAt(p.releaseAt().toString())
                        .build()));
  }

  private CompletionStage<Reply> getUri(String given) {
    String uri = SipUriSpelling.canonical(Validate.sipUri("uri", given));
    return this.<SipUriSlot.Command, SipUriSlot.SlotView>ask(
            SipUriSlot.KEY, uri, SipUriSlot.Get::new)
        .thenApply(
            v -> {
              var out =
                  SipUri.newBuilder()
                      .setUri(v.uri())
                      .setPoolId(v.poolId())
                      .setState(v.state().name());
              v.msisdn().ifPresent(out::setMsisdn);
              v.allocatedAt().ifPresent(t -> out.setAllocatedAt(t.toString()));
              v.releaseAt().ifPresent(t -> out.setReleaseAt(t.toString()));
              v.deregisteredAt().ifPresent(t -> out.setDeregisteredAt(t.toString()));
              return Reply.ok(out.build());
            });
  }

  /** Reads the journal only: the pool and its slots are not asked (nor woken). */
  private CompletionStage<Reply> audit(String poolId) {
    Validate.id("poolId", poolId);
    return audit
        .audit(poolId)
        .handle(
            (report, failure) -> {
              if (failure != null) throw unavailableIfBusy(failure);
              return Reply.ok(
                  audited(
                      report.orElseThrow(
                          () ->
                              new ApiError(
                                  404,
                                  ErrorCode.UNKNOWN_POOL.name(),
                                  "pool " + poolId + " has no event in the journal"))));
            });
  }

  /** Too many audits at once is a 503 the caller may retry; anything else stays as it is. */
  private static RuntimeException unavailableIfBusy(Throwable failure) {
    Throwable cause = Asks.unwrap(failure);
    if (cause instanceof RejectedExecutionException) {
      return new ApiError(503, "UNAVAILABLE", cause.getMessage() + "; retry later");
    }
    return failure instanceof RuntimeException r ? r : new CompletionException(failure);
  }

  private static SipUriPoolAudit audited(SipUriExclusivity.Report r) {
    return SipUriPoolAudit.newBuilder()
        .setPoolId(r.poolId())
        .setEvents(r.events())
        .setAllocations(r.allocations())
        .setReleases(r.releases())
        .setHeld(r.held())
        .setSlotsChecked(r.slotsChecked())
        .addAllViolations(r.violations())
        .build();
  }

  private static Reply added(SipUriPool.Added a) {
    return Reply.ok(
        AddSipUrisResult.newBuilder()
            .setAdded(a.added())
            .setSkipped(a.skipped())
            .setTotal(a.total())
            .build());
  }

  static io.scp.api.proto.SipUriPool pool(SipUriPool.PoolView v) {
    return io.scp.api.proto.SipUriPool.newBuilder()
        .setPoolId(v.poolId())
        .setStrategy(SipUriStrategy.valueOf(v.strategy().name()))
        .setMaxHoldSeconds(v.maxHoldSeconds())
        .setTotal(v.total())
        .setIdle(v.idle())
        .setOccupied(v.occupied())
        .build();
  }
}
