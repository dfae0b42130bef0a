"""Muting a descriptor demotes the items that carry it (``ProfileSettings.mute_penalty``)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from nlrec.profiles import (
    IndexProfiles,
    ItemSpace,
    Profile,
    ProfileError,
    ProfileScorer,
    ProfileSettings,
    build_prototypes,
    load_profile,
    recommend,
    save_profile,
    search_with_profile,
)
from nlrec.profiles.evaluate import ProtocolConfig, run_protocol
from nlrec.profiles.profile import MUTE_PENALTY
from nlrec.profiles.prototypes import normalize_rows

# a tiny catalog: 12 items, three genres, some metal items that also carry the liked "guitar"
CATALOG = [
    ("jazz", "piano"), ("jazz", "guitar"), ("jazz", "piano", "calm"), ("jazz", "calm"),
    ("metal", "guitar"), ("metal", "guitar", "fast"), ("metal", "fast"), ("metal", "guitar", "loud"),
    ("folk", "guitar"), ("folk", "calm"), ("folk", "guitar", "calm"), ("pop", "fast"),
]
TAGS = sorted({t for ds in CATALOG for t in ds})


def tiny_space(seed: int = 0) -> tuple[ItemSpace, np.ndarray]:
    rng = np.random.default_rng(seed)
    text = normalize_rows(rng.normal(size=(len(TAGS), 8)))
    vectors = np.stack([sum(text[TAGS.index(t)] for t in ds) for ds in CATALOG])
    return ItemSpace(normalize_rows(vectors + 0.1 * rng.normal(size=vectors.shape)), CATALOG), text


def scorer(weights: dict[str, float], **kw) -> ProfileScorer:
    space, text = tiny_space()
    protos = build_prototypes(space, TAGS, text, blend=0.5).subset(list(weights))
    return ProfileScorer(space, protos, weights, lexical=0.7, **kw)


def test_mute_demotes_every_carrier_below_the_other_items():
    weights = {"guitar": 0.6, "fast": 0.4}
    plain = scorer(weights)
    metal = np.array(["metal" in ds for ds in CATALOG])
    # without a mute, metal items are among the best (they carry guitar and fast)
    assert metal[np.argsort(-plain.scores(), kind="stable")[:3]].any()
    # affinities lie in [-0.3, 1] (lexical 0.7), so a penalty above 1.3 puts every carrier last
    muted = scorer(weights, muted=["metal"], mute_penalty=2.0)
    s = muted.scores()
    assert s[metal].max() < s[~metal].min()
    np.testing.assert_allclose(muted.base_scores(), plain.scores())
    np.testing.assert_allclose(s, plain.scores() - 2.0 * metal)
    default = scorer(weights, muted=["metal"], mute_penalty=MUTE_PENALTY).scores()
    np.testing.assert_allclose(default, plain.scores() - MUTE_PENALTY * metal)
    assert not metal[np.argsort(-default, kind="stable")[:4]].any()  # the 4 non-metal guitar or fast items
    # non-carriers keep their order; carriers keep theirs among themselves
    for group in (metal, ~metal):
        rows = np.flatnonzero(group)
        assert np.argsort(-s[rows], kind="stable").tolist() == np.argsort(-plain.scores()[rows], kind="stable").tolist()
    # penalty 0: muting only removes the weight (here "metal" had none: nothing changes)
    np.testing.assert_allclose(scorer(weights, muted=["metal"], mute_penalty=0.0).scores(), plain.scores())


def test_a_smaller_penalty_demotes_less_and_two_mutes_add_up():
    weights = {"guitar": 1.0}
    full = scorer(weights, muted=["metal"], mute_penalty=1.0).scores()
    soft = scorer(weights, muted=["metal"], mute_penalty=0.1).scores()
    metal = np.array(["metal" in ds for ds in CATALOG])
    assert (soft[metal] > full[metal]).all() and np.allclose(soft[~metal], full[~metal])
    both = scorer(weights, muted=["metal", "fast", "not a tag"], mute_penalty=0.5)
    n = np.array([("metal" in ds) + ("fast" in ds) for ds in CATALOG])
    np.testing.assert_allclose(both.penalties(), 0.5 * n)


def test_reasons_show_the_mute_and_add_up_to_the_score():
    s = scorer({"guitar": 0.5, "fast": 0.5}, muted=["metal"], mute_penalty=1.0)
    row = CATALOG.index(("metal", "guitar", "fast"))
    reasons = s.reasons(row)
    assert [(r.descriptor, r.carried) for r in reasons] == [("fast", True), ("guitar", True), ("metal", True)] or \
        [(r.descriptor, r.carried) for r in reasons] == [("guitar", True), ("fast", True), ("metal", True)]
    assert reasons[-1].contribution == -1.0
    assert sum(r.contribution for r in reasons) == pytest.approx(s.scores()[row], abs=1e-5)
    assert all(r.contribution > 0 for r in s.reasons(CATALOG.index(("folk", "guitar"))))


def test_mute_on_an_index_sends_carriers_to_the_bottom(tiny_index):
    ctx = IndexProfiles(tiny_index)
    profile = Profile(name="me", index="tiny", weights={"upbeat": 0.4, "synth": 0.3, "solo piano": 0.3})
    before = [h.id for h in recommend(tiny_index, profile, k=8, context=ctx)]
    assert before.index("t8") < 2  # upbeat and synth: the best fit
    muted, _, _ = profile.adjusted(mute=["upbeat"], known={"upbeat"})
    hits = recommend(tiny_index, muted, k=8, context=ctx)
    assert [h.id for h in hits][-2:] in (["t1", "t8"], ["t8", "t1"])  # the two upbeat tracks
    assert hits[-1].because[-1].descriptor == "upbeat" and hits[-1].because[-1].contribution < 0
    weight_only = Profile(name="me", index="tiny", weights=muted.weights, muted=["upbeat"],
                          settings=ProfileSettings(mute_penalty=0.0))
    assert [h.id for h in recommend(tiny_index, weight_only, k=8, context=ctx)].index("t8") < 6


def test_mute_in_a_request_demotes_carriers_only(tiny_index):
    ctx = IndexProfiles(tiny_index)
    plain = Profile(name="me", index="tiny", weights={"synth": 1.0})
    muted = Profile(name="me", index="tiny", weights={"synth": 1.0}, muted=["upbeat"])
    a = search_with_profile(tiny_index, "energetic synth", plain, k=8, profile_weight=0.5, mode="dense", context=ctx)
    b = search_with_profile(tiny_index, "energetic synth", muted, k=8, profile_weight=0.5, mode="dense", context=ctx)
    rank_a, rank_b = {h.id: h.rank for h in a}, {h.id: h.rank for h in b}
    assert rank_b["t8"] > rank_a["t8"] and rank_b["t1"] >= rank_a["t1"]
    # the others keep their scores: the profile part is scaled by the range before the penalty
    for h in b:
        if "upbeat" not in h.descriptors:
            assert h.score == pytest.approx(next(x.score for x in a if x.id == h.id), abs=1e-9)


def test_mute_penalty_round_trips_and_old_files_load_with_the_default(nlrec_home):
    p = Profile(name="me", index="tiny", weights={"jazz": 1.0}, muted=["metal"],
                settings=ProfileSettings(mute_penalty=0.25))
    text = p.to_json()
    assert json.loads(text)["settings"]["mute_penalty"] == 0.25
    assert Profile.from_json(text) == p and Profile.from_json(text).to_json() == text
    save_profile(p)
    assert load_profile("me").settings.mute_penalty == 0.25
    # a profile written before the setting existed
    old = json.loads(text)
    del old["settings"]["mute_penalty"]
    (nlrec_home / "profiles" / "old.json").write_text(json.dumps({**old, "name": "old"}), encoding="utf-8")
    loaded = load_profile("old")
    assert loaded.settings.mute_penalty == MUTE_PENALTY == ProfileSettings().mute_penalty
    assert loaded.muted == ["metal"]
    for bad in (-0.1, 1000.0, "1", True):
        with pytest.raises(ProfileError, match="mute_penalty must be a number"):
            Profile.from_dict({**old, "settings": {**old["settings"], "mute_penalty": bad}})


def test_protocol_reports_the_natural_mute_selectivity_and_the_dev_sweep(data_dir):
    from nlrec.catalog.listeners import load_hetrec

    data = load_hetrec(data_dir, n_listeners=12, seed=0)
    names = sorted({d for ds in data.descriptors for d in ds})
    rng = np.random.default_rng(0)
    text = dict(zip(names, normalize_rows(rng.normal(size=(len(names), 16)))))
    items = normalize_rows(np.stack([sum(text[d] for d in ds) for ds in data.descriptors])
                           + 0.3 * rng.normal(size=(len(data.item_ids), 16)))
    config = ProtocolConfig(n_dev=4, n_test=8, k=5, boost_descriptors=2, mute_sweep=(0.0, 0.5, 1.0))
    out = run_protocol(data, items, lambda ns: np.stack([text[n] for n in ns]),
                       settings=ProfileSettings(top_m=3), config=config)
    m, dev = out["test"]["mute"], out["dev"]["mute"]
    assert m["pairs"] > 0 and m["penalty"] == 1.0
    assert m["selectivity"] == pytest.approx(m["carriers_mean_log2_drop"] / m["others_mean_abs_log2_change"], abs=0.01)
    assert m["carriers_mean_log2_drop"] > m["weight_only"]["carriers_mean_log2_drop"] > 0
    assert m["share_after"] <= m["weight_only"]["share_after"] <= m["share_before"]
    assert "sweep" not in m  # test listeners are never swept
    assert [x["penalty"] for x in dev["sweep"]] == [0.0, 0.5, 1.0]
    assert dev["sweep"][0]["selectivity"] == dev["weight_only"]["selectivity"]
    assert set(m["diagnostic_reorder_among_non_carriers"]) == {"others_mean_abs_log2", "ratio"}


def test_cli_mute_penalty_and_recommend(tiny_index, likes_file):
    from .conftest import run, run_json

    built = run_json("profile", "build", "me", "--index", "tiny", "--likes", str(likes_file), "--mute-penalty", "0.3")
    assert built["profile"]["settings"]["mute_penalty"] == 0.3
    run_json("profile", "adjust", "me", "--mute", "upbeat")
    shown = run("profile", "show", "me")
    assert "muted: upbeat (tracks carrying one lose 0.3 of score)" in shown.stderr
    hits = run_json("profile", "recommend", "me", "-k", "6")
    assert [h["id"] for h in hits][-2:] in (["t1", "t8"], ["t8", "t1"])
    assert hits[-1]["because"][-1] == {"descriptor": "upbeat", "contribution": -0.3, "carried": True}
    bad = run("profile", "build", "x", "--index", "tiny", "--likes", str(likes_file), "--mute-penalty", "-1")
    assert bad.exit_code == 2
