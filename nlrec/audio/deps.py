"""Probe the optional ``audio`` extra (``pip install 'nlrec[audio]'``) without importing it."""

from __future__ import annotations

from importlib.util import find_spec

from nlrec.errors import NlrecError

EXTRA_HINT = "pip install 'nlrec[audio]'"
_MODULES = ("soundfile", "soxr", "mutagen")


class AudioDependencyError(NlrecError):
    """The audio extra is not installed."""


def missing_audio_modules() -> list[str]:
    """Modules of the ``audio`` extra that cannot be imported here."""
    return [name for name in _MODULES if find_spec(name) is None]


def is_audio_available() -> bool:
    """True when every module of the ``audio`` extra is installed."""
    return not missing_audio_modules()


def require_audio() -> None:
    """Raise a one-line :class:`AudioDependencyError` naming the extra when it is missing."""
    missing = missing_audio_modules()
    if missing:
        raise AudioDependencyError(
            f"audio features need the 'audio' extra ({', '.join(missing)} missing): {EXTRA_HINT}"
        )
