"""kill -9 during incremental updates: the index always opens, verifies and answers, with either
the old or the new set of tracks (never half of an update)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from nlrec.catalog import Catalog
from nlrec.index import Index, build_index, verify_files
from nlrec.search import search


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0, 6.0])
def test_update_killed_at_any_point_leaves_old_or_new(tiny_tracks, tiny_model, nlrec_home, tmp_path, delay):
    build_index(Catalog.from_records(tiny_tracks), "tiny", model=str(tiny_model))
    old = {t["id"] for t in tiny_tracks}
    adds = tmp_path / "adds.jsonl"
    adds.write_text("".join(json.dumps({"id": f"n{i}", "descriptors": ["jazz", f"new sound {i}"]}) + "\n"
                            for i in range(20)))
    new = old | {f"n{i}" for i in range(20)}
    env = {**os.environ, "NLREC_HOME": str(nlrec_home), "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "nlrec", "index", "add", "tiny", "--catalog", str(adds)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=120)
    idx = Index.open("tiny")
    verify_files(idx.path, idx.manifest, full=True)
    assert {t.id for t in idx.tracks} in (old, new)
    assert search(idx, "calm piano", k=3, mode="bm25")
    idx.close()
    # and the next update completes from whatever state the kill left
    r = subprocess.run([sys.executable, "-m", "nlrec", "index", "remove", "tiny", "t1", "--json"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    with Index.open("tiny") as idx:
        assert "t1" not in {t.id for t in idx.tracks}
