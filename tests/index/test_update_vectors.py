"""An update embeds only what the index does not hold: new descriptor sets and new descriptors,
never again the descriptor vocabulary the last version saved (``late/``)."""

from __future__ import annotations

import json

import numpy as np


def test_an_update_reuses_the_saved_descriptor_vectors(tiny_tracks, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import Index, build_index
    from nlrec.index.update import update_index

    build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model)).close()
    with Index.open("tiny") as index:
        before = json.loads((index.path / "late" / "descriptors.json").read_text())
        before_vectors = np.load(index.path / "late" / "vectors.npy")
        known = [before[0], before[1]]  # a new set of two descriptors the catalog already has
        report = update_index(index, upsert=[{"id": "n1", "descriptors": known},
                                             {"id": "n2", "descriptors": [before[0], "glass harmonica"]}])
    new = report.pop("index")
    try:
        assert report["added"] == 2
        # the two new sets and the one new descriptor, nothing else (the descriptor may come from
        # the model's text -> vector cache, which the build's passes share)
        assert report["embedded"] in (2, 3)
        after = json.loads((new.path / "late" / "descriptors.json").read_text())
        after_vectors = np.load(new.path / "late" / "vectors.npy")
        assert "glass harmonica" in after
        rows = [after.index(d) for d in before]
        assert np.array_equal(after_vectors[rows], before_vectors)  # the very vectors, not re-embedded
        fresh = Index.open("tiny")
        assert fresh.row_of("n2") is not None
        fresh.close()
    finally:
        new.close()
