#!/usr/bin/env bash
# Builds the distribution into dist/target/berth (bin/, lib/) without running tests, then trains the
# class-data-sharing archive that bin/berthd and bin/berthctl load to start faster.
set -euo pipefail
cd "$(dirname "$0")/.."
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
mvn -B -q -DskipTests -Dberth.revision="$rev" install
dist/target/berth/bin/berth-cds-train
