package io.scp.actors.cpm;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a user's mailbox and history limits and expiry need, kept up to date message by message
 * instead of being recounted on every one: the characters of the bodies waiting, of the bodies in
 * the history, and the waiting messages in the order they expire. A recipient with a thousand
 * messages waiting used to be walked whole on every message sent to it (its size check) and on
 * every one stored or expired (its expiry timer). Derived from the user's history and mailbox, so
 * it is never serialized: it is rebuilt from them when a snapshot is read.
 */
final class MailboxIndex {
  /** A waiting message by when it expires; its sequence number tells equal instants apart. */
  record Expiry(Instant at, long seq) {}

  private static final Comparator<Expiry> EARLIEST_FIRST =
      Comparator.comparing(Expiry::at).thenComparingLong(Expiry::seq);

  private long chars;
  private long historyChars;
  private final TreeSet<Expiry> byExpiry = new TreeSet<>(EARLIEST_FIRST);

  /** The index of a mailbox (sequence number to message id) whose entries are in the history. */
  static MailboxIndex of(Map<String, CpmUser.Entry> history, Map<Long, String> mailbox) {
    MailboxIndex index = new MailboxIndex();
    for (String id : mailbox.values()) index.add(history.get(id));
    for (CpmUser.Entry entry : history.values()) index.historyChanged(null, entry);
    return index;
  }

  /** A history entry replaced by another (its new status), added or dropped ({@code null}). */
  void historyChanged(CpmUser.Entry before, CpmUser.Entry after) {
    if (before != null) historyChars -= before.content().bodyLength();
    if (after != null) historyChars += after.content().bodyLength();
  }

  long historyChars() {
    return historyChars;
  }

  void add(CpmUser.Entry entry) {
    chars += entry.content().bodyLength();
    byExpiry.add(new Expiry(entry.content().expiresAt(), entry.seq()));
  }

  /** Takes out an entry as it was added (its body still there). */
  void remove(CpmUser.Entry entry) {
    chars -= entry.content().bodyLength();
    byExpiry.remove(new Expiry(entry.content().expiresAt(), entry.seq()));
  }

  long chars() {
    return chars;
  }

  Optional<Instant> earliestExpiry() {
    return byExpiry.isEmpty() ? Optional.empty() : Optional.of(byExpiry.first().at());
  }

  /** Sequence numbers of the waiting messages whose validity ended at or before {@code now}. */
  List<Long> dueAt(Instant now) {
    List<Long> due = new ArrayList<>();
    for (Expiry expiry : byExpiry) {
      if (expiry.at().isAfter(now)) break;
      due.add(expiry.seq());
    }
    return due;
  }

  MailboxIndex copy() {
    MailboxIndex copy = new MailboxIndex();
    copy.chars = chars;
    copy.historyChars = historyChars;
    copy.byExpiry.addAll(byExpiry);
    return copy;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof MailboxIndex index
        && chars == index.chars
        && historyChars == index.historyChars
        && byExpiry.equals(index.byExpiry);
  }

  @Override
  public int hashCode() {
    return Objects.hash(chars, historyChars, byExpiry);
  }
}
