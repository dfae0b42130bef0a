from __future__ import annotations

import json

import pytest

from nlrec.catalog import Catalog, parse_descriptors
from nlrec.errors import CatalogError


def test_parse_descriptors_forms():
    assert parse_descriptors("['low quality', 'piano', 'Piano']") == ("low quality", "piano")
    assert parse_descriptors("jazz|  smooth  jazz | |sax", sep="|") == ("jazz", "smooth jazz", "sax")
    assert parse_descriptors(["a", None, "b", "a"]) == ("a", "b")
    assert parse_descriptors(None) == ()
    assert parse_descriptors(float("nan")) == ()
    assert parse_descriptors("") == ()


def test_csv_with_column_mapping(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("track,name,who,tags,yr,label\n1,A,X,\"jazz; piano\",1999,blue\n2,B,Y,rock,,red\n")
    cat = Catalog.from_file(p, id_col="track", descriptors_col="tags", title_col="name",
                            artist_col="who", year_col="yr", sep=";")
    t1, t2 = cat.tracks
    assert (t1.id, t1.title, t1.artist, t1.year, t1.descriptors) == ("1", "A", "X", 1999, ("jazz", "piano"))
    assert t1.metadata == {"label": "blue"}
    assert t2.year is None and t2.descriptors == ("rock",)
    assert t1.text == "jazz, piano"


def test_tsv_jsonl_json_parquet_agree(tmp_path, tiny_tracks):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [{"id": t["id"], "title": t["title"], "descriptors": "|".join(t["descriptors"])} for t in tiny_tracks]
    tsv = tmp_path / "c.tsv"
    tsv.write_text("id\ttitle\tdescriptors\n" + "".join(f"{r['id']}\t{r['title']}\t{r['descriptors']}\n" for r in rows))
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("".join(json.dumps(t) + "\n" for t in tiny_tracks))
    js = tmp_path / "c.json"
    js.write_text(json.dumps(tiny_tracks))
    pqf = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(tiny_tracks), pqf)
    cats = [
        Catalog.from_file(tsv, sep="|"),
        Catalog.from_file(jsonl),
        Catalog.from_file(js),
        Catalog.from_file(pqf),
    ]
    for c in cats:
        assert [t.id for t in c] == [t["id"] for t in tiny_tracks]
        assert [list(t.descriptors) for t in c] == [t["descriptors"] for t in tiny_tracks]
    assert cats[1].fingerprint() == cats[2].fingerprint() == cats[3].fingerprint()


def test_empty_descriptor_sets_are_skipped_and_counted(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,descriptors\n1,jazz\n2,\n3,\"[]\"\n4,rock\n")
    cat = Catalog.from_file(p)
    assert [t.id for t in cat] == ["1", "4"]
    assert cat.skipped_empty == 2


def test_all_empty_is_an_error(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,descriptors\n1,\n2, \n")
    with pytest.raises(CatalogError, match="no track with a non-empty descriptor set.*2 rows skipped"):
        Catalog.from_file(p)


@pytest.mark.parametrize(
    ("content", "kwargs", "pattern"),
    [
        ("id,descriptors\n1,a\n1,b\n", {}, "duplicate track ids: '1'"),
        ("ident,tags\n1,a\n", {}, r"missing column\(s\) 'id', 'descriptors'; available: ident, tags"),
        ("id,descriptors\n1,a\n", {"title_col": "name"}, r"missing column\(s\) 'name'"),
        ("id,descriptors\n,a\n", {}, "row 1 has an empty id"),
        ("id,descriptors,year\n1,a,nineteen\n", {}, "year that is not a number"),
        ("id,descriptors\n1,a,extra\n", {}, "more fields than the header"),
        ("", {}, "no rows|empty file"),
    ],
)
def test_bad_csv(tmp_path, content, kwargs, pattern):
    p = tmp_path / "c.csv"
    p.write_text(content)
    with pytest.raises(CatalogError, match=pattern):
        Catalog.from_file(p, **kwargs)


def test_non_utf8_names_the_offset(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes("id,descriptors\n1,caf\xe9 jazz\n".encode("latin-1"))
    with pytest.raises(CatalogError, match=r"not valid utf-8 text \(byte 0xe9 at offset 20\)"):
        Catalog.from_file(p)
    assert Catalog.from_file(p, encoding="latin-1").tracks[0].descriptors == ("café jazz",)


def test_missing_unknown_and_malformed_files(tmp_path):
    with pytest.raises(CatalogError, match="catalog not found"):
        Catalog.from_file(tmp_path / "nope.csv")
    odd = tmp_path / "c.xlsx"
    odd.write_text("x")
    with pytest.raises(CatalogError, match="cannot tell the format"):
        Catalog.from_file(odd)
    bad = tmp_path / "c.jsonl"
    bad.write_text('{"id": 1, "descriptors": ["a"]}\n{"id": 2, \n')
    with pytest.raises(CatalogError, match="line 2 is not valid JSON"):
        Catalog.from_file(bad)
    pq = tmp_path / "c.parquet"
    pq.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(CatalogError, match="not a readable Parquet file"):
        Catalog.from_file(pq)
