package io.scp.actors.cpm;

/**
 * How much one page of a CPM list (a device's mailbox, a user's history, an SMS outbox) carries.
 *
 * <p>A page crosses nodes as one Artery message, and Artery drops a message over its maximum frame
 * (2 MiB, cluster.conf): the ask behind it times out and the client gets 503 on every retry. So a
 * page is bounded by what its entries weigh, not by their number. An entry's weight ({@code
 * pageChars()} of {@link CpmUser.Entry} and {@link SmsOutbox.Submission}) counts every string it
 * carries, each element of a list with {@link #LIST_ELEMENT_CHARS} more, plus {@link #ENTRY_CHARS}
 * for its fixed fields; since a character takes at most three bytes in UTF-8 (a surrogate pair four
 * for two characters), the entry's serialized size (Jackson CBOR) is at most three times its
 * weight. A page holds at most {@link #PAGE_CHARS} of weight — at most 768 KiB — unless its only
 * entry is heavier: it always holds at least one entry, so that paging always moves on, and a
 * single entry is bounded by the message's own limits (a body of {@code scp.cpm.max-message-bytes}
 * with 100 recipients, an SMS of 255 parts).
 */
final class PageBudget {
  /** The weight one page carries, unless its only entry is heavier. */
  static final long PAGE_CHARS = 256 * 1024;

  /**
   * An entry's fixed fields: names (CBOR writes each), times, enums, numbers and the headers of its
   * own strings: 164 bytes measured for a history entry, 72 for an SMS submission, so three times
   * this is ample (the entities' tests check the bound against the serializer's own mapper).
   */
  static final long ENTRY_CHARS = 160;

  /**
   * The CBOR header of one string in a list (at most 5 bytes), in characters of at most 3 bytes.
   */
  static final long LIST_ELEMENT_CHARS = 2;

  private final int maxEntries;
  private int entries;
  private long chars;

  /** The budget of one page of at most {@code maxEntries} entries (at least one). */
  PageBudget(int maxEntries) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  /** Whether an entry of this weight joins the page; counted if it does. The first always does. */
  boolean take(long weight) {
    if (entries == maxEntries || (entries > 0 && chars + weight > PAGE_CHARS)) return false;
    entries++;
    chars += weight;
    return true;
  }
}
