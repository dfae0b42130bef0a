"""Taste profiles you can read and steer: weightings over descriptor prototypes.

A listener's taste is a handful of named prototypes with weights (``{"jazz": 0.21, ...}``),
computed from how their liked tracks attend over the prototypes of an index's descriptors, stored
as JSON under ``NLREC_HOME/profiles``, changed with ``more`` / ``less`` / ``mute`` / ``set``, and
used to recommend (each recommendation names the prototypes that drove it) or to personalise a
request. After Oncel et al., "Audio Prototypical Network for Controllable Music Recommendation"
(MLSP 2025). Heavy libraries (faiss, sentence-transformers) are imported only when needed.
"""

from __future__ import annotations

from nlrec.profiles.likes import LikesError, read_likes
from nlrec.profiles.profile import Profile, ProfileError, ProfileSettings, resolve_descriptor
from nlrec.profiles.prototypes import (
    ItemSpace,
    Prototypes,
    affinity,
    build_prototypes,
    descriptor_key,
)
from nlrec.profiles.recommend import (
    DEFAULT_PROFILE_WEIGHT,
    IndexProfiles,
    ProfileHit,
    build_profile,
    recommend,
)
from nlrec.profiles.scoring import ProfileScorer, Reason, attend, play_weights, profile_weights
from nlrec.profiles.searcher import ProfileSearcher, profile_searcher, search_with_profile
from nlrec.profiles.store import (
    adjust_profile,
    list_profiles,
    load_profile,
    profile_lock,
    profile_path,
    profiles_dir,
    read_profile,
    remove_profile,
    save_profile,
    update_profile,
)

__all__ = [
    "DEFAULT_PROFILE_WEIGHT",
    "IndexProfiles",
    "ItemSpace",
    "LikesError",
    "Profile",
    "ProfileError",
    "ProfileHit",
    "ProfileScorer",
    "ProfileSearcher",
    "ProfileSettings",
    "Prototypes",
    "Reason",
    "affinity",
    "attend",
    "build_profile",
    "build_prototypes",
    "descriptor_key",
    "list_profiles",
    "load_profile",
    "play_weights",
    "adjust_profile",
    "profile_lock",
    "profile_path",
    "profile_searcher",
    "profile_weights",
    "profiles_dir",
    "read_profile",
    "read_likes",
    "recommend",
    "remove_profile",
    "resolve_descriptor",
    "save_profile",
    "update_profile",
    "search_with_profile",
]
