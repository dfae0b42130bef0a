"""The symlink policy (nlrec.safefs) and the locks built on it: a link is refused, never followed."""

from __future__ import annotations

import errno
import os

import pytest

from nlrec.errors import NlrecError
from nlrec.locks import SharedLease, exclusive_lock, lock_timeout
from nlrec.safefs import SymlinkRefused, open_nofollow, remove_tree, touch_nofollow


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_kept(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    lock = tmp_path / ".lock"
    lock.symlink_to(notes)
    with pytest.raises(SymlinkRefused, match=r"\.lock is a symbolic link \(to .*notes.txt\)"):
        with exclusive_lock(lock, "index 'x'"):
            pass
    assert notes.read_text() == "my notes\n"


def test_a_dangling_link_is_never_created_through(tmp_path):
    lock = tmp_path / "gen-000001.lock"
    target = tmp_path / "created"
    lock.symlink_to(target)
    for attempt in (lambda: touch_nofollow(lock), lambda: SharedLease.acquire(lock),
                    lambda: exclusive_lock(lock, "x").__enter__()):
        with pytest.raises(SymlinkRefused):
            attempt()
    assert not target.exists()


def test_remove_tree_refuses_a_link_and_never_follows_one_inside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("x")
    link = tmp_path / "gen-000099"
    link.symlink_to(outside)
    with pytest.raises(SymlinkRefused):
        remove_tree(link)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "inner").symlink_to(outside)
    remove_tree(mine)
    assert not mine.exists() and (outside / "keep.txt").read_text() == "x"


def test_permission_errors_are_one_line(tmp_path, monkeypatch):
    real = os.open

    def refuse(path, flags, mode=0o777, *a, **k):
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EROFS, "Read-only file system", str(path))
        return real(path, flags, mode, *a, **k)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(NlrecError, match=r"cannot open lock file .*\.lock: Read-only file system"):
        open_nofollow(tmp_path / ".lock", os.O_RDWR | os.O_CREAT)


@pytest.mark.parametrize("raw", ["inf", "1e308", "Infinity"])
def test_an_endless_lock_timeout_waits_instead_of_overflowing(tmp_path, monkeypatch, raw):
    monkeypatch.setenv("NLREC_LOCK_TIMEOUT", raw)
    assert lock_timeout() > 1e9
    with exclusive_lock(tmp_path / ".lock", "x"):
        pass


def test_a_nan_lock_timeout_is_refused(monkeypatch):
    monkeypatch.setenv("NLREC_LOCK_TIMEOUT", "nan")
    with pytest.raises(NlrecError, match="NLREC_LOCK_TIMEOUT must be a number"):
        lock_timeout()
