"""Checks on the real shared data (skipped when it is absent)."""

from __future__ import annotations

import pytest

from nlrec.catalog.listeners import load_hetrec, load_yes

needs_data = pytest.mark.data


@needs_data
def test_real_hetrec_split_and_yes_loader(shared_data):
    data = load_hetrec(shared_data, n_listeners=500, seed=0)
    assert data.info["users"] == 1892 and data.info["listeners_drawn"] == 500
    assert data.info["taggers"] + data.info["listeners_drawn"] <= 1892
    assert 9000 < len(data.item_ids) < 12524 and len(data.listeners) >= 490
    assert all(len(h) >= 10 for _, h in data.listeners)
    yes = load_yes(shared_data, n_listeners=500, seed=0)
    assert yes.info["dropped_tags"] == ["121", "178", "212", "226"]  # the radio call signs
    assert len(yes.listeners) == 500 and 7000 < len(yes.item_ids) < 7360


@needs_data
@pytest.mark.slow
def test_real_hetrec_evaluation_small(tmp_path, shared_data):
    """The full protocol with the packaged MiniLM on 40 listeners (about 5 minutes on 2 cores: the
    catalog of this smaller split is encoded once, then kept in the checkout's ``indexes/.cache``)."""
    from nlrec.paths import repo_root
    from nlrec.profiles.evaluate import ProtocolConfig, evaluate_profiles

    root = repo_root()
    cache = (root / "indexes" / ".cache" if root else tmp_path) / "profiles-eval"
    result = evaluate_profiles("hetrec", shared_data, config=ProtocolConfig(n_dev=10, n_test=30), cache_dir=cache)
    assert result["test"]["listeners"] == 30
    assert result["boost_success"] >= 90 and result["mute_selectivity"] >= 5
    assert result["recall@50"]["ratio"] >= 0.9
