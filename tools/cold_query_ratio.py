"""Cold `nlrec query` against `python -c "import sentence_transformers"`, interleaved.

Runs the commands in turn (A B A B ..., or A A' B with ``--before``) after one warm-up each and
prints, per command, the median wall and CPU seconds of whole processes, and the median of the
pairwise ratios to B, so a machine whose speed drifts (a shared one) still gives a fair ratio.
The query runs on the built-in demo index (built first if missing), in ``NLREC_HOME``.

``--before DIR`` also runs the same query with the nlrec of another checkout (``PYTHONPATH=DIR``,
e.g. ``git archive <commit> | tar -x -C DIR``), interleaved with the others: before/after
figures from one run. The commands run with Python's usual bytecode cache (``PYTHONDONTWRITEBYTECODE``
is removed from their environment, as for an installed nlrec).

    python tools/cold_query_ratio.py                # 7 rounds
    python tools/cold_query_ratio.py --runs 11 --query "calm piano without vocals"
    python tools/cold_query_ratio.py --before /tmp/nlrec-before
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--query", default="upbeat steel drum")
    ap.add_argument("--before", metavar="DIR", help="also time the query with the nlrec of this checkout")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    nlrec = str(Path(sys.executable).parent / "nlrec")
    query = [nlrec, "query", args.query, "-k", "5"]
    commands = [("nlrec query", query, env)]
    if args.before:
        old = {**env, "PYTHONPATH": str(Path(args.before).resolve())}
        commands.append(("nlrec query (--before)", query, old))
    commands.append(("import sentence_transformers", [sys.executable, "-c", "import sentence_transformers"], env))
    for _, cmd, e in commands:  # warm-up (+ demo build, ONNX graph saved, bytecode written)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=e)
    load0 = os.getloadavg()[0]
    rows = [[timed(cmd, e) for _, cmd, e in commands] for _ in range(args.runs)]
    med = statistics.median
    print(f"load average (1 min) at the start {load0:.1f}, at the end {os.getloadavg()[0]:.1f}; "
          f"{args.runs} interleaved rounds")
    base = len(commands) - 1
    for i, (name, _, _) in enumerate(commands):
        print(f"{name:<32} wall {med(r[i][0] for r in rows):6.3f} s   cpu {med(r[i][1] for r in rows):6.3f} s")
    for i, (name, _, _) in enumerate(commands[:-1]):
        print(f"{'ratio, ' + name:<32} wall {med(r[i][0] / r[base][0] for r in rows):6.3f}     "
              f"cpu {med(r[i][1] / r[base][1] for r in rows):6.3f}   (median of the rounds' ratios)")

if __name__ == "__main__":
    main()
