"""Encoders and retrievers: dense sentence-transformers, TF-IDF and BM25 behind one protocol.

Heavy libraries (torch, sentence-transformers, faiss, sklearn, bm25s) are imported lazily,
inside the functions that need them.
"""

from __future__ import annotations

from nlrec.encoders.base import DenseEncoder, Ranking, Retriever, top_k
from nlrec.encoders.clap import ClapTextEncoder
from nlrec.encoders.dense import DEFAULT_MODEL, SentenceTransformerEncoder, load_encoder

__all__ = [
    "DEFAULT_MODEL",
    "ClapTextEncoder",
    "DenseEncoder",
    "Ranking",
    "Retriever",
    "SentenceTransformerEncoder",
    "load_encoder",
    "top_k",
]
