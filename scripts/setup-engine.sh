#!/bin/bash
# Set up (or stop) the local multi-arch build engine that `xlint build` and the integration tests use.
#
#   sudo scripts/setup-engine.sh          # install (once), start dockerd + registry, prepare base images
#   sudo scripts/setup-engine.sh stop     # stop what this script started
#   sudo scripts/setup-engine.sh status   # what is running, where the base images are
#
# Target: Debian bookworm, run as root, no Docker Hub. What it does:
#  - docker.io, docker-cli, docker-buildx from Debian trixie through a temporary apt source pinned low
#    (removed after install: every dependency stays bookworm), qemu-user-static + binfmt-support
#    (qemu-aarch64 registered with the F flag), Debian's docker-registry, mmdebstrap and buildah 1.28
#    (the second backend, `xlint build --engine buildah`) from bookworm.
#    Package maintainer scripts are kept from starting services (policy-rc.d, only while installing).
#  - dockerd (containerd image store) and docker-registry (127.0.0.1:5000, no auth) as background
#    processes with pid files under $XLINT_ENGINE_DIR/run; they keep running until `stop`.
#  - base images as OCI layouts under $XLINT_ENGINE_DIR/oci (busybox per arch; a Debian Go toolchain
#    rootfs per arch; toolchains for the fix real-build tests on top of it;
#    Debian's nodejs + npm per arch), usable as `--build-context NAME=oci-layout://DIR:latest`.
#  - $XLINT_ENGINE_DIR/env: shell-sourceable variables naming all of the above.
# Idempotent: each step is skipped when its result is already there. Prints timings.
set -euo pipefail

ENGINE_DIR=${XLINT_ENGINE_DIR:-/var/cache/xlint-engine}
RUN_DIR=$ENGINE_DIR/run
LOG_DIR=$ENGINE_DIR/log
OCI_DIR=$ENGINE_DIR/oci
WORK=$ENGINE_DIR/work
REGISTRY_ADDR=127.0.0.1:5000
DOCKER_SOCK=/var/run/docker.sock
ARCHES=${XLINT_ENGINE_ARCHES:-"amd64 arm64"}
MIRROR=${XLINT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
export DEBIAN_FRONTEND=noninteractive

T_START=$(date +%s)
step_t=$T_START
log() { echo "setup-engine: $*" >&2; }
timing() { local now; now=$(date +%s); log "$1: $((now - step_t)) s"; step_t=$now; }
die() { log "error: $*"; exit 1; }

pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pidfile() {   # stop_pidfile NAME FILE
  local f=$2 pid
  if pid_alive "$f"; then
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    log "stopped $1 (pid $pid)"
  fi
  rm -f "$f"
}

cmd_stop() {
  stop_pidfile dockerd "$RUN_DIR/dockerd.pid"
  stop_pidfile docker-registry "$RUN_DIR/registry.pid"
}

cmd_status() {
  pid_alive "$RUN_DIR/dockerd.pid" && echo "dockerd: running (pid $(cat "$RUN_DIR/dockerd.pid"))" || echo "dockerd: stopped"
  pid_alive "$RUN_DIR/registry.pid" && echo "registry: running on $REGISTRY_ADDR (pid $(cat "$RUN_DIR/registry.pid"))" || echo "registry: stopped"
  [ -f "$ENGINE_DIR/env" ] && cat "$ENGINE_DIR/env"
  return 0
}

# ---------------------------------------------------------------------------------------------- install
install_packages() {
  local need=()
  command -v dockerd >/dev/null || need+=(docker.io/trixie)
  [ -x /usr/bin/docker ] || need+=(docker-cli/trixie)
  [ -x /usr/libexec/docker/cli-plugins/docker-buildx ] || need+=(docker-buildx/trixie)
  for p in qemu-user-static binfmt-support docker-registry mmdebstrap arch-test ca-certificates curl buildah runc; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
  done
  if [ ${#need[@]} -eq 0 ]; then log "packages: already installed"; return; fi
  log "installing: ${need[*]}"
  local src=/etc/apt/sources.list.d/xlint-trixie.sources pin=/etc/apt/preferences.d/xlint-trixie
  local prc=/usr/sbin/policy-rc.d made_prc=0
  # maintainer scripts must not start dockerd/registry with distro defaults (e.g. registry on 0.0.0.0)
  if [ ! -e $prc ]; then printf '#!/bin/sh\nexit 101\n' > $prc; chmod +x $prc; made_prc=1; fi
  cleanup_apt() {
    rm -f "$src" "$pin"
    if [ "$made_prc" = 1 ]; then rm -f $prc; fi
  }
  trap 'cleanup_apt' EXIT
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$MIRROR" > "$src"
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > "$pin"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >"$LOG_DIR/apt.log" 2>&1 \
    || { tail -30 "$LOG_DIR/apt.log" >&2; die "apt-get install failed (log: $LOG_DIR/apt.log)"; }
  cleanup_apt; trap - EXIT
  apt-get update -qq
  # the packages' own init scripts did not run (policy-rc.d); make sure nothing of theirs is running
}

setup_binfmt() {
  local bm=/proc/sys/fs/binfmt_misc
  mountpoint -q $bm || mount -t binfmt_misc binfmt_misc $bm || die "cannot mount binfmt_misc at $bm"
  if [ ! -e $bm/qemu-aarch64 ]; then
    update-binfmts --import qemu-aarch64 2>/dev/null || update-binfmts --enable qemu-aarch64 || true
  fi
  if [ ! -e $bm/qemu-aarch64 ]; then
    # register by hand (same magic/mask as Debian's qemu-user-static), F = interpreter opened now
    echo ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/libexec/qemu-binfmt/aarch64-binfmt-P:OCPF' \
      > $bm/register
  fi
  grep -q '^enabled' $bm/qemu-aarch64 || echo 1 > $bm/qemu-aarch64
  grep -q '^flags: .*F' $bm/qemu-aarch64 || die "qemu-aarch64 binfmt handler lacks the F flag"
}

# ---------------------------------------------------------------------------------------------- daemons
start_registry() {
  if pid_alive "$RUN_DIR/registry.pid"; then log "registry: already running"; return; fi
  if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then
    log "registry: one not started by this script answers on $REGISTRY_ADDR: using it"; return
  fi
  mkdir -p "$ENGINE_DIR/registry"
  cat > "$ENGINE_DIR/registry.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $ENGINE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
EOF
  setsid docker-registry serve "$ENGINE_DIR/registry.yml" >"$LOG_DIR/registry.log" 2>&1 < /dev/null &
  echo $! > "$RUN_DIR/registry.pid"
  for _ in $(seq 1 40); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && { log "registry: listening on $REGISTRY_ADDR"; return; }
    pid_alive "$RUN_DIR/registry.pid" || break
    sleep 0.25
  done
  tail -20 "$LOG_DIR/registry.log" >&2; die "registry did not start"
}

start_dockerd() {
  if pid_alive "$RUN_DIR/dockerd.pid" && docker -H "unix://$DOCKER_SOCK" info >/dev/null 2>&1; then
    log "dockerd: already running"; return
  fi
  if ! pid_alive "$RUN_DIR/dockerd.pid" && docker -H "unix://$DOCKER_SOCK" info >/dev/null 2>&1; then
    # a daemon not started by this script: usable only with the containerd image store
    docker -H "unix://$DOCKER_SOCK" info --format '{{json .DriverStatus}}' | grep -q 'io.containerd.snapshotter' \
      || die "a dockerd without the containerd image store runs on $DOCKER_SOCK: stop it, or set {\"features\":{\"containerd-snapshotter\":true}} in its daemon.json"
    log "dockerd: one not started by this script runs on $DOCKER_SOCK (containerd image store): using it"; return
  fi
  # dockerd's own config (the system's /etc/docker/daemon.json is left alone)
  cat > "$ENGINE_DIR/daemon.json" <<EOF
{
  "features": {"containerd-snapshotter": true},
  "insecure-registries": ["$REGISTRY_ADDR", "localhost:5000"],
  "pidfile": "$RUN_DIR/dockerd.pid"
}
EOF
  # XLINT_DOCKERD_ARGS: extra flags for sandboxes, e.g. "--iptables=false --ip6tables=false"
  # shellcheck disable=SC2086
  setsid dockerd --config-file "$ENGINE_DIR/daemon.json" -H "unix://$DOCKER_SOCK" \
    ${XLINT_DOCKERD_ARGS:-} >"$LOG_DIR/dockerd.log" 2>&1 < /dev/null &
  local launcher=$!
  for _ in $(seq 1 120); do
    docker -H "unix://$DOCKER_SOCK" info >/dev/null 2>&1 && break
    kill -0 $launcher 2>/dev/null || { tail -30 "$LOG_DIR/dockerd.log" >&2; die "dockerd exited (log: $LOG_DIR/dockerd.log)"; }
    sleep 0.5
  done
  docker -H "unix://$DOCKER_SOCK" info >/dev/null 2>&1 || { tail -30 "$LOG_DIR/dockerd.log" >&2; die "dockerd did not answer"; }
  echo $launcher > "$RUN_DIR/dockerd.pid"
  log "dockerd: $(docker -H "unix://$DOCKER_SOCK" info --format '{{.ServerVersion}} storage={{.Driver}}')"
}

# ---------------------------------------------------------------------------------------------- images
# write_layout OUTDIR CMD_JSON ARCH=ROOTFS_TAR... : an OCI image layout (index -> per-arch manifests,
# one uncompressed layer each) tagged "latest". Plain files, no daemon needed.
write_layout() {
  rm -rf "$(dirname "$1")"/.layout-*
  python3 - "$@" <<'PY'
import hashlib, json, os, shutil, sys, tempfile

out, cmd, *pairs = sys.argv[1:]
tmp = tempfile.mkdtemp(dir=os.path.dirname(out), prefix=".layout-")
os.chmod(tmp, 0o755)
blobs = os.path.join(tmp, "blobs", "sha256")
os.makedirs(blobs)

def put_bytes(data: bytes) -> tuple[str, int]:
    d = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, d), "wb") as f:
        f.write(data)
    return "sha256:" + d, len(data)

def put_file(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    d = h.hexdigest()
    size = os.path.getsize(path)
    os.replace(path, os.path.join(blobs, d))  # same file system: a rename, no copy
    return "sha256:" + d, size

manifests = []
for pair in pairs:
    arch, tar = pair.split("=", 1)
    layer, lsize = put_file(tar)
    config = {
        "architecture": arch, "os": "linux",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": json.loads(cmd)},
        "rootfs": {"type": "layers", "diff_ids": [layer]},
        "history": [{"created_by": "xlint setup-engine.sh: " + os.path.basename(tar)}],
    }
    cdig, csize = put_bytes(json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cdig, "size": csize},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer, "size": lsize}],
    }
    mdig, msize = put_bytes(json.dumps(manifest, sort_keys=True).encode())
    manifests.append({"mediaType": manifest["mediaType"], "digest": mdig, "size": msize,
                      "platform": {"architecture": arch, "os": "linux"}})
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests}
idig, isize = put_bytes(json.dumps(index, sort_keys=True).encode())
top = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
       "manifests": [{"mediaType": index["mediaType"], "digest": idig, "size": isize,
                      "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
with open(os.path.join(tmp, "index.json"), "w") as f:
    json.dump(top, f)
with open(os.path.join(tmp, "oci-layout"), "w") as f:
    json.dump({"imageLayoutVersion": "1.0.0"}, f)
if os.path.exists(out):
    shutil.rmtree(out)
os.rename(tmp, out)
PY
}

busybox_rootfs() {   # busybox_rootfs ARCH -> $WORK/busybox-ARCH.tar
  local a=$1; local d=$WORK/bb-$a
  rm -rf "$d"; mkdir -p "$d/deb" "$d/root/bin" "$d/root/etc" "$d/root/tmp" "$d/root/root"
  chown _apt "$d/deb" 2>/dev/null || true
  (cd "$d/deb" && apt-get download -qq "busybox-static:$a" >/dev/null) || die "apt-get download busybox-static:$a failed"
  dpkg-deb -x "$d"/deb/busybox-static_*.deb "$d/x"
  cp "$d/x/bin/busybox" "$d/root/bin/busybox"
  # applet list from the host's busybox of the same version (runs natively)
  local lister="$d/x/bin/busybox"
  [ "$a" = "$(dpkg --print-architecture)" ] || lister=$(ls "$WORK"/bb-"$(dpkg --print-architecture)"/x/bin/busybox)
  for app in $("$lister" --list); do [ "$app" = busybox ] || ln -sf busybox "$d/root/bin/$app"; done
  echo 'root:x:0:0:root:/root:/bin/sh' > "$d/root/etc/passwd"
  echo 'root:x:0:' > "$d/root/etc/group"
  chmod 1777 "$d/root/tmp"
  tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$d/root" -cf "$WORK/busybox-$a.tar" .
}

prepare_busybox() {
  local out=$OCI_DIR/busybox
  if [ -f "$out/index.json" ]; then log "busybox layout: already there"; return; fi
  dpkg --print-foreign-architectures | grep -qx arm64 || { dpkg --add-architecture arm64; apt-get update -qq; }
  local host; host=$(dpkg --print-architecture); local pairs=()
  busybox_rootfs "$host"
  for a in $ARCHES; do [ "$a" = "$host" ] || busybox_rootfs "$a"; pairs+=("$a=$WORK/busybox-$a.tar"); done
  write_layout "$out" '["/bin/sh"]' "${pairs[@]}"
  rm -rf "$WORK"/bb-*
  log "busybox layout: $out (${ARCHES})"
}

# debian_layout NAME CMD_JSON PACKAGES: an OCI layout of a minimal Debian bookworm rootfs per arch
# (mmdebstrap, apt variant, no recommends, no docs/man/locales) with PACKAGES (comma-separated).
debian_layout() {
  local name=$1 cmd=$2 include=$3 out=$OCI_DIR/$1
  local pids=() pairs=() a
  for a in $ARCHES; do
    local tar=$WORK/$name-$a.tar
    pairs+=("$a=$tar")
    [ -s "$tar" ] && continue
    # foreign arches run their maintainer scripts under qemu-user-static (binfmt, F flag)
    mmdebstrap --quiet --variant=apt --arch="$a" --aptopt='APT::Install-Recommends "false"' \
      --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
      --dpkgopt='path-exclude=/usr/share/locale/*' \
      --include="$include" bookworm "${tar%.tar}.part.tar" "$MIRROR" >"$LOG_DIR/mmdebstrap-$name-$a.log" 2>&1 \
      && mv "${tar%.tar}.part.tar" "$tar" &
    pids+=($!)
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=1; done
  [ $rc = 0 ] || { tail -20 "$LOG_DIR"/mmdebstrap-"$name"-*.log >&2; die "mmdebstrap failed (logs: $LOG_DIR)"; }
  write_layout "$out" "$cmd" "${pairs[@]}"
}

prepare_golang() {
  local out=$OCI_DIR/golang
  if [ -f "$out/index.json" ]; then log "golang layout: already there"; return; fi
  debian_layout golang '["/bin/bash"]' golang-go,ca-certificates
  log "golang layout: $out (${ARCHES}; Debian bookworm golang-go)"
}

# Node for the fix real-build test of a runtime that installs its own node_modules (node-deps): Debian's
# nodejs and npm, nothing else (both the builder and the runtime image of that test).
prepare_node() {
  local out=$OCI_DIR/node
  if [ -f "$out/index.json" ]; then log "node layout: already there"; return; fi
  debian_layout node '["node"]' nodejs,npm
  log "node layout: $out (${ARCHES}; Debian bookworm nodejs + npm, $(du -sm "$out" | cut -f1) MB)"
}

# ---------------------------------------------------------------------------------------------- toolchains
# Toolchains for the `xlint fix` real-build tests (tests/test_fix_real_builds.py): one image per arch on
# top of the golang layout's Debian rootfs (reused, not bootstrapped again), built with the engine
# itself (apt-get in a RUN; arm64 under qemu-aarch64, ~1.5 min on 2 vCPU). Both arches: nodejs +
# node-typescript (asset build), default-jdk-headless (javac/jar/java), gcc + cmake (C build) -- the
# original Dockerfiles compile on each target platform, and their runtime images run the program on
# both. amd64 only (the build platform of the fixed builders): clang, lld and the Debian aarch64 cross
# gcc, so that the cross builder's installs find them in place.
TOOLCHAINS_BOTH="nodejs node-typescript default-jdk-headless gcc g++ libc6-dev cmake make"
TOOLCHAINS_BUILD="clang lld gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross"

prepare_toolchains() {
  local out=$OCI_DIR/toolchains
  if [ -f "$out/index.json" ]; then log "toolchains layout: already there"; return; fi
  local d=$WORK/toolchains plats=() a
  rm -rf "$d" "$out.part"; mkdir -p "$d"
  for a in $ARCHES; do plats+=("linux/$a"); done
  cat > "$d/Dockerfile" <<EOF
FROM debian-base
ARG TARGETARCH
# the base rootfs leaves out /usr/share/man: update-alternatives (openjdk) needs man1 to exist
RUN mkdir -p /usr/share/man/man1 && apt-get update -qq \\
    && apt-get install -y -qq --no-install-recommends $TOOLCHAINS_BOTH \\
    && if [ "\$TARGETARCH" = "$(dpkg --print-architecture)" ]; then \\
         apt-get install -y -qq --no-install-recommends $TOOLCHAINS_BUILD; fi \\
    && rm -rf /var/lib/apt/lists/*
EOF
  docker -H "unix://$DOCKER_SOCK" buildx build --progress=plain --provenance=false \
    --platform "$(IFS=,; echo "${plats[*]}")" \
    --build-context "debian-base=oci-layout://$OCI_DIR/golang:latest" \
    --output "type=oci,tar=false,dest=$out.part,name=xlint/toolchains:latest,compression=uncompressed" "$d" >"$LOG_DIR/toolchains.log" 2>&1 \
    || { grep -v '^#[0-9]* [0-9.]* \(Get\|Selecting\|Preparing\|Unpacking\|Setting up\)' "$LOG_DIR/toolchains.log" | tail -30 >&2
         die "toolchains image build failed (log: $LOG_DIR/toolchains.log)"; }
  mv "$out.part" "$out"
  rm -rf "$d"
  log "toolchains layout: $out (${ARCHES}; node, typescript, JDK, gcc, cmake; cross gcc + clang on $(dpkg --print-architecture))"
}

write_env() {
  cat > "$ENGINE_DIR/env.tmp" <<EOF
XLINT_ENGINE_DIR=$ENGINE_DIR
XLINT_REGISTRY=$REGISTRY_ADDR
XLINT_BUSYBOX_LAYOUT=$OCI_DIR/busybox
XLINT_GOLANG_LAYOUT=$OCI_DIR/golang
XLINT_TOOLCHAINS_LAYOUT=$OCI_DIR/toolchains
XLINT_NODE_LAYOUT=$OCI_DIR/node
DOCKER_HOST=unix://$DOCKER_SOCK
EOF
  mv "$ENGINE_DIR/env.tmp" "$ENGINE_DIR/env"
}

cmd_start() {
  [ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
  mkdir -p "$RUN_DIR" "$LOG_DIR" "$OCI_DIR" "$WORK"
  # binfmt_misc first: qemu-user-static's postinst registers its handlers there
  mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
  install_packages; timing "packages"
  setup_binfmt; timing "binfmt (qemu-aarch64, F flag)"
  start_registry; start_dockerd; timing "daemons"
  docker buildx version >/dev/null 2>&1 || die "docker buildx plugin not found"
  prepare_busybox; prepare_golang; timing "base images"
  prepare_toolchains; timing "toolchains image (fix real-build tests)"
  prepare_node; timing "node layout (fix real-build tests)"
  write_env
  log "ready in $(( $(date +%s) - T_START )) s; variables in $ENGINE_DIR/env; stop with: $0 stop"
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
