from __future__ import annotations

import numpy as np
import pytest

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import exact_matches
from nlrec.training.config import load_config
from nlrec.training.data import LeakageGuard, caption_pairs, load_training_clips, split_validation
from nlrec.training.gpl import build_queries

from .conftest import EVAL, write_data


def test_training_clips_are_only_the_non_eval_clips(data_dir):
    clips = load_training_clips(data_dir)
    assert [c.ytid for c in clips] == ["tr-1", "tr-2", "tr-3", "tr-4", "tr-5", "tr-6"]
    LeakageGuard.for_musiccaps(data_dir).check_clips(clips)  # no overlap: no error


def test_validation_split_is_fixed_and_disjoint(data_dir):
    clips = load_training_clips(data_dir)
    a, va = split_validation(clips, 2)
    b, vb = split_validation(clips, 2)
    assert va == vb and len(a) == 4 and not {c.ytid for c in a} & {c.ytid for c in va}


@pytest.mark.parametrize("what", ["id", "caption", "llm_caption", "rephrased"])
def test_guard_refuses_evaluation_material(data_dir, what):
    guard = LeakageGuard.for_musiccaps(data_dir)
    ytid, _, human, writing, reco = EVAL[0]
    with pytest.raises(NlrecError, match="overlaps the evaluation clips"):
        if what == "id":
            guard.check(ids=["tr-1", ytid])
        else:
            text = {"caption": human, "llm_caption": writing, "rephrased": reco}[what]
            guard.check(texts=["calm piano", "  " + text.upper() + " "])


def test_pipeline_refuses_training_data_that_overlaps_evaluation(tmp_path):
    # a "training" clip (is_audioset_eval false) that carries an evaluation clip's caption
    leaky = write_data(tmp_path / "leaky", extra_train=[("tr-x", ["edm"], EVAL[0][2])])
    with pytest.raises(NlrecError, match="overlaps the evaluation clips"):
        build_queries(load_config(None, {"data.validation_clips": 1}), leaky)
    # ... or an evaluation clip's id
    leaky2 = write_data(tmp_path / "leaky2", extra_train=[(EVAL[1][0], ["folk"], "A folk song of my own.")])
    with pytest.raises(NlrecError, match="1 clip id"):
        build_queries(load_config(None, {"data.validation_clips": 1}), leaky2)


def test_caption_pairs_follow_the_protocol(data_dir):
    clips = load_training_clips(data_dir)
    pairs = caption_pairs(clips, sets_per_query=3, seed=0)
    assert {p.kind for p in pairs} == {"sentence", "caption"}
    tags = {c.ytid: c.tags for c in clips}
    for p in pairs:
        picked = p.document.split(", ")
        ematch, _ = exact_matches(tags[p.ytid], p.query)
        assert set(picked) <= set(tags[p.ytid]) and set(picked) & set(ematch)
    assert caption_pairs(clips, seed=0) == pairs
    assert np.unique([p.query for p in pairs]).size < len(pairs)  # several sets per request
