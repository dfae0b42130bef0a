"""The README runs as written: every shell block is extracted and each command run, in order, in a
fresh process with a temporary NLREC_HOME, from the root of the checkout.

A block is preceded by an HTML comment saying how it is run when it cannot run as is:

* ``<!-- readme-test: skip (why) -->``: not run (the set-up commands, which CI itself runs);
* ``<!-- readme-test: data -->``: needs the public data (``../shared/data``); the test is marked
  ``data`` (and ``slow``: it builds an 11,929-artist index);
* ``<!-- readme-test: server -->``: ``nlrec serve ... &`` is started on a free port (the README's
  port is replaced in the block's later commands) and stopped after the block.

Every command must exit with status 0; commands that return data (``nlrec query``, ``similar``,
``profile recommend``, ``curl``) must print some, and JSON hits must not be empty, so an example
that finds nothing fails too.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MARKER = re.compile(r"<!--\s*readme-test:\s*(\w+)")
KINDS = ("run", "skip", "data", "server")
DATA_COMMANDS = re.compile(r"^(nlrec (query|similar|profile recommend)\b|curl\b)")


@dataclass
class Block:
    """One fenced shell block: its commands (continuation lines joined) and how it is run."""

    kind: str
    line: int
    commands: list[str] = field(default_factory=list)


def readme_blocks(text: str) -> list[Block]:
    """The ``bash`` / ``sh`` / ``console`` blocks of a Markdown text, in order."""
    blocks: list[Block] = []
    pending = "run"
    current: Block | None = None
    buffer = ""
    for no, line in enumerate(text.splitlines(), 1):
        if current is None:
            m = MARKER.search(line)
            if m:
                pending = m.group(1)
                if pending not in KINDS:
                    raise ValueError(f"README line {no}: unknown readme-test kind {pending!r}")
            elif re.match(r"^```(bash|sh|shell|console)\s*$", line):
                current = Block(pending, no)
                pending = "run"
            elif line.strip() and not line.startswith("<!--"):
                pending = "run" if not line.startswith("```") else pending
            continue
        if line.startswith("```"):
            blocks.append(current)
            current = None
            continue
        stripped = line.rstrip()
        if stripped.endswith("\\"):
            buffer += stripped[:-1] + " "
            continue
        command = (buffer + stripped).strip()
        buffer = ""
        if command and not command.startswith("#"):
            current.commands.append(command)
    return blocks


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["NLREC_HOME"] = str(home)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    env["HF_HUB_OFFLINE"] = "1"
    env.pop("NLREC_DATA", None)
    return env


def check_output(command: str, stdout: str) -> str | None:
    """Why a command's output shows a broken example, or None."""
    if not DATA_COMMANDS.match(command):
        return None
    if not stdout.strip():
        return "printed no data on stdout (nothing found?)"
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    hits = data.get("hits", data.get("results")) if isinstance(data, dict) else data
    if isinstance(hits, list) and not hits:
        return "returned no hits"
    return None


def run_block(block: Block, env: dict[str, str], *, timeout: float = 900) -> list[str]:
    """Run a block's commands in order; returns the failures (empty when all ran as written)."""
    failures: list[str] = []
    servers: list[subprocess.Popen] = []
    ports: dict[str, str] = {}
    try:
        for command in block.commands:
            for old, new in ports.items():
                command = command.replace(f":{old}", f":{new}")
            if block.kind == "server" and re.match(r"^nlrec serve\b", command):
                port = _free_port()
                m = re.search(r"--port\s+(\d+)", command)
                if m:
                    ports[m.group(1)] = str(port)
                    command = command.replace(m.group(0), f"--port {port}")
                command = command.split(" &")[0]
                proc = subprocess.Popen(command, shell=True, cwd=REPO, env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                servers.append(proc)
                if not _wait_for(port, proc, timeout=180):
                    err = proc.stderr.read() if proc.poll() is not None else "(still starting)"
                    failures.append(f"line {block.line}: {command!r}: server not up: {err[-500:]}")
                    return failures
                continue
            res = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=REPO, env=env,
                                 capture_output=True, text=True, timeout=timeout)
            if res.returncode != 0:
                failures.append(f"README block at line {block.line}: {command!r} exited {res.returncode}: "
                                f"{res.stderr.strip()[-800:]}")
                continue
            why = check_output(command, res.stdout)
            if why:
                failures.append(f"README block at line {block.line}: {command!r} {why}; stderr: "
                                f"{res.stderr.strip()[-400:]}")
    finally:
        for proc in servers:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
    return failures


def _wait_for(port: int, proc: subprocess.Popen, *, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _blocks(kind: str) -> list[Block]:
    return [b for b in readme_blocks(README.read_text(encoding="utf-8")) if b.kind == kind]


# ------------------------------------------------------------------------------------------------
def test_readme_shape():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150
    blocks = readme_blocks(text)
    runnable = [c for b in blocks if b.kind == "run" for c in b.commands]
    assert len(runnable) >= 10
    assert all(c.startswith("nlrec ") for c in runnable)
    assert {b.kind for b in blocks} <= set(KINDS)
    # every page the README links to exists
    for link in re.findall(r"\]\(([^)#]+)", text):
        if not link.startswith("http"):
            assert (REPO / link).exists(), link


def test_harness_catches_a_broken_example(tmp_path, tiny_model):
    """The runner fails on a command that errors and on one that finds nothing."""
    text = (
        "```bash\n"
        "nlrec index list\n"
        "nlrec query \"calm\" --index no-such-index\n"
        "nlrec index build --catalog nlrec/data/examples/new_tracks.csv --id-col track_id \\\n"
        f"    --descriptors-col tags --sep '|' --name two --model {tiny_model} --json\n"
        "nlrec query \"piano\" --index two --mode bm25\n"
        "nlrec query \"piano\" --index two --mode bm25 --where \"year < 1000\"\n"
        "```\n"
    )
    blocks = readme_blocks(text)
    assert [b.kind for b in blocks] == ["run"] and len(blocks[0].commands) == 5
    assert "--descriptors-col tags" in blocks[0].commands[2]
    failures = run_block(blocks[0], _env(tmp_path / "home"))
    assert len(failures) == 2, failures
    assert "no-such-index" in failures[0] and "exited 1" in failures[0]
    assert "year < 1000" in failures[1] and "no data" in failures[1]


def test_markers():
    text = "<!-- readme-test: skip (set-up) -->\n```bash\npip install x\n```\n\n```bash\nnlrec --help\n```\n"
    assert [(b.kind, b.commands) for b in readme_blocks(text)] == [
        ("skip", ["pip install x"]), ("run", ["nlrec --help"])]
    with pytest.raises(ValueError, match="unknown readme-test kind"):
        readme_blocks("<!-- readme-test: later -->\n```bash\nx\n```\n")


def test_readme_runs(tmp_path):
    """Every plain block, then the server block, as written, in one fresh NLREC_HOME."""
    env = _env(tmp_path / "home")
    failures: list[str] = []
    for block in _blocks("run") + _blocks("server"):
        failures += run_block(block, env)
    assert not failures, "\n".join(failures)


@pytest.mark.data
@pytest.mark.slow
def test_readme_data_blocks(tmp_path, shared_data):
    """The blocks that read the public data (an 11,929-artist build: slow on 2 cores)."""
    env = _env(tmp_path / "home")
    failures: list[str] = []
    for block in _blocks("data"):
        block.commands = [c.replace("../shared/data", str(shared_data)) for c in block.commands]
        failures += run_block(block, env)
    assert not failures, "\n".join(failures)
