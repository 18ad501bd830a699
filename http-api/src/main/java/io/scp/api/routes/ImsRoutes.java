package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.ims.Impi;
import io.scp.actors.ims.ImsSubscriber;
import io.scp.api.proto.ImsDeregisterRequest;
import io.scp.api.proto.ImsDeregistration;
import io.scp.api.proto.ImsImpi;
import io.scp.api.proto.ImsProfile;
import io.scp.api.proto.ImsRegisterRequest;
import io.scp.api.proto.ImsRegistration;
import io.scp.api.proto.ImsService;
import io.scp.api.proto.ImsServiceSignup;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * IMS identities: provisioning of subscribers and their services (operator), IMPI derivation,
 * registration and deregistration by IMPI (front end). The entity of a registration is found by the
 * IMSI read from the IMPI; the entity checks the rest.
 */
public final class ImsRoutes extends ApiDirectives {
  /** Longest contact (SIP URI with parameters) accepted in a registration. */
  static final int MAX_CONTACT_LENGTH = 512;

  static final int MAX_NAME_LENGTH = 128;

  public ImsRoutes(ApiContext api) {
    super(api);
  }

  public Route route() {
    return pathPrefix(
        "ims",
        () ->
            concat(
                pathPrefix(
                    segment("subscribers").slash(segment()),
                    imsi ->
                        concat(
                            pathEnd(
                                () ->
                                    concat(
                                        put(
                                            () ->
                                                command(
                                                    Role.OPERATOR,
                                                    ImsProfile.getDefaultInstance(),
                                                    b -> provision(imsi, b))),
                                        get(() -> query(Role.ANY, () -> get(imsi))))),
                            path(
                                segment("services").slash(segment()),
                                sic ->
                                    concat(
                                        put(
                                            () ->
                                                command(
                                                    Role.OPERATOR,
                                                    ImsServiceSignup.getDefaultInstance(),
                                                    b -> addService(imsi, sic, b))),
                                        delete(
                                            () ->
                                                query(
                                                    Role.OPERATOR,
                                                    () -> removeService(imsi, sic))))))),
                path(
                    "impi",
                    () ->
                        get(
                            () ->
                                parameterMap(params -> query(Role.ANY, () -> deriveImpi(params))))),
                path(
                    "register",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    ImsRegisterRequest.getDefaultInstance(),
                                    this::register))),
                path(
                    "deregister",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    ImsDeregisterRequest.getDefaultInstance(),
                                    this::deregister)))));
  }

  private CompletionStage<Reply> provision(String imsi, ImsProfile body) {
    Validate.imsi("imsi", imsi);
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", body.hasMsisdn(), body::getMsisdn));
    String mcc = Validate.required("mcc", body.hasMcc(), body::getMcc);
    String mnc = Validate.required("mnc", body.hasMnc(), body::getMnc);
    fieldsOf(() -> Impi.derive(imsi, mcc, mnc, Optional.empty()));
    return this.<ImsSubscriber.Command, ImsSubscriber.Provisioned>ask(
            ImsSubscriber.KEY, imsi, r -> new ImsSubscriber.Provision(msisdn, mcc, mnc, r))
        .thenApply(
            p ->
                p.created()
                    ? Reply.created(subscriber(p.subscriber()))
                    : Reply.ok(subscriber(p.subscriber())));
  }

  private CompletionStage<Reply> get(String imsi) {
    Validate.imsi("imsi", imsi);
    return this.<ImsSubscriber.Command, ImsSubscriber.SubscriberView>ask(
            ImsSubscriber.KEY, imsi, ImsSubscriber.Get::new)
        .thenApply(v -> Reply.ok(subscriber(v)));
  }

  private CompletionStage<Reply> addService(String imsi, String sic, ImsServiceSignup body) {
    Validate.imsi("imsi", imsi);
    sic(sic);
    String name =
        Validate.singleLine(
            "name", Validate.required("name", body.hasName(), body::getName), MAX_NAME_LENGTH);
    return this.<ImsSubscriber.Command, ImsSubscriber.ServiceAdded>ask(
            ImsSubscriber.KEY, imsi, r -> new ImsSubscriber.AddService(sic, name, r))
        .thenApply(
            a ->
                a.created() ? Reply.created(service(a.service())) : Reply.ok(service(a.service())));
  }

  private CompletionStage<Reply> removeService(String imsi, String sic) {
    Validate.imsi("imsi", imsi);
    sic(sic);
    return this.<ImsSubscriber.Command, ImsSubscriber.SubscriberView>ask(
            ImsSubscriber.KEY, imsi, r -> new ImsSubscriber.RemoveService(sic, r))
        .thenApply(v -> Reply.ok(subscriber(v)));
  }

  /** Pure derivation: the subscriber need not be provisioned. An empty {@code sic} is absent. */
  private CompletionStage<Reply> deriveImpi(Map<String, String> params) {
    String imsi = Validate.imsi("imsi", params.get("imsi"));
    String mcc = Validate.required("mcc", params.containsKey("mcc"), () -> params.get("mcc"));
    String mnc = Validate.required("mnc", params.containsKey("mnc"), () -> params.get("mnc"));
    Optional<String> sic = Optional.ofNullable(params.get("sic")).filter(s -> !s.isEmpty());
    Impi impi = fieldsOf(() -> Impi.derive(imsi, mcc, mnc, sic));
    return CompletableFuture.completedFuture(
        Reply.ok(ImsImpi.newBuilder().setImpi(impi.value()).build()));
  }

  private CompletionStage<Reply> register(ImsRegisterRequest body) {
    Impi impi = Impi.parse(body.hasImpi() ? body.getImpi() : null);
    Optional<Duration> expires =
        body.hasExpiresSeconds()
            ? Optional.of(
                Duration.ofSeconds(
                    Validate.range("expiresSeconds", body.getExpiresSeconds(), 0, Long.MAX_VALUE)))
            : Optional.empty();
    boolean deregisters = expires.filter(Duration::isZero).isPresent();
    String contact =
        deregisters && !body.hasContact()
            ? ""
            : Validate.singleLine(
                "contact",
                Validate.required("contact", body.hasContact(), body::getContact),
                MAX_CONTACT_LENGTH);
    return this.<ImsSubscriber.Command, ImsSubscriber.RegistrationResult>ask(
            ImsSubscriber.KEY,
            impi.imsi(),
            r -> new ImsSubscriber.Register(impi, contact, expires, r))
        .thenApply(
            result -> {
              var out =
                  ImsRegistration.newBuilder()
                      .setImpi(result.impi())
                      .setState(result.state().name())
                      .setInitial(result.initial());
              result.sic().ifPresent(out::setSic);
              result.expiresAt().map(Instant::toString).ifPresent(out::setExpiresAt);
              return Reply.ok(out.build());
            });
  }

  private CompletionStage<Reply> deregister(ImsDeregisterRequest body) {
    Impi impi = Impi.parse(body.hasImpi() ? body.getImpi() : null);
    return this.<ImsSubscriber.Command, ImsSubscriber.RegistrationResult>ask(
            ImsSubscriber.KEY, impi.imsi(), r -> new ImsSubscriber.Deregister(impi, r))
        .thenApply(
            result -> {
              var out =
                  ImsDeregistration.newBuilder()
                      .setImpi(result.impi())
                      .setState(result.state().name());
              result.sic().ifPresent(out::setSic);
              return Reply.ok(out.build());
            });
  }

  private static void sic(String sic) {
    if (!Impi.validSic(sic)) throw ApiError.badRequest("sic must be 1-8 digits");
  }

  /** Runs an IMPI derivation, turning a badly formed field into 400 INVALID_ARGUMENT. */
  private static Impi fieldsOf(Supplier<Impi> derivation) {
    try {
      return derivation.get();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  static io.scp.api.proto.ImsSubscriber subscriber(ImsSubscriber.SubscriberView v) {
    var out =
        io.scp.api.proto.ImsSubscriber.newBuilder()
            .setImsi(v.imsi())
            .setMsisdn(v.msisdn())
            .setMcc(v.mcc())
            .setMnc(v.mnc())
            .setDefaultService(service(v.defaultService()));
    v.services().forEach(s -> out.addServices(service(s)));
    return out.build();
  }

  static ImsService service(ImsSubscriber.ServiceView v) {
    var out =
        ImsService.newBuilder().setName(v.name()).setImpi(v.impi()).setState(v.state().name());
    v.sic().ifPresent(out::setSic);
    v.contact().ifPresent(out::setContact);
    v.expiresAt().map(Instant::toString).ifPresent(out::setExpiresAt);
    return out.build();
  }
}
