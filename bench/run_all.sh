#!/usr/bin/env bash
# Every benchmark, both scales, one command:
#   bench/run_all.sh            (RUNS=3 by default; RUNS=5 bench/run_all.sh for more)
# Builds the 100k database first when it is missing (~15 min on 2 cores), then runs
# recall, search latency, reindex throughput and freshness (~40 min in all). The
# markdown tables go to stdout and bench/results/latest.md; model/server chatter to
# bench/results/latest.log. Needs the embedded PostgreSQL (or DATABASE_URL) and
# Redis on 127.0.0.1:6379 (db 13: query-vector cache, db 14: freshness broker).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RUNS="${RUNS:-3}"
mkdir -p bench/results
{
  echo "# Benchmark results ($(date -u '+%Y-%m-%d %H:%M UTC'), RUNS=$RUNS)"
  $PY bench/load100k.py
  $PY bench/recall.py --scale all --runs "$RUNS"
  $PY bench/search.py --scale all --runs "$RUNS"
  $PY bench/reindex.py --runs "$RUNS"
  $PY bench/freshness.py --runs "$RUNS"
} 2>bench/results/latest.log | tee bench/results/latest.md
