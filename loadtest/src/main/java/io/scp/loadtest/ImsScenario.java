package io.scp.loadtest;

import io.scp.api.proto.ImsDeregisterRequest;
import io.scp.api.proto.ImsRegisterRequest;
import io.scp.api.proto.ImsRegistration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * IMS registrations as an S-CSCF sees them from a registered population: the identities are visited
 * in turn, like user agents that re-register before their registration expires. A unit is one
 * registration transaction on one IMPI:
 *
 * <ul>
 *   <li>an identity not registered (by this run) registers: {@code initial}, or {@code refresh}
 *       when the node still had it registered;
 *   <li>a registered one re-registers ({@code refresh}) or, with probability {@code
 *       deregisterShare}, de-registers ({@code deregister}, a device switched off); it then
 *       registers again at its next turn, so initial registrations and de-registrations balance.
 * </ul>
 *
 * An identity is used by one unit at a time. A de-registration retried after a lost answer that
 * finds nothing registered is counted as done, as a front end would.
 */
public final class ImsScenario implements Scenario {
  static final Labels LABELS =
      new Labels(
          "IMS registrations",
          "registrations",
          "registrations/s",
          "clients",
          "refused",
          "refusals",
          "by kind");

  /** The registration state this run knows of one identity. */
  private static final class Binding {
    final ImsPopulation.Identity identity;
    boolean registered;

    Binding(ImsPopulation.Identity identity) {
      this.identity = identity;
    }
  }

  private final Wire wire;
  private final long expiresSeconds;
  private final double deregisterShare;
  private final Leases<Binding> idle;

  public ImsScenario(
      ImsPopulation population, Wire wire, long expiresSeconds, double deregisterShare) {
    this.wire = wire;
    this.expiresSeconds = expiresSeconds;
    this.deregisterShare = deregisterShare;
    List<Binding> bindings = population.identities().stream().map(Binding::new).toList();
    this.idle = new Leases<>(bindings);
  }

  /** Identities: the most units that can be in flight at once. */
  public int identities() {
    return idle.size();
  }

  @Override
  public Labels labels() {
    return LABELS;
  }

  @Override
  public CompletableFuture<Outcome> unit(ApiTarget api, Random random) {
    Binding b = idle.take();
    if (b == null)
      return CompletableFuture.completedFuture(Outcome.skipped("every identity is in use"));
    boolean deregister = b.registered && random.nextDouble() < deregisterShare;
    CompletableFuture<Outcome> unit = deregister ? deregister(api, b) : register(api, b);
    return unit.whenComplete((o, e) -> idle.giveBack(b));
  }

  private CompletableFuture<Outcome> register(ApiTarget api, Binding b) {
    var identity = b.identity;
    var request =
        ImsRegisterRequest.newBuilder()
            .setImpi(identity.impi())
            .setContact(identity.contact())
            .setExpiresSeconds(expiresSeconds)
            .build();
    return wire.post(api, "register", "/v1/ims/register", request)
        .thenApply(
            a -> {
              if (!a.ok()) return Outcome.failed(identity.impi(), identity.imsi(), "register", a);
              ImsRegistration r = wire.decode(a.body(), ImsRegistration.newBuilder());
              if (!r.getState().equals("REGISTERED"))
                return Outcome.failed(identity.impi(), identity.imsi(), "state " + r.getState());
              b.registered = true;
              return Outcome.done(
                  identity.impi(), identity.imsi(), r.getInitial() ? "initial" : "refresh");
            });
  }

  private CompletableFuture<Outcome> deregister(ApiTarget api, Binding b) {
    var identity = b.identity;
    var request = ImsDeregisterRequest.newBuilder().setImpi(identity.impi()).build();
    return wire.post(api, "deregister", "/v1/ims/deregister", request)
        .thenApply(
            a -> {
              boolean notRegistered =
                  a.status() == 409 && new String(a.body()).contains("NOT_REGISTERED");
              if (a.ok() || notRegistered) b.registered = false;
              if (a.ok() || (notRegistered && a.attempts() > 1))
                return Outcome.done(identity.impi(), identity.imsi(), "deregister");
              if (notRegistered)
                return Outcome.refused(identity.impi(), identity.imsi(), "NOT_REGISTERED");
              return Outcome.failed(identity.impi(), identity.imsi(), "deregister", a);
            });
  }
}
