#!/usr/bin/env bash
# Install ginny on an ARM Linux board as a systemd service running `ginny board`.
#
#   sudo deploy/install-board.sh [--config FILE] [--keys DIR] [--no-start]
#
# What it does: a `ginny` system user in the i2c, spi, video and dialout groups; udev rules giving those groups
# the devices; ginny in a venv at /opt/ginny (pip, with the board extra: smbus2, spidev, pyserial); the board
# config at /etc/ginny/board.toml (deploy/board.example.toml unless --config); the ground link's keys at
# /etc/ginny/keys (--keys, from `ginny ground keys init`); the unit ginny.service, enabled and started; and the
# real-time rights the nav process asks for (SCHED_FIFO priority and CPU set come from [processes.nav] in the config).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CONFIG="$REPO/deploy/board.example.toml"
KEYS=""
START=1
while [ $# -gt 0 ]; do
    case "$1" in
        --config) CONFIG=$2; shift 2 ;;
        --keys) KEYS=$2; shift 2 ;;
        --no-start) START=0; shift ;;
        *) echo "install-board.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ "$(id -u)" -eq 0 ] || { echo "install-board.sh: run as root (sudo)" >&2; exit 2; }
[ -f "$CONFIG" ] || { echo "install-board.sh: no config $CONFIG" >&2; exit 2; }

echo "== packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q python3 python3-venv python3-dev gcc i2c-tools v4l-utils

echo "== user and groups"
for g in i2c spi video dialout; do getent group "$g" >/dev/null || groupadd --system "$g"; done
id ginny >/dev/null 2>&1 || useradd --system --home /var/lib/ginny --shell /usr/sbin/nologin ginny
usermod -a -G i2c,spi,video,dialout ginny
install -m 0644 "$REPO/deploy/99-ginny.rules" /etc/udev/rules.d/99-ginny.rules
udevadm control --reload-rules && udevadm trigger || true

echo "== ginny in /opt/ginny/.venv"
mkdir -p /opt/ginny
(cd "$REPO" && tar --exclude=.venv --exclude=.git -cf - .) | tar -xf - -C /opt/ginny
python3 -m venv /opt/ginny/.venv
/opt/ginny/.venv/bin/pip install -q --upgrade pip
/opt/ginny/.venv/bin/pip install -q "/opt/ginny[board]"

echo "== config and keys"
install -d -m 0750 -o root -g ginny /etc/ginny
install -m 0640 -o root -g ginny "$CONFIG" /etc/ginny/board.toml
if [ -n "$KEYS" ]; then
    install -d -m 0750 -o root -g ginny /etc/ginny/keys /etc/ginny/keys/authorized
    install -m 0640 -o root -g ginny "$KEYS/vehicle.key" "$KEYS/vehicle.key_secret" /etc/ginny/keys/
    install -m 0644 -o root -g ginny "$KEYS"/authorized/*.key /etc/ginny/keys/authorized/
fi
install -d -o ginny -g ginny /var/lib/ginny /var/lib/ginny/flightlogs

echo "== real-time rights for the nav process"
cat > /etc/security/limits.d/ginny.conf <<LIMITS
ginny  -  rtprio   60
ginny  -  memlock  unlimited
LIMITS

echo "== service"
install -m 0644 "$REPO/deploy/ginny.service" /etc/systemd/system/ginny.service
systemctl daemon-reload
systemctl enable ginny.service
/opt/ginny/.venv/bin/ginny board --check --config /etc/ginny/board.toml || \
    echo "install-board.sh: some devices did not answer (see the table); the service will say so too"
if [ "$START" -eq 1 ]; then
    systemctl restart ginny.service
    systemctl --no-pager status ginny.service | head -5
fi
echo "installed: journalctl -u ginny -f"
