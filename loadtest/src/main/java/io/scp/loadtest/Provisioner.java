package io.scp.loadtest;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Creates what a run needs through the operator API, a bounded number of requests at a time.
 * Everything is a PUT or an idempotent POST, so provisioning the same run again is safe.
 */
public final class Provisioner {
  /** Adding a range of URIs claims every URI on its slot: allow what the node allows. */
  private static final Duration URI_RANGE_TIMEOUT = Duration.ofSeconds(310);

  private static final int IN_FLIGHT = 32;

  private final ApiTarget api;

  public Provisioner(ApiTarget operatorApi) {
    this.api = operatorApi;
  }

  /** Prepaid calls: VPN groups, and per member an account, a subscriber and its short number. */
  public void provision(Population population, String tariffJson) {
    for (String group : population.groupIds()) {
      expectOk(put("/v1/vpn-groups/" + group, tariffJson).join(), "group " + group);
    }
    forEach(
        population.members(),
        m ->
            put("/v1/accounts/" + m.accountId(), "{\"balance\":" + population.balance() + "}")
                .thenCompose(
                    a ->
                        put(
                            "/v1/subscribers/" + m.msisdn(),
                            "{\"prepaidAccountId\":\"" + m.accountId() + "\"}"))
                .thenCompose(
                    s ->
                        put(
                            "/v1/vpn-groups/" + m.groupId() + "/members/" + m.shortNumber(),
                            "{\"msisdn\":\"" + m.msisdn() + "\"}"))
                .thenAccept(r -> expectOk(r, "member " + m.msisdn())));
  }

  /** IMS: per subscriber its profile (MSISDN, MCC, MNC), then every service it signs up for. */
  public void provision(ImsPopulation population) {
    forEach(
        population.members(),
        s -> {
          String path = "/v1/ims/subscribers/" + s.imsi();
          CompletableFuture<ApiTarget.Answer> chain =
              put(
                  path,
                  "{\"msisdn\":\""
                      + s.msisdn()
                      + "\",\"mcc\":\""
                      + ImsPopulation.MCC
                      + "\",\"mnc\":\""
                      + ImsPopulation.MNC
                      + "\"}");
          for (ImsPopulation.Service service : ImsPopulation.SERVICES) {
            chain =
                chain.thenCompose(
                    a -> {
                      expectOk(a, "IMS subscriber " + s.imsi());
                      return put(
                          path + "/services/" + service.sic(),
                          "{\"name\":\"" + service.name() + "\"}");
                    });
          }
          return chain.thenAccept(a -> expectOk(a, "IMS services of " + s.imsi()));
        });
  }

  /** SIP-URI: every pool, then one range of URIs per pool (repeating it adds nothing). */
  public void provision(SipUriPopulation population, String strategy) {
    List<Integer> pools = new ArrayList<>();
    for (int p = 0; p < population.pools(); p++) pools.add(p);
    forEach(
        pools,
        p -> {
          String path = "/v1/sip-uri-pools/" + population.poolId(p);
          String range =
              "{\"range\":{\"from\":0,\"to\":"
                  + (population.urisPerPool() - 1)
                  + ",\"template\":\""
                  + population.template(p)
                  + "\"}}";
          return put(path, "{\"strategy\":\"" + strategy + "\"}")
              .thenCompose(
                  a -> {
                    expectOk(a, "pool " + path);
                    return send("POST", path + "/uris", range, URI_RANGE_TIMEOUT);
                  })
              .thenAccept(a -> expectOk(a, "URIs of " + path));
        });
  }

  /** CPM: every user. */
  public void provision(CpmPopulation population) {
    List<Integer> users = new ArrayList<>();
    for (int u = 0; u < population.users(); u++) users.add(u);
    forEach(
        users,
        u ->
            put(
                    "/v1/cpm/users/" + population.pathSegment(u),
                    "{\"displayName\":\"load test user " + u + "\"}")
                .thenAccept(a -> expectOk(a, "CPM user " + population.address(u))));
  }

  private static <T> void forEach(List<T> items, Function<T, CompletableFuture<Void>> provision) {
    Bounded.forEach(items, IN_FLIGHT, provision);
  }

  private CompletableFuture<ApiTarget.Answer> put(String path, String json) {
    return send("PUT", path, json, null);
  }

  private CompletableFuture<ApiTarget.Answer> send(
      String method, String path, String json, Duration timeout) {
    byte[] body = json.getBytes();
    return timeout == null
        ? api.send("provision", method, path, body, ApiTarget.JSON)
        : api.send("provision", method, path, body, ApiTarget.JSON, timeout);
  }

  private static void expectOk(ApiTarget.Answer answer, String what) {
    if (!answer.ok() && answer.status() != 409) {
      throw new IllegalStateException(
          "provisioning " + what + " failed: " + answer.status() + " " + new String(answer.body()));
    }
  }
}
