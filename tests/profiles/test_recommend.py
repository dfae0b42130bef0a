from __future__ import annotations

import numpy as np
import pytest

from nlrec.errors import NlrecError
from nlrec.profiles import (
    IndexProfiles,
    Profile,
    ProfileError,
    ProfileSettings,
    build_profile,
    recommend,
    search_with_profile,
)


@pytest.fixture
def ctx(tiny_index):
    return IndexProfiles(tiny_index)


def test_build_profile_from_likes(tiny_index, ctx):
    settings = ProfileSettings(top_m=4)
    profile, report = build_profile(tiny_index, "me", {"t2": 5, "t5": 1, "nope": 2}, settings=settings, context=ctx)
    assert report == {"liked": 3, "matched": 2, "unknown": 1, "unknown_ids": ["nope"],
                      "vocabulary": len(ctx.space.vocabulary(150)), "prototypes": 4}
    assert len(profile.weights) == 4 and sum(profile.weights.values()) == pytest.approx(1.0, abs=1e-5)
    # the liked tracks' own descriptors dominate the profile
    assert set(profile.weights) <= {"solo piano", "calm", "studying", "slow tempo", "no vocals"}
    assert profile.index == "tiny" and profile.likes == {"t2": 5.0, "t5": 1.0}
    assert Profile.from_json(profile.to_json()) == profile
    with pytest.raises(ProfileError, match="none of the 1 liked id"):
        build_profile(tiny_index, "me", {"zzz": 1}, context=ctx)
    custom, _ = build_profile(tiny_index, "me", {"t7": 1}, vocabulary=["Jazz", "metal", "unheard of"], context=ctx)
    assert custom.vocabulary == ["jazz", "metal", "unheard of"] and max(custom.weights, key=custom.weights.get) == "jazz"


def test_recommend_explains_and_skips_likes(tiny_index, ctx):
    profile = Profile(name="me", index="tiny", weights={"upbeat": 0.6, "synth": 0.4}, likes={"t8": 3.0})
    hits = recommend(tiny_index, profile, k=3, context=ctx)
    assert [h.rank for h in hits] == [1, 2, 3] and "t8" not in [h.id for h in hits]
    top = hits[0]
    assert {"upbeat", "synth"} & set(top.descriptors)
    assert top.because and top.because[0].descriptor in {"upbeat", "synth"} and top.because[0].carried
    assert top.score == pytest.approx(top.profile_score) and top.query_score is None
    assert sum(r.contribution for r in top.because) == pytest.approx(top.score, abs=1e-5)
    assert hits[0].score >= hits[1].score >= hits[2].score
    d = top.to_dict()
    assert d["because"][0]["descriptor"] == top.because[0].descriptor and d["query_score"] is None
    assert "t8" in [h.id for h in recommend(tiny_index, profile, k=8, include_liked=True, context=ctx)]
    with pytest.raises(ProfileError, match="no weight left"):
        recommend(tiny_index, Profile(name="me", index="tiny", weights={}), context=ctx)


def test_mute_and_more_move_carriers(tiny_index, ctx):
    profile = Profile(name="me", index="tiny", weights={"upbeat": 0.5, "solo piano": 0.5})
    ranks = {h.id: h.rank for h in recommend(tiny_index, profile, k=8, context=ctx)}
    muted, _, _ = profile.adjusted(mute=["upbeat"], known={"upbeat"})
    after = {h.id: h.rank for h in recommend(tiny_index, muted, k=8, context=ctx)}
    assert after["t1"] > ranks["t1"] and after["t8"] > ranks["t8"]  # the two upbeat tracks fall
    more, _, _ = profile.adjusted(set_={"jazz": 1.0}, known={"jazz"})
    assert recommend(tiny_index, more, k=1, context=ctx)[0].id == "t7"


def test_query_blending(tiny_index, ctx):
    from nlrec.search import search

    profile = Profile(name="me", index="tiny", weights={"jazz": 1.0})
    plain = search(tiny_index, "calm piano", k=8, mode="dense")
    same = search_with_profile(tiny_index, "calm piano", profile, k=8, profile_weight=0.0, mode="dense", context=ctx)
    assert [h.id for h in same] == [h.id for h in plain]
    assert [h.query_score for h in same] == pytest.approx([h.score for h in plain], abs=1e-5)
    full = search_with_profile(tiny_index, "calm piano", profile, k=8, profile_weight=1.0, mode="dense", context=ctx)
    assert full[0].id == "t7" and full[0].because[0].descriptor == "jazz"
    mid = search_with_profile(tiny_index, "calm piano", profile, k=3, profile_weight=0.5, mode="hybrid", context=ctx)
    q = np.array([h.query_score for h in mid])
    assert len(mid) == 3 and np.isfinite(q).all() and all(0 <= h.score <= 1 for h in mid)
    assert "solo piano" in search_with_profile(tiny_index, "solo piano", profile, k=1, profile_weight=0.2,
                                               mode="bm25", context=ctx)[0].matched
    with pytest.raises(NlrecError, match=r"--profile-weight must be in \[0, 1\]"):
        search_with_profile(tiny_index, "x", profile, profile_weight=2.0, context=ctx)
    with pytest.raises(NlrecError, match="empty query"):
        search_with_profile(tiny_index, "  ", profile, context=ctx)


def test_descriptor_embeddings_are_cached(tiny_index, nlrec_home):
    IndexProfiles(tiny_index).prototypes(["jazz", "metal"], blend=0.5)
    cached = list((nlrec_home / ".cache" / "profiles").rglob("vectors.npy"))
    assert len(cached) == 1
    from nlrec.index import Index

    fresh = Index.open("tiny")  # no encoder loaded: the cache must serve the names
    IndexProfiles(fresh).prototypes(["metal", "jazz"], blend=0.5)
    assert fresh._encoder is None


def test_query_negation_survives_the_profile(tiny_index, ctx):
    """A profile that loves vocals cannot bring back tracks the request rules out."""
    profile = Profile(name="me", index="tiny", weights={"male vocal": 0.5, "female vocal": 0.5})
    vocal = {"t3", "t6"}
    off = search_with_profile(tiny_index, "music with vocals", profile, k=8, profile_weight=0.9,
                              mode="dense", negation="off", understand=False, context=ctx)
    assert vocal <= {h.id for h in off}
    kept = search_with_profile(tiny_index, "music without vocals", profile, k=8, profile_weight=0.9,
                               mode="dense", negation_threshold=1.0, context=ctx)
    ids = [h.id for h in kept]
    assert ids and not vocal & set(ids)
    assert all(h.negation is not None and h.negation["facets"] == ["vocals"] for h in kept)
    assert "vocals" not in {t for h in kept for t in h.matched}  # the positive text is what matched
    pushed = search_with_profile(tiny_index, "music without vocals", profile, k=8, profile_weight=0.3,
                                 mode="dense", negation="penalize", negation_threshold=1.0, context=ctx)
    plain = search_with_profile(tiny_index, "music", profile, k=8, profile_weight=0.3, mode="dense",
                                negation="off", understand=False, context=ctx)
    before = {h.id: h.rank for h in plain}
    after = {h.id: h.rank for h in pushed}
    assert len(after) == 8 and all(after[t] > before[t] for t in vocal)
    assert all(bool(h.negation["violated"]) == (h.id in vocal) for h in pushed)
    by_hand = search_with_profile(tiny_index, "piano", profile, k=8, profile_weight=0.9, mode="bm25",
                                  exclude=["vocals"], negation_threshold=1.0, context=ctx)
    assert by_hand and not vocal & {h.id for h in by_hand}
    with pytest.raises(NlrecError, match="exclusions need negation handling"):
        search_with_profile(tiny_index, "piano", profile, negation="off", exclude=["vocals"], context=ctx)
    with pytest.raises(NlrecError, match="unknown negation mode"):
        search_with_profile(tiny_index, "piano", profile, negation="maybe", context=ctx)
