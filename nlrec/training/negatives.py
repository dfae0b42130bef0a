"""Hard negatives: the top documents of one or more retrievers that are not positives.

Dense mining is sentence-transformers' :func:`~sentence_transformers.util.mine_hard_negatives`
(which already removes every positive of a query); BM25 mining uses nlrec's own BM25 index. The
result is GPL's ``hard-negatives.jsonl`` record per query::

    {"qid": "...", "pos": ["d..."], "neg": {"dense": ["d...", ...], "bm25": [...]}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

Progress = Callable[[str, int, int], None]


def mine_dense(model: SentenceTransformer, queries: Mapping[str, str], corpus: Mapping[str, str],
               qrels: Mapping[str, Mapping[str, int]], *, top_k: int = 30, batch_size: int = 64) -> dict[str, list[str]]:
    """Top-``top_k`` non-positive documents of each query by a sentence-transformers model.

    Args:
        model: a loaded ``SentenceTransformer``.
        queries: ``{qid: text}``; corpus: ``{doc_id: text}``; qrels: ``{qid: {doc_id: 1}}``.

    Returns:
        ``{qid: [doc_id, ...]}`` best first.
    """
    from datasets import Dataset
    from sentence_transformers.util import mine_hard_negatives

    anchors, positives = [], []
    for qid, rel in qrels.items():
        for d in rel:
            anchors.append(queries[qid])
            positives.append(corpus[d])
    if not anchors:
        return {}
    mined = mine_hard_negatives(
        Dataset.from_dict({"query": anchors, "positive": positives}), model,
        corpus=list(corpus.values()), num_negatives=top_k, sampling_strategy="top",
        output_format="n-tuple", batch_size=batch_size, faiss_batch_size=1024, verbose=False,
    )
    text_id = {t: d for d, t in corpus.items()}
    by_text: dict[str, list[str]] = {}
    neg_cols = [c for c in mined.column_names if c.startswith("negative")]
    for row in mined:
        if row["query"] not in by_text:
            by_text[row["query"]] = [text_id[row[c]] for c in neg_cols]
    out = {}
    for qid in qrels:
        negs = by_text.get(queries[qid], [])
        out[qid] = [d for d in negs if d not in qrels[qid]][:top_k]
    return out


def mine_bm25(queries: Mapping[str, str], corpus: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]],
              *, top_k: int = 30, progress: Progress | None = None) -> dict[str, list[str]]:
    """Top-``top_k`` non-positive documents of each query by BM25 (nlrec's bm25s index)."""
    from nlrec.encoders.sparse import BM25Retriever

    ids = list(corpus)
    bm25 = BM25Retriever.build([corpus[d] for d in ids])
    qids = list(qrels)
    out: dict[str, list[str]] = {}
    chunk = 512
    for start in range(0, len(qids), chunk):
        part = qids[start:start + chunk]
        depth = top_k + max(len(qrels[q]) for q in part)
        for qid, ranking in zip(part, bm25.search([queries[q] for q in part], depth)):
            docs = [ids[r] for r, s in zip(ranking.doc_ids.tolist(), ranking.scores.tolist()) if s > 0]
            out[qid] = [d for d in docs if d not in qrels[qid]][:top_k]
        if progress:
            progress("bm25 negatives", min(start + chunk, len(qids)), len(qids))
    return out


def merge_negatives(qrels: Mapping[str, Mapping[str, int]],
                    by_retriever: Mapping[str, Mapping[str, list[str]]]) -> list[dict[str, Any]]:
    """GPL's hard-negative records, one per query, in ``qrels`` order."""
    return [{"qid": qid, "pos": list(rel), "neg": {name: list(m.get(qid, [])) for name, m in by_retriever.items()}}
            for qid, rel in qrels.items()]


def sample_negatives(record: Mapping[str, Any], n: int, rng: np.random.Generator, *,
                     exclude: Sequence[str] = ()) -> list[str]:
    """``n`` distinct negatives drawn uniformly from the union of a record's retriever lists
    (fewer, possibly none, when the lists are short)."""
    pool = list(dict.fromkeys(d for lst in record["neg"].values() for d in lst if d not in exclude))
    take = min(n, len(pool))
    return [pool[i] for i in rng.choice(len(pool), size=take, replace=False)]
