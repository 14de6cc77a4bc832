#!/usr/bin/env bash
# Installs everything Berth needs on a fresh Debian 12 machine (as root): the JDK and Maven to build it, and
# the node components it drives (runc, crun, conmon, CNI plugins, iptables, CRIU) plus what the tests use
# (docker-registry, skopeo, busybox-static, apache2-utils for htpasswd), and libnss3, whose native SHA-256
# berthd uses for blobs and layers (the JDK's runs at ~60 MB/s under the launcher's C1-only JIT).
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (it uses apt-get)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  openjdk-17-jdk-headless maven git ca-certificates \
  runc crun conmon containernetworking-plugins iptables iproute2 criu \
  docker-registry skopeo busybox-static apache2-utils procps util-linux \
  libnss3
# kubectl drives the streaming itests (exec, attach, port-forward) as a real client. A host that already has one
# (e.g. from Google's repository, which conflicts with Debian's package) keeps it.
if ! command -v kubectl >/dev/null 2>&1; then
  apt-get install -y -q --no-install-recommends kubernetes-client
fi
