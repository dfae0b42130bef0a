"""``student.replay``: supervised MusicCaps pairs replayed in a GPL student's batches."""

from __future__ import annotations

import pytest

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import split_sentences
from nlrec.training.config import load_config
from nlrec.training.data import load_training_clips, split_validation
from nlrec.training.gpl import GPLPipeline, build_queries
from nlrec.training.replay import add_replay, query_pairs, replay_config, replay_size, resize

from .conftest import EVAL


def test_replay_size_and_resize():
    assert replay_size(300, 0.25) == 100 and replay_size(300, 0.5) == 300 and replay_size(10, 0.0) == 0
    with pytest.raises(NlrecError, match="replay_ratio"):
        replay_size(10, 1.0)
    pairs = [(f"q{i}", f"d{i}") for i in range(5)]
    seven = resize(pairs, 7)
    assert len(seven) == 7 and set(seven[:5]) == set(pairs)  # every pair once before any repeats
    assert len(set(resize(pairs, 3))) == 3 and resize([], 4) == []


def test_add_replay_mixes_mnrl_buckets():
    from datasets import Dataset, DatasetDict

    data = DatasetDict({"len0": Dataset.from_dict({"query": ["a"] * 12, "positive": ["b"] * 12,
                                                   "negative": ["c"] * 12, "label": [1.0] * 12})})
    pairs = [(f"request {i}", f"tag {i}") for i in range(5)]
    merged, losses, n = add_replay(data, "margin", pairs, 0.5, batch_size=4, mnrl="mnrl")
    assert n == 12 and losses["len0"] == "margin"
    replay = [k for k in merged if k.startswith("replay-")]
    assert replay and all(losses[k] == "mnrl" for k in replay)
    assert sum(len(merged[k]) for k in replay) == 12 and set(merged[replay[0]].column_names) == {"anchor", "positive"}
    # fewer replayed rows than one batch: nothing is added
    assert add_replay(data, "margin", pairs, 0.1, batch_size=4, mnrl="mnrl")[2] == 0


def test_replay_pairs_are_musiccaps_training_pairs(recipe, data_dir):
    pairs = query_pairs(build_queries(replay_config(str(recipe)), data_dir)[0])
    assert pairs
    eval_texts = {t for _, _, *texts in EVAL for t in texts}
    assert not {q for q, _ in pairs} & eval_texts
    # the recipe's validation clip (1 held out, fixed seed) gives no replayed pair
    held = split_validation(load_training_clips(data_dir), load_config(recipe).data.validation_clips)[1]
    assert len(held) == 1 and held[0].document not in {d for _, d in pairs}
    assert not {q for q, _ in pairs} & {held[0].caption, *split_sentences(held[0].caption)}
    tag_catalog = recipe.parent / "tags.toml"
    tag_catalog.write_text('[data]\ndataset = "mtt"\n')
    with pytest.raises(NlrecError, match="only labelled"):
        replay_config(str(tag_catalog))
    with pytest.raises(NlrecError, match="not found"):
        replay_config(str(recipe.parent / "missing.toml"))


def test_catalog_student_replays_musiccaps(recipe, data_dir, tiny_catalog_file, tmp_path):
    config = load_config(recipe, {"run_dir": str(tmp_path / "catalog-run"), "data.dataset": "catalog",
                                  "data.catalog": str(tiny_catalog_file), "queries.captions": "false",
                                  "student.replay": str(recipe), "student.replay_ratio": "0.5"})
    reports = GPLPipeline(config, data_dir=data_dir, show_progress=False).run_all()
    student = reports[-1].details
    assert student["replay"] == str(recipe) and student["replayed_rows"] > 0
    assert student["replayed_rows"] == replay_size(student["triplets"] + student["pairs"], 0.5)
