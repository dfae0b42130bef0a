"""Steering a saved profile: more / less of a descriptor, mute one, set a weight; saved atomically.

Used by ``nlrec profile adjust`` and the server's ``POST /profiles/{name}/adjust``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from nlrec.profiles.profile import Profile
from nlrec.profiles.store import adjust_profile as store_adjust
from nlrec.profiles.store import load_profile


class ProfileWarning(UserWarning):
    """The profile's index cannot be opened: only its own prototypes can be named."""


def adjust_profile(
    name: str,
    *,
    more: Sequence[str] = (),
    less: Sequence[str] = (),
    mute: Sequence[str] = (),
    set_: Mapping[str, float] | None = None,
    context: Any = None,
) -> tuple[Profile, list[dict[str, Any]], list[str]]:
    """Apply changes to the saved profile ``name`` and save it.

    Descriptors are matched case-insensitively against the profile's prototypes and every
    descriptor of its index (when the index opens; otherwise only the profile's own prototypes,
    with a warning).

    Returns:
        The new profile, the changes made and notes (changes that did nothing).

    Raises:
        ProfileError: for an unknown profile or descriptor, or when nothing is asked.
    """
    from nlrec.errors import IndexFileError
    from nlrec.profiles.profile import ProfileError
    from nlrec.profiles.recommend import IndexProfiles

    if not (more or less or mute or set_):
        raise ProfileError("give at least one of more, less, mute or set")
    known: set[str] = set()
    try:
        if context is None:
            from nlrec.index import Index

            context = IndexProfiles(Index.open(load_profile(name).index))
        known = context.known()
    except IndexFileError as e:
        warnings.warn(f"{e}; only the profile's own prototypes can be named", ProfileWarning, stacklevel=2)
    # read-modify-write under the profile's lock: concurrent adjustments never lose a change
    return store_adjust(name, known=known, more=list(more), less=list(less), mute=list(mute),
                        set_=dict(set_ or {}))
