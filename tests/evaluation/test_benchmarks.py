from __future__ import annotations

import itertools

import numpy as np
import pytest

from nlrec.errors import NlrecError
from nlrec.evaluation.beir import read_beir, save_benchmark, write_beir
from nlrec.evaluation.benchmarks import (
    build_benchmark,
    doc_id,
    exact_matches,
    load_clips,
    parse_aspect_list,
    sample_descriptor_set,
    split_sentences,
)

TAGS = ["solo piano", "calm", "slow tempo", "no vocals", "piano", "ambient", "rain", "night"]
SENTENCE = (
    "A calm solo piano piece with a slow tempo"  # ematch: solo piano, calm, slow tempo, piano
)


def test_parse_aspect_list_handles_quotes_duplicates_and_spaces():
    raw = repr(["children's song", " calm ", "calm", "", 'a "quoted" tag'])
    assert parse_aspect_list(raw) == ("children's song", "calm", 'a "quoted" tag')
    with pytest.raises(ValueError):
        parse_aspect_list("'just a string'")


def test_split_sentences_on_dot_space_only():
    assert split_sentences("A calm piece. Slow tempo. ") == [
        "A calm piece",
        "Slow tempo",
    ]  # blank dropped
    assert split_sentences("Version 2.0 of a song") == ["Version 2.0 of a song"]


def test_exact_match_is_a_case_sensitive_substring():
    ematch, others = exact_matches(["steel drums", "piano", "calm"], "Steel drums and a pianola")
    assert ematch == ["piano"]  # substring of "pianola"; "Steel drums" differs in case
    assert others == ["steel drums", "calm"]


def test_sample_follows_the_protocol():
    ematch, others = exact_matches(TAGS, SENTENCE)
    assert len(ematch) == 4 and len(others) == 4
    k1_seen, k2_seen = set(), set()
    for seed in range(400):
        picked = sample_descriptor_set(TAGS, SENTENCE, np.random.default_rng(seed))
        assert len(picked) == len(set(picked))
        from_e = [t for t in picked if t in ematch]
        from_o = [t for t in picked if t in others]
        assert len(from_e) + len(from_o) == len(picked)
        assert 1 <= len(from_e) <= len(ematch)  # an exact-match tag is always included
        assert 0 <= len(from_o) <= min(len(ematch), len(others))
        k1_seen.add(len(from_e))
        k2_seen.add(len(from_o))
    assert k1_seen == {1, 2, 3, 4} and k2_seen == {0, 1, 2, 3, 4}  # the whole U{..} ranges


def test_k2_is_capped_by_the_number_of_exact_matches():
    for seed in range(100):
        picked = sample_descriptor_set(TAGS, "rain", np.random.default_rng(seed))
        assert "rain" in picked and len(picked) <= 2  # one exact match: at most one other tag


def test_sample_is_shuffled_and_reproducible():
    draws = [
        tuple(sample_descriptor_set(TAGS, SENTENCE, np.random.default_rng(s))) for s in range(50)
    ]
    assert draws == [
        tuple(sample_descriptor_set(TAGS, SENTENCE, np.random.default_rng(s))) for s in range(50)
    ]
    # the order is shuffled: some draw does not follow the aspect-list order
    assert any(list(d) != sorted(d, key=TAGS.index) for d in draws)


def test_no_exact_match_samples_nothing():
    assert sample_descriptor_set(TAGS, "Something else entirely", np.random.default_rng(0)) == []


def test_load_clips_joins_the_three_files(tiny_data):
    clips = load_clips(tiny_data)
    assert [c.ytid for c in clips.clips] == ["clip-a", "clip-b", "clip-c", "clip-d", "clip-f"]
    assert clips.stats == {
        "lpmc_items": 7,
        "not_in_musiccaps": 1,
        "ambiguous_join": 0,
        "without_rephrasing": 1,
        "clips": 5,
    }
    assert clips.clips[0].tags == ("solo piano", "calm", "slow tempo", "no vocals")  # de-duplicated
    assert "children's song" in clips.clips[2].tags
    assert set(clips.sources) == {
        "musiccaps/musiccaps-public.csv",
        "musiccaps/mc_rephrased.csv",
        "musiccaps/lpmc_mc_test_caption_writing.json",
    }


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(NlrecError, match="not found"):
        load_clips(tmp_path)


@pytest.mark.parametrize(
    ("name", "queries", "no_match"), [("mc", 5, 0), ("mc_reco", 6, 1), ("mc_human", 11, 2)]
)
def test_benchmark_counts_and_relevance(tiny_data, name, queries, no_match):
    clips = load_clips(tiny_data)
    b = build_benchmark(clips, name, seed=0)
    assert len(b.queries) == b.stats["queries"] == queries
    assert b.stats["no_match"] == no_match
    assert len(b.corpus) == len(set(b.corpus)) == b.stats["documents"]  # unique descriptor strings
    assert b.doc_ids == sorted(b.doc_ids) == [doc_id(t) for t in b.corpus]
    assert len(b.qrels()) == len(b.queries) and all(len(v) == 1 for v in b.qrels().values())
    tags = {c.ytid: c.tags for c in clips.clips}
    for q, row in zip(b.queries, b.relevant.tolist()):
        doc = b.corpus[row]
        ematch, _ = exact_matches(tags[q.ytid], q.text)
        if ematch:
            parts = doc.split(", ")
            assert set(parts) <= set(tags[q.ytid]) and set(parts) & set(ematch)
        else:  # kept as the paper does: its relevant descriptor set is empty
            assert name != "mc_human" and doc == ""


def test_no_match_policy_override(tiny_data):
    clips = load_clips(tiny_data)
    dropped = build_benchmark(clips, "mc_reco", 0, no_match="drop")
    assert dropped.name == "mc_reco+drop" and len(dropped.queries) == 5 and "" not in dropped.corpus
    kept = build_benchmark(clips, "mc_human", 0, no_match="empty")
    assert kept.name == "mc_human+empty" and len(kept.queries) == 13
    with pytest.raises(NlrecError):
        build_benchmark(clips, "mtt", 0)


def test_seeds_are_reproducible_and_differ(tiny_data):
    clips = load_clips(tiny_data)
    a, b = build_benchmark(clips, "mc", 1), build_benchmark(clips, "mc", 1)
    assert a.corpus == b.corpus and a.relevant.tolist() == b.relevant.tolist()
    docs = {
        s: [
            build_benchmark(clips, "mc", s).corpus[r]
            for r in build_benchmark(clips, "mc", s).relevant
        ]
        for s in range(3)
    }
    assert any(x != y for x, y in itertools.combinations(docs.values(), 2))
    assert [q.text for q in a.queries] == [q.text for q in build_benchmark(clips, "mc", 2).queries]


def test_beir_round_trip(tiny_data, tmp_path):
    clips = load_clips(tiny_data)
    b = build_benchmark(clips, "mc_reco", 0)
    corpus, queries, qrels = read_beir(write_beir(b, tmp_path / "beir"))
    assert corpus == dict(zip(b.doc_ids, b.corpus))
    assert queries == {q.qid: q.text for q in b.queries}
    assert qrels == b.qrels()
    head = (tmp_path / "beir" / "qrels" / "test.tsv").read_text().splitlines()[0]
    assert head == "query-id\tcorpus-id\tscore"
    root = save_benchmark(tmp_path / "benchmarks", clips, [b, build_benchmark(clips, "mc_reco", 1)])
    assert (root / "benchmark.json").is_file() and (root / "seed1" / "corpus.jsonl").is_file()
    with pytest.raises(NlrecError):
        read_beir(tmp_path / "nowhere")
