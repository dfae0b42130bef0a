from __future__ import annotations

import numpy as np
import pytest

from nlrec.negation.lexicon import load_lexicon
from nlrec.negation.matching import FacetMatcher
from nlrec.negation.semantic import SemanticMatcher

# unit vectors: cos(vocals, warbling) = 0.9, cos(vocals, piano) = 0.1, cos(80s, 90s) = 0.95;
# any other text is orthogonal to all of these
_VECS = {
    "vocals": [1.0, 0.0, 0.0, 0.0],
    "warbling": [0.9, np.sqrt(1 - 0.81), 0.0, 0.0],
    "piano": [0.1, np.sqrt(1 - 0.01), 0.0, 0.0],
    "80s": [0.0, 0.0, 1.0, 0.0],
    "90s": [0.0, np.sqrt(1 - 0.95**2), 0.95, 0.0],
    "bass drum": [0.0, 0.0, 1.0, 0.0],
    "bass": [0.0, 0.0, 1.0, 0.0],
}
_OTHER = [0.0, 0.0, 0.0, 1.0]


class FakeEncoder:
    id = "fake"
    dimension = 4

    def __init__(self):
        self.calls = 0

    def fingerprint(self):
        return "fake-encoder-for-negation-tests"

    def encode(self, texts, **_):
        self.calls += 1
        return np.array([_VECS.get(t, _OTHER) for t in texts], dtype=np.float32)


@pytest.fixture
def enc():
    from nlrec.negation import semantic

    semantic.clear_vector_caches()
    return FakeEncoder()


def test_threshold_and_cache(enc):
    sm = SemanticMatcher(enc, 0.8)
    pats = [load_lexicon().pattern("vocals")]
    assert sm.matches(pats, ["warbling", "piano"]) == {"warbling": ["vocals"]}
    calls = enc.calls
    sm.matches(pats, ["warbling", "piano"])
    assert enc.calls == calls  # every text embedded once
    assert SemanticMatcher(enc, 0.95).matches(pats, ["warbling"]) == {}


def test_vectors_are_kept_on_disk_for_later_processes(enc, nlrec_home):
    from nlrec.negation import semantic

    pats = [load_lexicon().pattern("vocals")]
    SemanticMatcher(enc, 0.8).matches(pats, ["warbling", "piano"])
    files = list((nlrec_home / ".cache" / "vectors").rglob("vectors.npy"))
    assert len(files) == 1
    semantic.clear_vector_caches()  # a new process
    fresh = FakeEncoder()
    assert SemanticMatcher(fresh, 0.8).matches(pats, ["warbling", "piano"]) == {"warbling": ["vocals"]}
    assert fresh.calls == 0  # nothing embedded again
    # a damaged file is skipped: its texts are embedded again, nothing fails
    files[0].write_bytes(b"garbage")
    semantic.clear_vector_caches()
    again = FakeEncoder()
    assert SemanticMatcher(again, 0.8).matches(pats, ["warbling"]) == {"warbling": ["vocals"]}
    assert again.calls >= 1


def test_vetoes(enc):
    sm = SemanticMatcher(enc, 0.8)
    lex = load_lexicon()
    assert sm.matches([lex.pattern("80s")], ["90s"]) == {}  # contrast
    assert sm.matches([lex.pattern("bass")], ["bass drum"]) == {}  # except phrase / other head


def test_matcher_uses_embeddings_for_unknown_words(enc):
    m = FacetMatcher(["vocals"], semantic=SemanticMatcher(enc, 0.8))
    v = m.judge(["warbling", "piano"])
    assert v.excluded_by == ["warbling"] and v.semantic == ["warbling"]


def test_crowded_spaces_match_nothing(enc):
    """A facet as close to an unrelated lexicon facet as to the term: no embedding match."""
    _VECS["synth"] = _VECS["warbling"]  # "synth" is a lexicon facet unrelated to vocals
    try:
        sm = SemanticMatcher(enc, 0.8)
        pat = load_lexicon().pattern("vocals")
        assert sm.facet_threshold(pat) == pytest.approx(0.95)
        assert sm.matches([pat], ["warbling"]) == {}
    finally:
        del _VECS["synth"]


def test_bad_threshold(enc):
    with pytest.raises(ValueError):
        SemanticMatcher(enc, 0.0)


def test_vector_cache_can_stay_in_memory(enc, nlrec_home, monkeypatch):
    monkeypatch.setenv("NLREC_VECTOR_CACHE", "off")
    SemanticMatcher(enc, 0.8).matches([load_lexicon().pattern("vocals")], ["warbling"])
    assert not (nlrec_home / ".cache" / "vectors").exists()


def test_build_caches_negation_vectors(fake_encoder, tiny_tracks):
    """A build embeds the catalog's descriptors for the negation matcher; the first negated
    request then embeds only its facet."""
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.negation.semantic import SemanticMatcher, clear_vector_caches
    clear_vector_caches()
    build_index(Catalog.from_records(tiny_tracks), "neg", encoder=fake_encoder, onnx=False)
    from nlrec.negation.semantic import _vector_cache

    built = set(_vector_cache(fake_encoder)._vectors)  # what the negation matcher holds
    assert {"steel drums", "male vocal", "vocals"} <= built  # descriptors and lexicon facets
    # the late retriever's descriptor vocabulary (denials included) is embedded through the same
    # cache; a denial is still never matched by embedding, however low the threshold
    from nlrec.negation.matching import FacetMatcher

    verdict = FacetMatcher(["vocals"], semantic=SemanticMatcher(fake_encoder, 0.01)).judge(["no vocals"])
    assert verdict.excluded_by == [] and verdict.absent == ["no vocals"]
    clear_vector_caches()  # as a new process: the vectors come from disk
    fake_encoder.calls.clear()
    matcher = SemanticMatcher(fake_encoder)
    matcher.embed(["steel drums", "male vocal"])
    assert fake_encoder.calls == []
