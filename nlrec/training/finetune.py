"""Plain supervised fine-tuning: the baseline GPL has to beat.

The same requests as GPL's stage 1 (caption sentences and whole captions with protocol-sampled
descriptor sets, recommendation-style rewrites, template requests with full descriptor sets), as
(request, positive) pairs, trained with sentence-transformers' ``MultipleNegativesRankingLoss``
(in-batch negatives; no batch holds the same text twice; each batch from one length bucket).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.training.config import GPLConfig
from nlrec.training.gpl import build_queries
from nlrec.training.rundir import peak_rss_mb


def finetune(config: GPLConfig, output_dir: str | Path, *, data_dir: str | Path | None = None,
             scale: float = 20.0, show_progress: bool = True, notify: Any = None) -> dict[str, Any]:
    """Fine-tune ``config.student`` (base, steps, batch size, lr, layers) with MNRL on the recipe's
    requests; save the model to ``output_dir``.

    Returns:
        A summary: pairs, steps, seconds, peak memory, first and last logged loss.
    """
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from nlrec.training.common import bucket_by_length
    from nlrec.training.student import (
        freeze_below,
        load_student,
        train_bi_encoder,
    )

    t0 = time.perf_counter()
    sc = config.student
    queries, info = build_queries(config, data_dir, notify=notify)
    t_queries = time.perf_counter() - t0
    rng = np.random.default_rng(config.seed)
    pairs = [(q.text, p, q.item) for q in queries for p in q.positives]
    pairs = [pairs[i] for i in rng.permutation(len(pairs))]
    columns = {"anchor": [a for a, _, _ in pairs], "positive": [p for _, p, _ in pairs]}
    model = load_student(sc.base, device=None if config.device == "auto" else config.device,
                         max_seq_length=sc.max_seq_length)
    freeze_below(model, sc.train_layers)
    loss: Any = MultipleNegativesRankingLoss(model, scale=scale)
    ng = config.negation
    if ng.p > 0 or ng.k > 0:
        from nlrec.training.negation import apply_negation

        item_tags = info.get("item_tags", {})
        columns, loss = apply_negation(ng, columns, [item_tags.get(i, []) for _, _, i in pairs], item_tags, model, loss,
                                       seed=config.seed)
    data = bucket_by_length(columns, "anchor", sc.batch_size)
    log: list[dict] = []
    t_train = time.perf_counter()
    train_bi_encoder(model, data, loss, output_dir, steps=sc.steps,
                     batch_size=sc.batch_size, lr=sc.lr, warmup_ratio=sc.warmup_ratio, save_steps=sc.save_steps,
                     seed=config.seed, device=None if config.device == "auto" else config.device,
                     show_progress=show_progress, no_duplicates=True, on_log=log.append)
    losses = [x["loss"] for x in log if "loss" in x]
    return {"output": str(output_dir), "pairs": len(pairs), "queries": len(queries), "kinds": info["kinds"],
            "validation_clips": len(info["validation"]), "steps": sc.steps, "batch_size": sc.batch_size,
            "train_layers": sc.train_layers, "negation": {"p": ng.p, "k": ng.k}, "train_seconds": round(time.perf_counter() - t_train, 1),
            "seconds": round(time.perf_counter() - t0, 1), "peak_rss_mb": round(peak_rss_mb(), 1),
            "first_loss": losses[0] if losses else None, "last_loss": losses[-1] if losses else None,
            "stages": [{"name": "queries", "skipped": False, "seconds": round(t_queries, 1), "peak_rss_mb": 0.0,
                        "details": {"queries": len(queries)}},
                       {"name": "train (MNRL)", "skipped": False, "seconds": round(time.perf_counter() - t_train, 1),
                        "peak_rss_mb": round(peak_rss_mb(), 1), "details": {"pairs": len(pairs), "steps": sc.steps}}],
            "validation": info["validation"]}
