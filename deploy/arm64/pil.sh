#!/usr/bin/env bash
# Processor in the loop across two machines, proved on one: the flight stack runs inside the aarch64 root
# (qemu-user; made by check.sh) as `ginny board --world`, the world on this host as `ginny sim --board`, in
# lockstep over tcp (the stack at 127.0.0.2, the world at 127.0.0.1). Then the same plan and seed fly once
# more with both sides on this host (x86) and the two landings are compared.
#
#   sudo deploy/arm64/pil.sh                      # Flight 1, seed 1
#   PLAN=tests/system/plans/hop.toml SEED=2 deploy/arm64/pil.sh
#
# Environment: ARM64_ROOT (default /var/tmp/ginny-arm64-root: run check.sh once first), PLAN, SEED, OUT (the
# host's output folder, default pil-out). Needs root (chroot, mounts). The emulated CPU is 10-30x slower: a
# lockstep run does not care, it only takes longer.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
ROOT=${ARM64_ROOT:-/var/tmp/ginny-arm64-root}
PLAN=${PLAN:-flight1}
SEED=${SEED:-1}
OUT=$(realpath -m "${OUT:-pil-out}")
WORLD=127.0.0.1:7160
STACK=127.0.0.2:7100
start=$(date +%s)
say() { echo "[pil $(( $(date +%s) - start ))s] $*"; }

[ -x "$ROOT/opt/ginny/.venv/bin/ginny" ] || { echo "no ginny in $ROOT: run deploy/arm64/check.sh first" >&2; exit 2; }
[ -x "$REPO/.venv/bin/ginny" ] || make -C "$REPO" venv
[ ! -e "$OUT" ] || { echo "$OUT exists: give a new OUT" >&2; exit 2; }
mkdir -p "$OUT"
case "$PLAN" in */*) plan_in_root=/opt/ginny/$PLAN; plan_here=$REPO/$PLAN ;; *) plan_in_root=$PLAN; plan_here=$PLAN ;; esac

cleanup() {
    [ -n "${board_pid:-}" ] && kill "$board_pid" 2>/dev/null || true
    for m in dev/shm dev/pts dev proc; do
        mountpoint -q "$ROOT/$m" && umount -l "$ROOT/$m" || true
    done
}
trap cleanup EXIT
[ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || { echo "qemu-aarch64 is not registered: run check.sh" >&2; exit 2; }
mount -t proc proc "$ROOT/proc"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
mount -t tmpfs tmpfs "$ROOT/dev/shm"

say "copying ginny (the committed tree) into the root, keeping its venv"
git -C "$REPO" archive HEAD | tar -x -C "$ROOT/opt/ginny"
# The simulated flight's stack config, with room for processes that take a minute to start under emulation
# (nothing that changes a lockstep run).
sed -e 's|^topology = "topology.toml"|topology = "/opt/ginny/fsw/config/topology.toml"|' \
    -e 's|^\[health\]|[health]\nready_timeout_ms = 600000\nstop_timeout_ms = 60000|' \
    "$REPO/fsw/config/sim_flight.toml" > "$ROOT/opt/ginny/pil-stack.toml"
rm -rf "$ROOT/tmp/pil-board"

say "the flight stack on aarch64 (qemu): ginny board --world tcp://$WORLD --bind $STACK --plan $PLAN"
chroot "$ROOT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root TMPDIR=/tmp \
    /bin/bash -c "cd /opt/ginny && uname -m && .venv/bin/ginny board --world tcp://$WORLD --bind $STACK \
        --plan $plan_in_root --config /opt/ginny/pil-stack.toml --out /tmp/pil-board" > "$OUT/board.log" 2>&1 &
board_pid=$!

say "the world on $(uname -m): ginny sim --plan $PLAN --seed $SEED --backend board --board tcp://$STACK"
"$REPO/.venv/bin/ginny" sim --plan "$plan_here" --seed "$SEED" --backend board --board "tcp://$STACK" --bind "$WORLD" \
    --out "$OUT/split" > "$OUT/split.log" 2>&1 || true
wait "$board_pid" || true
board_pid=
cp -r "$ROOT/tmp/pil-board" "$OUT/board"
tail -n 3 "$OUT/board.log"

say "the same plan and seed with both sides on $(uname -m)"
"$REPO/.venv/bin/ginny" sim --plan "$plan_here" --seed "$SEED" --backend board --out "$OUT/x86" > "$OUT/x86.log" 2>&1 || true

"$REPO/.venv/bin/python" - "$OUT" <<'EOF'
import json, math, sys
out = sys.argv[1]
s = {k: json.load(open(f"{out}/{k}/summary.json")) for k in ("split", "x86")}
for k, v in s.items():
    f = v["flight"]
    print(f"{k:6} {v['outcome']}: landed at ({f['final_north_m']:.4f}, {f['final_east_m']:.4f}) m, "
          f"{f['landing_error_m']} m from the target, max tilt {f['max_tilt_deg']:.3f} deg, "
          f"{v['world']['steps']} steps, {v['world']['frames']} frames, {v['wall_time_s']:.0f} s wall")
a, b = s["split"]["flight"], s["x86"]["flight"]
apart = math.hypot(a["final_north_m"] - b["final_north_m"], a["final_east_m"] - b["final_east_m"])
print(f"aarch64 stack vs x86 stack: landings {apart * 1000:.1f} mm apart, max tilt "
      f"{abs(a['max_tilt_deg'] - b['max_tilt_deg']):.3f} deg apart")
sys.exit(0 if s["split"]["outcome"] == "landed" and apart <= 0.3 else 1)
EOF
say "done: $OUT"
