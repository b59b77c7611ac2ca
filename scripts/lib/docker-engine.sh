# shellcheck shell=bash
# shellcheck disable=SC2154 # work, cache, tag and started_at are the sourcing script's
# The Docker engine and base image the container tests share (scripts/test-container, scripts/test-systemd):
# sourced, not run. The sourcing script sets `say` (its own prefix), `work` (a fresh temporary folder), `cache`
# (kept between runs) and `tag` (the label on everything it creates), then calls, in order:
#
#   engine_require     root, docker.io and debootstrap (installed if missing), or `unavailable`
#   engine_start       dockerd on a socket in $work, no bridge, no iptables; sets DOCKER_HOST and dockerd_pid
#   engine_base_image  debian:bookworm-slim from a debootstrap rootfs cached in $cache; sets `rootfs`
#
# and `engine_cleanup` from its EXIT trap.

dockerd_pid=

# No engine is a failure in CI and a skipped test elsewhere.
unavailable() {
    if [ "${CI:-}" = true ]; then
        say "FAIL: $* (CI=true: the container test must run)"
        exit 1
    fi
    say "warning: SKIPPED, no Docker engine: $*"
    exit 0
}

engine_require() {
    [ "$(id -u)" -eq 0 ] || unavailable "dockerd must run as root"
    local missing=() package
    for package in docker.io debootstrap; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    if ((${#missing[@]})); then
        say "installing ${missing[*]}"
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null 2>&1 ||
            unavailable "apt-get could not install ${missing[*]}"
    fi
    command -v dockerd >/dev/null || unavailable "no dockerd on PATH after installing docker.io"
}

engine_start() {
    export DOCKER_HOST=unix://$work/docker.sock
    # BuildKit would fetch its frontend from a registry; the legacy builder needs nothing.
    export DOCKER_BUILDKIT=0
    dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" -H "$DOCKER_HOST" \
        --bridge=none --iptables=false --ip-masq=false --storage-driver=overlay2 >"$work/dockerd.log" 2>&1 &
    dockerd_pid=$!
    for _ in $(seq 300); do
        docker version >/dev/null 2>&1 && break
        kill -0 "$dockerd_pid" 2>/dev/null || break
        sleep 0.1
    done
    if ! docker version >/dev/null 2>&1; then
        tail -n 20 "$work/dockerd.log" >&2
        unavailable "dockerd did not start (its log is above)"
    fi
    say "dockerd $(docker version -f '{{.Server.Version}}') (pid $dockerd_pid) at $DOCKER_HOST"
}

# Images and containers live in the temporary data root: removing them is stopping the engine and deleting it.
# Still remove ours first, so a kept engine (debugging) is left clean. Then the folder, with any mount a killed
# engine left behind (it would keep its folder busy).
engine_cleanup() {
    if [ -n "$dockerd_pid" ]; then
        docker ps -aq --filter "label=prestart-test=$tag" | xargs -r docker rm -f >/dev/null 2>&1
        docker rmi -f "$tag" >/dev/null 2>&1
        kill "$dockerd_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$dockerd_pid" 2>/dev/null
        wait "$dockerd_pid" 2>/dev/null
    fi
    grep -o " $work/[^ ]*" /proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null
    rm -rf "$work"
}

# Writes the rootfs to a temporary name and renames it, so an interrupted run never leaves a half tarball to be
# trusted.
engine_base_image() {
    base_image=debian:bookworm-slim
    mkdir -p "$cache"
    local mirror
    mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    mirror=${mirror:-http://deb.debian.org/debian}

    rootfs=$cache/bookworm-slim-standin.tar
    if [ ! -s "$rootfs" ]; then
        say "debootstrap --variant=minbase bookworm from $mirror"
        local t0
        t0=$(date +%s)
        debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || {
            tail -n 20 "$work/debootstrap.log" >&2
            say "FAIL: debootstrap (its log is above)"
            exit 1
        }
        # What debuerreotype does to the official slim image, so the sizes measured here are comparable: later
        # installs leave out docs, man pages and locales, and apt keeps no package caches in a layer.
        cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
        cat >"$work/rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
        find "$work/rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
        find "$work/rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
        rm -rf "$work/rootfs/usr/share/man/"* "$work/rootfs/usr/share/info/"* "$work/rootfs/usr/share/locale/"* \
            "$work/rootfs/usr/share/groff/"* "$work/rootfs/usr/share/lintian/"* \
            "$work/rootfs/var/cache/apt/"*.bin "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
        tar -C "$work/rootfs" -c . >"$rootfs.tmp" && mv "$rootfs.tmp" "$rootfs"
        say "rootfs made in $(($(date +%s) - t0)) s"
    fi
    docker import "$rootfs" "$base_image" >/dev/null
    say "base image imported ($(($(date +%s) - started_at)) s so far)"
}
