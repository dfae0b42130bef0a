from __future__ import annotations

import json

import pytest

from nlrec.catalog import Catalog
from nlrec.errors import NlrecError
from nlrec.training.everyday import Request, judge, load_requests, score


def test_rule_matches_whole_words_and_exclusions():
    r = Request("e1", "male rap", (("rap", "hip hop"), ("male",)), ("female",))
    assert r.relevant(["Hip Hop", "male vocal"])
    assert not r.relevant(["hip hop", "female vocal"])      # 'male' is not inside 'female'
    assert not r.relevant(["rapid", "male vocal"])          # 'rap' is not inside 'rapid'
    assert not r.relevant(["rap", "male vocal", "female backing"])  # excluded


def test_judge_and_score(tiny_tracks, tmp_path):
    cat = Catalog.from_records(tiny_tracks)
    reqs = [Request("a", "calm piano", (("piano",), ("calm",))), Request("b", "bagpipes", (("bagpipes",),))]
    qrels = judge(reqs, cat)
    assert qrels == {"a": {"t2": 1, "t5": 1}}  # 'b' has no relevant track: left out
    res = score(qrels, {"a": ["t2", "t1", "t5"], "b": ["t1"]})
    assert res["n_requests"] == 1 and res["measures"]["RR@10"] == 100.0 and 0 < res["measures"]["nDCG@10"] < 100


def test_load_requests(tmp_path):
    p = tmp_path / "r.jsonl"
    p.write_text(json.dumps({"id": "x", "text": "jazz", "require": [["jazz"]]}) + "\n")
    assert load_requests(p)[0].require == (("jazz",),)
    p.write_text('{"id": "x"}\n')
    with pytest.raises(NlrecError, match="malformed"):
        load_requests(p)


def test_shipped_requests_are_valid():
    from nlrec.paths import repo_root

    reqs = load_requests(repo_root() / "eval" / "everyday" / "requests.jsonl")
    assert len(reqs) >= 40 and len({r.id for r in reqs}) == len(reqs)
