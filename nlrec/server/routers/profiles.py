"""Taste profiles: list, read, steer, recommend."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from nlrec.limits import LIMITS, time_budget
from nlrec.server.deps import Snap, WriteKey
from nlrec.server.errors import NotFound, Unprocessable
from nlrec.server.listen import render_hits
from nlrec.server.models import AdjustBody, AdjustOut, ProfileOut, ProfileSummary, RecommendOut

router = APIRouter(prefix="/profiles", tags=["profiles"])
Name = Annotated[str, Path(max_length=100, description="a profile name")]


def existing_profile(name: str) -> Any:
    """The stored profile ``name``.

    Raises:
        NotFound: when there is none by that name.
        ProfileError: for a malformed name or file (a 400).
    """
    from nlrec.profiles import load_profile
    from nlrec.profiles.store import profile_path, validate_profile_name

    validate_profile_name(name)
    if not profile_path(name).is_file():
        raise NotFound(f"no profile named {name!r}")
    return load_profile(name)


@router.get("", response_model=list[ProfileSummary])
def profiles_list() -> list[dict[str, Any]]:
    """The saved taste profiles (names, prototypes, top descriptors)."""
    from nlrec.profiles import list_profiles

    return [{k: v for k, v in p.items() if k != "path"} for p in list_profiles()]


@router.get("/{name}", response_model=ProfileOut)
def profile_get(name: Name) -> dict[str, Any]:
    """A profile: its prototype weights, muted descriptors, settings and history."""
    return existing_profile(name).to_dict()


@router.post("/{name}/adjust", response_model=AdjustOut, dependencies=[WriteKey])
def profile_adjust(name: Name, body: AdjustBody, snap: Snap) -> dict[str, Any]:
    """Steer a profile: more / less of a descriptor, mute one, or set its weight (in [0, 10])."""
    from nlrec.profiles.steer import adjust_profile

    for d, w in body.set.items():
        if not math.isfinite(w) or not 0.0 <= w <= LIMITS.profile_weight:
            raise Unprocessable(f"invalid request: set.{d[:40]}: a weight is a number in [0, {LIMITS.profile_weight:g}]")
    existing_profile(name)
    profile, changes, notes = adjust_profile(name, more=body.more, less=body.less, mute=body.mute,
                                             set_=body.set, context=snap.profile_context())
    return {"profile": profile.to_dict(), "changes": changes, "notes": notes}


@router.get("/{name}/recommend", response_model=RecommendOut)
def profile_recommend(name: Name, snap: Snap, k: Annotated[int, Query(ge=1, le=LIMITS.k)] = 10) -> dict[str, Any]:
    """Recommendations from a profile alone, each with the prototypes that drove it."""
    from nlrec.profiles import recommend

    with time_budget():
        hits = recommend(snap.index, existing_profile(name), k, context=snap.profile_context())
        return {"profile": name, "hits": render_hits(snap.index, [h.to_dict() for h in hits])}
