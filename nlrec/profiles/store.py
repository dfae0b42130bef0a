"""Stored profiles: ``NLREC_HOME/profiles/<name>.json``, read whole and validated, written
atomically, never replaced unless asked (and, when adjusting, only if unchanged since read)."""

from __future__ import annotations

import json
import os
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
    if path.exists() and not overwrite:
        raise ProfileError(f"profile {profile.name!r} already exists ({path}); pass --force to replace it")
    atomic_write_text(path, profile.to_json())
    return path


def update_profile(profile: Profile, directory: Path | None = None, *, expected_text: str) -> Path:
    """Replace a stored profile, but only if its file still holds ``expected_text``.

    Raises:
        ProfileError: if the file changed (or vanished) since it was read.
    """
    path = profile_path(profile.name, directory)
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != expected_text:
        raise ProfileError(f"profile {profile.name!r} changed on disk while it was being adjusted; try again")
    return save_profile(profile, directory, overwrite=True)


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
    os.unlink(path)
    return path
