"""Keys and the ZAP handler: only allowed ground keys get in; everyone else is refused and counted."""
from __future__ import annotations

import pytest
import zmq

from fsw.comm.auth import KeyFileError, ZapHandler, allowed_keys, init_keys, load_public, load_secret


def test_keys_init_makes_both_pairs_and_allows_the_ground(tmp_path) -> None:
    made = init_keys(tmp_path / "keys")
    public, secret = load_secret(made["ground"])
    assert allowed_keys(tmp_path / "keys" / "authorized") == {public}
    assert load_public(tmp_path / "keys" / "vehicle.key") == load_secret(made["vehicle"])[0]
    assert init_keys(tmp_path / "keys")["ground"] == made["ground"]  # again: keeps the keys it has
    assert load_secret(made["ground"]) == (public, secret)


def test_missing_keys_name_the_file(tmp_path) -> None:
    with pytest.raises(KeyFileError, match="nope.key_secret"):
        load_secret(tmp_path / "nope.key_secret")
    with pytest.raises(KeyFileError, match="allow-list"):
        allowed_keys(tmp_path / "none")


def _request(ctx: zmq.Context, public: bytes, mechanism: bytes = b"CURVE") -> list[bytes]:
    req = ctx.socket(zmq.REQ)
    req.connect("inproc://zeromq.zap.01")
    req.send_multipart([b"1.0", b"7", b"ginny", b"127.0.0.1", b"", mechanism, zmq.utils.z85.decode(public)])
    return req, req


@pytest.mark.timeout(10)
def test_the_zap_handler_admits_the_allowed_and_counts_the_rest() -> None:
    ctx = zmq.Context()
    good, _ = zmq.curve_keypair()
    bad, _ = zmq.curve_keypair()
    zap = ZapHandler(ctx, {good})
    try:
        for key, mech, status in ((good, b"CURVE", b"200"), (bad, b"CURVE", b"400"), (good, b"PLAIN", b"400")):
            req, _ = _request(ctx, key, mech)
            assert zap.socket.poll(2000)
            zap.handle()
            reply = req.recv_multipart()
            assert reply[2] == status
            if status == b"200":
                assert reply[4] == good  # the peer's key becomes its frames' User-Id
            req.close(0)
        assert (zap.admitted, zap.refused) == (1, 2)
    finally:
        zap.close()
        ctx.term()
