"""Files for the ground: confined to the run directory, listed without sockets, sent whole in chunks."""
from __future__ import annotations

import os
import socket

import pytest

from fsw.comm.files import FileRefused, Transfer, listing, resolve


def test_paths_cannot_leave_the_run_directory(tmp_path) -> None:
    (tmp_path / "logs").mkdir()
    os.symlink("/etc", tmp_path / "logs" / "out")
    for bad in ("/etc/passwd", "../x", "logs/../../x", "logs/out/passwd"):
        with pytest.raises(FileRefused):
            resolve(tmp_path, bad)
    assert resolve(tmp_path, "logs") == (tmp_path / "logs").resolve()


def test_listing_shows_files_and_folders_but_not_sockets(tmp_path) -> None:
    (tmp_path / "a.txt").write_text("hi")
    (tmp_path / "sub").mkdir()
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(tmp_path / "bus.ipc"))
    try:
        assert listing(tmp_path, "") == [{"path": "a.txt", "size": 2, "dir": False},
                                         {"path": "sub", "size": (tmp_path / "sub").stat().st_size, "dir": True}]
    finally:
        s.close()
    with pytest.raises(FileRefused, match="not a folder"):
        listing(tmp_path, "a.txt")


def test_a_file_goes_down_in_chunks_and_whole(tmp_path) -> None:
    data = os.urandom(10_000)
    (tmp_path / "f.bin").write_bytes(data)
    t = Transfer.open(tmp_path, "f.bin", 9)
    frames = []
    while (f := t.next_frame(4096)) is not None:
        frames.append(f)
    assert [f.offset for f in frames] == [0, 4096, 8192]
    assert b"".join(f.data for f in frames) == data
    assert [f.done for f in frames] == [False, False, True] and frames[0].id == 9


def test_an_empty_file_is_one_frame_and_a_folder_is_refused(tmp_path) -> None:
    (tmp_path / "empty").write_bytes(b"")
    t = Transfer.open(tmp_path, "empty", 1)
    assert t.next_frame(100).done and t.next_frame(100) is None
    with pytest.raises(FileRefused):
        Transfer.open(tmp_path, "", 1)
