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


def test_vocals_decision_keeps_no_vocals_on_twice_the_singing_evidence():
    from nlrec.audio.descriptors import tag_priors, vocals_evidence

    priors = tag_priors()
    # no-vocals lift 3 (MSD "instrumental"), singing lift at most 1: kept, after the top-k descriptors
    probs = {"mtt": {"guitar": 0.6, "rock": 0.4, "no vocals": 0.05, "vocals": priors["mtt"]["vocals"] * 0.9},
             "msd": {"instrumental": priors["msd"]["instrumental"] * 3, "rock": 0.5}}
    out = descriptor_set(probs)
    assert [d.text for d in out] == ["guitar", "rock", "no vocals"]
    assert out[-1].sources == ("msd",) and out[-1].probability == 0.05
    ev = vocals_evidence(probs)
    assert ev.no_vocals and ev.no_vocals_tag == "msd:instrumental" and round(ev.no_vocals_lift, 6) == 3.0


def test_vocals_decision_one_singing_window_is_enough_to_refuse():
    from nlrec.audio.descriptors import tag_priors

    priors = tag_priors()
    probs = {"mtt": {"guitar": 0.6, "no vocals": priors["mtt"]["no vocals"] * 3, "female": priors["mtt"]["female"]}}
    assert "no vocals" in [d.text for d in descriptor_set(probs)]
    # the same pooled probabilities, but one window sings at twice its prior: 3 < 2 * 2
    window_max = {"mtt": {"guitar": 0.9, "no vocals": 0.2, "female": priors["mtt"]["female"] * 2}}
    assert "no vocals" not in [d.text for d in descriptor_set(probs, window_max=window_max)]


def test_vocals_decision_drops_a_top_k_no_vocals_without_evidence_and_off_restores_the_old_rule():
    probs = {"mtt": {"no vocals": 0.2, "female vocal": 0.7}}
    assert [d.text for d in descriptor_set(probs)] == ["female vocal"]
    strong = {"mtt": {"no vocals": 0.6, "vocal": 0.3, "male": 0.2}}
    assert [d.text for d in descriptor_set(strong, vocals="off")] == ["no vocals"]
    weak = {"mtt": {"no vocals": 0.16, "rock": 0.5}, "msd": {"instrumental": 0.0}}
    assert "no vocals" in [d.text for d in descriptor_set(weak, vocals="off")]
    assert "no vocals" in [d.text for d in descriptor_set(weak)]   # lift 0.16 / 0.044 = 3.6, no singing tag
    try:
        descriptor_set(probs, vocals="maybe")
    except ValueError as exc:
        assert "vocals mode" in str(exc)
    else:
        raise AssertionError("an unknown vocals mode must be refused")
