"""A real uvicorn server on a free localhost port, serving a tiny index (no mock)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

pytest.importorskip("fastapi", reason="the serve extra (fastapi, uvicorn) is not installed")


class LiveServer:
    def __init__(self, app) -> None:
        import uvicorn

        from nlrec.server.app import server_options

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="error",
                                                    **server_options()))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def served_index(tiny_tracks, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.index import build_index

    build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))
    return "tiny"


@pytest.fixture
def live(served_index, monkeypatch):
    from nlrec.server.app import create_app

    monkeypatch.delenv("NLREC_API_KEY", raising=False)
    with LiveServer(create_app(served_index)) as server:
        yield server
