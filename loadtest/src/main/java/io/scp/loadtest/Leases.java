package io.scp.loadtest;

import java.util.Collection;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Things a unit must hold alone while it runs (an IMS identity, a user holding a SIP-URI): taken
 * from the head, given back at the tail, so the population is visited in turn and no two units in
 * flight use the same one.
 */
public final class Leases<T> {
  private final ConcurrentLinkedQueue<T> idle;
  private final int size;

  public Leases(Collection<T> items) {
    this.idle = new ConcurrentLinkedQueue<>(items);
    this.size = items.size();
  }

  /** The next idle item, or null when every one is in use. */
  public T take() {
    return idle.poll();
  }

  public void giveBack(T item) {
    idle.add(item);
  }

  public int size() {
    return size;
  }
}
