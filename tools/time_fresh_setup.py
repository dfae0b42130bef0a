"""Time set-up command 1 of the README on a fresh clone: the install, then the first query.

Clones a commit of this repository into a temporary directory (``git clone``, no shared files),
reads command 1 from README.md's set-up block (the line after ``# 1.``) and runs its ``&&``
steps in the clone one after another, each timed (wall, and CPU of the step's processes): the
virtual environment, the install, and the first ``nlrec query`` (which rebuilds the shipped
model, exports it to ONNX and indexes the demo catalog). A second query shows the warm time.
Nothing from the caller's set-up leaks in: ``NLREC_HOME``, ``NLREC_*``, ``PYTHONPATH``,
``VIRTUAL_ENV`` and ``PYTHONDONTWRITEBYTECODE`` are removed from the steps' environment (pip's own
settings, e.g. ``PIP_INDEX_URL`` for a mirror, are kept), so the index and caches go to the
clone's ``indexes/`` as on a newcomer's machine.

The figure the README records is for an idle machine: the script prints the load average and the
number of CPUs before and after, and says when the machine was busy (1-minute load above 0.5).

    python tools/time_fresh_setup.py                      # HEAD of this checkout
    python tools/time_fresh_setup.py --commit main --keep # keep the clone (its path is printed)
    python tools/time_fresh_setup.py --json > fresh.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DROP = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONDONTWRITEBYTECODE", "PYTHONHOME")


def setup_command(readme: Path) -> str:
    """Command 1 of the README's set-up block: the line that follows ``# 1.``."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*#\s*1\.", line):
            for nxt in lines[i + 1:]:
                if nxt.strip():
                    return nxt.strip()
    raise SystemExit(f"{readme}: no set-up command 1 (a line after '# 1.')")


def steps(command: str) -> list[str]:
    """The ``&&`` steps of a shell command line (quotes respected)."""
    out, cur, quote = [], "", None
    i = 0
    while i < len(command):
        c = command[i]
        if quote:
            quote = None if c == quote else quote
        elif c in "'\"":
            quote = c
        elif command.startswith("&&", i):
            out.append(cur.strip())
            cur, i = "", i + 2
            continue
        cur += c
        i += 1
    return [s for s in [*out, cur.strip()] if s]


def run_step(cmd: str, cwd: Path, env: dict[str, str], log: Path) -> dict[str, float | int | str]:
    """Run one step (a shell command) and return its wall and CPU seconds and exit status."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with open(log, "ab") as f:
        f.write(f"\n$ {cmd}\n".encode())
        f.flush()
        rc = subprocess.run(cmd, shell=True, cwd=cwd, env=env, stdout=f, stderr=subprocess.STDOUT).returncode
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"step": cmd, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "exit": rc}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repo", default=str(ROOT), help="repository to clone (default: this checkout)")
    ap.add_argument("--commit", default="HEAD", help="commit to check out (default: HEAD)")
    ap.add_argument("--workdir", help="where to make the clone (default: a new temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the clone afterwards")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON on stdout")
    ap.add_argument("--command", help="time this command line instead of the README's command 1 (to try the script)")
    args = ap.parse_args()

    work = Path(args.workdir or tempfile.mkdtemp(prefix="nlrec-fresh-"))
    clone = work / "nlrec"
    env = {k: v for k, v in os.environ.items() if k not in DROP and not k.startswith("NLREC_")}
    venv = os.environ.get("VIRTUAL_ENV")
    if venv:  # the caller's activated environment is not the clone's
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(venv))
    load0, cpus = os.getloadavg(), os.cpu_count()
    print(f"load average {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f} on {cpus} CPUs before the run", file=sys.stderr)
    subprocess.run(["git", "clone", "--quiet", "--no-local", args.repo, str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "--quiet", args.commit], check=True)
    commit = subprocess.run(["git", "-C", str(clone), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    command = args.command or setup_command(clone / "README.md")
    log = work / "setup.log"
    print(f"clone {clone} at {commit[:10]}; command 1: {command}", file=sys.stderr)
    results = []
    for step in steps(command):
        r = run_step(step, clone, env, log)
        results.append(r)
        print(f"  {r['wall_s']:8.1f} s wall {r['cpu_s']:8.1f} s CPU  exit {r['exit']}  {step}", file=sys.stderr)
        if r["exit"] != 0:
            print(f"step failed; its output is in {log}", file=sys.stderr)
            break
    else:  # a second query: the warm time a user sees afterwards
        query = next((s for s in steps(command) if " query " in f" {s} "), None)
        if query:
            r = run_step(query, clone, env, log)
            results.append({**r, "step": f"(again) {query}"})
            print(f"  {r['wall_s']:8.1f} s wall {r['cpu_s']:8.1f} s CPU  exit {r['exit']}  (again) {query}",
                  file=sys.stderr)
    load1 = os.getloadavg()
    total = [r for r in results if not str(r["step"]).startswith("(again)")]
    summary = {
        "commit": commit, "command": command, "cpus": cpus,
        "load_before": [round(x, 2) for x in load0], "load_after": [round(x, 2) for x in load1],
        "steps": results,
        "command_wall_s": round(sum(float(r["wall_s"]) for r in total), 1),
        "command_cpu_s": round(sum(float(r["cpu_s"]) for r in total), 1),
        "log": str(log),
    }
    print(f"command 1: {summary['command_wall_s']} s wall, {summary['command_cpu_s']} s CPU; load average "
          f"{load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f} after", file=sys.stderr)
    if load0[0] > 0.5 or load1[0] > 1.5:
        print("note: the machine was not idle; the README's figure is for an idle machine", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=2))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept {work}", file=sys.stderr)
    sys.exit(max(int(r["exit"]) for r in results))


if __name__ == "__main__":
    main()
