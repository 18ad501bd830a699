package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.typesafe.config.Config;
import io.scp.actors.common.Asks;
import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.vacp.DirectoryEntry;
import io.scp.actors.vacp.Interworking;
import io.scp.actors.vacp.PlatformGateway;
import io.scp.actors.vacp.VacpApiKey;
import io.scp.actors.vacp.VacpAuthorization;
import io.scp.actors.vacp.VacpCapability;
import io.scp.actors.vacp.VacpNode;
import io.scp.actors.vacp.VacpPlatform;
import io.scp.api.platform.ApiKeys;
import io.scp.api.proto.Empty;
import io.scp.api.proto.VacpAuthorizationTerms;
import io.scp.api.proto.VacpCapabilitySpec;
import io.scp.api.proto.VacpDirectory;
import io.scp.api.proto.VacpInterworkingRequest;
import io.scp.api.proto.VacpNodeSettings;
import io.scp.api.proto.VacpPlatformSettings;
import io.scp.api.proto.VacpQuietHours;
import io.scp.api.proto.VacpReceiveConditions;
import io.scp.api.proto.VacpSettlement;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import io.scp.api.support.WireFormat;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The VACP: nodes, platforms and authorisations (operator); capabilities and interworking settings
 * (platforms, with their own API key, each acting only as itself); the directory (anyone).
 */
public final class VacpRoutes extends ApiDirectives {
  static final Pattern HH_MM = Pattern.compile("([01][0-9]|2[0-3]):[0-5][0-9]");
  static final int DEFAULT_RATE_PER_SECOND = 10;
  static final int MAX_RATE = 1_000_000;

  /** Setting an interworking up may wait for the provider platform on top of the entity asks. */
  private final Duration interworkingTimeout;

  public VacpRoutes(ApiContext api) {
    super(api);
    Config config = api.system().settings().config();
    this.interworkingTimeout =
        api.askTimeout()
            .plus(config.getDuration("scp.vacp.platform.call-timeout"))
            .plus(config.getDuration("scp.vacp.ask-timeout"));
  }

  public Route route() {
    return pathPrefix(
        "vacp",
        () ->
            concat(
                path(
                    segment("nodes").slash(segment()),
                    id ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        VacpNodeSettings.getDefaultInstance(),
                                        b -> configureNode(id, b))),
                            get(() -> query(Role.OPERATOR, () -> getNode(id))))),
                path(
                    segment("platforms").slash(segment()),
                    id ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        VacpPlatformSettings.getDefaultInstance(),
                                        b -> registerPlatform(id, b))),
                            get(() -> query(Role.OPERATOR, () -> getPlatform(id))))),
                path(
                    segment("platforms").slash(segment()).slash("api-key"),
                    id ->
                        post(
                            () ->
                                command(
                                    Role.OPERATOR,
                                    Empty.getDefaultInstance(),
                                    b -> rotateKey(id)))),
                path(
                    "capabilities",
                    () ->
                        get(
                            () ->
                                anyCaller(
                                    () ->
                                        optionalParameter(
                                            "vacpId",
                                            vacpId -> withoutBody(() -> directory(vacpId)))))),
                path(
                    segment("capabilities").slash(segment()),
                    id ->
                        concat(
                            put(
                                () ->
                                    asPlatform(
                                        p ->
                                            withBody(
                                                VacpCapabilitySpec.getDefaultInstance(),
                                                b -> registerCapability(p, id, b)))),
                            delete(
                                () ->
                                    asPlatform(
                                        p -> withoutBody(() -> deregisterCapability(p, id)))),
                            get(() -> anyCaller(() -> withoutBody(() -> getCapability(id)))))),
                path(
                    segment("authorizations").slash(segment()).slash(segment()),
                    (consumer, capability) ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        VacpAuthorizationTerms.getDefaultInstance(),
                                        b -> grant(consumer, capability, b))),
                            get(
                                () ->
                                    query(
                                        Role.OPERATOR,
                                        () -> getAuthorization(consumer, capability))))),
                pathPrefix(
                    segment("interworkings").slash(segment()),
                    msisdn ->
                        path(
                            segment().slash(segment()),
                            (consumer, capability) ->
                                concat(
                                    put(
                                        () ->
                                            asPlatform(
                                                p ->
                                                    withBody(
                                                        VacpInterworkingRequest
                                                            .getDefaultInstance(),
                                                        b ->
                                                            setUp(
                                                                p,
                                                                msisdn,
                                                                consumer,
                                                                capability,
                                                                b)))),
                                    delete(
                                        () ->
                                            asPlatform(
                                                p ->
                                                    withoutBody(
                                                        () ->
                                                            cancel(
                                                                p, msisdn, consumer, capability)))),
                                    get(
                                        () ->
                                            asPlatform(
                                                p ->
                                                    withoutBody(
                                                        () ->
                                                            getInterworking(
                                                                p,
                                                                msisdn,
                                                                consumer,
                                                                capability)))))))));
  }

  // ---------------------------------------------------------------- platform authentication

  /**
   * Authenticates a platform by the API key in {@code Authorization: Bearer}: the key's hash finds
   * the platform through the key index, and the platform confirms the hash. No valid key: 401; a
   * suspended platform: 403.
   */
  Route asPlatform(Function<VacpPlatform.PlatformView, Route> inner) {
    return extractRequest(
        request -> {
          WireFormat out = WireFormat.forError(request);
          Optional<String> key = bearerToken(request).filter(ApiKeys::plausible);
          if (key.isEmpty()) return complete(unauthenticated(out));
          return onSuccess(
              authenticate(key.get()),
              platform -> {
                if (platform.isEmpty()) return complete(unauthenticated(out));
                if (!platform.get().active()) {
                  return complete(
                      error(
                          new ApiError(
                              403,
                              "FORBIDDEN",
                              "platform " + platform.get().platformId() + " is suspended"),
                          out,
                          List.of()));
                }
                return inner.apply(platform.get());
              });
        });
  }

  /** Endpoints open to any caller: a platform key, or the API tokens' rules. */
  Route anyCaller(Supplier<Route> inner) {
    return extractRequest(
        request -> {
          Optional<String> presented = bearerToken(request).filter(ApiKeys::plausible);
          if (presented.isEmpty() || api.tokens().roleOf(presented.get()).isPresent()) {
            return authorized(Role.ANY, inner);
          }
          return onSuccess(
              authenticate(presented.get()),
              platform -> platform.isPresent() ? inner.get() : authorized(Role.ANY, inner));
        });
  }

  /** The platform whose key this is, if it is one. */
  public CompletionStage<Optional<VacpPlatform.PlatformView>> authenticate(String key) {
    String hash = ApiKeys.hash(key);
    return this.<VacpApiKey.Command, VacpApiKey.Bound>ask(
            VacpApiKey.KEY, hash, VacpApiKey.Resolve::new)
        .thenCompose(
            bound ->
                this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
                    VacpPlatform.KEY,
                    bound.platformId(),
                    r -> new VacpPlatform.Authenticate(hash, r)))
        .thenApply(Optional::of)
        .exceptionally(
            failure -> {
              Throwable cause = Asks.unwrap(failure);
              if (cause instanceof Refusal) return Optional.empty();
              throw new CompletionException(cause);
            });
  }

  private static org.apache.pekko.http.javadsl.model.HttpResponse unauthenticated(WireFormat out) {
    return error(
        new ApiError(401, "UNAUTHENTICATED", "a valid platform API key is required"),
        out,
        List.of(RawHeader.create("WWW-Authenticate", "Bearer")));
  }

  private static void actingAs(VacpPlatform.PlatformView platform, String platformId) {
    if (!platform.platformId().equals(platformId)) {
      throw new ApiError(
          403,
          "FORBIDDEN",
          "platform " + platform.platformId() + " may not act as platform " + platformId);
    }
  }

  // ---------------------------------------------------------------- nodes

  private CompletionStage<Reply> configureNode(String vacpId, VacpNodeSettings b) {
    Validate.id("vacpId", vacpId);
    VacpNodeSettings.Level level = Validate.required("level", b.hasLevel(), b::getLevel);
    if (level != VacpNodeSettings.Level.CENTRAL && level != VacpNodeSettings.Level.REGIONAL) {
      throw ApiError.badRequest("level must be one of [CENTRAL, REGIONAL]");
    }
    Optional<String> region =
        b.hasRegion() ? Optional.of(Validate.id("region", b.getRegion())) : Optional.empty();
    if (level == VacpNodeSettings.Level.CENTRAL) {
      if (b.hasParentId()) throw ApiError.badRequest("a central VACP has no parentId");
      return configure(vacpId, VacpNode.Level.CENTRAL, region, Optional.empty());
    }
    String parentId =
        b.hasParentId() ? Validate.id("parentId", b.getParentId()) : VacpNode.CENTRAL_ID;
    Optional<String> regionOrId = region.or(() -> Optional.of(vacpId));
    // An existing node decides alone: same level and parent is a replay or a region change, any
    // other is 409 (level and parent cannot change), whatever the requested parent would be. The
    // parent is checked only for a new node; it was checked when the existing one was made.
    return this.<VacpNode.Command, VacpNode.NodeView>ask(VacpNode.KEY, vacpId, VacpNode.Get::new)
        .handle(
            (existing, failure) -> {
              if (failure == null) return true;
              if (Asks.unwrap(failure) instanceof Refusal r && r.code() == ErrorCode.NOT_FOUND) {
                return false;
              }
              throw new CompletionException(Asks.unwrap(failure));
            })
        .thenCompose(
            exists ->
                exists
                    ? configure(vacpId, VacpNode.Level.REGIONAL, regionOrId, Optional.of(parentId))
                    : configureUnder(vacpId, regionOrId, parentId));
  }

  /** A new regional VACP: its parent must be another VACP, and a central one. */
  private CompletionStage<Reply> configureUnder(
      String vacpId, Optional<String> region, String parentId) {
    if (parentId.equals(vacpId)) throw ApiError.badRequest("a VACP cannot be its own parent");
    return this.<VacpNode.Command, VacpNode.NodeView>ask(VacpNode.KEY, parentId, VacpNode.Get::new)
        .thenCompose(
            parent -> {
              if (parent.level() != VacpNode.Level.CENTRAL) {
                throw ApiError.badRequest("parentId " + parentId + " is not a central VACP");
              }
              return configure(vacpId, VacpNode.Level.REGIONAL, region, Optional.of(parentId));
            });
  }

  private CompletionStage<Reply> configure(
      String vacpId, VacpNode.Level level, Optional<String> region, Optional<String> parentId) {
    return this.<VacpNode.Command, VacpNode.Configured>ask(
            VacpNode.KEY, vacpId, r -> new VacpNode.Configure(level, region, parentId, r))
        .thenApply(c -> c.created() ? Reply.created(node(c.node())) : Reply.ok(node(c.node())));
  }

  private CompletionStage<Reply> getNode(String vacpId) {
    Validate.id("vacpId", vacpId);
    return this.<VacpNode.Command, VacpNode.NodeView>ask(VacpNode.KEY, vacpId, VacpNode.Get::new)
        .thenApply(n -> Reply.ok(node(n)));
  }

  // ---------------------------------------------------------------- platforms

  private CompletionStage<Reply> registerPlatform(String platformId, VacpPlatformSettings b) {
    Validate.id("platformId", platformId);
    String name = b.hasName() ? Validate.singleLine("name", b.getName(), 200) : platformId;
    int serviceClass =
        (int)
            Validate.range(
                "serviceClass",
                Validate.required("serviceClass", b.hasServiceClass(), b::getServiceClass),
                1,
                3);
    String callbackUrl =
        callbackUrl(Validate.required("callbackUrl", b.hasCallbackUrl(), b::getCallbackUrl));
    var protocol =
        !b.hasProtocol()
            ? PlatformGateway.Protocol.STANDARD
            : switch (b.getProtocol()) {
              case STANDARD -> PlatformGateway.Protocol.STANDARD;
              case FORM -> PlatformGateway.Protocol.FORM;
              default -> throw ApiError.badRequest("protocol must be one of [STANDARD, FORM]");
            };
    var status =
        !b.hasStatus()
            ? VacpPlatform.Status.ACTIVE
            : switch (b.getStatus()) {
              case ACTIVE -> VacpPlatform.Status.ACTIVE;
              case SUSPENDED -> VacpPlatform.Status.SUSPENDED;
              default -> throw ApiError.badRequest("status must be one of [ACTIVE, SUSPENDED]");
            };
    Optional<String> region =
        b.hasRegion() ? Optional.of(Validate.id("region", b.getRegion())) : Optional.empty();
    String vacpId;
    if (b.hasVacpId()) {
      vacpId = Validate.id("vacpId", b.getVacpId());
    } else if (serviceClass == 1) {
      vacpId = VacpNode.CENTRAL_ID;
    } else {
      throw ApiError.badRequest("vacpId is required for a class-" + serviceClass + " platform");
    }
    return this.<VacpNode.Command, VacpNode.NodeView>ask(VacpNode.KEY, vacpId, VacpNode.Get::new)
        .thenCompose(
            node -> {
              if (serviceClass > 1 && node.level() != VacpNode.Level.REGIONAL) {
                throw ApiError.badRequest(
                    "a class-"
                        + serviceClass
                        + " platform belongs to a regional VACP; "
                        + vacpId
                        + " is central");
              }
              var profile =
                  new VacpPlatform.Profile(
                      name,
                      serviceClass,
                      region.or(node::region),
                      vacpId,
                      callbackUrl,
                      protocol,
                      status);
              return register(platformId, profile);
            });
  }

  /** Updates a known platform; creates an unknown one with a new API key shown once. */
  private CompletionStage<Reply> register(String platformId, VacpPlatform.Profile profile) {
    return this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, platformId, VacpPlatform.Get::new)
        .handle((known, failure) -> failure == null)
        .thenCompose(
            exists -> {
              if (exists) {
                return this.<VacpPlatform.Command, VacpPlatform.Registered>ask(
                        VacpPlatform.KEY,
                        platformId,
                        r -> new VacpPlatform.Register(profile, Optional.empty(), r))
                    .thenApply(reg -> Reply.ok(platform(reg.platform(), Optional.empty())));
              }
              String key = ApiKeys.newKey();
              String hash = ApiKeys.hash(key);
              return this.<VacpApiKey.Command, VacpApiKey.Bound>ask(
                      VacpApiKey.KEY, hash, r -> new VacpApiKey.Bind(platformId, r))
                  .thenCompose(
                      bound ->
                          this.<VacpPlatform.Command, VacpPlatform.Registered>ask(
                              VacpPlatform.KEY,
                              platformId,
                              r -> new VacpPlatform.Register(profile, Optional.of(hash), r)))
                  .thenApply(
                      reg ->
                          reg.created()
                              ? Reply.created(platform(reg.platform(), Optional.of(key)))
                              : Reply.ok(platform(reg.platform(), Optional.empty())));
            });
  }

  private CompletionStage<Reply> getPlatform(String platformId) {
    Validate.id("platformId", platformId);
    return this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, platformId, VacpPlatform.Get::new)
        .thenApply(p -> Reply.ok(platform(p, Optional.empty())));
  }

  private CompletionStage<Reply> rotateKey(String platformId) {
    Validate.id("platformId", platformId);
    String key = ApiKeys.newKey();
    String hash = ApiKeys.hash(key);
    return this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, platformId, VacpPlatform.Get::new)
        .thenCompose(
            known ->
                this.<VacpApiKey.Command, VacpApiKey.Bound>ask(
                    VacpApiKey.KEY, hash, r -> new VacpApiKey.Bind(platformId, r)))
        .thenCompose(
            bound ->
                this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
                    VacpPlatform.KEY, platformId, r -> new VacpPlatform.RotateKey(hash, r)))
        .thenApply(
            p ->
                Reply.ok(
                    io.scp.api.proto.VacpApiKey.newBuilder()
                        .setPlatformId(platformId)
                        .setApiKey(key)
                        .build()));
  }

  private static String callbackUrl(String value) {
    try {
      URI uri = new URI(value);
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
      if (value.length() <= 2000
          && (scheme.equals("http") || scheme.equals("https"))
          && uri.getHost() != null
          && uri.getQuery() == null
          && uri.getFragment() == null) {
        return value;
      }
    } catch (java.net.URISyntaxException e) {
      // refused below
    }
    throw ApiError.badRequest(
        "callbackUrl must be an absolute http(s) URL without query, of at most 2000 characters");
  }

  // ---------------------------------------------------------------- capabilities

  private CompletionStage<Reply> registerCapability(
      VacpPlatform.PlatformView platform, String capabilityId, VacpCapabilitySpec b) {
    Validate.id("capabilityId", capabilityId);
    var spec =
        new VacpCapability.Spec(
            Validate.id("service", Validate.required("service", b.hasService(), b::getService)),
            Validate.singleLine("name", Validate.required("name", b.hasName(), b::getName), 200),
            Validate.nonBlank(
                "description",
                Validate.required("description", b.hasDescription(), b::getDescription),
                2000),
            switch (Validate.required("style", b.hasStyle(), b::getStyle)) {
              case PULL -> DirectoryEntry.Style.PULL;
              case PUSH -> DirectoryEntry.Style.PUSH;
              case BOTH -> DirectoryEntry.Style.BOTH;
              default -> throw ApiError.badRequest("style must be one of [PULL, PUSH, BOTH]");
            });
    var profile = platform.profile();
    return homeVacp(profile)
        .thenCompose(
            home ->
                this.<VacpCapability.Command, VacpCapability.Registered>ask(
                    VacpCapability.KEY,
                    capabilityId,
                    r ->
                        new VacpCapability.Register(
                            spec,
                            new VacpCapability.Provider(
                                platform.platformId(),
                                profile.serviceClass(),
                                profile.region(),
                                home),
                            r)))
        .thenCompose(
            reg ->
                currentCapability(reg.capability())
                    .thenApply(c -> reg.created() ? Reply.created(c) : Reply.ok(c)));
  }

  /**
   * Where a platform's capabilities live: class 2 and 3 at the platform's regional VACP; class 1 at
   * the central VACP (the parent, when the platform is attached to a regional one).
   */
  private CompletionStage<String> homeVacp(VacpPlatform.Profile profile) {
    if (profile.serviceClass() > 1) return CompletableFuture.completedFuture(profile.vacpId());
    return this.<VacpNode.Command, VacpNode.NodeView>ask(
            VacpNode.KEY, profile.vacpId(), VacpNode.Get::new)
        .thenApply(node -> node.parentId().orElse(node.vacpId()));
  }

  private CompletionStage<Reply> deregisterCapability(
      VacpPlatform.PlatformView platform, String capabilityId) {
    Validate.id("capabilityId", capabilityId);
    return this.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY,
            capabilityId,
            r -> new VacpCapability.Deregister(platform.platformId(), r))
        .thenCompose(this::currentCapability)
        .thenApply(Reply::ok);
  }

  private CompletionStage<Reply> getCapability(String capabilityId) {
    Validate.id("capabilityId", capabilityId);
    return this.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY, capabilityId, VacpCapability.Get::new)
        .thenCompose(this::currentCapability)
        .thenApply(Reply::ok);
  }

  /**
   * A capability's view with {@code publishedTo} as its home VACP publishes it now, as the
   * directory shows it: a regional VACP attached after the capability's last revision receives it
   * too, so the list the capability kept from that revision may be short of it.
   */
  private CompletionStage<io.scp.api.proto.VacpCapability> currentCapability(
      VacpCapability.CapabilityView c) {
    if (c.status() != VacpCapability.Status.ACTIVE) {
      return CompletableFuture.completedFuture(capability(c, c.publishedTo()));
    }
    return this.<VacpNode.Command, VacpNode.NodeView>ask(
            VacpNode.KEY, c.provider().homeVacpId(), VacpNode.Get::new)
        .thenApply(home -> capability(c, publishedFrom(home.level(), home.children())));
  }

  /** Where a VACP publishes the capabilities it is home to: a central one to its children. */
  private static List<String> publishedFrom(VacpNode.Level level, List<String> children) {
    return level == VacpNode.Level.CENTRAL ? children : List.of();
  }

  private CompletionStage<Reply> directory(Optional<String> vacpIdParameter) {
    String vacpId = Validate.id("vacpId", vacpIdParameter.orElse(VacpNode.CENTRAL_ID));
    return wholeDirectory(vacpId, Optional.empty(), new ArrayList<>())
        .thenCompose(
            d ->
                publishedToByHome(d)
                    .thenApply(
                        publishedTo -> {
                          var out =
                              VacpDirectory.newBuilder()
                                  .setVacpId(d.vacpId())
                                  .setLevel(d.level().name());
                          for (DirectoryEntry e : d.entries()) {
                            out.addCapabilities(
                                entry(e, publishedTo.getOrDefault(e.homeVacpId(), List.of())));
                          }
                          return Reply.ok(out.build());
                        }));
  }

  /**
   * The whole directory, asked for a page at a time: a page is one message between nodes and fits
   * it, a directory of long descriptions would not. Entries published or withdrawn while the pages
   * are read show in the pages read after the change.
   */
  private CompletionStage<VacpNode.DirectoryView> wholeDirectory(
      String vacpId, Optional<String> after, List<DirectoryEntry> read) {
    return this.<VacpNode.Command, VacpNode.DirectoryView>ask(
            VacpNode.KEY, vacpId, replyTo -> new VacpNode.ListDirectory(after, replyTo))
        .thenCompose(
            page -> {
              read.addAll(page.entries());
              if (page.next().isPresent()) return wholeDirectory(vacpId, page.next(), read);
              return CompletableFuture.completedFuture(
                  new VacpNode.DirectoryView(
                      page.vacpId(), page.level(), read, page.children(), Optional.empty()));
            });
  }

  /**
   * Where the home VACP of each listed entry publishes it: a central VACP to its regional children,
   * a regional one nowhere. A regional directory also lists the class-1 entries published to it
   * from the central VACP; their {@code publishedTo} is the central VACP's, so that every view of a
   * capability (this one, the central directory, {@code GET /capabilities/{id}}) names the same
   * VACPs. That costs one more ask, only when such entries are listed.
   */
  private CompletionStage<Map<String, List<String>>> publishedToByHome(VacpNode.DirectoryView d) {
    Map<String, List<String>> byHome = new HashMap<>();
    byHome.put(d.vacpId(), publishedFrom(d.level(), d.children()));
    List<CompletableFuture<VacpNode.NodeView>> homes =
        d.entries().stream()
            .map(DirectoryEntry::homeVacpId)
            .filter(home -> !byHome.containsKey(home))
            .distinct()
            .map(
                home ->
                    this.<VacpNode.Command, VacpNode.NodeView>ask(
                            VacpNode.KEY, home, VacpNode.Get::new)
                        .toCompletableFuture())
            .toList();
    return CompletableFuture.allOf(homes.toArray(CompletableFuture[]::new))
        .thenApply(
            done -> {
              for (var home : homes) {
                VacpNode.NodeView node = home.join();
                byHome.put(node.vacpId(), publishedFrom(node.level(), node.children()));
              }
              return byHome;
            });
  }

  /** A live capability, or UNKNOWN_CAPABILITY. */
  private CompletionStage<VacpCapability.CapabilityView> liveCapability(String capabilityId) {
    return this.<VacpCapability.Command, VacpCapability.CapabilityView>ask(
            VacpCapability.KEY, capabilityId, VacpCapability.Get::new)
        .thenApply(
            c -> {
              if (!c.active()) {
                throw new Refusal(
                    ErrorCode.UNKNOWN_CAPABILITY,
                    "capability " + capabilityId + " is deregistered");
              }
              return c;
            });
  }

  // ---------------------------------------------------------------- authorisations

  private CompletionStage<Reply> grant(
      String consumerPlatformId, String capabilityId, VacpAuthorizationTerms b) {
    Validate.id("consumerPlatformId", consumerPlatformId);
    Validate.id("capabilityId", capabilityId);
    Optional<String> validFrom =
        b.hasValidFrom() ? Optional.of(bound("validFrom", b.getValidFrom())) : Optional.empty();
    Optional<String> validUntil =
        b.hasValidUntil() ? Optional.of(bound("validUntil", b.getValidUntil())) : Optional.empty();
    if (validFrom.isPresent()
        && validUntil.isPresent()
        && !VacpAuthorization.Terms.start(validFrom.get())
            .isBefore(VacpAuthorization.Terms.end(validUntil.get()))) {
      throw ApiError.badRequest("validFrom must be before validUntil");
    }
    int rate =
        b.hasRatePerSecond()
            ? (int) Validate.range("ratePerSecond", b.getRatePerSecond(), 1, MAX_RATE)
            : DEFAULT_RATE_PER_SECOND;
    var terms =
        new VacpAuthorization.Terms(
            validFrom,
            validUntil,
            b.hasPriority() ? (int) Validate.range("priority", b.getPriority(), 0, 9) : 0,
            rate,
            b.hasBurst() ? (int) Validate.range("burst", b.getBurst(), 1, MAX_RATE) : rate,
            b.hasFeePerUse() ? Validate.money("feePerUse", b.getFeePerUse(), 0) : 0);
    return this.<VacpPlatform.Command, VacpPlatform.PlatformView>ask(
            VacpPlatform.KEY, consumerPlatformId, VacpPlatform.Get::new)
        .thenCompose(consumer -> liveCapability(capabilityId))
        .thenCompose(
            capability ->
                this.<VacpAuthorization.Command, VacpAuthorization.Granted>ask(
                    VacpAuthorization.KEY,
                    VacpAuthorization.entityId(consumerPlatformId, capabilityId),
                    r ->
                        new VacpAuthorization.Grant(
                            consumerPlatformId,
                            capabilityId,
                            capability.provider().platformId(),
                            terms,
                            r)))
        .thenApply(
            g ->
                g.created()
                    ? Reply.created(authorization(g.authorization()))
                    : Reply.ok(authorization(g.authorization())));
  }

  /** A date as given; a time as its UTC instant, as every time of the API is written. */
  private static String bound(String field, String value) {
    try {
      Instant start = VacpAuthorization.Terms.start(value);
      return VacpAuthorization.Terms.isDate(value) ? value : start.toString();
    } catch (DateTimeException e) {
      throw ApiError.badRequest(
          field + " must be a date YYYY-MM-DD or an ISO-8601 time such as 2030-01-01T00:00:00Z");
    }
  }

  private CompletionStage<Reply> getAuthorization(String consumerPlatformId, String capabilityId) {
    Validate.id("consumerPlatformId", consumerPlatformId);
    Validate.id("capabilityId", capabilityId);
    return this.<VacpAuthorization.Command, VacpAuthorization.AuthorizationView>ask(
            VacpAuthorization.KEY,
            VacpAuthorization.entityId(consumerPlatformId, capabilityId),
            VacpAuthorization.Get::new)
        .thenApply(a -> Reply.ok(authorization(a)));
  }

  // ---------------------------------------------------------------- interworkings

  private CompletionStage<Reply> setUp(
      VacpPlatform.PlatformView platform,
      String msisdn,
      String consumerPlatformId,
      String capabilityId,
      VacpInterworkingRequest b) {
    validateKey(msisdn, consumerPlatformId, capabilityId);
    actingAs(platform, consumerPlatformId);
    var mode =
        switch (Validate.required("mode", b.hasMode(), b::getMode)) {
          case PULL -> Interworking.Mode.PULL;
          case PUSH -> Interworking.Mode.PUSH;
          default -> throw ApiError.badRequest("mode must be one of [PULL, PUSH]");
        };
    var conditions = conditions(b);
    return liveCapability(capabilityId)
        .thenCompose(
            capability -> {
              if (!capability.spec().style().offers(mode)) {
                throw ApiError.badRequest(
                    "capability "
                        + capabilityId
                        + " is "
                        + capability.spec().style()
                        + " only; mode "
                        + mode
                        + " is not offered");
              }
              var setting =
                  new Interworking.Setting(
                      msisdn,
                      consumerPlatformId,
                      capabilityId,
                      capability.provider().platformId(),
                      capability.spec().service(),
                      mode,
                      conditions);
              return this.<Interworking.Command, Interworking.SetupResult>ask(
                  Interworking.KEY,
                  Interworking.entityId(msisdn, consumerPlatformId, capabilityId),
                  r -> new Interworking.Setup(setting, r),
                  interworkingTimeout);
            })
        .thenApply(
            result ->
                result.created()
                    ? Reply.created(interworking(result.interworking()))
                    : Reply.ok(interworking(result.interworking())));
  }

  private static Interworking.ReceiveConditions conditions(VacpInterworkingRequest b) {
    if (!b.hasReceiveConditions()) {
      return new Interworking.ReceiveConditions(Optional.empty(), false, Optional.empty());
    }
    VacpReceiveConditions c = b.getReceiveConditions();
    Optional<Interworking.QuietHours> quiet = Optional.empty();
    if (c.hasQuietHours()) {
      VacpQuietHours q = c.getQuietHours();
      quiet =
          Optional.of(
              new Interworking.QuietHours(
                  hhmm(
                      "quietHours.from",
                      Validate.required("quietHours.from", q.hasFrom(), q::getFrom)),
                  hhmm("quietHours.to", Validate.required("quietHours.to", q.hasTo(), q::getTo))));
    }
    Optional<Integer> maxPerHour =
        c.hasMaxPerHour()
            ? Optional.of((int) Validate.range("maxPerHour", c.getMaxPerHour(), 1, 1_000_000))
            : Optional.empty();
    return new Interworking.ReceiveConditions(
        quiet, c.hasOnlyWhenImsRegistered() && c.getOnlyWhenImsRegistered(), maxPerHour);
  }

  private static String hhmm(String field, String value) {
    if (!HH_MM.matcher(value).matches()) throw ApiError.badRequest(field + " must be HH:MM");
    return value;
  }

  private CompletionStage<Reply> cancel(
      VacpPlatform.PlatformView platform,
      String msisdn,
      String consumerPlatformId,
      String capabilityId) {
    validateKey(msisdn, consumerPlatformId, capabilityId);
    actingAs(platform, consumerPlatformId);
    return this.<Interworking.Command, Interworking.Settled>ask(
            Interworking.KEY,
            Interworking.entityId(msisdn, consumerPlatformId, capabilityId),
            r -> new Interworking.Cancel(Interworking.CancelReason.CANCELLED, r),
            interworkingTimeout)
        .thenApply(s -> Reply.ok(VacpSettlement.newBuilder().setSettled(s.settled()).build()));
  }

  private CompletionStage<Reply> getInterworking(
      VacpPlatform.PlatformView platform,
      String msisdn,
      String consumerPlatformId,
      String capabilityId) {
    validateKey(msisdn, consumerPlatformId, capabilityId);
    actingAs(platform, consumerPlatformId);
    return this.<Interworking.Command, Interworking.InterworkingView>ask(
            Interworking.KEY,
            Interworking.entityId(msisdn, consumerPlatformId, capabilityId),
            Interworking.Get::new)
        .thenApply(v -> Reply.ok(interworking(v)));
  }

  private static void validateKey(String msisdn, String consumerPlatformId, String capabilityId) {
    Validate.msisdn("msisdn", msisdn);
    Validate.id("consumerPlatformId", consumerPlatformId);
    Validate.id("capabilityId", capabilityId);
  }

  // ---------------------------------------------------------------- views

  static io.scp.api.proto.VacpNode node(VacpNode.NodeView n) {
    var out =
        io.scp.api.proto.VacpNode.newBuilder()
            .setVacpId(n.vacpId())
            .setLevel(n.level().name())
            .setAttached(n.attached())
            .addAllChildren(n.children());
    n.region().ifPresent(out::setRegion);
    n.parentId().ifPresent(out::setParentId);
    return out.build();
  }

  static io.scp.api.proto.VacpPlatform platform(
      VacpPlatform.PlatformView p, Optional<String> apiKey) {
    var profile = p.profile();
    var out =
        io.scp.api.proto.VacpPlatform.newBuilder()
            .setPlatformId(p.platformId())
            .setName(profile.name())
            .setServiceClass(profile.serviceClass())
            .setVacpId(profile.vacpId())
            .setCallbackUrl(profile.callbackUrl())
            .setProtocol(profile.protocol().name())
            .setStatus(profile.status().name());
    profile.region().ifPresent(out::setRegion);
    apiKey.ifPresent(out::setApiKey);
    return out.build();
  }

  static io.scp.api.proto.VacpCapability capability(
      VacpCapability.CapabilityView c, List<String> publishedTo) {
    var out =
        io.scp.api.proto.VacpCapability.newBuilder()
            .setCapabilityId(c.capabilityId())
            .setService(c.spec().service())
            .setName(c.spec().name())
            .setDescription(c.spec().description())
            .setStyle(c.spec().style().name())
            .setPlatformId(c.provider().platformId())
            .setStatus(c.status().name())
            .setVacpId(c.provider().homeVacpId())
            .addAllPublishedTo(publishedTo)
            .setServiceClass(c.provider().serviceClass())
            .setRevision(c.revision());
    c.provider().region().ifPresent(out::setRegion);
    return out.build();
  }

  static io.scp.api.proto.VacpCapability entry(DirectoryEntry e, List<String> publishedTo) {
    var out =
        io.scp.api.proto.VacpCapability.newBuilder()
            .setCapabilityId(e.capabilityId())
            .setService(e.service())
            .setName(e.name())
            .setDescription(e.description())
            .setStyle(e.style().name())
            .setPlatformId(e.platformId())
            .setStatus(VacpCapability.Status.ACTIVE.name())
            .setVacpId(e.homeVacpId())
            .addAllPublishedTo(publishedTo)
            .setServiceClass(e.serviceClass())
            .setRevision(e.revision());
    e.region().ifPresent(out::setRegion);
    return out.build();
  }

  static io.scp.api.proto.VacpAuthorization authorization(VacpAuthorization.AuthorizationView a) {
    var t = a.terms();
    var out =
        io.scp.api.proto.VacpAuthorization.newBuilder()
            .setConsumerPlatformId(a.consumerPlatformId())
            .setCapabilityId(a.capabilityId())
            .setProviderPlatformId(a.providerPlatformId())
            .setPriority(t.priority())
            .setRatePerSecond(t.ratePerSecond())
            .setBurst(t.burst())
            .setFeePerUse(t.feePerUse());
    t.validFrom().ifPresent(out::setValidFrom);
    t.validUntil().ifPresent(out::setValidUntil);
    return out.build();
  }

  static io.scp.api.proto.VacpInterworking interworking(Interworking.InterworkingView v) {
    var s = v.setting();
    var c = s.conditions();
    var conditions =
        VacpReceiveConditions.newBuilder().setOnlyWhenImsRegistered(c.onlyWhenImsRegistered());
    c.quietHours()
        .ifPresent(
            q ->
                conditions.setQuietHours(
                    VacpQuietHours.newBuilder().setFrom(q.from()).setTo(q.to())));
    c.maxPerHour().ifPresent(conditions::setMaxPerHour);
    var out =
        io.scp.api.proto.VacpInterworking.newBuilder()
            .setInterworkingId(v.interworkingId())
            .setMsisdn(s.msisdn())
            .setConsumerPlatformId(s.consumerPlatformId())
            .setCapabilityId(s.capabilityId())
            .setProviderPlatformId(s.providerPlatformId())
            .setService(s.service())
            .setMode(s.mode().name())
            .setReceiveConditions(conditions)
            .setStatus(v.status().name())
            .setAccrued(v.accrued())
            .setUses(v.uses());
    v.activatedAt().ifPresent(at -> out.setActivatedAt(at.toString()));
    return out.build();
  }
}
