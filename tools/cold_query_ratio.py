"""Cold `nlrec query` against `python -c "import sentence_transformers"`, interleaved.

Runs the two commands in turn (A B A B ...) after one warm-up each and prints, per command, the
median wall and CPU seconds of whole processes, and the median of the pairwise ratios A/B, so a
machine whose speed drifts (a shared one) still gives a fair ratio. The query runs on the built-in
demo index (built first if missing).

    python tools/cold_query_ratio.py                # 7 pairs
    python tools/cold_query_ratio.py --runs 11 --query "calm piano without vocals"
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


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + sys of the child) seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--query", default="upbeat steel drum")
    args = ap.parse_args()
    nlrec = str(Path(sys.executable).parent / "nlrec")
    a = [nlrec, "query", args.query, "-k", "5"]
    b = [sys.executable, "-c", "import sentence_transformers"]
    subprocess.run(a, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # warm-up (+ demo build)
    timed(b)
    rows = []
    for _ in range(args.runs):
        rows.append((timed(a), timed(b)))
    med = statistics.median
    print(f"load average at the end: {os.getloadavg()[0]:.1f}; {args.runs} interleaved pairs")
    for i, name in ((0, "nlrec query"), (1, "import sentence_transformers")):
        print(f"{name:<30} wall {med(r[i][0] for r in rows):6.3f} s   cpu {med(r[i][1] for r in rows):6.3f} s")
    print(f"{'ratio (median of pairs)':<30} wall {med(r[0][0] / r[1][0] for r in rows):6.3f}     "
          f"cpu {med(r[0][1] / r[1][1] for r in rows):6.3f}")


if __name__ == "__main__":
    main()
