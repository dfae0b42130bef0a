"""Training a sentence-transformers bi-encoder: shared by GPL (MarginMSE) and the supervised
baseline (MultipleNegativesRankingLoss).

The model is trained with sentence-transformers' own ``SentenceTransformerTrainer``; checkpoints
are written every ``save_steps`` and an interrupted run resumes from the latest one. With
``train_layers = N`` only the top N transformer layers are trained (so the change to the base
model is small enough to ship as a delta, see :mod:`nlrec.encoders.delta`).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nlrec.training.common import (
    checkpoint_dir,
    latest_checkpoint,
    resolve_base,
    resolve_device,
    save_finished,
)

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MarginMSELoss


def load_student(base: str, *, device: str | None = None, max_seq_length: int | None = None) -> SentenceTransformer:
    """Load a sentence-transformers model (``default`` = the packaged MiniLM) for training."""
    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.logging.set_verbosity_error()
    path = resolve_base(base)
    model = SentenceTransformer(path, device=resolve_device(device), local_files_only=Path(path).is_dir())
    if max_seq_length:
        model.max_seq_length = max_seq_length
    return model


_LAYER = re.compile(r"\.layer\.(\d+)\.")


def freeze_below(model: SentenceTransformer, train_layers: int) -> list[str]:
    """Freeze every parameter except those of the top ``train_layers`` transformer layers.

    Returns:
        Names of the parameters left trainable.

    Raises:
        ValueError: if the model has no numbered ``.layer.N.`` parameters.
    """
    if train_layers <= 0:
        return [n for n, _ in model.named_parameters()]
    layers = sorted({int(m.group(1)) for n, _ in model.named_parameters() if (m := _LAYER.search(n))})
    if not layers:
        raise ValueError("cannot find transformer layers to train")
    keep = set(layers[-train_layers:])
    trainable = []
    for name, p in model.named_parameters():
        m = _LAYER.search(name)
        p.requires_grad = bool(m and int(m.group(1)) in keep)
        if p.requires_grad:
            trainable.append(name)
    return trainable


def scaled_dot(a: torch.Tensor, b: torch.Tensor, *, scale: float = 1.0) -> torch.Tensor:
    """``scale * <a, b>`` row-wise (cosine × scale for normalised embeddings)."""
    from sentence_transformers.util import pairwise_dot_score

    return scale * pairwise_dot_score(a, b)


def margin_mse_loss(model: SentenceTransformer, scale: float) -> MarginMSELoss:
    """sentence-transformers' ``MarginMSELoss`` with a scaled dot-product similarity."""
    from sentence_transformers.sentence_transformer.losses import MarginMSELoss

    return MarginMSELoss(model, similarity_fct=functools.partial(scaled_dot, scale=scale))


def train_bi_encoder(model: SentenceTransformer, dataset: Any, loss: Any, output_dir: str | os.PathLike, *, steps: int,
                     batch_size: int, lr: float, warmup_ratio: float = 0.1, save_steps: int = 100,
                     seed: int = 0, device: str | None = None, show_progress: bool = True,
                     no_duplicates: bool = False, on_log: Callable[[dict], None] | None = None) -> Path:
    """Train ``model`` on ``dataset`` (a ``Dataset`` or a ``DatasetDict`` of length buckets) with
    ``loss`` for ``steps`` steps; save it to ``output_dir``.

    The save goes through a temporary sibling directory renamed into place, so ``output_dir``
    exists only when training finished (which is what makes a pipeline stage resumable).
    """
    import torch
    from sentence_transformers import (
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers

    output_dir = Path(output_dir)
    device = resolve_device(device)
    ckpt = checkpoint_dir(output_dir)
    args = SentenceTransformerTrainingArguments(
        output_dir=str(ckpt), max_steps=steps, per_device_train_batch_size=batch_size, learning_rate=lr,
        warmup_steps=int(warmup_ratio * steps), seed=seed, data_seed=seed, save_strategy="steps",
        save_steps=max(1, save_steps), save_total_limit=1, logging_steps=max(1, min(25, steps // 10)),
        report_to="none", disable_tqdm=not show_progress, use_cpu=device == "cpu",
        bf16=device.startswith("cuda") and torch.cuda.is_bf16_supported(), dataloader_drop_last=True,
        batch_sampler=BatchSamplers.NO_DUPLICATES if no_duplicates else BatchSamplers.BATCH_SAMPLER,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=dataset, loss=loss)
    if on_log is not None:
        from transformers import TrainerCallback

        class _Log(TrainerCallback):
            def on_log(self, _args, _state, _control, logs=None, **_kw):
                if logs:
                    on_log(dict(logs))

        trainer.add_callback(_Log())
    trainer.train(resume_from_checkpoint=latest_checkpoint(ckpt))
    for p in model.parameters():
        p.requires_grad = True
    return save_finished(model.save, output_dir)
