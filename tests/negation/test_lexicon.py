from __future__ import annotations

from nlrec.negation.lexicon import Lexicon, load_lexicon, stems


def test_canonical_names():
    lex = load_lexicon()
    assert lex.canonical("voice") == "vocals"
    assert lex.canonical("singing") == "vocals"
    assert lex.canonical("drum") == "drums"
    assert lex.canonical("percussion") == "percussion"  # a facet's own name wins
    assert lex.canonical("rap") == "rap"
    assert lex.canonical("e-guitar") == "electric guitar"
    assert lex.canonical("the vocals") == "vocals"
    assert lex.canonical("kazoo") is None


def test_patterns_match_synonyms_and_stems():
    lex = load_lexicon()
    vocals = lex.pattern("vocals")
    for d in ("male vocals", "female voice singing", "choir", "rapping", "backing vocals", "lyrics"):
        assert vocals.matches(d), d
    for d in ("piano", "trap beat", "upbeat"):
        assert not vocals.matches(d), d
    drums = lex.pattern("drums")
    assert all(drums.matches(d) for d in ("acoustic drums", "drumming", "percussion", "drum kit", "beats"))
    assert not drums.matches("upbeat")


def test_excepts_and_contrasting_modifiers():
    lex = load_lexicon()
    bass = lex.pattern("bass")
    assert bass.matches("electric bass") and not bass.matches("bass drum")
    assert not bass.matches("drum & bass")
    eg = lex.pattern("electric guitar")
    assert eg.matches("distorted guitar") and eg.matches("e-guitar")
    assert not eg.matches("acoustic guitar") and not eg.matches("guitar")
    male = lex.pattern("male vocals")
    assert male.matches("male voice singing") and not male.matches("female vocal")
    soft = lex.pattern("soft piano")  # "soft" contrasts with loud: required
    assert soft.canonical == "piano" and soft.matches("soft piano melody") and not soft.matches("piano")
    heavy = lex.pattern("heavy drums")  # "heavy" is not contrasting: all drums
    assert heavy.matches("acoustic drums")
    free = lex.pattern("cheesy")
    assert free.canonical is None and free.matches("cheesy synth") and not free.matches("synth")


def test_absence_markers_use_unstemmed_words():
    lex = load_lexicon()
    assert lex.absences("instrumental") == ("vocals",)
    assert lex.absences("instrumental hip-hop") == ("vocals",)
    assert lex.absences("no other instruments") == ()  # "instruments" is not "instrumental"
    assert "drums" in lex.absences("a cappella")


def test_contrast_conflict():
    lex = load_lexicon()
    assert lex.contrast_conflict(stems("electric guitar"), stems("acoustic guitar"))
    assert lex.contrast_conflict(stems("80s"), stems("90s"))
    assert not lex.contrast_conflict(stems("bass"), stems("electric bass"))
    assert not lex.contrast_conflict(stems("vocals"), stems("male vocals"))


def test_custom_lexicon():
    lex = Lexicon.from_dict({"facets": {"kazoo": ["kazoo", "kazoos", "mirliton"]}})
    assert lex.canonical("mirliton") == "kazoo"
    assert lex.pattern("kazoo").matches("loud kazoos")
