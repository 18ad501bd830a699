package io.scp.actors.sipuri;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * How a pool numbers its URIs: positions {@code 0..capacity-1} run over the added segments one
 * after the other; positions skipped when their segment was added (duplicates) are absent and never
 * a URI of the pool. Shared by the pool's state and by the journal audit, which replays the same
 * {@link SipUriPool.UrisAdded} events and must number positions exactly as the pool does.
 */
public final class UriPositions {
  private final List<UriSegment> segments = new ArrayList<>();
  private final List<Integer> starts = new ArrayList<>();
  private final BitSet absent;
  private int capacity;

  public UriPositions() {
    this(List.of(), new long[0]);
  }

  /** From the compact form {@link #segments()} and {@link #absentWords()} return. */
  public UriPositions(List<UriSegment> segments, long[] absentWords) {
    segments.forEach(this::append);
    this.absent = BitSet.valueOf(absentWords);
  }

  /** Appends a segment; its offsets set in {@code skipped} become absent. Returns its start. */
  public int add(UriSegment segment, BitSet skipped) {
    int start = capacity;
    append(segment);
    for (int offset = skipped.nextSetBit(0); offset >= 0; offset = skipped.nextSetBit(offset + 1)) {
      if (offset < segment.size()) absent.set(start + offset);
    }
    return start;
  }

  private void append(UriSegment segment) {
    segments.add(segment);
    starts.add(capacity);
    capacity += segment.size();
  }

  public int capacity() {
    return capacity;
  }

  /** Positions that are URIs of the pool. */
  public int total() {
    return capacity - absent.cardinality();
  }

  public boolean isMember(int position) {
    return position >= 0 && position < capacity && !absent.get(position);
  }

  /** The URI at a position below {@link #capacity()}. */
  public String uri(int position) {
    int low = 0;
    int high = starts.size() - 1;
    while (low < high) {
      int mid = (low + high + 1) >>> 1;
      if (starts.get(mid) <= position) low = mid;
      else high = mid - 1;
    }
    return segments.get(low).uri(position - starts.get(low));
  }

  public List<UriSegment> segments() {
    return segments;
  }

  public long[] absentWords() {
    return absent.toLongArray();
  }
}
