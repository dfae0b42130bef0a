"""Routes found wrong in issue 22: /parse, ids with "/", other processes' commits, concurrency,
the OpenAPI shapes and offline docs, listening."""

from __future__ import annotations

import json
import re
import threading

import httpx
import pytest

from tests.server.conftest import LiveServer


def get(server, path, **params):
    return httpx.get(server.url + path, params=params, timeout=30)


def test_parse_renders_the_plan_nlrec_parse_prints(live, served_index):
    from click.testing import CliRunner

    from nlrec.cli import cli

    text = "something like Ana Lind but no drums, from the 90s"
    out = CliRunner().invoke(cli, ["parse", text, "--index", served_index, "--json"])
    assert out.exit_code == 0, out.output
    served = get(live, "/parse", q=text).json()
    assert served == json.loads(out.output)
    assert served["references"] and served["years"] and served["negative"] == ["drums"]
    search = get(live, "/search", q=text, mode="bm25").json()["parsed"]
    assert {k: search[k] for k in served} == served


def test_ids_with_a_slash_work_in_paths(tiny_tracks, tiny_model, monkeypatch):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.server.app import create_app

    tiny_tracks.append({"id": "f/x.mp3", "title": "Slashed", "descriptors": ["harp", "ambient"]})
    build_index(Catalog.from_records(tiny_tracks), "slash", model=str(tiny_model))
    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app("slash")) as server:
        assert httpx.get(server.url + "/tracks/f%2Fx.mp3").json()["title"] == "Slashed"
        assert httpx.get(server.url + "/tracks/f/x.mp3").json()["id"] == "f/x.mp3"
        assert httpx.delete(server.url + "/tracks/f%2Fx.mp3", timeout=60).json()["removed"] == 1
        assert httpx.get(server.url + "/tracks/f%2Fx.mp3").status_code == 404


def test_every_route_notices_another_process_commit(live, served_index):
    from nlrec.index import Index
    from nlrec.index.update import update_index

    assert get(live, "/health").json()["tracks"] == 8
    with Index.open(served_index) as idx:
        report = update_index(idx, upsert=[{"id": "x9", "title": "Outside", "descriptors": ["solo piano", "calm"]}])
        report["index"].close()
    assert get(live, "/health").json()["tracks"] == 9
    assert get(live, "/tracks/x9").json()["title"] == "Outside"
    assert "x9" in [h["id"] for h in get(live, "/similar", id="t2", k=8).json()["hits"]]
    assert get(live, "/index").json()["tracks"] == 9


def test_searches_run_concurrently(live, monkeypatch):
    """One search held inside the search stack does not stop another from being answered."""
    from nlrec.server.state import Snapshot

    inside, release = threading.Event(), threading.Event()
    real = Snapshot.searcher

    def searcher(self, options):
        s = real(self, options)
        if options.mode != "tfidf":
            return s

        class Held:
            def search(self, q, k):
                inside.set()
                release.wait(30)
                return s.search(q, k)
        return Held()

    monkeypatch.setattr(Snapshot, "searcher", searcher)
    held = {}
    t = threading.Thread(target=lambda: held.update(r=get(live, "/search", q="calm piano", mode="tfidf")))
    t.start()
    try:
        assert inside.wait(30)
        r = get(live, "/search", q="calm piano", mode="bm25")  # answered while the other is held
        assert r.status_code == 200 and not held
    finally:
        release.set()
        t.join(30)
    assert held["r"].status_code == 200


def test_every_route_has_a_response_model(live):
    spec = get(live, "/openapi.json").json()
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ok = op["responses"].get("200", {}).get("content", {})
            assert ok, (method, path)
            if "application/json" in ok:
                assert ok["application/json"]["schema"], (method, path)
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    hit = spec["components"]["schemas"]["HitOut"]["properties"]
    assert {"why", "listen", "descriptors"} <= set(hit)


def test_docs_are_served_from_local_files(live):
    for page in ("/docs", "/redoc"):
        html = get(live, page).text
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", html) + re.findall(r"url: ?['\"]([^'\"]+)", html)
        assert urls and all(u.startswith("/") for u in urls), (page, urls)
        for u in urls:
            assert get(live, u).status_code == 200, u


def test_hits_say_why_and_where_to_listen(tiny_tracks, tiny_model, tmp_path, monkeypatch):
    """Audio tracks play from the index's audio folder (with ranges), never from elsewhere; a
    MusicCaps-style track links its YouTube clip at its start time."""
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.server.app import create_app

    music = tmp_path / "music"
    (music / "album").mkdir(parents=True)
    song = music / "album" / "song.mp3"
    song.write_bytes(bytes(range(256)) * 40)
    outside = tmp_path / "secret.mp3"
    outside.write_bytes(b"no")
    tiny_tracks += [
        {"id": "album/song#1a2b3c4d", "title": "Song", "descriptors": ["harp", "ambient"], "path": str(song)},
        {"id": "sneaky", "title": "Sneaky", "descriptors": ["harp", "drone"], "path": str(music / ".." / "secret.mp3")},
        {"id": "ABVYSaLu_VM", "descriptors": ["harp", "calm"], "start_s": "30", "end_s": "40"},
    ]
    build_index(Catalog.from_records(tiny_tracks), "audio", model=str(tiny_model),
                source={"dataset": None, "audio_dir": str(music)})
    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app("audio")) as server:
        hits = {h["id"]: h for h in get(server, "/search", q="harp", mode="bm25", k=10).json()["hits"]}
        assert hits["album/song#1a2b3c4d"]["listen"] == {"audio": "/tracks/album%2Fsong%231a2b3c4d/audio",
                                                         "youtube": None}
        assert hits["sneaky"]["listen"] is None
        assert hits["ABVYSaLu_VM"]["listen"] == {"audio": None,
                                                 "youtube": "https://www.youtube.com/watch?v=ABVYSaLu_VM&t=30s"}
        assert all(h["why"] and h["why"][0].startswith("matches harp") for h in hits.values())
        url = server.url + hits["album/song#1a2b3c4d"]["listen"]["audio"]
        whole = httpx.get(url)
        assert whole.status_code == 200 and whole.content == song.read_bytes()
        assert whole.headers["content-type"] == "audio/mpeg" and whole.headers["accept-ranges"] == "bytes"
        part = httpx.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206 and part.content == song.read_bytes()[100:200]
        assert part.headers["content-range"] == f"bytes 100-199/{song.stat().st_size}"
        assert httpx.get(server.url + "/tracks/sneaky/audio").status_code == 404
        assert httpx.get(server.url + "/tracks/t1/audio").status_code == 404
        for probe in ("/tracks/..%2F..%2Fsecret.mp3/audio", "/tracks/%2Fetc%2Fpasswd/audio"):
            assert httpx.get(server.url + probe).status_code == 404


@pytest.mark.parametrize("body", [{"q": "   "}, {"q": "x", "mode": "nope"}, {"q": "x", "unknown": 1}, []])
def test_malformed_bodies_are_4xx(live, body):
    r = httpx.post(live.url + "/search", json=body, timeout=30)
    assert 400 <= r.status_code < 500 and r.json()["error"]["status"] == r.status_code


def test_more_like_this_keeps_exclusions_and_filters(live):
    r = httpx.post(live.url + "/search", json={"like": "t2", "mode": "bm25", "k": 8, "exclude": ["female vocal"],
                                               "where": "year > 1970"}, timeout=30)
    body = r.json()
    assert r.status_code == 200, r.text
    ids = [h["id"] for h in body["hits"]]
    assert ids[0] == "t5" and "t2" not in ids and "t6" not in ids and "t7" not in ids
    assert body["parsed"]["negative"][0].startswith("female vocal")
