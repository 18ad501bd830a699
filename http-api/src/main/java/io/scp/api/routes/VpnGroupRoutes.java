package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.vpn.Tariff;
import io.scp.actors.vpn.VpnGroup;
import io.scp.api.proto.VpnGroupSettings;
import io.scp.api.proto.VpnMember;
import io.scp.api.proto.VpnMemberRequest;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.server.Route;

/** VPN groups: tariff and members by short number (operator). */
public final class VpnGroupRoutes extends ApiDirectives {
  static final Pattern SHORT_NUMBER = Pattern.compile("[0-9]{1,8}");
  static final int DEFAULT_INCREMENT = 60;
  static final int DEFAULT_MAX_CALL_SECONDS = 7200;

  public VpnGroupRoutes(ApiContext api) {
    super(api);
  }

  public Route route() {
    return pathPrefix(
        segment("vpn-groups").slash(segment()),
        groupId ->
            concat(
                pathEnd(
                    () ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        VpnGroupSettings.getDefaultInstance(),
                                        b -> configure(groupId, b))),
                            get(() -> query(Role.OPERATOR, () -> get(groupId))))),
                path(
                    segment("members").slash(segment()),
                    shortNumber ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        VpnMemberRequest.getDefaultInstance(),
                                        b -> addMember(groupId, shortNumber, b))),
                            delete(
                                () ->
                                    query(
                                        Role.OPERATOR,
                                        () -> removeMember(groupId, shortNumber)))))));
  }

  private CompletionStage<Reply> configure(String groupId, VpnGroupSettings b) {
    Validate.id("groupId", groupId);
    var tariff =
        new Tariff(
            b.hasName() ? Validate.singleLine("name", b.getName(), 200) : groupId,
            Validate.money(
                "onNetRatePerMinute",
                Validate.required(
                    "onNetRatePerMinute", b.hasOnNetRatePerMinute(), b::getOnNetRatePerMinute),
                0),
            Validate.money(
                "offNetRatePerMinute",
                Validate.required(
                    "offNetRatePerMinute", b.hasOffNetRatePerMinute(), b::getOffNetRatePerMinute),
                0),
            b.hasConnectFee() ? Validate.money("connectFee", b.getConnectFee(), 0) : 0,
            b.hasBillingIncrementSeconds()
                ? (int)
                    Validate.range(
                        "billingIncrementSeconds", b.getBillingIncrementSeconds(), 1, 3600)
                : DEFAULT_INCREMENT,
            b.hasAllowOffNet() && b.getAllowOffNet(),
            b.hasMaxCallSeconds()
                ? (int) Validate.range("maxCallSeconds", b.getMaxCallSeconds(), 1, 86_400)
                : DEFAULT_MAX_CALL_SECONDS);
    return this.<VpnGroup.Command, VpnGroup.Configured>ask(
            VpnGroup.KEY, groupId, r -> new VpnGroup.Configure(tariff, r))
        .thenApply(c -> c.created() ? Reply.created(group(c.group())) : Reply.ok(group(c.group())));
  }

  private CompletionStage<Reply> get(String groupId) {
    Validate.id("groupId", groupId);
    return this.<VpnGroup.Command, VpnGroup.GroupView>ask(VpnGroup.KEY, groupId, VpnGroup.Get::new)
        .thenApply(g -> Reply.ok(group(g)));
  }

  private CompletionStage<Reply> addMember(String groupId, String shortNumber, VpnMemberRequest b) {
    Validate.id("groupId", groupId);
    shortNumber(shortNumber);
    String msisdn =
        Validate.msisdn("msisdn", Validate.required("msisdn", b.hasMsisdn(), b::getMsisdn));
    return this.<VpnGroup.Command, VpnGroup.GroupView>ask(
            VpnGroup.KEY, groupId, r -> new VpnGroup.AddMember(shortNumber, msisdn, r))
        .thenApply(g -> Reply.ok(group(g)));
  }

  private CompletionStage<Reply> removeMember(String groupId, String shortNumber) {
    Validate.id("groupId", groupId);
    shortNumber(shortNumber);
    return this.<VpnGroup.Command, VpnGroup.GroupView>ask(
            VpnGroup.KEY, groupId, r -> new VpnGroup.RemoveMember(shortNumber, r))
        .thenApply(g -> Reply.ok(group(g)));
  }

  private static void shortNumber(String value) {
    if (!SHORT_NUMBER.matcher(value).matches()) {
      throw io.scp.api.support.ApiError.badRequest("shortNumber must be 1-8 digits");
    }
  }

  static io.scp.api.proto.VpnGroup group(VpnGroup.GroupView g) {
    Tariff t = g.tariff();
    var out =
        io.scp.api.proto.VpnGroup.newBuilder()
            .setGroupId(g.groupId())
            .setName(t.name())
            .setOnNetRatePerMinute(t.onNetRatePerMinute())
            .setOffNetRatePerMinute(t.offNetRatePerMinute())
            .setConnectFee(t.connectFee())
            .setBillingIncrementSeconds(t.billingIncrementSeconds())
            .setAllowOffNet(t.allowOffNet())
            .setMaxCallSeconds(t.maxCallSeconds());
    g.members()
        .forEach(
            m ->
                out.addMembers(
                    VpnMember.newBuilder().setShortNumber(m.shortNumber()).setMsisdn(m.msisdn())));
    return out.build();
  }
}
