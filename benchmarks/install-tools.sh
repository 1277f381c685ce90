#!/usr/bin/env bash
# Prism and WireMock for benchmarks/run.py, installed outside the repository; the tests need neither.
# Needs npm, and Java 11+ to run WireMock. wrk comes from the system's packages (Debian: apt-get install wrk).
set -euo pipefail
tools="${APIDAZE_BENCH_TOOLS:-$HOME/.cache/apidaze-mock-bench}"
mkdir -p "$tools"
# The versions benchmarks/RESULTS.md was measured with.
npm install --prefix "$tools" --no-audit --no-fund @stoplight/prism-cli@5.14.2 wiremock@3.13.2
echo "Prism and WireMock are in $tools (benchmarks/run.py looks there, or in \$APIDAZE_BENCH_TOOLS)"
