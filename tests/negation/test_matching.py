from __future__ import annotations

from nlrec.negation.matching import FacetMatcher, polarity


def test_polarity():
    assert polarity("no voices").denied == ("vocals",)
    assert polarity("no voices").affirmed == ""
    assert polarity("instrumental").denied == ("vocals",)
    assert polarity("no percussion moderate tempo").affirmed == "moderate tempo"
    assert not polarity("no-nonsense rock").is_negative
    assert not polarity("male vocal").is_negative


def test_absence_is_not_presence():
    m = FacetMatcher(["vocals"])
    for kept in (["solo piano", "no vocals"], ["instrumental", "piano"], ["no singer"], ["without voice"]):
        v = m.judge(kept)
        assert not v.is_violation, kept
        assert v.absent, kept
    assert m.judge(["piano", "calm"]).to_dict() == {
        "facets": ["vocals"], "excluded_by": [], "absent": [], "violated": [], "semantic": []
    }


def test_presence_wins_over_a_contradicting_absence():
    v = FacetMatcher(["vocals"]).judge(["instrumental", "female singer"])
    assert v.is_violation and v.excluded_by == ["female singer"] and v.absent == ["instrumental"]


def test_several_facets():
    m = FacetMatcher(["drums", "bass"])
    v = m.judge(["acoustic drums", "bass guitar", "piano"])
    assert v.excluded_by == ["acoustic drums", "bass guitar"] and v.violated == ["drums", "bass"]
    v = m.judge(["no percussion", "bass drum"])  # "bass drum" is a drum, not bass
    assert v.violated == ["drums"] and v.absent == ["no percussion"]


def test_broader_denial_covers_narrower_facet():
    m = FacetMatcher(["male vocals"])
    assert m.judge(["no voices", "piano"]).absent == ["no voices"]
    assert not m.judge(["female vocal"]).is_violation


def test_judge_many_batches():
    m = FacetMatcher(["vocals"])
    vs = m.judge_many([["male vocal"], ["piano"], []])
    assert [v.is_violation for v in vs] == [True, False, False]
