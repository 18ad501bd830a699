package io.scp.actors.common;

import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.ShardingMessageExtractor;

/**
 * Entity id to shard: the id's hash, bit-mixed, modulo the number of shards.
 *
 * <p>Why not Pekko's default ({@code |hashCode| mod n}): {@link String#hashCode()} of ids that
 * differ only in a trailing counter — MSISDNs, account and SIP-URI numbers as operators provision
 * them — varies mostly in its low bits in runs, so consecutive ids fill a few shards and leave
 * others empty (300 ids {@code lt-…-acc-0…299} used 20 of 32 shards, one with 29 of them). Mixing
 * all 32 bits first (the MurmurHash3 finalizer) spreads them evenly.
 */
public final class ShardIds<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
  private final int numberOfShards;

  public ShardIds(int numberOfShards) {
    if (numberOfShards <= 0) throw new IllegalArgumentException("numberOfShards must be > 0");
    this.numberOfShards = numberOfShards;
  }

  /** The shard of {@code entityId} among {@code numberOfShards}. */
  public static String shardOf(String entityId, int numberOfShards) {
    return Integer.toString(Math.floorMod(mix(entityId.hashCode()), numberOfShards));
  }

  /** The 32-bit finalizer of MurmurHash3: every input bit affects every output bit. */
  static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }

  @Override
  public String entityId(ShardingEnvelope<M> envelope) {
    return envelope.entityId();
  }

  @Override
  public String shardId(String entityId) {
    return shardOf(entityId, numberOfShards);
  }

  @Override
  public M unwrapMessage(ShardingEnvelope<M> envelope) {
    return envelope.message();
  }
}
