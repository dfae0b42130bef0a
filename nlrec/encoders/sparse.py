"""Sparse lexical retrievers: TF-IDF (scikit-learn) and BM25 (bm25s).

Both are stored as plain files (JSON vocabularies and ``.npy`` arrays loaded with
``allow_pickle=False``), never pickles.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlrec.encoders.base import Ranking, top_k
from nlrec.errors import IndexFileError

BM25Method = Literal["lucene", "robertson", "atire", "bm25l", "bm25+"]


def _save_csr(directory: Path, matrix: Any) -> None:
    for part in ("data", "indices", "indptr"):
        np.save(directory / f"{part}.npy", getattr(matrix, part), allow_pickle=False)


def _load_csr(directory: Path, shape: tuple[int, int]) -> Any:
    import scipy.sparse as sp

    parts = [np.load(directory / f"{p}.npy", allow_pickle=False) for p in ("data", "indices", "indptr")]
    return sp.csr_matrix(tuple(parts), shape=shape)


class TfidfRetriever:
    """Cosine similarity between TF-IDF vectors (scikit-learn ``TfidfVectorizer`` defaults:
    lower-casing, ``\\b\\w\\w+\\b`` tokens, smoothed idf, L2 norm), as in the reference paper."""

    name = "tfidf"

    def __init__(self, vectorizer: Any, matrix: Any) -> None:
        self.vectorizer = vectorizer
        self.matrix = matrix  # (n_docs, vocab) CSR, rows L2-normalised
        self._matrix_t = None

    @classmethod
    def build(cls, documents: Sequence[str]) -> TfidfRetriever:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer()
        try:
            matrix = vec.fit_transform(list(documents)).tocsr().astype(np.float32)
        except ValueError:  # empty vocabulary: documents made only of 1-letter tokens
            vec = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b")
            matrix = vec.fit_transform(list(documents)).tocsr().astype(np.float32)
        return cls(vec, matrix)

    def scores(self, query: str) -> np.ndarray:
        q = self.vectorizer.transform([query]).astype(np.float32)
        if self._matrix_t is None:
            self._matrix_t = self.matrix.T.tocsr()
        return np.asarray((q @ self._matrix_t).todense()).ravel()

    def search(self, queries: Sequence[str], k: int) -> list[Ranking]:
        """Top ``k`` for each query; queries are vectorised together and scored in blocks."""
        if not len(queries):
            return []
        q = self.vectorizer.transform(list(queries)).astype(np.float32).tocsr()
        if self._matrix_t is None:
            self._matrix_t = self.matrix.T.tocsr()
        out: list[Ranking] = []
        for start in range(0, q.shape[0], 256):
            block = np.asarray((q[start : start + 256] @ self._matrix_t).todense())
            out += [top_k(row, k) for row in block]
        return out

    def save(self, directory: Path) -> dict[str, Any]:
        directory.mkdir(parents=True, exist_ok=True)
        vocab = {t: int(i) for t, i in self.vectorizer.vocabulary_.items()}
        params = {"token_pattern": self.vectorizer.token_pattern, "shape": list(self.matrix.shape)}
        (directory / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False))
        (directory / "params.json").write_text(json.dumps(params))
        np.save(directory / "idf.npy", self.vectorizer.idf_.astype(np.float64), allow_pickle=False)
        _save_csr(directory, self.matrix)
        return {"kind": "tfidf", "vocabulary_size": len(vocab), **params}

    @classmethod
    def load(cls, directory: Path) -> TfidfRetriever:
        from sklearn.feature_extraction.text import TfidfVectorizer

        params = json.loads((directory / "params.json").read_text())
        vocab = json.loads((directory / "vocab.json").read_text())
        idf = np.load(directory / "idf.npy", allow_pickle=False)
        if len(idf) != len(vocab):
            raise IndexFileError(f"{directory}: TF-IDF vocabulary and idf sizes differ")
        vec = TfidfVectorizer(vocabulary=vocab, token_pattern=params["token_pattern"])
        vec.idf_ = idf
        matrix = _load_csr(directory, tuple(params["shape"]))
        return cls(vec, matrix)


def _stemmer() -> Any:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None
    return Stemmer.Stemmer("english")


class BM25Retriever:
    """BM25 over descriptor strings with ``bm25s`` (English stop words, Snowball stemming).

    Args:
        method: bm25s scoring variant; ``"lucene"`` by default, ``"robertson"`` matches
            ``rank_bm25.BM25Okapi`` where all idf values are positive.
        normalize: pass documents and queries through
            :func:`~nlrec.request.language.normalize_terms` first, so that variant spellings meet
            ("r&b" = "rnb", "hip-hop" = "hip hop"). Recorded with the index; indexes built
            without it keep searching without it.
    """

    name = "bm25"

    def __init__(self, model: Any, *, stem: bool = True, normalize: bool = False) -> None:
        self.model = model
        self.stem = stem
        self.normalize = normalize
        self._stemmer = _stemmer() if stem else None
        self._stem_lock = threading.Lock()  # a Snowball stemmer keeps state: one thread at a time

    def tokenize(self, texts: Sequence[str]) -> list[list[str]]:
        """bm25s' tokenizer (English stop words, Snowball stems), without importing bm25s."""
        from nlrec.encoders.bm25_files import tokenize

        if self.normalize:
            from nlrec.request.language import normalize_terms

            texts = [normalize_terms(t) for t in texts]
        with self._stem_lock:
            return tokenize(list(texts), self._stemmer)

    @classmethod
    def build(
        cls,
        documents: Sequence[str],
        *,
        method: BM25Method = "lucene",
        k1: float = 1.5,
        b: float = 0.75,
        stem: bool = True,
        normalize: bool = False,
    ) -> BM25Retriever:
        import bm25s

        self = cls(bm25s.BM25(method=method, k1=k1, b=b), stem=stem, normalize=normalize)
        tokens = self.tokenize(documents)
        self.model.index(tokens, show_progress=False)
        return self

    def scores(self, query: str) -> np.ndarray:
        tokens = [t for t in self.tokenize([query])[0] if t in self.model.vocab_dict]
        if not tokens:
            return np.zeros(self.model.scores["num_docs"], dtype=np.float32)
        return np.asarray(self.model.get_scores(tokens), dtype=np.float32)

    def search(self, queries: Sequence[str], k: int) -> list[Ranking]:
        return [top_k(self.scores(q), k) for q in queries]

    def save(self, directory: Path) -> dict[str, Any]:
        directory.mkdir(parents=True, exist_ok=True)
        self.model.save(str(directory), show_progress=False, allow_pickle=False)
        (directory / "nlrec_tokenizer.json").write_text(
            json.dumps({"stopwords": "en", "stemmer": "english" if self.stem else None,
                        "normalize": "terms" if self.normalize else None})
        )
        return {
            "kind": "bm25",
            "library": "bm25s",
            "method": self.model.method,
            "k1": self.model.k1,
            "b": self.model.b,
            "stopwords": "en",
            "stemmer": "english" if self.stem else None,
            "normalize": "terms" if self.normalize else None,
        }

    @classmethod
    def load(cls, directory: Path) -> BM25Retriever:
        """A saved index; searched with numpy alone (:mod:`nlrec.encoders.bm25_files`) where the
        variant allows, so a cold query does not import bm25s and SciPy."""
        from nlrec.encoders.bm25_files import SavedBM25

        tok = json.loads((directory / "nlrec_tokenizer.json").read_text())
        model = SavedBM25.open(directory)
        if model is None:
            import bm25s

            model = bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False)
        return cls(model, stem=tok.get("stemmer") is not None, normalize=tok.get("normalize") == "terms")
