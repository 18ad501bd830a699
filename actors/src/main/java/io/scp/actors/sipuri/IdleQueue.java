package io.scp.actors.sipuri;

import java.util.Arrays;

/**
 * The idle positions of an IDLE_QUEUE pool, oldest first, as a ring of ints: 4 bytes per idle URI
 * where a queue of boxed integers would cost five times that.
 */
final class IdleQueue {
  private int[] ring;
  private int head;
  private int size;

  IdleQueue(int[] positions) {
    ring = Arrays.copyOf(positions, Math.max(16, positions.length));
    size = positions.length;
  }

  int size() {
    return size;
  }

  /** The oldest idle position, or -1 when none is idle. */
  int peek() {
    return size == 0 ? -1 : ring[head];
  }

  void add(int position) {
    if (size == ring.length) {
      ring = toArray(ring.length * 2);
      head = 0;
    }
    ring[(head + size) % ring.length] = position;
    size++;
  }

  /** Removes {@code position}: the head in normal operation, anywhere for robustness. */
  void remove(int position) {
    if (size > 0 && ring[head] == position) {
      head = (head + 1) % ring.length;
      size--;
      return;
    }
    int[] rest = toArray(size);
    int kept = 0;
    for (int p : rest) if (p != position) rest[kept++] = p;
    ring = Arrays.copyOf(rest, Math.max(16, rest.length));
    head = 0;
    size = kept;
  }

  int[] toArray() {
    return toArray(size);
  }

  private int[] toArray(int capacity) {
    int[] out = new int[capacity];
    for (int i = 0; i < size; i++) out[i] = ring[(head + i) % ring.length];
    return out;
  }
}
