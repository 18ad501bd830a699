-- The CDR read model: one row per charging record, written by the "cdr" projection
-- from the events tagged "cdr". Strings are TEXT on purpose: a record that does not
-- fit a column would stop the projection, and PostgreSQL stores TEXT as cheaply.
CREATE TABLE cdr (
  ordering       BIGSERIAL   NOT NULL,
  cdr_id         TEXT        NOT NULL PRIMARY KEY,
  type           TEXT        NOT NULL,
  charged_party  TEXT        NOT NULL,
  account_id     TEXT,
  call_id        TEXT,
  caller         TEXT,
  called         TEXT,
  destination    TEXT,
  on_net         BOOLEAN,
  decision       TEXT,
  cause          TEXT,
  started_at     TIMESTAMPTZ NOT NULL,
  answered_at    TIMESTAMPTZ,
  ended_at       TIMESTAMPTZ NOT NULL,
  talk_seconds   BIGINT      NOT NULL,
  billed_seconds BIGINT      NOT NULL,
  charge         BIGINT      NOT NULL,
  shortfall      BIGINT      NOT NULL
);
-- "Newest first" is the order in which the projection wrote the rows, which is the
-- journal order of the events that carried them.
CREATE UNIQUE INDEX cdr_ordering_idx ON cdr (ordering);
-- A query by MSISDN matches the charged party, the caller or the destination; each
-- has its own index so that every branch reads only its newest rows.
CREATE INDEX cdr_charged_party_idx ON cdr (charged_party, ordering);
CREATE INDEX cdr_caller_idx ON cdr (caller, ordering);
CREATE INDEX cdr_destination_idx ON cdr (destination, ordering);
CREATE INDEX cdr_type_idx ON cdr (type, ordering);

-- Offsets and management state of pekko-projection-jdbc 1.0.0 (postgres-dialect,
-- use-lowercase-schema = on): the table and column names its statements use.
-- Its own DDL adds an index on projection_name alone; the primary key already
-- serves those look-ups.
CREATE TABLE pekko_projection_offset_store (
  projection_name VARCHAR(255) NOT NULL,
  projection_key  VARCHAR(255) NOT NULL,
  current_offset  VARCHAR(255) NOT NULL,
  manifest        VARCHAR(4)   NOT NULL,
  mergeable       BOOLEAN      NOT NULL,
  last_updated    BIGINT       NOT NULL,
  PRIMARY KEY (projection_name, projection_key)
);

CREATE TABLE pekko_projection_management (
  projection_name VARCHAR(255) NOT NULL,
  projection_key  VARCHAR(255) NOT NULL,
  paused          BOOLEAN      NOT NULL,
  last_updated    BIGINT       NOT NULL,
  PRIMARY KEY (projection_name, projection_key)
);
