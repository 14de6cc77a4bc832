#!/bin/sh
# Installs Berth from this unpacked tarball:
#   <prefix> (default /opt/berth)    bin/, lib/, systemd/, README.md; replaced on every run; lib/*.jsa trained here
#   /usr/local/bin/berthd, berthctl  links to <prefix>/bin
#   /etc/berth/config.toml           only if absent: an existing config is kept
#   /etc/cni/net.d/10-berth.conflist only if that directory holds no network yet (Berth uses the first one by name)
#   /etc/systemd/system/berth.service, enabled (not started) when systemd runs this host
# Usage: ./install.sh [--prefix DIR]   With DESTDIR=/some/root everything goes below that root and systemd is left alone.
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
prefix=/opt/berth
while [ $# -gt 0 ]; do
  case $1 in
    --prefix) [ $# -ge 2 ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }; prefix=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
case $prefix in
  /*) ;;
  *) echo "install.sh: --prefix must be an absolute path" >&2; exit 2 ;;
esac
root=${DESTDIR:-}

say() { echo "install.sh: $*"; }

# the programs: replaced as a whole, so no jar of an older version is left on the class path
mkdir -p "$root$prefix"
rm -rf "$root$prefix/bin" "$root$prefix/lib" "$root$prefix/systemd"
cp -R "$here/bin" "$here/lib" "$here/systemd" "$root$prefix/"
cp "$here/README.md" "$root$prefix/README.md"
say "installed $(ls "$root$prefix/lib" | wc -l) jars in $prefix"

mkdir -p "$root/usr/local/bin"
for tool in berthd berthctl; do
  ln -sfn "$prefix/bin/$tool" "$root/usr/local/bin/$tool"
done

mkdir -p "$root/etc/berth"
if [ -e "$root/etc/berth/config.toml" ]; then
  say "keeping /etc/berth/config.toml"
else
  install -m 0644 "$here/etc/config.toml" "$root/etc/berth/config.toml"
  say "wrote /etc/berth/config.toml"
fi

mkdir -p "$root/etc/cni/net.d"
if ls "$root/etc/cni/net.d" | grep -Eq '\.(conflist|conf|json)$'; then
  say "keeping the networks in /etc/cni/net.d"
else
  install -m 0644 "$here/cni/10-berth.conflist" "$root/etc/cni/net.d/10-berth.conflist"
  say "wrote /etc/cni/net.d/10-berth.conflist (bridge berth0, 10.88.0.0/16)"
fi

mkdir -p "$root/etc/systemd/system"
sed "s#/opt/berth/#$prefix/#g" "$here/systemd/berth.service" > "$root/etc/systemd/system/berth.service"
chmod 0644 "$root/etc/systemd/system/berth.service"

if ! command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java" >/dev/null 2>&1; then
  say "warning: no java on PATH; berthd needs Java 17 or later (Debian: apt-get install openjdk-17-jre-headless)"
fi
# the class-data archive is made for this JDK and these jars: only where they will run, not below a DESTDIR
if [ -n "$root" ]; then
  say "class-data archive not made below DESTDIR: run $prefix/bin/berth-cds-train on the node (halves start-up)"
elif command -v "${JAVA_HOME:+$JAVA_HOME/bin/}java" >/dev/null 2>&1; then
  if "$prefix/bin/berth-cds-train" "$prefix" >/dev/null 2>&1; then
    say "wrote the class-data archives in $prefix/lib (faster start-up)"
  else
    say "warning: $prefix/bin/berth-cds-train failed; berthd runs, only its start-up is slower"
  fi
fi
if [ -z "$root" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable berth.service
  say "enabled berth.service: start it with systemctl start berth"
else
  say "systemd not touched; run $prefix/bin/berthd, or enable berth.service on the node"
fi
say "kubelet flag: --container-runtime-endpoint=unix:///run/berth/berth.sock"
