"""``nlrec serve --workers N``: searches in search processes behind one HTTP process, on a real
server on localhost (the processes are real spawned interpreters holding the index)."""

from __future__ import annotations

import os
import signal
import time

import httpx
import pytest

from tests.server.conftest import LiveServer

SEARCHES = [
    {"q": "calm piano without vocals", "k": 5},
    {"q": "rock, no drums", "k": 8, "mode": "bm25"},
    {"q": "music", "k": 8, "negation": "off", "where": "year < 1980"},
    {"q": "calm piano", "k": 3, "exclude": ["studying"]},
]


def _wait_for_processes(server: LiveServer, n: int, timeout: float = 120.0) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        health = httpx.get(server.url + "/health", timeout=30).json()
        if health["search_processes"] == n and not health["warming"]:
            return health
        time.sleep(0.2)
    raise AssertionError(f"the search processes did not start: {health}")


def _answers(url: str) -> list:
    out = []
    for body in SEARCHES:
        r = httpx.post(url + "/search", json=body, timeout=30)
        assert r.status_code == 200, r.text
        out.append([(h["id"], h["score"], h["why"]) for h in r.json()["hits"]])
    sim = httpx.get(url + "/similar", params={"id": "t2", "k": 3}, timeout=30).json()
    out.append([(h["id"], h["matched"]) for h in sim["hits"]])
    return out


@pytest.fixture
def pooled(served_index, monkeypatch):
    from nlrec.server.app import create_app

    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    app = create_app(served_index, workers=2)
    with LiveServer(app) as server:
        _wait_for_processes(server, 2)
        server.app = app
        yield server, app.state.nlrec_pool


def test_search_processes_answer_and_fail_as_the_server_process_does(served_index, pooled, monkeypatch):
    from nlrec.server.app import create_app

    server, pool = pooled
    assert len(pool.pids) == 2 and os.getpid() not in pool.pids
    with LiveServer(create_app(served_index)) as alone:
        assert httpx.get(alone.url + "/health").json()["search_processes"] == 0
        assert _answers(server.url) == _answers(alone.url)
    for path, params, status in [
        ("/similar", {"id": "nope"}, 404),
        ("/search", {"q": "x", "where": "year >"}, 400),
        ("/search", {"q": "   "}, 400),
        ("/search", {"q": "calm", "profile": "nobody"}, 404),
        ("/search", {"q": "calm", "like": "nope"}, 404),
    ]:  # errors raised in a search process keep their status
        r = httpx.get(server.url + path, params=params, timeout=30)
        assert r.status_code == status and r.json()["error"]["status"] == status, (path, params, r.text)
        assert "Traceback" not in r.text


def test_a_write_is_applied_by_the_niced_writer_and_searched_at_once(pooled):
    """One writer process, at a lower CPU priority; the HTTP process reads its own write at once
    and every search process follows the new generation."""
    from nlrec.server.writer import NICENESS

    server, pool = pooled
    writer = server.app.state.nlrec.writer
    assert writer.pid not in (os.getpid(), *pool.pids)
    assert os.getpriority(os.PRIO_PROCESS, writer.pid) == min(19, os.getpriority(os.PRIO_PROCESS, 0) + NICENESS)
    new = {"id": "n1", "title": "Glass Harp", "artist": "Nobody Known", "year": 2001,
           "descriptors": ["glass harmonica", "calm", "ambient"]}
    assert httpx.post(server.url + "/tracks", json={"tracks": [new]}, timeout=60).status_code == 200
    assert httpx.get(server.url + "/tracks/n1", timeout=30).json()["title"] == "Glass Harp"
    where = {"q": "calm", "k": 5, "where": "artist = 'Nobody Known'"}
    for _ in range(4):  # more searches than processes: each one answers from the new generation
        assert [h["id"] for h in httpx.post(server.url + "/search", json=where, timeout=30).json()["hits"]] == ["n1"]
    assert httpx.delete(server.url + "/tracks/n1", timeout=60).status_code == 200
    for _ in range(4):
        assert httpx.post(server.url + "/search", json=where, timeout=30).json()["hits"] == []
    # a commit by another process (nlrec index add in a shell): the search processes open it
    # beside the generation they serve, then switch
    from nlrec.index import Index
    from nlrec.index.update import update_index

    with Index.open("tiny") as index:
        update_index(index, upsert=[{**new, "id": "n2"}])["index"].close()
    deadline = time.time() + 60
    while time.time() < deadline:
        got = [[h["id"] for h in httpx.post(server.url + "/search", json=where, timeout=30).json()["hits"]]
               for _ in range(4)]
        if got == [["n2"]] * 4:
            break
        assert all(g in ([], ["n2"]) for g in got)  # the old generation or the new one, nothing else
        time.sleep(0.1)
    assert got == [["n2"]] * 4
    bad = httpx.post(server.url + "/tracks/remove", json={"ids": ["t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "n2"]})
    assert bad.status_code == 400 and "empty" in bad.json()["error"]["message"]  # the writer's error, its status


def test_a_dead_search_process_is_replaced_and_no_request_fails(pooled):
    server, pool = pooled
    before = _answers(server.url)
    killed = pool.pids[0]
    os.kill(killed, signal.SIGKILL)
    with pytest.warns(UserWarning, match="search processes stopped"):
        for _ in range(3):  # served here while new processes start
            assert httpx.post(server.url + "/search", json=SEARCHES[0], timeout=60).status_code == 200
    _wait_for_processes(server, 2)
    assert killed not in pool.pids and pool.restarts == 1
    assert _answers(server.url) == before


def test_milvus_lite_is_served_by_one_process_only(tmp_path, fake_encoder):
    """A Milvus Lite database is open in one process at a time: several workers are refused with a
    one-line error, before any process starts."""
    pytest.importorskip("milvus_lite")
    from nlrec.catalog import Catalog
    from nlrec.errors import NlrecError
    from nlrec.index.milvus import disconnect_all, target
    from nlrec.index.milvus.build import build_milvus_index
    from nlrec.server.app import create_app

    rows = [{"id": f"m{i}", "title": f"Song {i}", "descriptors": ["calm", "piano"] if i % 2 else ["rock"]}
            for i in range(6)]
    build_milvus_index(Catalog.from_records(rows), "lite", target(str(tmp_path / "m.db"), "songs"),
                       encoder=fake_encoder).close()
    try:
        with pytest.raises(NlrecError, match="--workers 1"):
            create_app("lite", workers=2, warm=False)
    finally:
        disconnect_all()
