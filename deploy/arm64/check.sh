#!/usr/bin/env bash
# The proof that ginny runs on aarch64: a Debian bookworm arm64 root made by debootstrap and run through
# qemu-user-static (binfmt_misc), ginny installed with pip in a venv inside it, and the test suite run there.
#
#   sudo deploy/arm64/check.sh                  # unit tests, the stack's and the board path's system tests
#   TESTS="tests/fsw/comm" deploy/arm64/check.sh
#
# Environment: ARM64_ROOT (default /var/tmp/ginny-arm64-root, reused between runs), MIRROR (Debian mirror),
# TESTS (pytest arguments), TIMEOUT_SCALE (how many times longer the tests' waits and limits may take under
# emulation, default 20). Needs root (debootstrap, chroot, mounts). Everything runs under emulation: of the
# simulated flights of tests/system only the board path's flight runs by default (its drivers, chips and a
# world split across two loopback addresses: the others take hours there), the dashboard's browser test not
# at all (no chromium in the root). deploy/arm64/pil.sh flies the stack in this root against a world on the host.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=${ARM64_ROOT:-/var/tmp/ginny-arm64-root}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
BOARD_FLIGHT=tests/system/test_board_loop.py::test_a_plan_flown_through_the_board_drivers_on_another_host_lands_where_the_sim_backends_flight_does
TESTS=${TESTS:-tests --ignore=tests/system tests/system/test_stack.py $BOARD_FLIGHT}
TIMEOUT_SCALE=${TIMEOUT_SCALE:-20}
CA=/etc/ssl/certs/ca-certificates.crt
start=$(date +%s)
say() { echo "[arm64 $(( $(date +%s) - start ))s] $*"; }

need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
[ -x /usr/bin/qemu-aarch64-static ] || need+=(qemu-user-static)
if [ "${#need[@]}" -gt 0 ]; then
    say "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q "${need[@]}"
fi

# binfmt_misc: mount it if empty, then register qemu-aarch64 (F: the interpreter is opened now, so it works
# inside the chroot too).
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
if [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    printf '%s' ':qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:/usr/bin/qemu-aarch64-static:F' \
        > /proc/sys/fs/binfmt_misc/register
fi
say "binfmt: $(head -1 /proc/sys/fs/binfmt_misc/qemu-aarch64)"

if [ ! -e "$ROOT/.ginny-root-done" ]; then
    say "debootstrap bookworm arm64 into $ROOT"
    # python3-zmq is not asked for: its virtual dependency breaks debootstrap; pip installs pyzmq in the venv
    debootstrap --arch=arm64 --variant=minbase --include=python3,python3-venv,ca-certificates,libgl1,libglib2.0-0 \
        bookworm "$ROOT" "$MIRROR"
    touch "$ROOT/.ginny-root-done"
fi

cleanup() {
    for m in dev/shm dev/pts dev proc; do
        mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m" || true
    done
}
trap cleanup EXIT
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs tmpfs "$ROOT/dev/shm"

say "copying ginny (the committed tree) and this machine's CA bundle"
rm -rf "$ROOT/opt/ginny" && mkdir -p "$ROOT/opt/ginny"
git -C "$REPO" archive HEAD | tar -x -C "$ROOT/opt/ginny"
cp "$CA" "$ROOT/etc/ginny-ca.crt"

say "installing ginny in a venv with pip, under emulation"
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root \
    PIP_CERT=/etc/ginny-ca.crt REQUESTS_CA_BUNDLE=/etc/ginny-ca.crt SSL_CERT_FILE=/etc/ginny-ca.crt \
    /bin/bash -c "cd /opt/ginny && uname -m && python3 --version && python3 -m venv .venv \
        && .venv/bin/pip install -q --upgrade pip && .venv/bin/pip install -q -e '.[test]'"

say "running: pytest $TESTS"
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp \
    GINNY_TEST_TIMEOUT_SCALE="$TIMEOUT_SCALE" \
    /bin/bash -c "cd /opt/ginny && .venv/bin/python -c 'import platform, cv2, zmq, numpy; \
print(platform.machine(), \"opencv\", cv2.__version__, \"zmq\", zmq.zmq_version(), \"numpy\", numpy.__version__)' \
        && .venv/bin/python -m pytest -q -p no:cacheprovider --timeout 1800 --durations=10 $TESTS"
say "aarch64 check passed"
