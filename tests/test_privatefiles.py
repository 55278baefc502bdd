"""Private files and directories: 0600 and 0700 whatever the umask, written whole or not at all."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from sparkfleet.privatefiles import private_dir, private_file, write_private


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """With umask 0 every mode checked below is the code's own, not the umask's."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_write_private_replaces_the_file_with_mode_0600_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "kubeconfig"
    target.write_text("old")
    target.chmod(0o644)
    write_private(target, "new")
    assert target.read_text() == "new"
    assert mode(target) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["kubeconfig"]


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "token"
    write_private(target, b"kept")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        write_private(target, b"lost")
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["token"]


def test_private_dir_creates_0700_with_parents_and_tightens_an_existing_one(tmp_path: Path) -> None:
    made = private_dir(tmp_path / "a" / "home")
    assert mode(made) == 0o700
    loose = tmp_path / "loose"
    loose.mkdir(mode=0o777)
    assert mode(private_dir(loose)) == 0o700


def test_private_file_creates_an_empty_0600_file_or_tightens_but_never_loosens(tmp_path: Path) -> None:
    created = private_file(tmp_path / "store.db")
    assert (created.read_bytes(), mode(created)) == (b"", 0o600)
    loose = tmp_path / "server.log"
    loose.write_text("line\n")
    loose.chmod(0o664)
    assert mode(private_file(loose)) == 0o600
    assert loose.read_text() == "line\n"
    strict = tmp_path / "readonly"
    strict.write_text("x")
    strict.chmod(0o400)
    assert mode(private_file(strict)) == 0o400
