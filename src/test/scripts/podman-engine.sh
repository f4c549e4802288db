#!/usr/bin/env bash
# A real Podman engine for the Docker/Podman tool tests (../shared/notes/podman-for-tests.md), isolated in DIR:
# its own storage, run and tmp directories, an image imported from Debian's static busybox (no network needed),
# four containers (a ticker writing stdout and stderr, a ticker with a TTY, one that exited with code 3, one with a
# passing health check), and `podman system service` serving the Docker-compatible API on DIR/podman.sock.
#
#   podman-engine.sh start DIR   # prints the socket path; exit 3 (with the reason) where Podman cannot run here
#   podman-engine.sh stop DIR    # stops the service by its pid and removes the containers
#   podman-engine.sh trouble DIR # adds what HAIA's watch must find: "sick" (its health check fails), "crasher"
#                                # (exits with code 2) and "hog" (killed at its 16 MB memory limit, exit code 137)
set -euo pipefail

cmd=${1:?usage: podman-engine.sh start|stop|trouble DIR}
dir=${2:?usage: podman-engine.sh start|stop|trouble DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
# podman's conmon writes a file "oom" into its working directory when a container is killed at its memory
# limit ("hog" below): that is the engine's folder, never the caller's (the repository)
cd "$dir"
# crun refuses this kind of machine's hybrid cgroup layout; runc with cgroupfs works (podman-for-tests.md)
P=(podman --root "$dir/root" --runroot "$dir/runroot" --tmpdir "$dir/tmp" --runtime runc --cgroup-manager cgroupfs
   --events-backend file)
# without these limits runc fails with "setrlimit ... Operation not permitted"; no network: nothing is exposed
RUN=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

case "$cmd" in
start)
    if ! command -v podman >/dev/null || ! command -v runc >/dev/null || [ ! -x /usr/bin/busybox ]; then
        echo "podman-engine: podman, runc or busybox-static is not installed (apt-get install podman runc busybox-static)" >&2
        exit 3
    fi
    if ! out=$("${P[@]}" info 2>&1); then
        echo "podman-engine: Podman cannot run on this machine: $out" >&2
        exit 3
    fi
    img="$dir/image"
    mkdir -p "$img/bin"
    cp /usr/bin/busybox "$img/bin/"
    for c in sh echo sleep true; do ln -sf busybox "$img/bin/$c"; done
    tar -C "$img" -cf "$dir/busybox.tar" .
    "${P[@]}" import -q "$dir/busybox.tar" localhost/haia-test-busybox:latest >/dev/null
    "${P[@]}" run -d --name ticker "${RUN[@]}" localhost/haia-test-busybox:latest /bin/sh -c \
        'i=0; while true; do echo "tick $i"; echo "warn $i" >&2; i=$((i+1)); sleep 1; done' >/dev/null
    "${P[@]}" run -d -t --name ttyticker "${RUN[@]}" localhost/haia-test-busybox:latest /bin/sh -c \
        'while true; do echo "tty line"; sleep 1; done' >/dev/null
    "${P[@]}" run --name quitter "${RUN[@]}" localhost/haia-test-busybox:latest /bin/sh -c 'echo bye; exit 3' \
        >/dev/null || true
    "${P[@]}" run -d --name healthy --health-cmd true "${RUN[@]}" localhost/haia-test-busybox:latest \
        /bin/sh -c 'sleep 100000' >/dev/null 2>&1
    # no systemd timers here: run the health check once by hand
    "${P[@]}" healthcheck run healthy >/dev/null 2>&1
    "${P[@]}" system service --time=0 "unix://$dir/podman.sock" >"$dir/service.log" 2>&1 &
    echo $! >"$dir/service.pid"
    for _ in $(seq 1 100); do
        [ -S "$dir/podman.sock" ] && break
        sleep 0.1
    done
    [ -S "$dir/podman.sock" ] || { echo "podman-engine: the API service did not start: $(cat "$dir/service.log")" >&2; exit 1; }
    echo "$dir/podman.sock"
    ;;
trouble)
    "${P[@]}" run -d --name sick --health-cmd false --health-retries 1 "${RUN[@]}" localhost/haia-test-busybox:latest \
        /bin/sh -c 'sleep 100000' >/dev/null 2>&1
    "${P[@]}" healthcheck run sick >/dev/null 2>&1 || true    # no systemd timers here: once by hand, and it fails
    "${P[@]}" run --name crasher "${RUN[@]}" localhost/haia-test-busybox:latest /bin/sh -c 'exit 2' >/dev/null 2>&1 || true
    "${P[@]}" run --name hog --memory 16m --memory-swap 16m "${RUN[@]}" localhost/haia-test-busybox:latest \
        /bin/sh -c 'x=a; while true; do x=$x$x; done' >/dev/null 2>&1 || true
    ;;
stop)
    if [ -f "$dir/service.pid" ]; then
        pid=$(cat "$dir/service.pid")
        kill "$pid" 2>/dev/null || true
        # wait for it to finish its own shutdown (it touches the storage) before cleaning up below
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        rm -f "$dir/service.pid"
    fi
    "${P[@]}" rm -f -t 0 --all >/dev/null 2>&1 || true
    # conmon starts "podman container cleanup" when a container dies; each opens the storage again: let them finish
    for _ in $(seq 1 100); do
        pgrep -f -- "$dir/root" >/dev/null || break
        sleep 0.1
    done
    # Podman bind-mounts its overlay directory onto itself: release every mount below DIR so it can be deleted
    for _ in $(seq 1 20); do
        mounts=$(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
        [ -z "$mounts" ] && break
        for m in $mounts; do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
        done
        sleep 0.1
    done
    ;;
*)
    echo "usage: podman-engine.sh start|stop|trouble DIR" >&2
    exit 2
    ;;
esac
