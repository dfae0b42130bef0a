"""POST /playlists on a real server: an M3U8 body, the artist cap, the length asked for."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi")


@pytest.fixture
def library_server(tmp_path, tiny_model, monkeypatch):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index
    from nlrec.server.app import create_app
    from tests.playlists.conftest import library_records
    from tests.server.conftest import LiveServer

    records = library_records(tmp_path / "Music")
    build_index(Catalog.from_records(records), "lib", model=str(tiny_model))
    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app("lib")) as server:
        yield server, records


def test_post_playlists_returns_m3u8(library_server):
    import httpx

    server, records = library_server
    r = httpx.post(f"{server.url}/playlists", json={"q": "calm piano", "minutes": 30, "max_per_artist": 2},
                   timeout=60)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("audio/x-mpegurl")
    lines = r.text.splitlines()
    assert lines[0] == "#EXTM3U"
    by_path = {rec["path"]: rec for rec in records}
    picked = [by_path[ln] for ln in lines if not ln.startswith("#")]
    assert int(r.headers["x-nlrec-tracks"]) == len(picked) > 0
    assert abs(sum(p["duration"] for p in picked) - 1800) <= 90
    artists = [p["artist"] for p in picked]
    assert max(artists.count(a) for a in artists) <= 2
    r = httpx.post(f"{server.url}/playlists", json={"q": "calm", "format": "xspf", "tracks": 3}, timeout=60)
    assert r.status_code == 200 and "<playlist" in r.text and r.headers["content-type"].startswith("application/xspf+xml")
    r = httpx.post(f"{server.url}/playlists", json={"q": "calm", "minutes": 10, "tracks": 3}, timeout=60)
    assert r.status_code == 400 and "not both" in r.json()["error"]["message"]
    r = httpx.post(f"{server.url}/playlists", json={"q": "calm", "diversity": 3}, timeout=60)
    assert r.status_code == 422
