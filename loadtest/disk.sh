#!/usr/bin/env bash
# Bytes the database keeps per unit of each capability (docs/operations.md, "Disk"):
# one node on a database of its own, every loadtest scenario run for 40 s at 16
# clients, and the sizes of the journal, tag, snapshot and CDR tables (with their
# indexes) before and after each run. Traffic stays on 127.0.0.1; the run stops by
# itself (about 5 minutes). Needs psql (Debian's PostgreSQL client, as bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
PSQL_BIN=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | tail -1 || true)
if [ -z "$PSQL_BIN" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql-client
  PSQL_BIN=$(command -v psql)
fi
[ -f scp-node/target/scp-node.jar ] && [ -f loadtest/target/loadtest.jar ] || mvn -B -q -DskipTests package
WORK=$(mktemp -d /tmp/scp-disk.XXXXXX)
DB_PORT=${DB_PORT:-5498} HTTP_PORT=${HTTP_PORT:-18081} RUN_SECONDS=40
NODE="java -jar $PWD/scp-node/target/scp-node.jar"
LOADTEST="java -jar $PWD/loadtest/target/loadtest.jar"
PSQL="$PSQL_BIN -h 127.0.0.1 -p $DB_PORT -U postgres -qAt"
trap 'kill $(jobs -p) 2>/dev/null || true; wait; rm -rf "$WORK"' EXIT

SCP_DATA_DIR=$WORK/db SCP_DB_PORT=$DB_PORT $NODE db > "$WORK/db.log" 2>&1 &
for _ in $(seq 120); do grep -q SCP_DB_URL "$WORK/db.log" && break; sleep 1; done
SCP_DATA_DIR=$WORK/node SCP_HTTP_PORT=$HTTP_PORT SCP_MANAGEMENT_PORT=$((HTTP_PORT + 1)) \
  SCP_REMOTE_PORT=$((HTTP_PORT + 2)) SCP_DB_USER=postgres \
  SCP_DB_URL="jdbc:postgresql://127.0.0.1:$DB_PORT/postgres?reWriteBatchedInserts=true" \
  java -Xmx2g -jar "$PWD/scp-node/target/scp-node.jar" > "$WORK/node.log" 2>&1 &
for _ in $(seq 120); do curl -sf -o /dev/null "http://127.0.0.1:$((HTTP_PORT + 1))/ready" && break; sleep 1; done

sizes() {
  $PSQL -c "VACUUM ANALYZE" -c "CHECKPOINT" > /dev/null
  $PSQL -F ' ' -c "SELECT relname, pg_total_relation_size(oid) FROM pg_class
    WHERE relname IN ('event_journal', 'event_tag', 'snapshot', 'cdr') ORDER BY 1"
}
measure() { # name, loadtest command and options
  local name=$1; shift
  local target=(--nodes "http://127.0.0.1:$HTTP_PORT" --format protobuf --concurrency 16)
  $LOADTEST "$@" "${target[@]}" --duration 20s > "$WORK/$name-warm.txt" # provisions, warms up
  sleep 3; sizes > "$WORK/$name-before.txt"
  $LOADTEST "$@" --no-provision "${target[@]}" --duration "${RUN_SECONDS}s" > "$WORK/$name.txt"
  sleep 3; sizes > "$WORK/$name-after.txt"  # the CDR projection catches up meanwhile
  local units
  units=$(grep -E "^\\| $RUN_SECONDS\\.0 s" "$WORK/$name.txt" | head -1 | awk -F'|' '{gsub(/ /, "", $3); print $3}')
  paste -d' ' "$WORK/$name-before.txt" "$WORK/$name-after.txt" | awk -v u="$units" -v n="$name" '
    { d = $4 - $2; all += d; printf "%-6s %-14s %6.0f bytes per unit\n", n, $1, d / u }
    END { printf "%-6s %-14s %6.0f bytes per unit (%d units)\n", n, "in all", all / u, u }'
}
measure calls calls --run-id disk-c --subscribers 2000
measure ims ims --run-id disk-i
measure sip-uri sip-uri --run-id disk-s --users 1000 --pools 32
measure cpm cpm --run-id disk-m
