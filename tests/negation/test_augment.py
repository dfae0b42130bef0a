from __future__ import annotations

import random

import numpy as np
import pytest

from nlrec.negation.augment import fully_negate, insert_negation, lacks


def test_p_zero_and_one():
    vocab = ["drums", "vocals", "synth"]
    assert insert_negation("calm piano", ["calm", "piano"], vocab, random.Random(0), p=0.0) == "calm piano"
    out = insert_negation("calm piano", ["calm", "piano"], vocab, random.Random(0), p=1.0)
    assert out.startswith("calm piano, ") and out.split(", ")[1].split(" ", 1)[0] in ("no", "without", "not")


def test_only_absent_tags_are_negated():
    item = ["male singer", "acoustic drums", "piano"]
    vocab = ["vocals", "drums", "piano", "saxophone"]  # only saxophone is absent
    for seed in range(20):
        out = insert_negation("piano ballad", item, vocab, random.Random(seed), p=1.0)
        assert out.endswith(" saxophone"), out
    assert insert_negation("x", item, ["vocals"], random.Random(0), p=1.0) == "x"  # none absent
    assert lacks(["instrumental"], "vocals") and not lacks(["male singer"], "vocals")


def test_tag_lists_get_one_more_item_and_numpy_rng_works():
    out = insert_negation("calm, piano", ["calm", "piano"], ["drums"], np.random.default_rng(1), p=1.0)
    parts = out.split(", ")
    assert len(parts) == 3 and sum(p.endswith("drums") for p in parts) == 1


def test_rate_is_about_p():
    rng = random.Random(42)
    n = sum(insert_negation("piano", ["piano"], ["drums"], rng, p=0.6) != "piano" for _ in range(2000))
    assert 0.55 < n / 2000 < 0.65


def test_sentences_keep_their_full_stop():
    out = insert_negation("A calm piano piece.", ["piano"], ["drums"], random.Random(3), p=1.0)
    assert out.endswith(" drums.") and out.startswith("A calm piano piece, ")


def test_bad_p():
    with pytest.raises(ValueError):
        insert_negation("x", [], ["y"], random.Random(0), p=1.5)


@pytest.mark.parametrize(
    "given, negated",
    [
        (["piano", "calm"], "no piano, no calm"),
        ("piano, calm", "no piano, no calm"),
        ("a calm piano, no drums", "no calm piano, drums"),
        ("calm piano and soft strings", "no calm piano, no soft strings"),
        (["instrumental", "no voices"], "no instrumental, vocals"),
    ],
)
def test_fully_negate(given, negated):
    assert fully_negate(given) == negated
