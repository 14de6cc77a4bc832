#!/usr/bin/env bash
# One command on a fresh Debian 12 machine, as root: install what Berth needs, build it, and run berthd in the
# foreground with /etc/berth/config.toml (built-in defaults when absent). Extra arguments go to berthd.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec dist/target/berth/bin/berthd "$@"
