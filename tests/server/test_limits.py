"""Bounded cost per request: one table of limits, a time budget, and a 4xx for every malformed
input (each case is a defect found in issue 22)."""

from __future__ import annotations

import socket

import httpx
import pytest

from nlrec.limits import LIMITS


def test_one_table_of_limits_is_used_by_options_parser_and_server():
    from nlrec.limits import LimitError
    from nlrec.negation.parse import MAX_REQUEST_CHARS, parse_request
    from nlrec.search import MAX_K, MAX_QUERY_CHARS, SearchOptions
    from nlrec.server.models import SearchBody

    assert MAX_K == LIMITS.k and MAX_QUERY_CHARS == LIMITS.request_chars == MAX_REQUEST_CHARS
    fields = SearchBody.model_fields
    assert fields["q"].metadata[0].max_length == LIMITS.request_chars
    with pytest.raises(LimitError, match="too many exclusions"):
        SearchOptions(exclude=tuple(f"x{i}" for i in range(LIMITS.excludes + 1)))
    with pytest.raises(LimitError, match="too many exclusions"):
        parse_request("rock", [f"x{i}" for i in range(LIMITS.excludes + 1)])
    with pytest.raises(LimitError, match="too long"):
        SearchOptions(exclude=("v" * (LIMITS.exclude_chars + 1),))


def test_51_repeated_excludes_are_a_422_not_a_500(live):
    r = httpx.get(live.url + "/search", params=[("q", "rock")] + [("exclude", "x")] * 51, timeout=30)
    assert r.status_code == 422 and "exclude" in r.json()["error"]["message"]


def test_the_112_kb_50_exclude_request_is_refused_at_once(live):
    body = {"q": "rock " * 400, "exclude": ["vocals " * 300] * 50}
    r = httpx.post(live.url + "/search", json=body, timeout=30)
    assert r.status_code == 422 and r.json()["error"]["status"] == 422


def test_long_exclusions_are_a_422(live):
    r = httpx.post(live.url + "/search", json={"q": "rock", "exclude": ["v" * 500]}, timeout=30)
    assert r.status_code == 422 and "exclusion is too long" in r.json()["error"]["message"]


def test_a_chunked_body_over_the_cap_is_413(live):
    def chunks():
        for _ in range(12):
            yield b"x" * (1024 * 1024)

    r = httpx.post(live.url + "/search", content=chunks(), headers={"content-type": "application/json"}, timeout=60)
    assert r.status_code == 413 and r.json()["error"]["status"] == 413


def test_profile_weights_are_bounded(live):
    from nlrec.index import Index
    from nlrec.profiles import build_profile, save_profile

    profile, _ = build_profile(Index.open("tiny"), "me", {"t3": 5}, vocabulary=["heavy metal", "jazz"])
    save_profile(profile)
    for weight in (1e9, -1, float("inf")):
        r = httpx.post(live.url + "/profiles/me/adjust", content=f'{{"set": {{"jazz": {weight}}}}}'.replace(
            "inf", "Infinity"), headers={"content-type": "application/json"}, timeout=30)
        assert r.status_code == 422, (weight, r.text)
    ok = httpx.post(live.url + "/profiles/me/adjust", json={"set": {"jazz": 0.4}}, timeout=60)
    assert ok.status_code == 200, ok.text


def test_a_1_mb_query_string_gets_an_http_answer(live):
    with socket.create_connection(("127.0.0.1", live.port), timeout=30) as s:
        s.sendall(b"GET /search?q=" + b"a" * (1024 * 1024) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        head = s.recv(200)
    assert head.startswith(b"HTTP/1.1 414")


def test_a_request_over_the_time_budget_is_503_and_frees_the_worker(live, monkeypatch):
    import nlrec.limits

    monkeypatch.setattr(nlrec.limits, "LIMITS", nlrec.limits.Limits(seconds=0.0))
    r = httpx.get(live.url + "/search", params={"q": "calm piano without vocals"}, timeout=30)
    assert r.status_code == 503 and "time budget" in r.json()["error"]["message"]
    monkeypatch.setattr(nlrec.limits, "LIMITS", nlrec.limits.Limits())
    assert httpx.get(live.url + "/search", params={"q": "calm piano without vocals"}, timeout=30).status_code == 200


def test_negation_depth_is_bounded(tiny_tracks, tiny_model, monkeypatch):
    """``k`` x the negation depth: no more documents are judged than the limit allows."""
    import nlrec.search.negation as negation
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.limits import Limits
    from nlrec.search import SearchOptions, build_searcher

    index = build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))
    judged = []
    real = negation._judge
    monkeypatch.setattr(negation, "_judge", lambda i, m, docs, chunk=200: judged.extend(docs) or real(i, m, docs))
    monkeypatch.setattr(negation, "LIMITS", Limits(negation_documents=3))
    build_searcher(index, SearchOptions(mode="bm25")).search("piano without vocals", 8)
    assert 0 < len(set(judged)) <= 3


def test_errors_map_by_class_not_by_text():
    from nlrec.errors import NlrecError
    from nlrec.limits import LimitError, TimeBudgetExceeded
    from nlrec.search.similar import UnknownTrackError
    from nlrec.server.errors import NotFound, Unauthorized, status_of

    assert status_of(NlrecError("the index is locked and already exists")) == 400
    assert status_of(UnknownTrackError("x")) == 404 and status_of(NotFound("x")) == 404
    assert status_of(Unauthorized("x")) == 401 and status_of(LimitError("x")) == 422
    assert status_of(TimeBudgetExceeded("x")) == 503 and status_of(ValueError("x")) == 500
