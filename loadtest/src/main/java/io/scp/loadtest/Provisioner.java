package io.scp.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/** Creates the population through the operator API, a bounded number of requests at a time. */
public final class Provisioner {
  private final ApiTarget api;
  private final Semaphore inFlight = new Semaphore(32);

  public Provisioner(ApiTarget operatorApi) {
    this.api = operatorApi;
  }

  public void provision(Population population, String tariffJson) {
    for (String group : population.groupIds()) {
      expectOk(put("/v1/vpn-groups/" + group, tariffJson).join(), "group " + group);
    }
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (Population.Member m : population.members()) {
      pending.add(
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
    CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).join();
  }

  private CompletableFuture<ApiTarget.Answer> put(String path, String json) {
    inFlight.acquireUninterruptibly();
    return api.send("provision", "PUT", path, json.getBytes(), ApiTarget.JSON)
        .whenComplete((r, f) -> inFlight.release());
  }

  private static void expectOk(ApiTarget.Answer answer, String what) {
    if (!answer.ok() && answer.status() != 409) {
      throw new IllegalStateException(
          "provisioning " + what + " failed: " + answer.status() + " " + new String(answer.body()));
    }
  }
}
