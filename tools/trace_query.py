"""Trace one search through nlrec's code: files touched, file switches, calls and stack walks.

Builds the demo catalog's index with a deterministic hashing encoder (no model) under a temporary
``NLREC_HOME``, runs the request once to warm every cache, then runs it again under
:func:`sys.settrace` and counts, over the frames of ``nlrec`` source files only:

* ``files``: distinct files with a call;
* ``switches``: calls whose file differs from the previous call's;
* ``calls``: every call;
* ``walks``: the methods that walk the searcher stack: those entered on more than one searcher
  object of the stack (``searchers_per_hook``: on how many each method was entered).

Usage::

    PYTHONPATH=. python tools/trace_query.py ["relaxing piano without vocals"] [--where "year >= 2000"]

The figures in docs/architecture.md were measured with this script, before and after the request
plan refactor, from the same commit's script.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np


class HashEncoder:
    """Bag of hashed words, L2-normalised: instant and deterministic."""

    id = "hash/bag-of-words"
    dimension = 32

    def fingerprint(self) -> str:
        return "h" * 64

    def encode(self, texts, *, batch_size: int = 64, progress=None) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().replace(",", " ").split():
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % self.dimension] += 1.0
            out[i] /= np.linalg.norm(out[i]) or 1.0
        if progress:
            progress(len(texts))
        return out


def trace(text: str, where: str | None, mode: str) -> dict:
    os.environ["NLREC_HOME"] = tempfile.mkdtemp(prefix="nlrec-trace-")
    from nlrec.catalog.demo import demo_catalog
    from nlrec.index import build_index
    from nlrec.search import Searcher, SearchOptions, build_searcher

    index = build_index(demo_catalog(), "trace", encoder=HashEncoder(), onnx=False, factory="Flat")
    searcher = build_searcher(index, SearchOptions(mode=mode, where=where))
    searcher.search(text, 10)  # warm: retrievers, names, filter masks
    root = str(Path(__import__("nlrec").__file__).parent)
    files: Counter[str] = Counter()
    hooks: dict[str, set[int]] = {}
    state = {"last": None, "switches": 0, "calls": 0}

    def tracer(frame, event, arg):
        if event != "call":
            return None
        path = frame.f_code.co_filename
        if not path.startswith(root):
            return None
        state["calls"] += 1
        files[path] += 1
        if state["last"] is not None and state["last"] != path:
            state["switches"] += 1
        state["last"] = path
        me = frame.f_locals.get("self")
        if isinstance(me, Searcher):
            hooks.setdefault(frame.f_code.co_name, set()).add(id(me))
        return None

    sys.settrace(tracer)
    try:
        result = searcher.search(text, 10)
    finally:
        sys.settrace(None)
    return {"request": text, "where": where, "mode": mode, "hits": len(result.hits),
            "files": len(files), "switches": state["switches"], "calls": state["calls"],
            "walks": sorted(h for h, objs in hooks.items() if len(objs) > 1 and not h.startswith("<")),
            "searchers_per_hook": {h: len(objs) for h, objs in sorted(hooks.items())},
            "per_file": {str(Path(p).relative_to(Path(root).parent)): n for p, n in files.most_common()}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("text", nargs="?", default="relaxing piano without vocals")
    p.add_argument("--where", default="year >= 2000")
    p.add_argument("--mode", default="hybrid")
    args = p.parse_args(argv)
    print(json.dumps(trace(args.text, args.where or None, args.mode), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
