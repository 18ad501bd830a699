-- The number of shards per entity type that the remember-entities stores (journal rows
-- with persistence ids under /sharding/) were written with. A store is only valid for
-- that number: with another one a remembered entity would be restarted in its old shard
-- while its messages go to its new shard, i.e. twice. Nodes record the number at start
-- and refuse to start with a different one (io.scp.persistence.ShardLayout).
CREATE TABLE scp_shard_layout (
  id               SMALLINT NOT NULL PRIMARY KEY CHECK (id = 1),
  number_of_shards INTEGER  NOT NULL CHECK (number_of_shards > 0)
);

-- Versions before this one ran 128 shards per type and Pekko's default id-to-shard
-- function; now 32 shards and io.scp.actors.common.ShardIds. Their remember-entities
-- stores are dropped here, once. Remembered entities then start on
-- first use instead of at node start.
DELETE FROM event_journal WHERE persistence_id LIKE '/sharding/%';
DELETE FROM snapshot WHERE persistence_id LIKE '/sharding/%';
