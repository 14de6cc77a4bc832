#!/usr/bin/env bash
# Records which classes berthd and berthctl load while serving a few real calls, into lib/<name>.jsa
# (AppCDS dynamic archives). The launchers use an archive when it is present; a stale one is ignored by the JVM.
set -euo pipefail
home=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/berth-cds.XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
rm -f "$home"/lib/*.jsa
cat > "$work/config.toml" <<TOML
version = 1
root = "$work/root"
state = "$work/state"
plugin_dir = "$work/plugins"
[grpc]
address = "$work/berth.sock"
TOML
BERTH_CDS_DUMP="$work/berthd.jsa" "$home/bin/berthd" --config "$work/config.toml" >"$work/berthd.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [ -S "$work/berth.sock" ] && break
  sleep 0.1
done
ctl=(env BERTH_CDS_DUMP="$work/berthctl.jsa" "$home/bin/berthctl" -r "$work/berth.sock")
"${ctl[@]}" version >/dev/null
"$home/bin/berthctl" -r "$work/berth.sock" info >/dev/null || true
"$home/bin/berthctl" -r "$work/berth.sock" plugins ls >/dev/null
kill -TERM "$pid"
wait "$pid"
mv "$work/berthd.jsa" "$work/berthctl.jsa" "$home/lib/"
echo "cds-train: wrote $home/lib/berthd.jsa and berthctl.jsa"
