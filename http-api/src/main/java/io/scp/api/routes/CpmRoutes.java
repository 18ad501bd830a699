package io.scp.api.routes;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.scp.actors.common.ErrorCode;
import io.scp.actors.common.Refusal;
import io.scp.actors.cpm.BilledNumber;
import io.scp.actors.cpm.CpmAddress;
import io.scp.actors.cpm.CpmGroup;
import io.scp.actors.cpm.CpmMessage;
import io.scp.actors.cpm.CpmSession;
import io.scp.actors.cpm.CpmSettings;
import io.scp.actors.cpm.CpmUser;
import io.scp.actors.cpm.MessageMode;
import io.scp.actors.cpm.SmsOutbox;
import io.scp.api.proto.CpmDeleted;
import io.scp.api.proto.CpmGroupDefinition;
import io.scp.api.proto.CpmHistoryPage;
import io.scp.api.proto.CpmParticipantRequest;
import io.scp.api.proto.CpmSendRequest;
import io.scp.api.proto.CpmSessionMessageRequest;
import io.scp.api.proto.CpmSessionRequest;
import io.scp.api.proto.CpmSessionStarted;
import io.scp.api.proto.CpmUserProfile;
import io.scp.api.support.ApiContext;
import io.scp.api.support.ApiDirectives;
import io.scp.api.support.ApiError;
import io.scp.api.support.Reply;
import io.scp.api.support.Role;
import io.scp.api.support.Validate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * CPM: users, groups and the SMS outbox (operator); messages, the WebSocket stream, history and
 * sessions (front end).
 */
public final class CpmRoutes extends ApiDirectives {
  static final String DEFAULT_CONTENT_TYPE = "text/plain";
  static final int DEFAULT_HISTORY_LIMIT = 50;
  static final int MAX_HISTORY_LIMIT = 200;

  /**
   * Submissions (messages, with all their parts) in one page of an SMS outbox. The entity's page
   * budget bounds what a page weighs whatever the limit; the maximum is the outbox's default size.
   */
  static final int DEFAULT_OUTBOX_LIMIT = 100;

  static final int MAX_OUTBOX_LIMIT = 1000;

  private static final Pattern OUTBOX_CURSOR = Pattern.compile("[0-9]{1,18}");
  private static final Pattern CONTENT_TYPE =
      Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+( *;.*)?");
  private static final Pattern MEDIUM = Pattern.compile("[A-Za-z0-9!#$&^_.+/-]{1,64}");

  private final CpmSettings settings;

  public CpmRoutes(ApiContext api) {
    super(api);
    this.settings = CpmSettings.fromConfig(api.system().settings().config());
  }

  public Route route() {
    return pathPrefix(
        "cpm",
        () ->
            concat(
                pathPrefix(segment("users").slash(segment()), this::userRoutes),
                path(
                    "messages",
                    () ->
                        post(
                            () ->
                                command(
                                    Role.FRONTEND,
                                    CpmSendRequest.getDefaultInstance(),
                                    this::send))),
                path(
                    segment("groups").slash(segment()),
                    groupId ->
                        concat(
                            put(
                                () ->
                                    command(
                                        Role.OPERATOR,
                                        CpmGroupDefinition.getDefaultInstance(),
                                        b -> defineGroup(groupId, b))),
                            get(() -> query(Role.OPERATOR, () -> getGroup(groupId))))),
                pathPrefix("sessions", this::sessionRoutes),
                path("sms-outbox", () -> get(this::outboxQuery))));
  }

  private Route outboxQuery() {
    return optionalParameter(
        "to",
        to ->
            optionalParameter(
                "after",
                after ->
                    optionalParameter(
                        "limit", limit -> query(Role.OPERATOR, () -> outbox(to, after, limit)))));
  }

  private Route userRoutes(String rawAddress) {
    return concat(
        pathEnd(
            () ->
                concat(
                    put(
                        () ->
                            command(
                                Role.OPERATOR,
                                CpmUserProfile.getDefaultInstance(),
                                b -> provision(rawAddress, b))),
                    get(() -> query(Role.ANY, () -> getUser(rawAddress))))),
        path("stream", () -> get(() -> authorized(Role.FRONTEND, () -> stream(rawAddress)))),
        pathPrefix(
            "history",
            () ->
                concat(
                    pathEnd(() -> get(() -> historyQuery(rawAddress))),
                    path(
                        segment(),
                        messageId ->
                            delete(
                                () ->
                                    query(
                                        Role.FRONTEND,
                                        () -> deleteMessage(rawAddress, messageId)))))));
  }

  private Route historyQuery(String rawAddress) {
    return optionalParameter(
        "peer",
        peer ->
            optionalParameter(
                "before",
                before ->
                    optionalParameter(
                        "limit",
                        limit ->
                            query(Role.FRONTEND, () -> history(rawAddress, peer, before, limit)))));
  }

  private Route sessionRoutes() {
    return concat(
        pathEnd(
            () ->
                post(
                    () ->
                        command(
                            Role.FRONTEND,
                            CpmSessionRequest.getDefaultInstance(),
                            this::startSession))),
        pathPrefix(
            segment(),
            sessionId ->
                concat(
                    pathEnd(
                        () ->
                            concat(
                                get(() -> query(Role.FRONTEND, () -> getSession(sessionId))),
                                delete(() -> query(Role.FRONTEND, () -> endSession(sessionId))))),
                    path(
                        "messages",
                        () ->
                            post(
                                () ->
                                    command(
                                        Role.FRONTEND,
                                        CpmSessionMessageRequest.getDefaultInstance(),
                                        b -> postInSession(sessionId, b)))),
                    path(
                        "participants",
                        () ->
                            post(
                                () ->
                                    command(
                                        Role.FRONTEND,
                                        CpmParticipantRequest.getDefaultInstance(),
                                        b -> addParticipant(sessionId, b)))))));
  }

  // ---------------------------------------------------------------- users

  private CompletionStage<Reply> provision(String rawAddress, CpmUserProfile body) {
    String address = address("address", rawAddress);
    Optional<String> displayName =
        body.hasDisplayName()
            ? Optional.of(Validate.singleLine("displayName", body.getDisplayName(), 128))
            : Optional.empty();
    return this.<CpmUser.Command, CpmUser.Provisioned>ask(
            CpmUser.KEY, address, r -> new CpmUser.Provision(displayName, r))
        .thenApply(
            p ->
                p.created()
                    ? Reply.created(CpmViews.user(p.user()))
                    : Reply.ok(CpmViews.user(p.user())));
  }

  private CompletionStage<Reply> getUser(String rawAddress) {
    String address = address("address", rawAddress);
    return this.<CpmUser.Command, CpmUser.UserView>ask(CpmUser.KEY, address, CpmUser.Get::new)
        .thenApply(v -> Reply.ok(CpmViews.user(v)));
  }

  /** The user must exist before the socket is upgraded; a refusal is an ordinary HTTP error. */
  private Route stream(String rawAddress) {
    String address = address("address", rawAddress);
    return onSuccess(
        this.<CpmUser.Command, CpmUser.UserView>ask(CpmUser.KEY, address, CpmUser.Get::new),
        user -> handleWebSocketMessages(CpmStream.flow(api.system(), settings, address)));
  }

  private CompletionStage<Reply> history(
      String rawAddress,
      Optional<String> rawPeer,
      Optional<String> rawBefore,
      Optional<String> rawLimit) {
    String address = address("address", rawAddress);
    Optional<String> peer = rawPeer.map(p -> address("peer", p));
    Optional<String> before = rawBefore.map(b -> Validate.nonBlank("before", b, 64));
    int limit =
        rawLimit
            .map(l -> (int) Validate.range("limit", integer("limit", l), 1, MAX_HISTORY_LIMIT))
            .orElse(DEFAULT_HISTORY_LIMIT);
    return this.<CpmUser.Command, CpmUser.HistoryPage>ask(
            CpmUser.KEY, address, r -> new CpmUser.History(peer, before, limit, r))
        .thenApply(
            page -> {
              var out = CpmHistoryPage.newBuilder();
              page.messages().forEach(m -> out.addMessages(CpmViews.message(m)));
              page.next().ifPresent(out::setNext);
              return Reply.ok(out.build());
            });
  }

  private CompletionStage<Reply> deleteMessage(String rawAddress, String messageId) {
    String address = address("address", rawAddress);
    Validate.id("messageId", messageId);
    return this.<CpmUser.Command, Done>ask(
            CpmUser.KEY, address, r -> new CpmUser.Delete(messageId, r))
        .thenApply(
            done ->
                Reply.ok(CpmDeleted.newBuilder().setMessageId(messageId).setDeleted(true).build()));
  }

  // ---------------------------------------------------------------- messages

  private CompletionStage<Reply> send(CpmSendRequest body) {
    String messageId = messageId(body.hasMessageId(), body.getMessageId());
    String from = address("from", Validate.required("from", body.hasFrom(), body::getFrom));
    String text = text(body.hasBody(), body.getBody());
    if (body.getToCount() == 0) throw ApiError.badRequest("to must name at least one recipient");
    var to = new LinkedHashSet<String>();
    for (int i = 0; i < body.getToCount(); i++) to.add(address("to[" + i + "]", body.getTo(i)));
    // Counted once duplicates (also spellings of one address) are dropped: the body's own limit
    // bounds the work before.
    if (to.size() > settings.maxRecipients()) {
      throw ApiError.badRequest(
          "to may name at most " + settings.maxRecipients() + " distinct recipients");
    }
    if (to.contains(from)) throw ApiError.badRequest("a message cannot be sent to its sender");
    var submission =
        new CpmMessage.Submission(
            messageId,
            from,
            List.copyOf(to),
            contentType(body.hasContentType(), body.getContentType()),
            text,
            validity(body.hasValiditySeconds(), body.getValiditySeconds()),
            Optional.empty());
    return sendMessage(submission);
  }

  private CompletionStage<Reply> sendMessage(CpmMessage.Submission submission) {
    return this.<CpmMessage.Command, CpmMessage.SendResult>ask(
            CpmMessage.KEY, submission.messageId(), r -> new CpmMessage.Send(submission, r))
        .thenApply(result -> Reply.of(202, CpmViews.sendResult(result)));
  }

  // ---------------------------------------------------------------- groups

  private CompletionStage<Reply> defineGroup(String groupId, CpmGroupDefinition body) {
    Validate.id("groupId", groupId);
    Optional<String> name =
        body.hasName()
            ? Optional.of(Validate.singleLine("name", body.getName(), 128))
            : Optional.empty();
    if (body.getMembersCount() == 0) throw ApiError.badRequest("members must not be empty");
    var members = new LinkedHashSet<String>();
    for (int i = 0; i < body.getMembersCount(); i++) {
      members.add(address("members[" + i + "]", body.getMembers(i)));
    }
    if (members.size() > settings.maxGroupMembers()) {
      throw ApiError.badRequest("a group has at most " + settings.maxGroupMembers() + " members");
    }
    return this.<CpmGroup.Command, CpmGroup.Defined>ask(
            CpmGroup.KEY, groupId, r -> new CpmGroup.Define(name, List.copyOf(members), r))
        .thenApply(
            d ->
                d.created()
                    ? Reply.created(CpmViews.group(d.group()))
                    : Reply.ok(CpmViews.group(d.group())));
  }

  private CompletionStage<Reply> getGroup(String groupId) {
    Validate.id("groupId", groupId);
    return this.<CpmGroup.Command, CpmGroup.GroupView>ask(CpmGroup.KEY, groupId, CpmGroup.Get::new)
        .thenApply(g -> Reply.ok(CpmViews.group(g)));
  }

  // ---------------------------------------------------------------- sessions

  private CompletionStage<Reply> startSession(CpmSessionRequest body) {
    String sessionId =
        Validate.id(
            "sessionId", Validate.required("sessionId", body.hasSessionId(), body::getSessionId));
    String initiator =
        address(
            "initiator", Validate.required("initiator", body.hasInitiator(), body::getInitiator));
    CpmSession.Kind kind =
        switch (Validate.required("kind", body.hasKind(), body::getKind)) {
          case ONE_TO_ONE -> CpmSession.Kind.ONE_TO_ONE;
          case AD_HOC_GROUP -> CpmSession.Kind.AD_HOC_GROUP;
          case PREARRANGED_GROUP -> CpmSession.Kind.PREARRANGED_GROUP;
          default -> throw ApiError.badRequest("kind is not a known session kind");
        };
    var participants = new LinkedHashSet<String>();
    for (int i = 0; i < body.getParticipantsCount(); i++) {
      String p = address("participants[" + i + "]", body.getParticipants(i));
      if (!p.equals(initiator)) participants.add(p);
    }
    List<String> media = new ArrayList<>();
    for (int i = 0; i < body.getMediaCount(); i++) {
      String medium = body.getMedia(i);
      if (!MEDIUM.matcher(medium).matches()) {
        throw ApiError.badRequest("media[" + i + "] must be a media type such as text or audio");
      }
      media.add(medium);
    }
    Optional<String> groupId =
        body.hasGroupId()
            ? Optional.of(Validate.id("groupId", body.getGroupId()))
            : Optional.empty();
    var spec =
        new CpmSession.Spec(
            kind, initiator, List.copyOf(participants), groupId, List.copyOf(media));
    return members(spec)
        .thenCompose(
            members ->
                requireReachable(members.subList(1, members.size())).thenApply(ok -> members))
        .thenCompose(
            members ->
                BilledNumber.of(api.sharding(), initiator, api.askTimeout())
                    .thenCompose(
                        billed ->
                            this.<CpmSession.Command, CpmSession.Started>ask(
                                CpmSession.KEY,
                                sessionId,
                                r -> new CpmSession.Start(spec, members, billed, r))))
        .thenApply(
            started -> {
              var out = CpmSessionStarted.newBuilder().setSessionId(sessionId);
              started.session().media().forEach(m -> out.addMedia(CpmViews.media(m)));
              return started.created() ? Reply.created(out.build()) : Reply.ok(out.build());
            });
  }

  /** Everyone in the session, the initiator first, by the rules of its kind. */
  private CompletionStage<List<String>> members(CpmSession.Spec spec) {
    if (spec.kind() == CpmSession.Kind.PREARRANGED_GROUP) {
      String groupId =
          spec.groupId()
              .orElseThrow(() -> ApiError.badRequest("groupId is required for PREARRANGED_GROUP"));
      return this.<CpmGroup.Command, CpmGroup.GroupView>ask(
              CpmGroup.KEY, groupId, CpmGroup.Get::new)
          .thenApply(
              group -> {
                if (!group.members().contains(spec.initiator())) {
                  throw new Refusal(
                      ErrorCode.NOT_PARTICIPANT,
                      spec.initiator() + " is not a member of group " + groupId);
                }
                List<String> members = new ArrayList<>(List.of(spec.initiator()));
                group.members().stream()
                    .filter(m -> !m.equals(spec.initiator()))
                    .forEach(members::add);
                return List.copyOf(members);
              });
    }
    int others = spec.participants().size();
    if (spec.kind() == CpmSession.Kind.ONE_TO_ONE && others != 1) {
      throw ApiError.badRequest(
          "a ONE_TO_ONE session has exactly one participant besides the initiator");
    }
    if (others == 0) {
      throw ApiError.badRequest("an AD_HOC_GROUP session needs participants besides the initiator");
    }
    if (others + 1 > settings.maxGroupMembers()) {
      throw ApiError.badRequest(
          "a session has at most " + settings.maxGroupMembers() + " participants");
    }
    List<String> members = new ArrayList<>(List.of(spec.initiator()));
    members.addAll(spec.participants());
    return CompletableFuture.completedFuture(List.copyOf(members));
  }

  /** Every address must be a CPM user or an MSISDN (reached by SMS): 404 UNKNOWN_USER else. */
  private CompletionStage<Void> requireReachable(List<String> addresses) {
    List<CompletableFuture<CpmUser.UserInfo>> lookups = new ArrayList<>();
    List<String> looked = new ArrayList<>();
    for (String address : addresses) {
      if (CpmAddress.isMsisdn(address)) continue;
      looked.add(address);
      // only whether the user exists counts here: no body to weigh against its mailbox
      lookups.add(
          this.<CpmUser.Command, CpmUser.UserInfo>ask(
                  CpmUser.KEY, address, r -> new CpmUser.Lookup(0, r))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(lookups.toArray(CompletableFuture[]::new))
        .thenRun(
            () -> {
              for (int i = 0; i < lookups.size(); i++) {
                if (!lookups.get(i).join().provisioned()) {
                  throw new Refusal(
                      ErrorCode.UNKNOWN_USER,
                      looked.get(i) + " is neither a CPM user nor an MSISDN reachable by SMS");
                }
              }
            });
  }

  private CompletionStage<Reply> postInSession(String sessionId, CpmSessionMessageRequest body) {
    Validate.id("sessionId", sessionId);
    String messageId = messageId(body.hasMessageId(), body.getMessageId());
    String from = address("from", Validate.required("from", body.hasFrom(), body::getFrom));
    String text = text(body.hasBody(), body.getBody());
    String contentType = contentType(body.hasContentType(), body.getContentType());
    Duration validity = validity(body.hasValiditySeconds(), body.getValiditySeconds());
    return this.<CpmSession.Command, CpmSession.Posting>ask(
            CpmSession.KEY, sessionId, r -> new CpmSession.PostMessage(messageId, from, r))
        .thenCompose(
            posting ->
                sendMessage(
                    new CpmMessage.Submission(
                        messageId,
                        from,
                        posting.recipients(),
                        contentType,
                        text,
                        validity,
                        Optional.of(sessionId))));
  }

  private CompletionStage<Reply> addParticipant(String sessionId, CpmParticipantRequest body) {
    Validate.id("sessionId", sessionId);
    String address =
        address("address", Validate.required("address", body.hasAddress(), body::getAddress));
    return requireReachable(List.of(address))
        .thenCompose(
            ok ->
                this.<CpmSession.Command, CpmSession.SessionView>ask(
                    CpmSession.KEY, sessionId, r -> new CpmSession.AddParticipant(address, r)))
        .thenApply(v -> Reply.ok(CpmViews.session(v)));
  }

  private CompletionStage<Reply> getSession(String sessionId) {
    Validate.id("sessionId", sessionId);
    return this.<CpmSession.Command, CpmSession.SessionView>ask(
            CpmSession.KEY, sessionId, CpmSession.Get::new)
        .thenApply(v -> Reply.ok(CpmViews.session(v)));
  }

  private CompletionStage<Reply> endSession(String sessionId) {
    Validate.id("sessionId", sessionId);
    return this.<CpmSession.Command, CpmSession.SessionView>ask(
            CpmSession.KEY, sessionId, CpmSession.End::new)
        .thenApply(v -> Reply.ok(CpmViews.session(v)));
  }

  // ---------------------------------------------------------------- SMS outbox

  private CompletionStage<Reply> outbox(
      Optional<String> rawTo, Optional<String> rawAfter, Optional<String> rawLimit) {
    String to =
        address("to", rawTo.orElseThrow(() -> ApiError.badRequest("to (an MSISDN) is required")));
    if (!CpmAddress.isMsisdn(to)) throw ApiError.badRequest("to must be an MSISDN");
    long after = rawAfter.map(CpmRoutes::outboxCursor).orElse(0L);
    int limit =
        rawLimit
            .map(l -> (int) Validate.range("limit", integer("limit", l), 1, MAX_OUTBOX_LIMIT))
            .orElse(DEFAULT_OUTBOX_LIMIT);
    return this.<SmsOutbox.Command, SmsOutbox.OutboxView>ask(
            SmsOutbox.KEY, to, r -> new SmsOutbox.Get(after, limit, r))
        .thenApply(v -> Reply.ok(CpmViews.outbox(v)));
  }

  /** An outbox page's {@code next}: the number of a submission, as digits. */
  private static long outboxCursor(String value) {
    if (!OUTBOX_CURSOR.matcher(value).matches()) {
      throw ApiError.badRequest("after must be the next cursor of an outbox page, not " + value);
    }
    return Long.parseLong(value);
  }

  // ---------------------------------------------------------------- validation

  private static String address(String field, String raw) {
    return CpmAddress.canonical(raw)
        .orElseThrow(
            () ->
                ApiError.badRequest(
                    field + " must be a CPM address: an MSISDN, a tel: or sip: URI, or a token"));
  }

  private static String messageId(boolean present, String value) {
    return Validate.id("messageId", Validate.required("messageId", present, () -> value));
  }

  /** A body: present, not empty, and no larger than {@code scp.cpm.max-message-bytes}. */
  private String text(boolean present, String value) {
    String text = Validate.required("body", present, () -> value);
    if (text.isEmpty()) throw ApiError.badRequest("body must not be empty");
    int bytes = MessageMode.bodyBytes(text);
    if (bytes > settings.maxMessageBytes()) {
      throw new ApiError(
          413,
          "PAYLOAD_TOO_LARGE",
          "the body has "
              + bytes
              + " bytes, more than the "
              + settings.maxMessageBytes()
              + " a CPM message may have");
    }
    return text;
  }

  private static String contentType(boolean present, String value) {
    if (!present) return DEFAULT_CONTENT_TYPE;
    if (value.length() > 128 || !CONTENT_TYPE.matcher(value).matches()) {
      throw ApiError.badRequest("contentType must be a MIME type such as text/plain");
    }
    return value;
  }

  /** The requested validity, capped by {@code scp.cpm.max-validity}. */
  private Duration validity(boolean present, long seconds) {
    if (!present) return settings.defaultValidity();
    return Validate.seconds("validitySeconds", seconds, settings.maxValidity());
  }

  private static long integer(String field, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw ApiError.badRequest(field + " must be an integer");
    }
  }
}
