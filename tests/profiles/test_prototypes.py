from __future__ import annotations

import numpy as np
import pytest

from nlrec.profiles import ItemSpace, affinity, build_prototypes, descriptor_key
from nlrec.profiles.prototypes import index_vectors, normalize_rows


def space() -> ItemSpace:
    v = normalize_rows(np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1]], dtype=np.float32))
    return ItemSpace(v, [("Jazz", "piano"), ("jazz", "Smooth  Jazz"), ("metal",), ("piano", "calm")],
                     multiplicity=np.array([1, 1, 3, 1]))


def test_descriptor_keys_and_vocabulary():
    assert descriptor_key("  Female   Vocal ") == "female vocal"
    s = space()
    assert s.descriptors[1] == ("jazz", "smooth jazz")
    assert s.rows_carrying("JAZZ").tolist() == [0, 1]
    assert s.counts()["metal"] == 3  # rows weighted by how many tracks they stand for
    assert s.vocabulary(3) == ["metal", "jazz", "piano"]
    assert s.carries(["jazz", "calm"]).tolist() == [[1, 0], [1, 0], [0, 0], [0, 1]]
    assert s.carries(["piano"], rows=np.array([3, 0, 2])).tolist() == [[1], [1], [0]]


def test_prototypes_blend_text_and_centroid():
    s = space()
    text = np.array([[0, 0, 1.0]], dtype=np.float32)
    only_text = build_prototypes(s, ["jazz"], text, blend=0.0)
    np.testing.assert_allclose(only_text.vectors, text)
    only_centroid = build_prototypes(s, ["jazz"], text, blend=1.0)
    expected = normalize_rows(s.vectors[[0, 1]].mean(0, keepdims=True))
    np.testing.assert_allclose(only_centroid.vectors, expected, atol=1e-6)
    half = build_prototypes(s, ["jazz", "never carried"], np.vstack([text, text]), blend=0.5)
    assert np.linalg.norm(half.vectors, axis=1) == pytest.approx([1.0, 1.0])
    np.testing.assert_allclose(half.vectors[1], text[0])  # no carrier: text alone
    assert half.subset(["never carried"]).names == ["never carried"]


def test_affinity_is_lexical_plus_cosine():
    s = space()
    protos = build_prototypes(s, ["jazz", "calm"], np.eye(3, dtype=np.float32)[[0, 2]], blend=0.0)
    a = affinity(s, protos, lexical=0.4)
    cos = s.vectors @ protos.vectors.T
    np.testing.assert_allclose(a, 0.4 * s.carries(["jazz", "calm"]) + 0.6 * cos, atol=1e-6)
    np.testing.assert_allclose(affinity(s, protos, rows=np.array([2, 0]), lexical=0.4), a[[2, 0]], atol=1e-6)
    np.testing.assert_allclose(affinity(s, protos, lexical=0.0), cos, atol=1e-6)


def test_item_space_from_index_reads_faiss_vectors(tiny_index):
    s = ItemSpace.from_index(tiny_index)
    assert len(s) == len(tiny_index.documents) == 7
    assert s.multiplicity.sum() == 8  # t2 and t5 share a descriptor set
    enc = tiny_index.encoder()
    np.testing.assert_allclose(index_vectors(tiny_index), enc.encode(tiny_index.documents), atol=1e-5)
    assert "solo piano" in s.descriptors[tiny_index.track_doc[1]]
