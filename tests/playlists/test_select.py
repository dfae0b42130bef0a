"""Choosing playlist tracks: the length within 5 %, per-artist caps, MMR variety, assumed lengths."""

from __future__ import annotations

import pytest

from nlrec.errors import NlrecError
from nlrec.index import Index
from nlrec.playlists import PlaylistSpec, make_playlist
from nlrec.playlists.model import known_duration


@pytest.mark.parametrize(("minutes", "cap"), [(15, 3), (60, 3), (95, 6)])
def test_length_within_five_percent_and_artist_cap(library_index, minutes, cap):
    name, _, _ = library_index
    with Index.open(name) as idx:
        pl = make_playlist(idx, "calm piano for studying", PlaylistSpec(minutes=minutes, max_per_artist=cap))
    assert abs(pl.seconds - minutes * 60) <= 0.05 * minutes * 60
    counts: dict[str, int] = {}
    for e in pl.entries:
        counts[e.artist] = counts.get(e.artist, 0) + 1
    assert max(counts.values()) <= cap
    assert len({e.id for e in pl.entries}) == len(pl.entries)
    assert pl.assumed == 0 and all(e.duration_source == "metadata" for e in pl.entries)


def test_cap_limits_what_a_library_can_give(library_index):
    name, _, _ = library_index
    with Index.open(name) as idx:  # 6 artists x 1 track each cannot fill an hour
        pl = make_playlist(idx, "jazz piano trio", PlaylistSpec(minutes=60, max_per_artist=1))
    assert len(pl.entries) <= 6 and len({e.artist for e in pl.entries}) == len(pl.entries)
    assert any("only" in n for n in pl.notes)


def _memory_library(encoder, n: int = 40):
    """An in-memory index over the library records with a bag-of-words encoder: vectors that
    differ as much as the descriptor sets do."""
    import numpy as np

    from nlrec.catalog import Track
    from nlrec.encoders.faiss_dense import DenseRetriever, build_faiss
    from tests.playlists.conftest import STYLES

    tracks = [Track(id=f"t{i}", descriptors=tuple(STYLES[i % 5]) if i % 2 else tuple(STYLES[0]),
                    title=f"T{i}", artist=f"A{i % 7}", metadata={"duration": 200}) for i in range(n)]
    documents = list(dict.fromkeys(", ".join(t.descriptors) for t in tracks))
    track_doc = np.asarray([documents.index(", ".join(t.descriptors)) for t in tracks])
    dense = DenseRetriever(encoder, build_faiss(encoder.encode(documents), "Flat"))
    return Index.in_memory(documents, encoder=encoder, retrievers={"dense": dense}, tracks=tracks,
                           track_doc=track_doc)


def test_diversity_spreads_over_descriptor_vectors(fake_encoder):
    from nlrec.search import SearchOptions

    idx = _memory_library(fake_encoder)
    opts = SearchOptions(mode="dense")
    spec = dict(minutes=None, tracks=6, max_per_artist=None)
    plain = make_playlist(idx, "calm solo piano", PlaylistSpec(**spec, diversity=0.0), options=opts)
    varied = make_playlist(idx, "calm solo piano", PlaylistSpec(**spec, diversity=0.6), options=opts)
    assert len(plain.entries) == len(varied.entries) == 6
    # diversity 0 keeps the search order: six copies of the best-matching descriptor set
    assert len({e.descriptors for e in plain.entries}) == 1
    assert plain.entries[0].id == varied.entries[0].id  # MMR starts from the most relevant track
    assert len({e.descriptors for e in varied.entries}) >= 3


def test_unknown_lengths_are_assumed_and_said(tmp_path, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from tests.playlists.conftest import library_records

    build_index(Catalog.from_records(library_records(tmp_path / "M", with_duration=False)), "nodur",
                model=str(tiny_model))
    with Index.open("nodur") as idx:
        pl = make_playlist(idx, "synth night drive", PlaylistSpec(minutes=30, assumed_seconds=180))
    assert pl.assumed == len(pl.entries) == 10 and pl.seconds == 1800
    assert any("assumed length" in n for n in pl.notes)


def test_known_duration_fields():
    assert known_duration({"duration": 215.4}) == 215.4
    assert known_duration({"length": "180"}) == 180.0
    assert known_duration({"duration_ms": 240000}) == 240.0
    for bad in ({}, None, {"duration": -3}, {"duration": "n/a"}, {"duration": float("nan")}, {"duration": True}):
        assert known_duration(bad) is None


def test_bad_settings_are_refused():
    with pytest.raises(NlrecError, match="diversity"):
        PlaylistSpec(diversity=1.5)
    with pytest.raises(NlrecError, match="max-per-artist"):
        PlaylistSpec(max_per_artist=0)
