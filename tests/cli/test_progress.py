"""Long work prints periodic one-line progress on stderr when stderr is a file."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from nlrec.progress import LineProgress, line_progress_wanted

REPO = Path(__file__).resolve().parents[2]


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_line_progress_lines():
    clock, out = Clock(), io.StringIO()
    p = LineProgress("index big", interval=10, stream=out, clock=clock, watch=False)
    p("embedding", 0, 1000)
    clock.t += 5
    p("embedding", 100, 1000)
    assert out.getvalue() == ""  # nothing before the first interval
    clock.t += 5
    p("embedding", 200, 1000)
    line = out.getvalue().strip()
    assert line == "index big: embedding 200/1,000 (20%), 20.0/s, ETA 40 s, 10 s elapsed"
    clock.t += 70
    p("writing", 0, 1)
    p.close()
    lines = out.getvalue().strip().splitlines()
    assert lines[1] == "index big: writing, 1 min 20 s elapsed"
    assert lines[-1] == "index big: done in 1 min 20 s"


def test_quiet_for_short_work():
    out = io.StringIO()
    p = LineProgress("quick", interval=10, stream=out, watch=False)
    p("embedding", 5, 10)
    p.close()
    assert out.getvalue() == ""


def test_watcher_reports_a_silent_step():
    out = io.StringIO()
    p = LineProgress("index x", interval=0.05, stream=out)
    p("onnx export", 0, 1)
    import time

    time.sleep(0.3)
    p.close()
    assert "index x: onnx export" in out.getvalue()


def test_wanted_only_off_terminal(monkeypatch):
    monkeypatch.delenv("NLREC_PROGRESS", raising=False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert line_progress_wanted()
    monkeypatch.setenv("NLREC_PROGRESS", "off")
    assert not line_progress_wanted()


def test_index_build_progress_to_a_file(tmp_path, tiny_model):
    """A real build with stderr redirected to a file: progress lines with done/total, rate, ETA."""
    import itertools
    import json

    words = ["calm", "piano", "upbeat", "steel", "drum", "jazz", "folk", "synth", "night", "sad", "metal", "loud"]
    rows = [{"id": f"t{i}", "descriptors": list(c)} for i, c in enumerate(itertools.combinations(words, 4))]
    catalog = tmp_path / "c.jsonl"
    catalog.write_text("".join(json.dumps(r) + "\n" for r in rows))  # 495 sets: two chunks of up to 256
    env = {**os.environ, "NLREC_HOME": str(tmp_path / "home"), "NLREC_PROGRESS_INTERVAL": "0",
           "PYTHONPATH": str(REPO)}
    env.pop("NLREC_PROGRESS", None)
    log = tmp_path / "build.log"
    with open(log, "w") as err:
        res = subprocess.run([sys.executable, "-m", "nlrec", "index", "build", "--catalog", str(catalog),
                              "--name", "t", "--model", str(tiny_model), "--batch-size", "8"],
                             stderr=err, stdout=subprocess.PIPE, env=env, timeout=600)
    text = log.read_text()
    assert res.returncode == 0, text
    assert re.search(r"^index t: embedding \d+/495 \(\d+%\), [\d.,]+/s, ETA \d+ s, \d+ s elapsed$", text, re.M), text
    assert re.search(r"^index t: done in \d+ s$", text, re.M)
    assert "\x1b[" not in text  # plain lines, no terminal codes
