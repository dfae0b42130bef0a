"""The music cross-encoder teacher: scores (request, descriptor set) pairs.

No pretrained cross-encoder can be installed offline, so the teacher starts from the packaged
all-MiniLM-L6-v2 weights with a new one-logit head (``CrossEncoder(path, num_labels=1)``), or
any local directory / hub id, and is fine-tuned with sentence-transformers' ``CrossEncoderTrainer``
and ``BinaryCrossEntropyLoss`` on (request, positive set) = 1 and (request, hard negative) = 0.
Its raw logits are the pseudo-label scores of GPL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.training.common import (
    bucket_by_length,
    checkpoint_dir,
    latest_checkpoint,
    resolve_base,
    resolve_device,
    save_finished,
)
from nlrec.training.negatives import sample_negatives

if TYPE_CHECKING:
    from sentence_transformers import CrossEncoder

Progress = Callable[[str, int, int], None]


@dataclass
class TeacherSettings:
    """How the teacher is trained.

    Attributes:
        base: ``default`` (packaged MiniLM), a local directory or a hub id.
        steps: optimiser steps (each ``batch_size`` pairs).
        batch_size: pairs per step.
        negatives_per_query: hard negatives paired with each positive.
        lr: peak learning rate (linear warm-up over ``warmup_ratio`` of the steps, then decay).
        max_length: token limit of a (request, descriptors) pair.
        drop_false_negatives: leave out hard negatives that carry every descriptor of the
            positive the request names (for "piano and strings", another set with piano and
            strings is no negative).
        validation: a validation benchmark (``mtt_valid`` / ``msd_valid``) to rerank during
            training, BM25's and the dense model's top 100 (empty: none).
        eval_steps: rerank the validation sample every this many steps (0: only at the end).
        eval_queries: validation requests sampled for the curve (0: all).
    """

    base: str = "default"
    steps: int = 500
    batch_size: int = 32
    negatives_per_query: int = 3
    lr: float = 5e-5
    warmup_ratio: float = 0.1
    max_length: int = 128
    drop_false_negatives: bool = True
    validation: str = ""
    eval_steps: int = 0
    eval_queries: int = 100


def named_descriptors(query: str, document: str) -> list[str]:
    """The descriptors of ``document`` (a ``", "``-joined set) that ``query`` names word for word."""
    q = f" {' '.join(re.findall(r'[a-z0-9&]+', query.lower()))} "
    out = []
    for tag in document.split(","):
        words = " ".join(re.findall(r"[a-z0-9&]+", tag.lower()))
        if words and f" {words} " in q:
            out.append(tag.strip().lower())
    return out


def is_false_negative(named: Sequence[str], document: str, near: Mapping[str, set[str]] | None = None) -> bool:
    """Whether ``document`` carries every descriptor in ``named``, or one ``near`` it (then it
    answers the request too)."""
    if not named:
        return False
    tags = {t.strip().lower() for t in document.split(",")}
    near = near or {}
    return all(t in tags or bool(near.get(t, set()) & tags) for t in named)


_NEGATED = re.compile(r"^(no|not|non|without)\b")


def near_descriptors(descriptors: Sequence[str], vectors: np.ndarray, threshold: float = 0.8) -> dict[str, set[str]]:
    """For each descriptor, the others whose (unit) vectors have a cosine of at least ``threshold``
    ("drums" / "drum", "strange" / "weird"), never across a negation ("piano" / "no piano")."""
    sims = vectors @ vectors.T
    out: dict[str, set[str]] = {}
    for i, j in zip(*np.nonzero(np.triu(sims >= threshold, k=1))):
        a, b = descriptors[i], descriptors[j]
        if bool(_NEGATED.match(a)) == bool(_NEGATED.match(b)):
            out.setdefault(a, set()).add(b)
            out.setdefault(b, set()).add(a)
    return out


def teacher_pairs(queries: Mapping[str, str], corpus: Mapping[str, str], qrels: Mapping[str, Mapping[str, int]],
                  negatives: Sequence[Mapping[str, Any]], *, n_pairs: int, negatives_per_query: int,
                  seed: int = 0, drop_false_negatives: bool = False,
                  near: Mapping[str, set[str]] | None = None) -> dict[str, list]:
    """Labelled pairs for the teacher: each sampled query with one positive (label 1) and
    ``negatives_per_query`` hard negatives (label 0), until ``n_pairs`` pairs.

    With ``drop_false_negatives``, a mined document that carries every descriptor of the positive
    the request names (:func:`named_descriptors`), or one ``near`` each (:func:`near_descriptors`),
    is not used as a negative.

    Returns:
        Columns ``query``, ``document``, ``label`` (a ``datasets.Dataset.from_dict`` input).
    """
    rng = np.random.default_rng(seed)
    records = [r for r in negatives if any(r["neg"].values())]
    if drop_false_negatives:
        kept = []
        for r in records:
            q, pos = queries[r["qid"]], list(qrels[r["qid"]])
            named = named_descriptors(q, corpus[pos[0]])
            neg = {k: [d for d in v if not is_false_negative(named, corpus[d], near)] for k, v in r["neg"].items()}
            if any(neg.values()):
                kept.append({**r, "neg": neg})
        records = kept
    if not records:
        raise NlrecError("no query has hard negatives to train the teacher on")
    order = rng.permutation(len(records))
    cols: dict[str, list] = {"query": [], "document": [], "label": []}
    i = 0
    while len(cols["label"]) < n_pairs:
        rec = records[order[i % len(order)]]
        i += 1
        q = queries[rec["qid"]]
        pos = list(qrels[rec["qid"]])
        cols["query"].append(q)
        cols["document"].append(corpus[pos[int(rng.integers(len(pos)))]])
        cols["label"].append(1.0)
        for d in sample_negatives(rec, negatives_per_query, rng, exclude=pos):
            cols["query"].append(q)
            cols["document"].append(corpus[d])
            cols["label"].append(0.0)
    return cols


def load_teacher(path: str | os.PathLike, *, device: str | None = None, max_length: int | None = None) -> CrossEncoder:
    """Load a cross-encoder (a trained teacher, or a base model with a fresh one-logit head)."""
    from nlrec.encoders.cross import load_cross_encoder

    return load_cross_encoder(path, device=resolve_device(device), max_length=max_length)


def train_teacher(pairs: Mapping[str, list], settings: TeacherSettings, output_dir: str | os.PathLike, *,
                  device: str | None = None, seed: int = 0, show_progress: bool = True,
                  on_eval: Callable[[int, Any], None] | None = None) -> Path:
    """Fine-tune a cross-encoder on labelled pairs and save it to ``output_dir``.

    Checkpoints go to ``<output_dir>.checkpoints`` and an interrupted run resumes from the latest;
    the model is saved through a temporary directory, so ``output_dir`` exists only when done.
    ``on_eval(step, model)`` is called every ``settings.eval_steps`` steps and after the last (the
    validation curve).
    """
    from sentence_transformers.cross_encoder import (
        CrossEncoderTrainer,
        CrossEncoderTrainingArguments,
    )
    from sentence_transformers.cross_encoder.losses import BinaryCrossEntropyLoss

    output_dir = Path(output_dir)
    device = resolve_device(device)
    model = load_teacher(resolve_base(settings.base), device=device, max_length=settings.max_length)
    dataset = bucket_by_length(dict(pairs), "query", settings.batch_size, extra_key="document")
    n_pos = sum(1 for x in pairs["label"] if x > 0)
    import torch

    pos_weight = torch.tensor((len(pairs["label"]) - n_pos) / max(n_pos, 1))
    loss = BinaryCrossEntropyLoss(model, pos_weight=pos_weight)
    ckpt = checkpoint_dir(output_dir)
    args = CrossEncoderTrainingArguments(
        output_dir=str(ckpt), max_steps=settings.steps, per_device_train_batch_size=settings.batch_size,
        learning_rate=settings.lr, warmup_steps=int(settings.warmup_ratio * settings.steps), seed=seed, data_seed=seed,
        save_strategy="steps", save_steps=max(50, settings.steps // 4), save_total_limit=1,
        logging_steps=max(10, settings.steps // 20), report_to="none", disable_tqdm=not show_progress,
        use_cpu=device == "cpu", bf16=device.startswith("cuda") and torch.cuda.is_bf16_supported(),
        dataloader_drop_last=True,
    )
    callbacks = [_eval_callback(model, on_eval, settings.eval_steps, settings.steps)] if on_eval else None
    trainer = CrossEncoderTrainer(model=model, args=args, train_dataset=dataset, loss=loss, callbacks=callbacks)
    trainer.train(resume_from_checkpoint=latest_checkpoint(ckpt))
    return save_finished(model.save_pretrained, output_dir)


def _eval_callback(model: Any, on_eval: Callable[[int, Any], None], every: int, last: int) -> Any:
    """A transformers callback that calls ``on_eval(step, model)`` every ``every`` steps and at ``last``."""
    from transformers import TrainerCallback

    class EvalCallback(TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            step = state.global_step
            if (every and step % every == 0) or step == last:
                model.eval()
                on_eval(step, model)
                model.train()

    return EvalCallback()


def score_pairs(teacher: CrossEncoder, pairs: Sequence[tuple[str, str]], *, batch_size: int = 64,
                progress: Progress | None = None, chunk: int = 2048) -> np.ndarray:
    """Raw teacher logits for (request, document) pairs."""
    import torch

    out = np.empty(len(pairs), dtype=np.float32)
    for start in range(0, len(pairs), chunk):
        part = list(pairs[start:start + chunk])
        out[start:start + len(part)] = teacher.predict(part, batch_size=batch_size, activation_fn=torch.nn.Identity(),
                                                       show_progress_bar=False, convert_to_numpy=True)
        if progress:
            progress("scoring pairs", start + len(part), len(pairs))
    return out


def rerank_benchmark(teacher: CrossEncoder, benchmark: str, data_dir: str | os.PathLike, *, seed: int = 0,
                     n_queries: int | None = 300, depth: int = 100, sample_seed: int = 0,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Rerank BM25's top ``depth`` with the teacher on (a random sample of) a benchmark seed.

    Returns:
        Recall@1/10, RR@10 and the number of queries for BM25 alone and BM25 + teacher on the same
        queries (a relevant document BM25 misses stays missed).
    """
    from nlrec.encoders.sparse import BM25Retriever
    from nlrec.evaluation.benchmarks import build_benchmark, load_clips

    bench = build_benchmark(load_clips(data_dir), benchmark, seed)
    idx = np.arange(len(bench.queries))
    if n_queries and n_queries < len(idx):
        idx = np.sort(np.random.default_rng(sample_seed).choice(len(idx), size=n_queries, replace=False))
    bm25 = BM25Retriever.build(bench.corpus)
    texts = [bench.queries[i].text for i in idx]
    rankings = bm25.search(texts, depth)
    pairs = [(t, bench.corpus[d]) for t, r in zip(texts, rankings) for d in r.doc_ids.tolist()]
    scores = score_pairs(teacher, pairs, progress=progress)
    base_ranks, ce_ranks = [], []
    pos = 0
    for i, r in zip(idx.tolist(), rankings):
        docs = r.doc_ids.tolist()
        s = scores[pos:pos + len(docs)]
        pos += len(docs)
        rel = int(bench.relevant[i])
        base_ranks.append(docs.index(rel) + 1 if rel in docs else 10**9)
        order = [docs[j] for j in np.argsort(-s, kind="stable")]
        ce_ranks.append(order.index(rel) + 1 if rel in order else 10**9)

    def measures(ranks: list[int]) -> dict[str, float]:
        a = np.asarray(ranks)
        return {"R@1": float((a <= 1).mean() * 100), "R@10": float((a <= 10).mean() * 100),
                "RR@10": float(np.where(a <= 10, 1.0 / a, 0.0).mean() * 100),
                f"R@{depth}": float((a <= depth).mean() * 100)}

    return {"benchmark": benchmark, "seed": seed, "n_queries": len(idx), "depth": depth,
            "pairs_scored": len(pairs), "bm25": measures(base_ranks), "bm25+teacher": measures(ce_ranks)}


def evaluate_teacher(path: str | os.PathLike, benchmark: str, data_dir: str | os.PathLike, *,
                     device: str | None = None, max_length: int | None = None, n_queries: int | None = 300,
                     depth: int = 100, progress: Progress | None = None) -> dict[str, Any]:
    """Load the cross-encoder at ``path`` and rerank BM25's top ``depth`` on ``benchmark`` (see
    :func:`rerank_benchmark`); the result also says how long the reranking took."""
    import time

    teacher = load_teacher(path, device=device, max_length=max_length)
    t0 = time.perf_counter()
    result = rerank_benchmark(teacher, benchmark, data_dir, n_queries=n_queries, depth=depth, progress=progress)
    result["seconds"] = round(time.perf_counter() - t0, 1)
    return result

