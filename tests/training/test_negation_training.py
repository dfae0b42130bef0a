"""Negation-aware training: the augmentation columns, the combined loss, and the recipes."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.training.negation import negation_aware_loss, negation_columns, negation_vocabulary


def test_vocabulary_is_frequent_requestable_tags_without_absences():
    items = {"a": ["piano", "calm", "no vocals"], "b": ["piano", "drums", "instrumental"],
             "c": ["piano", "drums", "low quality"]}
    assert negation_vocabulary(items, 2) == ["piano", "drums"]
    assert "no vocals" not in negation_vocabulary(items) and "instrumental" not in negation_vocabulary(items)
    assert "low quality" not in negation_vocabulary(items)


def test_columns_insert_negations_only_for_absent_tags():
    anchors = ["calm piano"] * 50
    cols = negation_columns(anchors, ["piano, calm"] * 50, [["piano", "calm", "male vocals"]] * 50,
                            vocabulary=["vocals", "drums"], p=1.0, seed=0)
    assert set(cols) == {"anchor", "positive", "negated"}
    assert all("drums" in a and "vocals" not in a for a in cols["anchor"])  # the item has vocals
    assert all(n != a for n, a in zip(cols["negated"], cols["anchor"]))
    plain = negation_columns(anchors, ["piano, calm"] * 50, [["piano"]] * 50, vocabulary=["drums"], p=0.0,
                             dissimilarity=False)
    assert plain == {"anchor": anchors, "positive": ["piano, calm"] * 50}
    with pytest.raises(ValueError):
        negation_columns(["x"], [], [[]], vocabulary=[], p=0.5)


def test_negation_aware_loss_adds_k_times_cosine(tiny_model):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    model = SentenceTransformer(str(tiny_model), device="cpu")
    base = MultipleNegativesRankingLoss(model)
    texts = (["calm piano", "loud drums"], ["piano, calm", "drums, loud"], ["no calm piano", "no loud drums"])
    feats = [model.tokenize(t) for t in texts]
    with torch.no_grad():
        emb = [model(dict(f))["sentence_embedding"] for f in feats]
        expected = base.compute_loss_from_embeddings(emb[:2], None) + 0.5 * torch.nn.functional.cosine_similarity(
            emb[0], emb[2]).mean()
        got = negation_aware_loss(model, base, 0.5)([dict(f) for f in feats], None)
    assert torch.allclose(got, expected, atol=1e-5)


def test_finetune_with_negation_options(recipe, data_dir, tmp_path):
    out = tmp_path / "neg-model"
    res = CliRunner().invoke(cli, ["train", "finetune", "--config", str(recipe), "--data-dir", str(data_dir),
                                   "--output", str(out), "--negation-p", "0.6", "--negation-k", "0.01", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["negation"] == {"p": 0.6, "k": 0.01} and (out / "modules.json").is_file()
    res = CliRunner().invoke(cli, ["train", "finetune", "--config", str(recipe), "--negation-p", "2"])
    assert res.exit_code == 2
