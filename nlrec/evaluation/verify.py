"""Check that recorded results still hold: re-run the cheap rows and compare with their JSON.

The lexical systems (``tfidf``, ``bm25``) need no trained model and run in seconds to minutes, so
their rows of ``eval/results/`` can be recomputed with today's code whenever it changes. A metric
that moved by more than the tolerance (0.1 point on the tables' 0-100 scale) is drift: the table
in ``eval/RESULTS.md`` no longer says what the code gives, and the row must be regenerated
(``nlrec eval run ...``, then ``nlrec eval table``).

The new runs are written to a temporary directory; the recorded files are never touched.
"""

from __future__ import annotations

import json
import math
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlrec.errors import NlrecError

CHEAP_SYSTEMS = ("tfidf", "bm25")
TOLERANCE = 0.1
QUICK = (("mc", "bm25"), ("mc", "tfidf"), ("mtt", "bm25"), ("msd", "bm25"))
"""Rows ``--quick`` re-runs: one of each benchmark family, under a minute each on 2 cores
(recorded run times 8 to 29 s); CI runs these."""


@dataclass
class Difference:
    """One metric of one row that moved (or a count that changed)."""

    row: str
    metric: str
    recorded: float
    now: float

    @property
    def delta(self) -> float:
        return self.now - self.recorded


@dataclass
class RowCheck:
    """The verdict for one recorded row."""

    row: str
    path: str
    seconds: float = 0.0
    compared: int = 0
    differences: list[Difference] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.differences


def cheap_rows(results_dir: Path, *, benchmarks: Sequence[str] | None = None, quick: bool = False) -> list[Path]:
    """Recorded results files of the lexical systems, optionally for some benchmarks only."""
    rows = []
    for path in sorted(results_dir.glob("*__none.json")):
        try:
            rec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(rec, dict) or rec.get("system") not in CHEAP_SYSTEMS or rec.get("model_slug") != "none":
            continue
        bench = str(rec.get("benchmark"))
        if benchmarks and bench not in benchmarks:
            continue
        if quick and (bench, rec["system"]) not in QUICK:
            continue
        rows.append(path)
    return rows


def _leaves(measures: Any, prefix: str = "") -> dict[str, float]:
    """Flatten a ``measures`` object to ``{"all/nDCG@10": 86.56, "R@10": 88.05, ...}``: means and
    per-subset values (per-seed values and standard deviations are left out: the mean covers them)."""
    out: dict[str, float] = {}
    if not isinstance(measures, dict):
        return out
    for key, value in measures.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            if "mean" in value and isinstance(value["mean"], (int, float)):
                out[name] = float(value["mean"])
            else:
                out.update(_leaves(value, name + "/"))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def compare(row: str, recorded: dict[str, Any], now: dict[str, Any], tolerance: float = TOLERANCE) -> tuple[int, list[Difference]]:
    """Metrics that differ by more than ``tolerance``, and counts (``queries``) that differ at all."""
    old, new = _leaves(recorded.get("measures")), _leaves(now.get("measures"))
    diffs = []
    for metric in sorted(set(old) | set(new)):
        a, b = old.get(metric, math.nan), new.get(metric, math.nan)
        exact = metric.rsplit("/", 1)[-1] == "queries"
        if math.isnan(a) or math.isnan(b) or abs(a - b) > (0 if exact else tolerance) + 1e-9:
            diffs.append(Difference(row, metric, a, b))
    for count in ("n_queries",):
        if recorded.get(count) != now.get(count):
            diffs.append(Difference(row, count, float(recorded.get(count) or math.nan), float(now.get(count) or math.nan)))
    return len(set(old) | set(new)), diffs


def verify(
    results_dir: Path,
    data_dir: Path,
    *,
    benchmarks: Sequence[str] | None = None,
    quick: bool = False,
    tolerance: float = TOLERANCE,
    rows: Iterable[Path] | None = None,
    on_row: Callable[[RowCheck], None] | None = None,
    progress: Any = None,
) -> list[RowCheck]:
    """Re-run the cheap recorded rows with today's code and compare them with their JSON.

    Args:
        results_dir: the recorded results (``eval/results``).
        data_dir: the public data directory.
        benchmarks: only these benchmarks (default: every one with a cheap row).
        quick: only the rows in :data:`QUICK`.
        tolerance: largest accepted change of a metric, in points.
        rows: explicit results files (instead of choosing them).
        on_row: called with each row's verdict as soon as it is known.

    Returns:
        One :class:`RowCheck` per row, in order.

    Raises:
        NlrecError: when no cheap row is found.
    """
    from nlrec.evaluation.benchmarks import BENCHMARKS
    from nlrec.evaluation.runner import SystemConfig, run_benchmark
    from nlrec.evaluation.tag_runner import run_tag_benchmark

    paths = list(rows) if rows is not None else cheap_rows(results_dir, benchmarks=benchmarks, quick=quick)
    if not paths:
        raise NlrecError(f"no recorded tfidf / bm25 results to verify in {results_dir}")
    checks = []
    with tempfile.TemporaryDirectory(prefix="nlrec-verify-") as tmp:
        for path in paths:
            recorded = json.loads(path.read_text(encoding="utf-8"))
            name = f"{recorded['benchmark']} {recorded['system']}"
            check = RowCheck(name, str(path))
            t0 = time.perf_counter()
            try:
                config = SystemConfig(recorded["system"], **(recorded.get("options") or {}))
                if recorded.get("kind") == "tag_benchmark":
                    now = run_tag_benchmark(recorded["benchmark"], config, data_dir=data_dir, out_dir=tmp,
                                            progress=progress)
                elif recorded["benchmark"] in BENCHMARKS:
                    now = run_benchmark(recorded["benchmark"], config, data_dir=data_dir, out_dir=tmp,
                                        seeds=recorded.get("seeds") or (0, 1, 2), progress=progress)
                else:
                    raise NlrecError(f"unknown benchmark {recorded['benchmark']!r}")
                check.compared, check.differences = compare(name, recorded, now, tolerance)
            except NlrecError as e:
                check.error = str(e)
            check.seconds = round(time.perf_counter() - t0, 1)
            checks.append(check)
            if on_row:
                on_row(check)
    return checks


def report_rows(checks: Sequence[RowCheck]) -> list[dict[str, Any]]:
    """The checks as JSON-ready rows."""
    return [
        {"row": c.row, "path": c.path, "ok": c.ok, "seconds": c.seconds, "compared": c.compared, "error": c.error,
         "differences": [{"metric": d.metric, "recorded": d.recorded, "now": d.now, "delta": round(d.delta, 4)}
                         for d in c.differences]}
        for c in checks
    ]
