"""Fine-tuning dense encoders for music search: GPL (a cross-encoder teacher, hard negatives,
pseudo-labels, a MarginMSE student) and the supervised baseline, on MusicCaps training clips only.

sentence-transformers does the training (``CrossEncoderTrainer``, ``SentenceTransformerTrainer``,
``MarginMSELoss``, ``MultipleNegativesRankingLoss``, ``mine_hard_negatives``); this package builds
the data, refuses evaluation leakage, runs the stages as files, and validates on held-out
training clips. torch, transformers and sentence-transformers are imported inside functions.
"""

from __future__ import annotations

from nlrec.training.config import GPLConfig, load_config
from nlrec.training.data import (
    LeakageGuard,
    TrainingClip,
    caption_pairs,
    load_training_clips,
    split_validation,
)
from nlrec.training.gpl import STAGES, GPLPipeline, build_queries, run_gpl
from nlrec.training.queries import (
    Query,
    Seq2SeqQueryGenerator,
    TemplateQueryGenerator,
    caption_queries,
)
from nlrec.training.rundir import RunDir
from nlrec.training.ship import ShipResult, ship_model
from nlrec.training.teacher import TeacherSettings

__all__ = [
    "STAGES",
    "GPLConfig",
    "GPLPipeline",
    "LeakageGuard",
    "Query",
    "RunDir",
    "Seq2SeqQueryGenerator",
    "ShipResult",
    "TeacherSettings",
    "TemplateQueryGenerator",
    "TrainingClip",
    "build_queries",
    "caption_pairs",
    "caption_queries",
    "load_config",
    "load_training_clips",
    "run_gpl",
    "ship_model",
    "split_validation",
]
