"""The mtt / msd tag benchmarks: building, BEIR files, measures, the search-API runner, the table."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nlrec.errors import NlrecError
from nlrec.evaluation import mtt_msd
from nlrec.evaluation.mtt_msd import (
    MSD_TSV,
    MTT_CSV,
    MTT_TAGS,
    build_tag_benchmark,
    load_msd,
    load_mtt,
    load_tag_benchmark,
    natural_requests,
    subset_of,
    synonym_groups,
    write_tag_beir,
)
from nlrec.evaluation.runner import EmbeddingCache, SystemConfig
from nlrec.evaluation.tag_runner import evaluate_tag_run, run_tag_benchmark
from tests.conftest import FakeEncoder

REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"

# (track_id, split, tags): identical sets (also in another order) become one document
MTT_TRACKS = [
    (1, "test", ["female vocal", "pop"]),
    (2, "test", ["pop", "female vocal"]),
    (3, "test", ["woman", "pop"]),
    (4, "test", ["female vocals", "rock"]),
    (5, "test", ["no vocals", "piano"]),
    (6, "test", ["instrumental", "piano", "classical"]),
    (7, "test", ["sitar", "indian", "no singing"]),
    (8, "test", ["male vocal", "rock", "guitar"]),
    (9, "test", ["vocals", "rock", "guitar"]),
    (10, "test", []),
    (11, "valid", ["harpsichord", "classical"]),
    (12, "valid", ["harpsicord", "classical"]),
    (13, "train", ["sitar", "female voice"]),
]


def _vocabulary(dataset: str) -> list[str]:
    tags = {m for members in synonym_groups(dataset).values() for m in members}
    for req in natural_requests(dataset):
        for item in req["require"]:
            if isinstance(item, list):
                tags.update(item)
            elif item not in synonym_groups(dataset):
                tags.add(item)
    return sorted(tags)


def write_tag_data(root: Path) -> Path:
    """MTT (188-tag CSV + tag list) and MSD (top-50 TSVs) shaped like ``shared/data``."""
    (root / "mtat").mkdir(parents=True, exist_ok=True)
    (root / "msd").mkdir(parents=True, exist_ok=True)
    vocab = sorted(set(_vocabulary("mtt")) | {t for _, _, tags in MTT_TRACKS for t in tags})
    (root / MTT_TAGS).write_text(json.dumps(vocab, indent=0), encoding="utf-8")
    with open(root / MTT_CSV, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["track_id", "split", "title", "artist_name", "release", "tag_top50",
                    "tag_top188", "n_tags188", "path"])
        for tid, split, tags in MTT_TRACKS:
            w.writerow([tid, split, f"t{tid}", "a", "r", repr(tags), repr(tags), len(tags), f"{tid}.mp3"])
    msd_test = [("TRA", ["female vocalists", "pop"]), ("TRB", ["female vocalist", "indie"]),
                ("TRC", ["chill", "electronic"]), ("TRD", ["chillout", "pop"]),
                ("TRE", ["instrumental", "jazz"])]
    with open(root / MSD_TSV["test"], "w", encoding="utf-8") as f:
        f.write("msd_track_id\ttags\n")
        f.writelines(f"{i}\t{'|'.join(t)}\n" for i, t in msd_test)
    with open(root / MSD_TSV["valid"], "w", encoding="utf-8") as f:  # carries the rest of the vocabulary
        f.write("msd_track_id\ttags\n")
        f.writelines(f"TRV{i}\t{t}\n" for i, t in enumerate(_vocabulary("msd")))
    return root


@pytest.fixture
def tag_data(tmp_path) -> Path:
    return write_tag_data(tmp_path / "data")


def test_mtt_corpus_is_the_unique_tag_sets_of_the_split(tag_data):
    cat = load_mtt(tag_data, "test")
    assert cat.stats == {"tracks": 9, "untagged_tracks": 1}
    b = build_tag_benchmark(cat)
    assert b.name == "mtt" and b.stats["documents"] == 8
    row = b.corpus.index("female vocal, pop")
    assert b.doc_tracks[row] == 2  # tracks 1 and 2: the same set in another order
    assert b.doc_ids == sorted(b.doc_ids)
    with pytest.raises(NlrecError, match="no split"):
        load_mtt(tag_data, "dev")


def test_query_subsets_and_relevance(tag_data, monkeypatch):
    monkeypatch.setattr(mtt_msd, "PAIR_MIN_TRACKS", 2)
    b = build_tag_benchmark(load_mtt(tag_data, "test"))
    tags_of = dict(zip(b.doc_ids, (set(t) for t in b.doc_tags)))
    by_text = {(q.subset, q.text): q for q in b.queries}
    assert {subset_of(q.qid) for q in b.queries} == {"tag", "pair", "syn", "nat"}
    # tag: every tag a test track carries; relevant = the sets carrying it
    assert {q.text for q in b.queries if q.subset == "tag"} == {
        t for _, s, tags in MTT_TRACKS if s == "test" for t in tags}
    rock = by_text[("tag", "rock")]
    assert {tags_of[d] and d for d in b.qrels[rock.qid]} == {d for d, t in tags_of.items() if "rock" in t}
    # pair: on >= 2 tracks (tracks 1 and 2 count twice, one document)
    pairs = {q.text for q in b.queries if q.subset == "pair"}
    assert pairs == {"female vocal, pop", "guitar, rock"}
    # synonym: another member of the group, never the request's own tag
    for q in (q for q in b.queries if q.subset == "syn"):
        assert b.qrels[q.qid]
        for d in b.qrels[q.qid]:
            assert q.text not in tags_of[d]
    fv = by_text[("syn", "female vocal")]
    assert {b.corpus[b.doc_ids.index(d)] for d in b.qrels[fv.qid]} == {"woman, pop", "female vocals, rock"}
    assert b.stats["dropped_without_relevant"]["syn"] > 0  # members no test track carries
    # natural: negation on, relevance = a tag of every required group
    nov = next(q for q in b.queries if q.qid == "nat-novocals-1")
    assert nov.negation and nov.text == "no singing please"
    assert {b.corpus[b.doc_ids.index(d)] for d in b.qrels[nov.qid]} == {
        "no vocals, piano", "instrumental, piano, classical", "sitar, indian, no singing"}
    both = next(q for q in b.queries if q.qid == "nat-pianonovocals-1")
    assert len(b.qrels[both.qid]) == 2


def test_valid_split_and_beir_files(tag_data, tmp_path):
    b = load_tag_benchmark("mtt_valid", tag_data)
    assert b.split == "valid" and b.stats["tracks"] == 2
    syn = [q for q in b.queries if q.subset == "syn"]
    assert {q.text for q in syn} == {"harpsichord", "harpsicord", "clasical"}
    d = write_tag_beir(b, tmp_path / "beir")
    assert (d / "qrels" / "dev.tsv").is_file() and not (d / "qrels" / "test.tsv").exists()
    corpus = [json.loads(line) for line in (d / "corpus.jsonl").read_text().splitlines()]
    assert [c["_id"] for c in corpus] == b.doc_ids and corpus[0]["metadata"]["tracks"] == 1
    queries = [json.loads(line) for line in (d / "queries.jsonl").read_text().splitlines()]
    assert {q["metadata"]["subset"] for q in queries} == {"tag", "syn", "nat"}
    qrels = (d / "qrels" / "dev.tsv").read_text().splitlines()
    assert qrels[0] == "query-id\tcorpus-id\tscore"
    assert len(qrels) - 1 == sum(len(r) for r in b.qrels.values())
    assert json.loads((d / "benchmark.json").read_text())["split"] == "valid"


def test_msd_benchmark(tag_data):
    b = load_tag_benchmark("msd", tag_data)
    assert b.stats["tracks"] == 5 and b.stats["documents"] == 5
    syn = {q.text: q for q in b.queries if q.subset == "syn"}
    assert set(syn) == {"female vocalists", "female vocalist", "chill", "chillout", "electronica"}
    assert [b.corpus[b.doc_ids.index(d)] for d in b.qrels[syn["chill"].qid]] == ["chillout, pop"]


def test_bad_input_is_one_line(tag_data, tmp_path):
    with pytest.raises(NlrecError, match="data file not found"):
        load_mtt(tmp_path / "nowhere")
    with pytest.raises(NlrecError, match="msd has splits"):
        load_msd(tag_data, "train")
    with pytest.raises(NlrecError, match="unknown tag benchmark"):
        load_tag_benchmark("mtt_train", tag_data)
    rows = (tag_data / MTT_CSV).read_text().splitlines()
    rows[1] = rows[1].replace("\"['female vocal', 'pop']\"", "\"['female vocal'\"")
    (tag_data / MTT_CSV).write_text("\n".join(rows) + "\n")
    with pytest.raises(NlrecError, match="bad tag_top188"):
        load_mtt(tag_data)
    with pytest.raises(NlrecError, match="is not a tag"):
        synonym_groups("mtt", ["pop", "rock"])


def test_measures_per_subset_by_hand():
    qrels = {"tag-000": {"a": 1, "b": 1}, "syn-000": {"c": 1}}
    ranked = {"tag-000": [("a", 3.0), ("x", 2.0), ("b", 1.0)], "syn-000": []}
    m = evaluate_tag_run(qrels, ranked)
    assert m["tag"]["R@10"] == pytest.approx(100.0)
    assert m["tag"]["P@10"] == pytest.approx(20.0)
    assert m["tag"]["AP@100"] == pytest.approx(100 * (1 + 2 / 3) / 2)
    assert m["syn"]["nDCG@10"] == 0.0 and m["syn"]["queries"] == 1  # an empty ranking counts
    assert m["all"]["R@10"] == pytest.approx(50.0) and "pair" not in m


@pytest.mark.parametrize("system", ["bm25", "hybrid"])
def test_run_through_the_search_api(tag_data, tmp_path, system, monkeypatch):
    monkeypatch.setattr(mtt_msd, "PAIR_MIN_TRACKS", 2)
    out = tmp_path / "eval"
    r = run_tag_benchmark("mtt", SystemConfig(system, model="minilm"), data_dir=tag_data, out_dir=out,
                      cache=EmbeddingCache(FakeEncoder()))
    assert r["kind"] == "tag_benchmark" and r["seeds"] == [] and r["n_documents"] == 8
    assert set(r["measures"]) == {"all", "tag", "pair", "syn", "nat"}
    assert set(r["measures"]["tag"]) >= {"R@10", "nDCG@10", "P@10", "AP@100"}
    assert (out / r["runs"][0]).is_file()
    assert (out / "results" / f"mtt__{r['label']}__{r['model_slug']}.json").is_file()
    assert (out / "benchmarks" / "mtt" / "qrels" / "test.tsv").is_file()
    # a natural request with a negation is filtered as nlrec query filters it
    import gzip

    lines = gzip.decompress((out / r["runs"][0]).read_bytes()).decode().splitlines()
    corpus = {json.loads(x)["_id"]: json.loads(x)["text"]
              for x in (out / "benchmarks" / "mtt" / "corpus.jsonl").read_text().splitlines()}
    kept = [corpus[x.split()[2]] for x in lines if x.startswith("nat-novocals-1 ")]
    assert kept and not any("vocal" in t.replace("no vocals", "") for t in kept)


def test_cli_and_table(tag_data, tmp_path, monkeypatch):
    import nlrec.encoders.dense as dense
    from nlrec.cli import cli
    from nlrec.evaluation.table import write_table

    monkeypatch.setattr(dense, "load_encoder", lambda spec=None, **kw: FakeEncoder())
    out = tmp_path / "eval"
    res = CliRunner().invoke(cli, ["eval", "run", "--benchmark", "msd", "--system", "tfidf",
                                   "--data-dir", str(tag_data), "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    r = json.loads(res.stdout)
    assert r["benchmark"] == "msd" and r["negation_model"]["id"] == "fake/bag-of-words"
    bad = CliRunner().invoke(cli, ["eval", "run", "--benchmark", "msd", "--system", "tfidf",
                                   "--data-dir", str(tmp_path / "none"), "--out", str(out)])
    assert bad.exit_code == 1 and "Error:" in bad.output
    # the table: MusicCaps results as before, the tag benchmarks in their own section
    (out / "results" / "mc__tfidf__none.json").write_text(json.dumps({
        "benchmark": "mc", "label": "tfidf", "model_slug": "none", "seeds": [0], "n_queries": 1,
        "measures": {"R@10": {"mean": 50.0, "std": 0.0}}, "protocol": {"no_match": "empty"},
    }))
    info = write_table(out, plot=False)
    md = (out / "RESULTS.md").read_text()
    assert info["results"] == 1
    assert "## MTT and MSD tag benchmarks" in md and "### MSD (test split)" in md
    assert "not re-run here (captions not obtainable)" in md and "*30.6*" in md


@pytest.mark.skipif(not (REAL_DATA / MTT_CSV).is_file(), reason="shared data not available")
def test_real_files_invariants():
    b = load_tag_benchmark("mtt", REAL_DATA)
    assert b.stats["tracks"] == 4462 and b.stats["documents"] == 3104
    assert b.stats["queries_by_subset"]["tag"] == 188
    tags_of = dict(zip(b.doc_ids, (set(t) for t in b.doc_tags)))
    for q in b.queries:
        rel = b.qrels[q.qid]
        assert rel
        if q.subset == "syn":
            assert all(q.text not in tags_of[d] for d in rel)
        if q.subset == "tag":
            assert set(rel) == {d for d, t in tags_of.items() if q.text in t}
    assert sum(b.doc_tracks) == 4462
    m = load_tag_benchmark("msd", REAL_DATA)
    assert m.stats["tracks"] == 28540 and m.stats["queries_by_subset"]["tag"] == 50
    assert load_tag_benchmark("mtt_valid", REAL_DATA).stats["tracks"] == 1551
