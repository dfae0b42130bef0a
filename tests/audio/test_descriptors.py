"""The documented descriptor rule: synonyms, threshold, top-k, conflicts."""

from __future__ import annotations

from nlrec.audio.descriptors import descriptor_set, merge_synonyms, select

WITHOUT_EXTRA = True


def test_mtt_synonyms_merge_to_the_highest():
    merged = merge_synonyms({"no vocal": 0.3, "no vocals": 0.2, "no voice": 0.4, "classic": 0.1,
                             "classical": 0.05, "female": 0.2, "woman": 0.25})
    assert merged == {"no vocals": 0.4, "classical": 0.1, "female vocal": 0.25}


def test_decades_dropped_and_case_normalised():
    merged = merge_synonyms({"80s": 0.9, "Hip-Hop": 0.5, "Mellow": 0.3, "chill": 0.2, "chillout": 0.4})
    assert merged == {"hip hop": 0.5, "mellow": 0.3, "chillout": 0.4}


def test_threshold_top_k_and_at_least_one():
    probs = {"a": 0.9, "b": 0.5, "c": 0.3, "d": 0.16, "e": 0.14, "f": 0.8}
    assert select(probs, top_k=3, threshold=0.15) == [("a", 0.9), ("f", 0.8), ("b", 0.5)]
    assert select(probs, top_k=10, threshold=0.15)[-1] == ("d", 0.16)
    assert select({"a": 0.01, "b": 0.02}, top_k=5, threshold=0.5) == [("b", 0.02)]


def test_vocabularies_merge_and_record_sources():
    out = descriptor_set({"mtt": {"electronic": 0.5, "techno": 0.4},
                          "msd": {"electronica": 0.6, "dance": 0.3}}, top_k=5, threshold=0.15)
    assert [(d.text, d.probability, d.sources) for d in out] == [
        ("electronic", 0.6, ("mtt", "msd")), ("techno", 0.4, ("mtt",)), ("dance", 0.3, ("msd",))]


def test_no_vocals_conflict_keeps_the_likelier_side():
    keep_absence = descriptor_set({"mtt": {"no vocals": 0.6, "vocal": 0.3, "male": 0.2}})
    assert [d.text for d in keep_absence] == ["no vocals"]
    keep_voice = descriptor_set({"mtt": {"no vocals": 0.2, "female vocal": 0.7}})
    assert [d.text for d in keep_voice] == ["female vocal"]
