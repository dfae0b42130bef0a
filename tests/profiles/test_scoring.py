from __future__ import annotations

import numpy as np
import pytest

from nlrec.profiles import (
    ItemSpace,
    ProfileScorer,
    attend,
    build_prototypes,
    play_weights,
    profile_weights,
)
from nlrec.profiles.prototypes import normalize_rows
from nlrec.profiles.scoring import sparsify


def test_play_weights():
    np.testing.assert_allclose(play_weights([0, 1, 9]), np.log1p([1, 1, 9]))
    assert play_weights([5, 7], "binary").tolist() == [1, 1]
    assert play_weights([5, 7], "linear").tolist() == [5, 7]


def test_attention_is_a_weighted_mean_of_softmaxes():
    a = np.array([[1.0, 0.0], [0.0, 1.0]])
    mass = attend(a, np.array([3.0, 1.0]), temperature=1.0)
    soft = np.exp([1, 0]) / np.exp([1, 0]).sum()
    np.testing.assert_allclose(mass, (3 * soft + soft[::-1]) / 4)
    assert attend(a, np.ones(2), temperature=0.01).sum() == pytest.approx(1.0)


def test_sparsify_keeps_top_m_and_renormalises():
    w = sparsify(np.array([0.1, 0.4, 0.2, 0.3]), ["a", "b", "c", "d"], 2)
    assert w == {"b": pytest.approx(4 / 7, abs=1e-6), "d": pytest.approx(3 / 7, abs=1e-6)}
    assert list(w) == ["b", "d"]
    assert sparsify(np.array([0.5, 0.5]), ["y", "x"], 1) == {"x": 1.0}  # ties by name


def random_space(n=300, d=16, vocab=12, seed=0) -> tuple[ItemSpace, list[str], np.ndarray]:
    rng = np.random.default_rng(seed)
    names = [f"tag{i}" for i in range(vocab)]
    carried = rng.random((n, vocab)) < 0.2
    text = normalize_rows(rng.normal(size=(vocab, d)))
    vectors = normalize_rows(carried.astype(float) @ text + 0.5 * rng.normal(size=(n, d)))
    sets = [tuple(names[j] for j in np.flatnonzero(row)) for row in carried]
    return ItemSpace(vectors, sets), names, text


def test_profile_weights_prefer_what_likes_carry():
    space, names, text = random_space()
    protos = build_prototypes(space, names, text, blend=0.5)
    liked = space.rows_carrying("tag3")[:10]
    w = profile_weights(space, protos, liked, np.ones(len(liked)), temperature=0.1, top_m=4, lexical=0.5)
    assert len(w) == 4 and sum(w.values()) == pytest.approx(1.0, abs=1e-5)
    assert max(w, key=w.get) == "tag3"


def test_scores_and_reasons():
    space, names, text = random_space()
    protos = build_prototypes(space, names, text, blend=0.5).subset(["tag1", "tag2"])
    scorer = ProfileScorer(space, protos, {"tag1": 0.75, "tag2": 0.25}, lexical=0.5)
    np.testing.assert_allclose(scorer.scores(), scorer.affinity @ np.array([0.75, 0.25]), atol=1e-6)
    row = int(space.rows_carrying("tag1")[0])
    reasons = scorer.reasons(row)
    assert reasons[0].descriptor == "tag1" and reasons[0].carried
    assert sum(r.contribution for r in reasons) == pytest.approx(scorer.scores()[row], abs=1e-5)


def test_boosting_never_lowers_the_share_of_carriers():
    """With lexical >= 0.5 and unit vectors, a carrier gains more from a boost than any other item
    loses ground, so the top-k share of carriers is non-decreasing in the weight."""
    space, names, text = random_space(seed=1)
    protos = build_prototypes(space, names, text, blend=0.5)
    scorer = ProfileScorer(space, protos.subset(names[:4]), dict.fromkeys(names[:4], 0.25), lexical=0.5)
    base = scorer.affinity @ scorer.weights
    boosted = ProfileScorer(space, protos.subset(["tag7"]), {"tag7": 1.0}, lexical=0.5).affinity[:, 0]
    carriers = space.carries(["tag7"])[:, 0].astype(bool)
    shares = [carriers[np.argsort(-(base + t * boosted), kind="stable")[:30]].mean() for t in np.linspace(0, 1, 11)]
    assert all(b >= a for a, b in zip(shares, shares[1:])) and shares[-1] > shares[0]
