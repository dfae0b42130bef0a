from __future__ import annotations

from nlrec.evaluation.runner import SystemConfig
from nlrec.training.data import load_training_clips
from nlrec.training.report import write_report
from nlrec.training.validation import evaluate_system, validate_model, validation_benchmarks


def test_validation_benchmarks_and_lexical(data_dir):
    clips = load_training_clips(data_dir)
    benches = validation_benchmarks(clips, seeds=(0, 1))
    assert set(benches) == {"val_caption", "val_sentence"} and len(benches["val_caption"]) == 2
    assert len(benches["val_caption"][0].queries) == len(clips)  # one whole caption per clip
    res = evaluate_system(SystemConfig("tfidf"), benches)
    assert 0 <= res.score <= 100 and set(res.measures["val_sentence"]) == {"R@1", "R@10", "RR@10"}


def test_validate_model_tunes_fusion_and_report(data_dir, tiny_model, tmp_path):
    import json

    out = validate_model(str(tiny_model), load_training_clips(data_dir))
    assert out["best_hybrid"]["score"] == max(h["score"] for h in out["hybrid"])
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "v.json").write_text(json.dumps({"kind": "validation", "lexical": [], "models": [out]}))
    text = write_report(tmp_path).read_text()
    assert "Validation" in text and "tiny-a" in text
