"""The HTTP API against a real server on localhost."""

from __future__ import annotations

import httpx
import pytest


def get(live, path, **params):
    return httpx.get(live.url + path, params=params, timeout=30)


def test_health_and_index(live):
    r = get(live, "/health")
    assert r.status_code == 200
    assert {k: v for k, v in r.json().items() if k != "warming"} == {"status": "ok", "index": "tiny", "tracks": 8,
                                                                     "generation": 1, "search_processes": 0}
    assert get(live, "/index").json()["tracks"] == 8


def test_search_get_and_post_answer_parsed_and_hits(live):
    r = get(live, "/search", q="calm piano without vocals", k=3, mode="bm25")
    body = r.json()
    assert r.status_code == 200 and set(body) >= {"parsed", "hits"}
    assert body["parsed"]["negative"] == ["vocals"] and body["parsed"]["positive"] == "calm piano"
    assert [h["id"] for h in body["hits"]][:2] in (["t2", "t5"], ["t5", "t2"])
    assert set(body["hits"][0]) >= {"rank", "id", "score", "descriptors", "matched", "negation"}
    post = httpx.post(live.url + "/search", json={"q": "calm piano without vocals", "k": 3, "mode": "bm25"}).json()
    assert [h["id"] for h in post["hits"]] == [h["id"] for h in body["hits"]]
    filtered = httpx.post(live.url + "/search", json={"q": "music", "k": 8, "mode": "bm25", "negation": "off",
                                                       "where": "year < 1980"}).json()
    assert {h["id"] for h in filtered["hits"]} <= {"t6", "t7"}


def test_parse_similar_and_tracks(live):
    assert get(live, "/parse", q="rock, no drums").json()["negative"] == ["drums"]
    sim = get(live, "/similar", id="t2", k=3).json()
    assert "t2" not in [h["id"] for h in sim["hits"]] and sim["hits"][0]["id"] == "t5"
    assert sim["hits"][0]["matched"] == ["solo piano", "calm", "studying", "slow tempo", "no vocals"]
    assert get(live, "/tracks/t3").json()["title"] == "Iron Fist"


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/tracks/nope", {}, 404),
    ("/similar", {"id": "nope"}, 404),
    ("/search", {"q": "x", "k": 0}, 422),
    ("/search", {"q": "x", "where": "year >"}, 400),
    ("/search", {"q": "   "}, 400),
    ("/profiles/nobody", {}, 404),
])
def test_errors_are_json_with_a_status(live, path, params, status):
    r = get(live, path, **params)
    assert r.status_code == status
    assert r.json()["error"]["status"] == status and "Traceback" not in r.text


def test_too_large_body_is_413(live):
    r = httpx.post(live.url + "/search", content=b"x" * (9 * 1024 * 1024), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_upsert_and_delete_tracks(live):
    r = httpx.post(live.url + "/tracks", json={"tracks": [
        {"id": "n1", "title": "Tin Pan", "artist": "New", "year": 2024, "descriptors": ["steel drums", "calypso"]},
        {"id": "t3", "title": "Iron Fist", "artist": "Ragecore", "year": 1991, "descriptors": ["heavy metal", "live"]},
    ]}, timeout=60)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == 1 and r.json()["replaced"] == 1
    assert get(live, "/tracks/n1").json()["title"] == "Tin Pan"
    assert get(live, "/tracks/t3").json()["descriptors"] == ["heavy metal", "live"]
    r = httpx.delete(live.url + "/tracks/t1", timeout=60)
    assert r.status_code == 200 and r.json()["removed"] == 1
    hits = get(live, "/search", q="steel drums", k=8, mode="bm25").json()["hits"]
    assert "t1" not in [h["id"] for h in hits] and "n1" in [h["id"] for h in hits]
    assert httpx.delete(live.url + "/tracks/t1").status_code == 404


def test_writes_need_the_api_key_when_set(served_index, monkeypatch):
    from nlrec.server.app import create_app
    from tests.server.conftest import LiveServer

    with LiveServer(create_app(served_index, api_key="s3cret")) as server:
        body = {"tracks": [{"id": "n2", "descriptors": ["jazz"]}]}
        assert httpx.post(server.url + "/tracks", json=body).status_code == 401
        assert httpx.post(server.url + "/tracks", json=body, headers={"X-API-Key": "s3cret"}, timeout=60).status_code == 200
        assert httpx.get(server.url + "/search", params={"q": "jazz"}).status_code == 200  # reads stay open


def test_openapi_docs_and_page(live):
    assert get(live, "/docs").status_code == 200
    spec = get(live, "/openapi.json").json()
    assert {"/search", "/parse", "/similar", "/tracks", "/profiles/{name}/adjust"} <= set(spec["paths"])
    page = get(live, "/")
    assert page.status_code == 200 and "<input id=\"q\"" in page.text


def test_the_server_follows_updates_made_by_another_writer(live, served_index):
    from nlrec.index import Index
    from nlrec.index.update import update_index

    with Index.open(served_index) as idx:
        report = update_index(idx, upsert=[{"id": "x9", "title": "Outside", "descriptors": ["harpsichord", "baroque"]}])
        report["index"].close()
    hits = get(live, "/search", q="harpsichord baroque", k=3, mode="bm25").json()["hits"]
    assert hits and hits[0]["id"] == "x9"
