"""Profiles on disk: ``NLREC_HOME/profiles/<name>.json``, one writer at a time.

Every read validates the whole file; writes are atomic (temporary file + rename) and happen under
the profile's lock file (``profiles/.<name>.lock``), so a read-modify-write such as
:func:`adjust_profile` never loses a concurrent change.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nlrec.profiles.profile import PROFILE_NAME, Profile, ProfileError


def profiles_dir() -> Path:
    """``NLREC_HOME/profiles``."""
    from nlrec.paths import nlrec_home

    return nlrec_home() / "profiles"


def validate_profile_name(name: str) -> str:
    if not isinstance(name, str) or not PROFILE_NAME.match(name):
        raise ProfileError(
            f"invalid profile name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return name


def profile_path(name: str, directory: Path | None = None) -> Path:
    return (directory or profiles_dir()) / f"{validate_profile_name(name)}.json"


def profile_lock(name: str, directory: Path | None = None, *, timeout: float | None = None) -> Any:
    """The writer lock of one profile (``profiles/.<name>.lock``): hold it around a
    read-modify-write so that two concurrent ``nlrec profile adjust`` never lose a change.

    Example::

        with profile_lock("me"):
            profile, text = read_profile("me")
            update_profile(profile.adjusted(more=["jazz"])[0], expected_text=text)

    Raises:
        LockTimeout: when another process holds it longer than ``NLREC_LOCK_TIMEOUT`` seconds.
    """
    from nlrec.locks import exclusive_lock
    from nlrec.paths import ensure_dir

    path = profile_path(name, directory)
    ensure_dir(path.parent, "profiles directory")
    return exclusive_lock(path.parent / f".{path.stem}.lock", f"profile {name!r}", timeout=timeout)


def load_profile(name: str, directory: Path | None = None) -> Profile:
    """Read and validate a stored profile.

    Raises:
        ProfileError: if it does not exist (listing the known ones) or is malformed.
    """
    return read_profile(name, directory)[0]


def read_profile(name: str, directory: Path | None = None) -> tuple[Profile, str]:
    """A stored profile and the exact text it was read from (for :func:`update_profile`).

    Raises:
        ProfileError: if it does not exist (listing the known ones) or is malformed.
    """
    path = profile_path(name, directory)
    if not path.is_file():
        known = [p["name"] for p in list_profiles(directory)]
        hint = f"; known profiles: {', '.join(known)}" if known else "; build one with: nlrec profile build"
        raise ProfileError(f"no profile named {name!r} in {path.parent}{hint}")
    where = f"profile {name!r} ({path})"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"{where} cannot be read ({type(e).__name__}: {e})") from None
    profile = Profile.from_json(text, where=where)
    if profile.name != name:
        raise ProfileError(f"{where} is malformed: it names itself {profile.name!r}; rename the file or fix \"name\"")
    return profile, text


def save_profile(profile: Profile, directory: Path | None = None, *, overwrite: bool = False) -> Path:
    """Write ``profile`` atomically.

    Args:
        overwrite: replace an existing file of that name. Without it an existing profile (even a
            malformed one) is never replaced.

    Raises:
        ProfileError: if the profile exists and ``overwrite`` is false.
    """
    from nlrec.io import atomic_write_text

    path = profile_path(profile.name, directory)
    Profile.from_dict(json.loads(profile.to_json()), where=f"profile {profile.name!r}")  # never write junk
    with profile_lock(profile.name, directory):
        if path.exists() and not overwrite:
            raise ProfileError(f"profile {profile.name!r} already exists ({path}); pass --force to replace it")
        atomic_write_text(path, profile.to_json())
    return path


def update_profile(profile: Profile, directory: Path | None = None, *, expected_text: str) -> Path:
    """Replace a stored profile, but only if its file still holds ``expected_text``.

    The check and the write happen under :func:`profile_lock`; callers doing a read-modify-write
    hold the lock from the read on (see :func:`adjust_profile`), so the check never fails for them.

    Raises:
        ProfileError: if the file changed (or vanished) since it was read.
    """
    path = profile_path(profile.name, directory)
    with profile_lock(profile.name, directory):
        try:
            current = path.read_text(encoding="utf-8")
        except OSError:
            current = None
        if current != expected_text:
            raise ProfileError(f"profile {profile.name!r} changed on disk while it was being adjusted; try again")
        return save_profile(profile, directory, overwrite=True)


def adjust_profile(name: str, directory: Path | None = None, *, known: Iterable[str] | None = None,
                   **changes: Any) -> tuple[Profile, list[dict[str, Any]], list[str]]:
    """Read, adjust (:meth:`Profile.adjusted`) and write a stored profile under its lock.

    Args:
        known: extra descriptor keys that may be named besides the profile's own.
        changes: ``more``, ``less``, ``mute``, ``set_`` as for :meth:`Profile.adjusted`.
    """
    with profile_lock(name, directory):
        profile, text = read_profile(name, directory)
        allowed = profile.known() | set(known or ())
        new, made, notes = profile.adjusted(known=allowed, **changes)
        update_profile(new, directory, expected_text=text)
    return new, made, notes


def list_profiles(directory: Path | None = None) -> list[dict[str, Any]]:
    """Summaries of the stored profiles; malformed files are listed with their error."""
    directory = directory or profiles_dir()
    out: list[dict[str, Any]] = []
    if not directory.is_dir():
        return out
    for path in sorted(directory.glob("*.json")):
        name = path.stem
        if not PROFILE_NAME.match(name):
            continue
        try:
            p = load_profile(name, directory)
        except ProfileError as e:
            out.append({"name": name, "error": str(e), "path": str(path)})
            continue
        top = [d for d, _ in p.ranked()[:3]]
        out.append({"name": name, "index": p.index, "prototypes": len(p.weights), "muted": len(p.muted),
                    "top": top, "updated_at": p.updated_at, "path": str(path)})
    return out


def remove_profile(name: str, directory: Path | None = None) -> Path:
    """Delete a stored profile (even a malformed one)."""
    path = profile_path(name, directory)
    if not path.is_file():
        raise ProfileError(f"no profile named {name!r} in {path.parent}")
    with profile_lock(name, directory):
        os.unlink(path)
    return path
