package io.scp.persistence.sipuri;

import io.scp.actors.sipuri.SipUriPool;
import io.scp.actors.sipuri.SipUriSlot;
import io.scp.actors.sipuri.UriPositions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays the journal of one SIP-URI pool and of the slots of the URIs it allocated, and reports
 * every point where two users could have held one URI. It works on events only (no entity is
 * asked), so it can check a journal after a chaos run; {@link SipUriJournalAudit} feeds it from the
 * read journal.
 *
 * <p>Use: {@link #pool} for each event of the pool journal in order, then {@link #slot} once for
 * each URI of {@link #allocatedUris()} with that slot's events in order, then {@link #report()}.
 * One instance serves one audit and is not thread-safe.
 *
 * <p>Every event comes with its journal {@code ordering}: the global insertion number of the
 * journal table, shared by all entities. The release and allocation protocol makes it meaningful
 * across the two journals: the pool persists {@code UriAllocated(n)} before it sends {@code
 * Hold(n)} to the slot, and the slot persists {@code UriReleased(n)} before it answers the {@code
 * Unbind(n)} after which the pool persists its own {@code UriReleased(n)}. So a bind of allocation
 * n must come after the pool's allocation n and, like the slot's release of n, before the pool's
 * release of n ("a URI bound on its slot is always occupied in its pool"). That, with one holder
 * per position in the pool, is exclusivity.
 *
 * <p>What the model allows, and is therefore not reported: a slot may never see an allocation (the
 * pool persisted it, then crashed or the user gave up before the {@code Hold} arrived); a slot may
 * release an allocation it never bound (an {@code Unbind} that overtook its {@code Hold}); a slot
 * may release before its pool records the release, by any length of time (a crash between the two
 * writes; the pool finishes it later). The pool journal is read before the slot journals, so slot
 * events of allocations numbered above the last one the pool journal showed belong to allocations
 * made during the audit; they are checked within their slot only.
 */
public final class SipUriExclusivity {
  /** At most this many violations are listed; the rest are counted in a last entry. */
  static final int MAX_LISTED = 100;

  /** One journal entry: its global ordering and its event. */
  public record Entry<E>(long ordering, E event) {}

  public record Report(
      String poolId,
      long events,
      long allocations,
      long releases,
      long held,
      long slotsChecked,
      List<String> violations) {
    public boolean passed() {
      return violations.isEmpty();
    }
  }

  /** One allocation as the pool journal shows it. */
  private static final class Allocation {
    final long number;
    final int position;
    final String uri; // null when the position is no URI of the pool
    final String msisdn;
    final long allocatedOrdering;
    long releasedOrdering = Long.MAX_VALUE; // not released (yet)

    Allocation(long number, int position, String uri, String msisdn, long ordering) {
      this.number = number;
      this.position = position;
      this.uri = uri;
      this.msisdn = msisdn;
      this.allocatedOrdering = ordering;
    }

    boolean released() {
      return releasedOrdering != Long.MAX_VALUE;
    }

    @Override
    public String toString() {
      return "allocation " + number + " (" + msisdn + ")";
    }
  }

  /** The pool's allocations of one URI, in journal order. */
  private static final class UriHistory {
    final Map<Long, Allocation> allocations = new LinkedHashMap<>();
    Allocation current;
  }

  private final String poolId;
  private final List<String> violations = new ArrayList<>();
  private long unlisted;

  // The pool's positions, numbered as the pool numbers them.
  private final UriPositions positions = new UriPositions();

  private long events;
  private long allocations;
  private long releases;
  private long lastAllocation;
  private final Map<Long, Allocation> open = new HashMap<>();
  private final Map<Integer, Allocation> holderOfPosition = new HashMap<>();
  private final Map<String, Allocation> holderByMsisdn = new HashMap<>();
  private final Map<String, UriHistory> byUri = new LinkedHashMap<>();
  private long slotsChecked;

  public SipUriExclusivity(String poolId) {
    this.poolId = poolId;
  }

  /** Events read from the pool journal so far. */
  public long poolEvents() {
    return events;
  }

  /** Every URI the pool allocated at least once, in the order of first allocation. */
  public List<String> allocatedUris() {
    return List.copyOf(byUri.keySet());
  }

  // ---------------------------------------------------------------- pool journal

  /** The next event of the pool journal ({@code SipUriPool|poolId}). */
  public void pool(long ordering, Object event) {
    events++;
    if (event instanceof SipUriPool.UrisAdded e) {
      added(e);
    } else if (event instanceof SipUriPool.UriAllocated e) {
      allocated(ordering, e);
    } else if (event instanceof SipUriPool.UriReleased e) {
      released(ordering, e);
    }
    // PoolConfigured, ReleaseScheduled and ReleaseCancelled change no holder.
  }

  private void added(SipUriPool.UrisAdded e) {
    positions.add(e.uris(), BitSet.valueOf(e.skipped()));
  }

  private void allocated(long ordering, SipUriPool.UriAllocated e) {
    allocations++;
    int p = e.position();
    if (e.allocation() <= lastAllocation) {
      violation(
          "pool: allocation %d (%s) is not numbered above allocation %d; slots rely on growing"
              + " numbers to refuse late binds",
          e.allocation(), e.msisdn(), lastAllocation);
    }
    lastAllocation = Math.max(lastAllocation, e.allocation());
    String uri = positions.isMember(p) ? positions.uri(p) : null;
    if (uri == null) {
      violation(
          "pool: allocation %d (%s) hands out position %d, which is no URI of the pool",
          e.allocation(), e.msisdn(), p);
    }
    Allocation a = new Allocation(e.allocation(), p, uri, e.msisdn(), ordering);
    Allocation holder = holderOfPosition.get(p);
    if (holder != null) {
      violation(
          "pool: two users hold one URI: position %d (%s) allocated to %s while %s holds it",
          p, uri, a, holder);
    }
    Allocation other = holderByMsisdn.get(e.msisdn());
    if (other != null) {
      violation(
          "pool: %s holds position %d (allocation %d) and gets position %d as well (allocation"
              + " %d)",
          e.msisdn(), other.position, other.number, p, e.allocation());
    }
    open.put(a.number, a);
    holderOfPosition.put(p, a);
    holderByMsisdn.put(a.msisdn, a);
    if (uri == null) return;
    UriHistory history = byUri.computeIfAbsent(uri, u -> new UriHistory());
    Allocation current = history.current;
    if (current != null && !current.released() && current.position != p) {
      violation(
          "pool: two users hold one URI: %s is at positions %d and %d, allocated to %s while %s"
              + " holds it",
          uri, p, current.position, a, current);
    }
    history.allocations.put(a.number, a);
    history.current = a;
  }

  private void released(long ordering, SipUriPool.UriReleased e) {
    releases++;
    Allocation a = open.get(e.allocation());
    if (a == null || a.position != e.position() || !a.msisdn.equals(e.msisdn())) {
      violation(
          "pool: release of position %d by allocation %d (%s), which does not hold it%s",
          e.position(),
          e.allocation(),
          e.msisdn(),
          a == null ? "" : " (it holds position " + a.position + " for " + a.msisdn + ")");
      return;
    }
    open.remove(a.number);
    a.releasedOrdering = ordering;
    if (holderOfPosition.get(a.position) == a) holderOfPosition.remove(a.position);
    if (holderByMsisdn.get(a.msisdn) == a) holderByMsisdn.remove(a.msisdn);
  }

  // ---------------------------------------------------------------- slot journals

  /**
   * The whole journal of the slot of {@code uri} ({@code SipUriSlot|uri}), read after the pool
   * journal. Exclusivity on the slot itself (one binding at a time, never an allocation it already
   * ended) is checked for every event; agreement with the pool for allocations the pool journal
   * showed, reporting the first disagreement of the slot only.
   */
  public void slot(String uri, List<Entry<Object>> journal) {
    UriHistory history = byUri.get(uri);
    if (history == null) throw new IllegalArgumentException(uri + " was not allocated by the pool");
    slotsChecked++;
    if (journal.isEmpty()) {
      violation("slot %s: empty journal, though pool %s allocated the URI", uri, poolId);
      return;
    }
    SlotReplay slot = new SlotReplay(uri, history);
    for (Entry<Object> entry : journal) slot.next(entry.ordering(), entry.event());
    slot.end();
  }

  private final class SlotReplay {
    final String uri;
    final UriHistory history;
    SipUriSlot.UriBound bound;
    long lastReleased;
    boolean disagreed;

    SlotReplay(String uri, UriHistory history) {
      this.uri = uri;
      this.history = history;
    }

    void next(long ordering, Object event) {
      if (event instanceof SipUriSlot.SlotClaimed e) {
        if (!e.poolId().equals(poolId)) {
          violation(
              "slot %s: claimed by pool %s, though pool %s allocated it", uri, e.poolId(), poolId);
        }
      } else if (event instanceof SipUriSlot.UriBound e) {
        bind(ordering, e);
      } else if (event instanceof SipUriSlot.UriReleased e) {
        release(ordering, e);
      }
      // ReleaseScheduled and ReleaseCancelled change no binding.
    }

    private void bind(long ordering, SipUriSlot.UriBound e) {
      if (bound != null && bound.allocation() != e.allocation()) {
        violation(
            "slot %s: two users hold one URI: bound to allocation %d (%s) while bound to"
                + " allocation %d (%s)",
            uri, e.allocation(), e.msisdn(), bound.allocation(), bound.msisdn());
      }
      if (e.allocation() <= lastReleased) {
        violation(
            "slot %s: bound to allocation %d (%s) after it had ended allocation %d",
            uri, e.allocation(), e.msisdn(), lastReleased);
      }
      bound = e;
      if (e.allocation() > lastAllocation) return; // allocated after the pool journal was read
      Allocation a = history.allocations.get(e.allocation());
      if (a == null) {
        disagree(
            "bound to allocation %d (%s), which the pool never made for this URI",
            e.allocation(), e.msisdn());
      } else if (!a.msisdn.equals(e.msisdn())) {
        disagree(
            "bound allocation %d to %s, the pool allocated it to %s",
            a.number, e.msisdn(), a.msisdn);
      } else if (ordering < a.allocatedOrdering) {
        disagree("bound %s before the pool allocated it", a);
      } else if (ordering > a.releasedOrdering) {
        disagree("bound %s after the pool had released it", a);
      }
    }

    private void release(long ordering, SipUriSlot.UriReleased e) {
      if (bound != null && bound.allocation() != e.allocation()) {
        violation(
            "slot %s: released allocation %d while bound to allocation %d (%s)",
            uri, e.allocation(), bound.allocation(), bound.msisdn());
      } else if (bound != null) {
        Allocation a = history.allocations.get(e.allocation());
        if (a != null && a.releasedOrdering < ordering) {
          disagree("the pool released %s before its slot did: idle in the pool while bound", a);
        }
        bound = null;
      }
      // Without a binding: an Unbind that overtook its Hold ends the allocation all the same.
      lastReleased = Math.max(lastReleased, e.allocation());
    }

    void end() {
      if (bound == null || bound.allocation() > lastAllocation) return;
      Allocation a = history.allocations.get(bound.allocation());
      if (a != null && a.released()) {
        disagree("still bound to %s, which the pool released", a);
      }
    }

    private void disagree(String format, Object... args) {
      if (disagreed) return;
      disagreed = true;
      violation("slot %s disagrees with pool %s: " + format, prepend(uri, poolId, args));
    }
  }

  private static Object[] prepend(String uri, String pool, Object[] args) {
    Object[] all = new Object[args.length + 2];
    all[0] = uri;
    all[1] = pool;
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  private void violation(String format, Object... args) {
    if (violations.size() < MAX_LISTED) violations.add(String.format(format, args));
    else unlisted++;
  }

  // ---------------------------------------------------------------- result

  public Report report() {
    List<String> listed = new ArrayList<>(violations);
    if (unlisted > 0) listed.add(unlisted + " more violations not listed");
    return new Report(
        poolId, events, allocations, releases, open.size(), slotsChecked, List.copyOf(listed));
  }
}
