"""Everyday requests: short listener-style queries over a whole catalog, judged by a mechanical
rule over each track's descriptors (``eval/everyday/requests.jsonl``, see its README).

A request lists ``require`` groups of keywords and optional ``exclude`` keywords. A keyword
matches a descriptor when it occurs in it (lower-cased) between non-alphanumeric boundaries
("male" matches "male vocal", not "female vocal"). A track is relevant when every group matches
at least one of its descriptors and no descriptor matches an excluded keyword. Requests with no
relevant track in a catalog are left out of that catalog's scores.

Tracks are ranked by :func:`nlrec.search.search_many` over an index built with the model, the
way ``nlrec query`` ranks them.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import NlrecError

if TYPE_CHECKING:
    from nlrec.catalog import Catalog
    from nlrec.index import Index

MEASURES: tuple[str, ...] = ("nDCG@10", "P@10", "RR@10", "AP@100", "R@100")
DEPTH = 100


@dataclass(frozen=True)
class Request:
    """One everyday request and its relevance rule."""

    id: str
    text: str
    require: tuple[tuple[str, ...], ...]
    exclude: tuple[str, ...] = field(default_factory=tuple)

    @cached_property
    def _patterns(self) -> tuple[list[re.Pattern], re.Pattern | None]:
        return [_pattern(g) for g in self.require], (_pattern(self.exclude) if self.exclude else None)

    def relevant(self, descriptors: Sequence[str]) -> bool:
        """Whether a track with these descriptors is relevant to the request."""
        tags = [d.lower() for d in descriptors]
        groups, excluded = self._patterns
        if excluded is not None and any(excluded.search(t) for t in tags):
            return False
        return all(any(p.search(t) for t in tags) for p in groups)


def _pattern(keywords: Sequence[str]) -> re.Pattern:
    return re.compile("|".join(rf"(?<![a-z0-9]){re.escape(k.lower())}(?![a-z0-9])" for k in keywords))


def load_requests(path: str | os.PathLike) -> list[Request]:
    """Read a requests JSONL file (``id``, ``text``, ``require``: list of keyword lists, ``exclude``).

    Raises:
        NlrecError: if the file is missing or a line is malformed.
    """
    out = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise NlrecError(f"requests file not found: {path}") from None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            r = json.loads(line)
            out.append(Request(str(r["id"]), str(r["text"]), tuple(tuple(g) for g in r["require"]),
                               tuple(r.get("exclude", ()))))
        except (ValueError, KeyError, TypeError) as e:
            raise NlrecError(f"{path}:{n}: malformed request ({e})") from None
    if not out:
        raise NlrecError(f"{path}: no request")
    return out


def judge(requests: Sequence[Request], catalog: Catalog) -> dict[str, dict[str, int]]:
    """Qrels ``{request id: {track id: 1}}`` over a catalog (requests without a match left out)."""
    qrels = {}
    for r in requests:
        rel = {t.id: 1 for t in catalog.tracks if r.relevant(t.descriptors)}
        if rel:
            qrels[r.id] = rel
    return qrels


def rank_tracks(index: Index, requests: Sequence[Request], mode: str, *, depth: int = DEPTH,
                **options: Any) -> dict[str, list[str]]:
    """Ranked track ids per request, as ``nlrec query --mode MODE -k depth`` returns them."""
    from nlrec.search import search_many

    hits = search_many(index, [r.text for r in requests], depth, mode=mode, **options)
    return {r.id: [h.id for h in hs] for r, hs in zip(requests, hits)}


def score(qrels: dict[str, dict[str, int]], rankings: dict[str, list[str]]) -> dict[str, Any]:
    """Mean measures (×100) over the judged requests, and per request nDCG@10."""
    from nlrec.evaluation.metrics import per_query as measures_per_query
    from nlrec.evaluation.metrics import run_from_rankings

    run = run_from_rankings({q: docs for q, docs in rankings.items() if q in qrels}, DEPTH)
    per_query = measures_per_query(qrels, run, MEASURES)
    means = {m: float(np.mean([pq.get(m, 0.0) for pq in per_query.values()])) for m in MEASURES}
    return {"measures": {k: round(v, 2) for k, v in means.items()}, "n_requests": len(qrels),
            "per_request_ndcg10": {q: round(pq.get("nDCG@10", 0.0), 1) for q, pq in per_query.items()}}


def evaluate_models(models: Sequence[str], requests: Sequence[Request], catalog: Catalog, *,
                    modes: Sequence[str] = ("dense", "hybrid"), work_dir: str | Path | None = None,
                    options: dict[str, Any] | None = None, notify: Any = None) -> list[dict[str, Any]]:
    """Build an index of ``catalog`` with each model and score every mode on the requests.

    Returns:
        One result per (model, mode): ``{"model", "mode", "measures", "n_requests", ...}``.
    """
    from nlrec.index import Index, build_index

    qrels = judge(requests, catalog)
    results = []
    with tempfile.TemporaryDirectory(dir=work_dir) as tmp:
        for n, model in enumerate(models):
            path = Path(tmp) / f"m{n}"
            build_index(catalog, str(path), model=model, onnx=False)
            index = Index.open(str(path))
            for mode in modes:
                ranked = rank_tracks(index, requests, mode, **(options or {}) if mode == "hybrid" else {})
                res = {"model": model, "mode": mode, **score(qrels, ranked)}
                results.append(res)
                if notify:
                    notify(f"{model} {mode}: " + ", ".join(f"{k} {v:.1f}" for k, v in res["measures"].items()))
    return results


def everyday_report(models: Sequence[str], requests_file: str | os.PathLike, *, data_dir: str | None = None,
                    split: str = "all", modes: Sequence[str] = ("dense", "hybrid"),
                    notify: Any = None) -> dict[str, Any]:
    """``nlrec train everyday``: every model and mode on the requests over the MusicCaps catalog
    (every clip, or ``split="test"``: only the evaluation clips, never trained on).

    Returns:
        ``{"requests", "catalog", "tracks", "results": [evaluate_models results]}``.
    """
    from nlrec.catalog.datasets import load_musiccaps
    from nlrec.encoders.models import canonical_model

    requests = load_requests(requests_file)
    catalog = load_musiccaps(data_dir, split=split)
    results = evaluate_models([canonical_model(m) for m in models], requests, catalog, modes=modes, notify=notify)
    return {"requests": str(requests_file), "catalog": f"musiccaps/{split}", "tracks": len(catalog.tracks),
            "results": results}

