"""Hostile catalog cells give one-line errors or capped tracks with a warning (issue 14)."""

from __future__ import annotations

import json

import pytest

from nlrec.catalog import Catalog, parse_descriptors
from nlrec.catalog.validate import MAX_DESCRIPTORS_PER_TRACK, CatalogWarning
from nlrec.errors import CatalogError, NlrecError


@pytest.mark.parametrize("year", ["inf", "-inf", "1e400", "123456"])
def test_year_out_of_range_is_one_line(year):
    with pytest.raises(CatalogError, match="row 1 has a year"):
        Catalog.from_records([{"id": "a", "descriptors": "jazz", "year": year}])


def test_a_5000_digit_id_in_jsonl_is_one_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": ' + "9" * 5000 + ', "descriptors": "jazz"}\n')
    with pytest.raises(CatalogError, match="line 1 cannot be read"):
        Catalog.from_file(path)
    path.write_text('[{"id": ' + "9" * 5000 + ', "descriptors": "jazz"}]')
    with pytest.raises(CatalogError, match="cannot be read"):
        Catalog.from_file(path.rename(tmp_path / "c.json"))


@pytest.mark.parametrize("bad", ["a\tb", "a\nb", "a\rb", "a\x00b"])
def test_ids_with_control_characters_are_refused_naming_the_row(bad):
    with pytest.raises(CatalogError, match=r"row 2 has an id with a"):
        Catalog.from_records([{"id": "ok", "descriptors": "jazz"}, {"id": bad, "descriptors": "jazz"}])


def test_nested_descriptor_lists_are_flattened_and_objects_refused():
    assert parse_descriptors([["jazz", "piano"], "calm", ("a", ["b"])]) == ("jazz", "piano", "calm", "a", "b")
    cat = Catalog.from_records([{"id": "a", "descriptors": [["jazz", "piano"]]}])
    assert cat.tracks[0].descriptors == ("jazz", "piano")
    with pytest.raises(CatalogError, match="row 1: a descriptor is an object"):
        Catalog.from_records([{"id": "a", "descriptors": [{"x": 1}]}])


def test_descriptors_are_capped_with_a_warning_naming_the_track():
    many = [f"tag{i}" for i in range(MAX_DESCRIPTORS_PER_TRACK + 10)] + ["x" * 1000]
    with pytest.warns(CatalogWarning, match=r"track 'big' \(row 1\): kept the first 256 descriptors, dropped 11"):
        cat = Catalog.from_records([{"id": "big", "descriptors": many}])
    assert len(cat.tracks[0].descriptors) == MAX_DESCRIPTORS_PER_TRACK
    with pytest.warns(CatalogWarning, match=r"track 'long' \(row 1\): cut 1 descriptor\(s\) to 200 characters"):
        Catalog.from_records([{"id": "long", "descriptors": ["x" * 1000]}])


@pytest.mark.parametrize(("cells", "sep"), [("a|b", "|"), ("the|and", "|")])
def test_no_indexable_word_fails_before_embedding(cells, sep, fake_encoder):
    from nlrec.index import build_index

    cat = Catalog.from_records([{"id": "x", "descriptors": cells}], sep=sep)
    with pytest.raises(NlrecError, match="no descriptor in the catalog has an indexable word"):
        build_index(cat, "empty", encoder=fake_encoder, onnx=False)
    assert fake_encoder.calls == []


def test_catalog_json_roundtrip_unchanged():
    cat = Catalog.from_records([{"id": "a b", "descriptors": json.dumps(["jazz", "piano"])}])
    assert cat.tracks[0].id == "a b" and cat.tracks[0].descriptors == ("jazz", "piano")
