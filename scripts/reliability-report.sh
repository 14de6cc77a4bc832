#!/usr/bin/env bash
# Writes docs/RELIABILITY.md from the outcomes the @Fault tests of the last run recorded under */target/reliability
# (unit tests and itests alike). Run by scripts/test.sh after the tests; needs testing/reliability built.
set -euo pipefail
cd "$(dirname "$0")/.."
dirs=()
for d in */target/reliability plugins/*/target/reliability; do
    [ -d "$d" ] && dirs+=("$d")
done
java -cp testing/reliability/target/classes dev.berth.testing.reliability.ReliabilityReport docs/RELIABILITY.md "${dirs[@]}"
