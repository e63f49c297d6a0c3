"""CurveZMQ keys and the ZAP handler that admits only allowed ground stations.

Keys are ZeroMQ certificate files (`zmq.auth.create_certificates`): the vehicle's pair in KEYS/vehicle.key and
KEYS/vehicle.key_secret, and one public certificate per allowed ground station in KEYS/authorized/. The ZAP
handler (ZeroMQ's authentication protocol, RFC 27) runs on the comm process's own loop: each connecting
peer's public key is looked up in the allow-list; a peer not in it is refused and counted. The admitted
peer's public key becomes the User-Id of its frames, so commands are told apart per ground station.
"""
from __future__ import annotations

from pathlib import Path

import zmq
import zmq.auth

ZAP_ENDPOINT = "inproc://zeromq.zap.01"
ZAP_DOMAIN = "ginny"


class KeyFileError(ValueError):
    """A key file is missing or unreadable (names the file)."""


def _exists(path: Path) -> None:
    if not Path(path).is_file():
        raise KeyFileError(f"{path}: missing (make the keys with `ginny ground keys init --dir {Path(path).parent}`)")


def load_secret(path: Path) -> tuple[bytes, bytes]:
    """(public, secret) from a secret certificate file."""
    _exists(path)
    try:
        public, secret = zmq.auth.load_certificate(path)
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: cannot read the key pair: {exc}") from None
    if secret is None:
        raise KeyFileError(f"{path}: holds no secret key")
    return public, secret


def load_public(path: Path) -> bytes:
    _exists(path)
    try:
        return zmq.auth.load_certificate(path)[0]
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"{path}: cannot read the public key: {exc}") from None


def allowed_keys(directory: Path) -> set[bytes]:
    """The public keys of every certificate in `directory`."""
    if not directory.is_dir():
        raise KeyFileError(f"{directory}: no allow-list directory of ground keys")
    return set(zmq.auth.load_certificates(directory).keys())


def init_keys(directory: Path, ground_name: str = "ground") -> dict[str, Path]:
    """Make the vehicle's and one ground station's key pairs, and allow that ground station."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "authorized").mkdir(exist_ok=True)
    made = {}
    for name in ("vehicle", ground_name):
        if not (directory / f"{name}.key_secret").exists():
            zmq.auth.create_certificates(directory, name)
        made[name] = directory / f"{name}.key_secret"
    allowed = directory / "authorized" / f"{ground_name}.key"
    allowed.write_bytes((directory / f"{ground_name}.key").read_bytes())
    made["authorized"] = allowed
    return made


class ZapHandler:
    """Answers ZAP requests for CURVE peers from an allow-list; counts who was refused."""

    def __init__(self, context: zmq.Context, allowed: set[bytes]) -> None:
        self.allowed = allowed
        self.socket = context.socket(zmq.REP)
        self.socket.linger = 0
        self.socket.bind(ZAP_ENDPOINT)
        self.admitted = 0
        self.refused = 0

    def handle(self) -> None:
        """Answer every waiting request."""
        while True:
            try:
                request = self.socket.recv_multipart(zmq.NOBLOCK)
            except zmq.Again:
                return
            self.socket.send_multipart(self._answer(request))

    def _answer(self, request: list[bytes]) -> list[bytes]:
        version, request_id = request[0], request[1] if len(request) > 1 else b""
        if version != b"1.0" or len(request) < 7:
            self.refused += 1
            return [b"1.0", request_id, b"400", b"bad ZAP request", b"", b""]
        mechanism, credentials = request[5], request[6:]
        if mechanism != b"CURVE" or not credentials:
            self.refused += 1
            return [b"1.0", request_id, b"400", b"CURVE only", b"", b""]
        public = zmq.utils.z85.encode(credentials[0])
        if public not in self.allowed:
            self.refused += 1
            return [b"1.0", request_id, b"400", b"key not allowed", b"", b""]
        self.admitted += 1
        return [b"1.0", request_id, b"200", b"OK", public, b""]

    def close(self) -> None:
        self.socket.close(0)
