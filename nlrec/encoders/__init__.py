"""Encoders and retrievers: dense sentence-transformers, TF-IDF and BM25 behind one protocol.

Heavy libraries (torch, sentence-transformers, faiss, sklearn, bm25s) are imported lazily,
inside the functions that need them.
"""

from __future__ import annotations

from nlrec.encoders.base import DenseEncoder, Ranking, Retriever, top_k
from nlrec.encoders.clap import ClapTextEncoder
from nlrec.encoders.dense import SentenceTransformerEncoder, load_encoder
from nlrec.encoders.models import DEFAULT_MODEL, canonical_model, resolve_model

__all__ = [
    "DEFAULT_MODEL",
    "ClapTextEncoder",
    "DenseEncoder",
    "Ranking",
    "Retriever",
    "SentenceTransformerEncoder",
    "canonical_model",
    "load_encoder",
    "resolve_model",
    "top_k",
]
