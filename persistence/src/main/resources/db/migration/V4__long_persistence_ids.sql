-- A persistence id is "<entity type>|<entity id>", and some entity ids are as long as the
-- API allows: a CPM user's address or a SIP URI of 256 characters. VARCHAR(255) refused
-- their rows, and with them every other event of the same journal batch (a 503 for
-- unrelated requests, and sharding's remember-entities stores stopped): found by an audit.
-- TEXT holds any id. From VARCHAR to TEXT is a change of the catalogue only: PostgreSQL
-- rewrites neither the tables nor their primary keys.
ALTER TABLE event_journal ALTER COLUMN persistence_id TYPE TEXT;
ALTER TABLE snapshot ALTER COLUMN persistence_id TYPE TEXT;
ALTER TABLE durable_state ALTER COLUMN persistence_id TYPE TEXT;
