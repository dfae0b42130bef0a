"""A streaming Milvus build killed with SIGKILL and resumed: counts exact, nothing twice.

``python -m nlrec.evaluation.milvus_stream --data-dir ../shared/data --tracks 1000000 --kills 2``
writes a JSONL catalog of ``tracks`` tracks drawn (with repetition, seeded) from the pool of
real descriptor sets here, runs ``nlrec index build --backend milvus`` on it in a subprocess,
kills it with ``kill -9`` at random points after its 1st, 2nd, ... checkpoints (``--kills``
times), reruns the same command until it finishes, then checks the result: the Milvus track
count equals the catalog's, the index lists every catalog id once and in order, and ``nlrec
index info --verify`` passes. It reports each run's wall time, rows done when killed and peak
resident memory (VmHWM, polled from /proc).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def write_catalog(path: Path, sets: list[str], n: int, seed: int = 0) -> None:
    """``n`` tracks, each a random real descriptor set (so most sets repeat), streamed to ``path``."""
    rng = random.Random(seed)
    labels = ["Warp", "Ninja Tune", "Blue Note", "Sub Pop", "Motown", "4AD", "Def Jam", "ECM"]
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": f"s{i}", "title": f"Song {i}", "artist": f"Artist {rng.randrange(20000)}",
                                "year": rng.randint(1960, 2024), "label": rng.choice(labels),
                                "descriptors": sets[rng.randrange(len(sets))].split(", ")}) + "\n")


def _peak_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_once(cmd: list[str], env: dict[str, str], state: Path, kill_after_chunk: int | None,
             rng: random.Random) -> dict[str, Any]:
    """Run the build; with ``kill_after_chunk``, SIGKILL it at a random point after that checkpoint."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, killed_at, delay = 0.0, None, None
    while proc.poll() is None:
        peak = max(peak, _peak_mb(proc.pid))
        if kill_after_chunk is not None and killed_at is None:
            try:
                s = json.loads(state.read_text())
            except (OSError, ValueError):
                s = {}
            if s.get("chunks", 0) >= kill_after_chunk:
                if delay is None:
                    delay = time.perf_counter() + rng.uniform(0.0, 3.0)  # somewhere inside the next chunk
                elif time.perf_counter() >= delay:
                    peak = max(peak, _peak_mb(proc.pid))
                    os.kill(proc.pid, signal.SIGKILL)
                    killed_at = s.get("rows_read")
        time.sleep(0.2)
    out, err = proc.communicate()
    return {"returncode": proc.returncode, "seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(peak, 1),
            "killed": proc.returncode == -signal.SIGKILL, "checkpoint_rows_before_kill": killed_at,
            "stdout": out, "stderr": err.strip().splitlines()[-3:]}


def run(args: argparse.Namespace) -> dict[str, Any]:
    from nlrec.evaluation.speed.catalogs import real_descriptor_sets

    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    home = work / "home"
    env = {**os.environ, "NLREC_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    sets = real_descriptor_sets(args.data_dir)
    catalog = work / "catalog.jsonl"
    t0 = time.perf_counter()
    write_catalog(catalog, sets, args.tracks)
    report: dict[str, Any] = {"tracks": args.tracks, "pool_of_real_sets": len(sets), "chunk_size": args.chunk_size,
                              "catalog_bytes": catalog.stat().st_size,
                              "catalog_write_seconds": round(time.perf_counter() - t0, 1), "runs": []}
    cmd = [sys.executable, "-m", "nlrec", "index", "build", "--catalog", str(catalog), "--name", "stream",
           "--backend", "milvus", "--uri", str(work / "milvus.db"), "--chunk-size", str(args.chunk_size),
           "--model", args.model, "--json"]
    rng = random.Random(args.seed)
    state = home / "stream" / ".resume" / "state.json"
    kill_points = sorted(rng.sample(range(1, max(2, args.tracks // args.chunk_size)), args.kills))
    for point in kill_points + [None]:
        r = run_once(cmd, env, state, point, rng)
        report["runs"].append({k: v for k, v in r.items() if k != "stdout"})
        print(json.dumps(report["runs"][-1]), flush=True)
        if not r["killed"]:
            if r["returncode"] != 0:
                raise SystemExit(f"build failed: {r['stderr']}")
            report["build"] = json.loads(r["stdout"])
    report["checks"] = check(home, catalog, args.tracks)
    return report


def check(home: Path, catalog: Path, n: int) -> dict[str, Any]:
    """Counts in Milvus and on disk against the catalog; ``nlrec index info --verify``."""
    os.environ["NLREC_HOME"] = str(home)
    from nlrec.index import Index
    from nlrec.index.milvus import verify_backend

    with Index.open("stream") as index:
        docs, tracks = index.milvus().counts()
        ids = [json.loads(line)["id"] for line in open(index.path / "tracks.jsonl", encoding="utf-8")]
        expected = [json.loads(line)["id"] for line in open(catalog, encoding="utf-8")]
        verify_backend(index)
        return {"milvus_tracks": tracks, "milvus_descriptor_sets": docs, "index_tracks": len(ids),
                "index_descriptor_sets": len(index.documents), "catalog_tracks": n,
                "ids_in_catalog_order": ids == expected, "duplicate_ids": len(ids) - len(set(ids)),
                "verify": "ok"}


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Kill -9 a streaming Milvus build and resume it")
    p.add_argument("--data-dir", default=os.environ.get("NLREC_DATA"))
    p.add_argument("--tracks", type=int, default=1_000_000)
    p.add_argument("--chunk-size", type=int, default=20_000)
    p.add_argument("--kills", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--model", default="default")
    p.add_argument("--work", default="/tmp/nlrec-milvus-stream")
    p.add_argument("--out", default="eval/results/milvus_stream.json")
    a = p.parse_args()
    rep = run(a)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(rep, indent=2) + "\n")
    print(json.dumps({k: v for k, v in rep.items() if k != "runs"}, indent=2))
