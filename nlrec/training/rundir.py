"""A GPL run directory: its file names, the BEIR files of stage 1, and what each stage cost.

See :mod:`nlrec.training.gpl` for the layout and the stages that write it.
"""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlrec.evaluation.beir import read_qrels
from nlrec.io import read_jsonl


def peak_rss_mb() -> float:
    """Peak resident memory of this process (and finished children), in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024.0


@dataclass
class StageReport:
    """What one stage did: ``skipped`` (its output existed) or its wall time and peak memory."""

    name: str
    skipped: bool
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------ paths
class RunDir:
    """File names of a GPL run directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    corpus = property(lambda self: self.root / "corpus.jsonl")
    queries = property(lambda self: self.root / "queries.jsonl")
    qrels = property(lambda self: self.root / "qrels" / "train.tsv")
    negatives = property(lambda self: self.root / "hard-negatives.jsonl")
    teacher = property(lambda self: self.root / "teacher")
    labels = property(lambda self: self.root / "gpl-training-data.tsv")
    #: named after the run, so results of different runs do not share a model slug
    model = property(lambda self: self.root / f"gpl-{self.root.name}")
    stages = property(lambda self: self.root / "stages.json")
    validation = property(lambda self: self.root / "validation.json")

    def done(self, stage: str) -> bool:
        if stage == "queries":
            return self.corpus.is_file() and self.queries.is_file() and self.qrels.is_file()
        if stage == "negatives":
            return self.negatives.is_file()
        if stage == "teacher":
            return (self.teacher / "config.json").is_file()
        if stage == "labels":
            return self.labels.is_file()
        if stage == "student":
            return (self.model / "modules.json").is_file()
        raise ValueError(stage)


# ----------------------------------------------------------------------------- BEIR io
def read_training_set(run: RunDir) -> tuple[dict[str, str], dict[str, str], dict[str, dict[str, int]]]:
    """``(corpus, queries, qrels)`` of stage 1."""
    corpus = {r["_id"]: r["text"] for r in read_jsonl(run.corpus)}
    queries = {r["_id"]: r["text"] for r in read_jsonl(run.queries)}
    return corpus, queries, read_qrels(run.qrels)


def read_items(run: RunDir) -> dict[str, str]:
    """``{qid: id of the clip or track the request was made from}``."""
    return {r["_id"]: str(r.get("metadata", {}).get("item", "")) for r in read_jsonl(run.queries)}


def load_average() -> str:
    """``load average a / b / c on N CPUs`` (empty where unknown): training records carry it, so
    wall times measured on a shared machine can be read for what they are."""
    try:
        return "load average {:.1f} / {:.1f} / {:.1f} on {} CPUs".format(*os.getloadavg(), os.cpu_count())
    except OSError:  # pragma: no cover
        return ""

