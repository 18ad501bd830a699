#!/usr/bin/env bash
# Benchmark of record: pgbench's TPC-B and the SCP's figures (prepaid calls; IMS
# registrations, SIP-URI allocate+release and CPM messages) from one run on this
# machine, written to docs/benchmarks.md. Traffic stays on 127.0.0.1 and the run
# stops by itself (about 23 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v pgbench >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq postgresql
fi
mvn -B -q -DskipTests package
java -jar loadtest/target/loadtest.jar bench --out docs/benchmarks.md "$@"
