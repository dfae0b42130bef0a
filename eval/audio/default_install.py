"""Does the audio work change the default install or a cold ``nlrec query``? Both in one run.

    nice /work/main/.venv/bin/python eval/audio/default_install.py --base 35d29f2 --runs 7

The base commit is exported with ``git archive`` next to this checkout's tree; both run with the
same interpreter and the same ``NLREC_HOME`` (the demo index, built once), alternating runs so
machine load hits both alike. Measured: the wheel each tree builds (the default install of nlrec
itself; the dependency list is unchanged, the audio packages are an extra), the import time of
``nlrec.cli`` (``-X importtime``) and the wall time of a cold ``nlrec query --json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def wheel_size(tree: Path, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(tree)], check=True, capture_output=True)
    return next(out.glob("nlrec-*.whl")).stat().st_size


def import_us(tree: Path, env: dict) -> int:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import nlrec.cli"],
                          cwd=tree, env=env, capture_output=True, text=True, check=True)
    line = [ln for ln in proc.stderr.splitlines() if re.search(r"\|\s+nlrec\.cli$", ln)][-1]
    return int(line.split("|")[1])


def query_s(tree: Path, env: dict) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "nlrec", "query", "calm piano for studying", "--json"],
                   cwd=tree, env=env, capture_output=True, check=True)
    return time.perf_counter() - start


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="35d29f2")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=Path("eval/audio/default_install.json"))
    args = parser.parse_args(argv)
    here = Path.cwd()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.base], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive.stdout, check=True)
        env = {**os.environ, "NLREC_HOME": str(Path(tmp) / "home"), "PYTHONPATH": ""}
        trees = {"base": base, "audio": here}
        sizes = {k: wheel_size(t, Path(tmp) / f"wheel-{k}") for k, t in trees.items()}
        query_s(base, env)  # builds the demo index once
        imports = {k: [] for k in trees}
        queries = {k: [] for k in trees}
        for _ in range(args.runs):
            for k, t in trees.items():
                imports[k].append(import_us(t, env))
                queries[k].append(query_s(t, env))
    result = {
        "base_commit": args.base,
        "wheel_bytes": sizes,
        "wheel_change": sizes["audio"] / sizes["base"] - 1,
        "import_nlrec_cli_ms_median": {k: statistics.median(v) / 1000 for k, v in imports.items()},
        "cold_query_s_median": {k: round(statistics.median(v), 3) for k, v in queries.items()},
        "cold_query_s_all": {k: [round(x, 3) for x in v] for k, v in queries.items()},
        "load_average": os.getloadavg(),
    }
    result["cold_query_change"] = (result["cold_query_s_median"]["audio"]
                                   / result["cold_query_s_median"]["base"] - 1)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
