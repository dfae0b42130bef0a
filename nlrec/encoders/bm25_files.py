"""BM25 at query time without importing bm25s (and SciPy, which it imports: half a second).

An index's BM25 side is built and saved by ``bm25s``: a CSC matrix of precomputed per-term
document scores (``data`` / ``indices`` / ``indptr`` ``.npy``), the vocabulary and the
parameters. Scoring a request is then a sum of the columns of its terms, which numpy does
directly; the tokenizer is bm25s' own rule (lower-case, ``\\b\\w\\w+\\b`` tokens, English stop
words, Snowball stems), re-implemented here with the stop words read from bm25s' source file
without importing the package. ``tests/encoders/test_bm25_files.py`` checks both against bm25s.

Variants whose scores need a non-occurrence term (``bm25l``, ``bm25+``) keep using bm25s.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

TOKEN_PATTERN = re.compile(r"(?u)\b\w\w+\b")
NO_NONOCCURRENCE = ("lucene", "robertson", "atire")


@lru_cache(maxsize=1)
def english_stopwords() -> frozenset[str]:
    """bm25s' English stop words (``STOPWORDS_EN``), read from its source without importing it."""
    spec = importlib.util.find_spec("bm25s")  # finds the package; runs none of its code
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("bm25s is not installed")
    source = Path(next(iter(spec.submodule_search_locations))) / "stopwords.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "STOPWORDS_EN" for t in node.targets):
            return frozenset(ast.literal_eval(node.value))
    raise ImportError(f"{source}: no STOPWORDS_EN")


def tokenize(texts: Sequence[str], stemmer: Any = None) -> list[list[str]]:
    """``bm25s.tokenize(texts, stopwords="en", stemmer=stemmer, return_ids=False)``, without bm25s."""
    stop = english_stopwords()
    out = [[w for w in TOKEN_PATTERN.findall(t.lower()) if w not in stop] for t in texts]
    if stemmer is None:
        return out
    unique = list(dict.fromkeys(w for doc in out for w in doc))
    stems = dict(zip(unique, stemmer.stemWords(unique))) if unique else {}
    return [[stems[w] for w in doc] for doc in out]


class SavedBM25:
    """The scores of a saved bm25s index, for :class:`~nlrec.encoders.sparse.BM25Retriever`
    (the attributes and methods of ``bm25s.BM25`` it reads: ``vocab_dict``, ``scores``,
    ``get_scores``, ``method``, ``k1``, ``b``)."""

    def __init__(self, directory: Path, params: dict[str, Any]) -> None:
        self.directory = directory
        self.method = params["method"]
        self.k1, self.b = params["k1"], params["b"]
        self.dtype = np.dtype(params.get("dtype", "float32"))
        self.vocab_dict: dict[str, int] = json.loads((directory / "vocab.index.json").read_text(encoding="utf-8"))
        load = {p: np.load(directory / f"{p}.csc.index.npy", allow_pickle=False) for p in ("data", "indices", "indptr")}
        self.scores = {**load, "num_docs": int(params["num_docs"])}

    @classmethod
    def open(cls, directory: Path) -> SavedBM25 | None:
        """The saved index, or None when it needs bm25s itself (another variant or layout)."""
        try:
            params = json.loads((directory / "params.index.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if params.get("method") not in NO_NONOCCURRENCE or (directory / "nonoccurrence_array.index.npy").exists():
            return None
        if not all((directory / f"{p}.csc.index.npy").is_file() for p in ("data", "indices", "indptr")):
            return None
        return cls(directory, params)

    def get_scores(self, tokens: list[str]) -> np.ndarray:
        """Per-document scores of a request's tokens (as ``bm25s.BM25.get_scores``)."""
        data, indices, indptr = self.scores["data"], self.scores["indices"], self.scores["indptr"]
        out = np.zeros(self.scores["num_docs"], dtype=self.dtype)
        for t in (self.vocab_dict[w] for w in tokens if w in self.vocab_dict):
            start, end = int(indptr[t]), int(indptr[t + 1])
            out[indices[start:end]] += data[start:end]
        return out
