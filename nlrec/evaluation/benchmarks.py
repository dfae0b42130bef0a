"""The reference paper's MusicCaps benchmarks, built in code from the public data files (written
out in the BEIR layout by :mod:`nlrec.evaluation.beir`).

Protocol (arXiv 2411.05649, ``shared/data/README.md``): a request is split into sentences on
``". "``; each sentence is one query. For a sentence, ``ematch`` are the clip's aspect-list tags
that occur verbatim in it (case-sensitive substring) and ``others`` the rest; the relevant
document is ``k1 ~ U{1..|ematch|}`` tags of ``ematch`` plus ``k2 ~ U{0..min(|ematch|, |others|)}``
tags of ``others``, shuffled and joined with ``", "``. The corpus is the set of unique descriptor
strings of one seed; each query has exactly one relevant document.

Benchmarks (all on the LP-MusicCaps-MC test clips that have a rephrased request):

* ``mc``: request = LP-MusicCaps ``caption_writing`` (the paper's MC).
* ``mc_reco``: request = ``caption_rephrased`` (the paper's MC_reco).
* ``mc_human``: request = the human MusicCaps caption (not in the paper).

A sentence without any exact-match tag has no relevant set under the rule above (``k1 >= 1``).
``no_match="empty"`` keeps it with the empty descriptor set ``""`` as its relevant document, as
the paper's code does (such queries are practically unanswerable, which the paper's numbers
include); ``no_match="drop"`` removes the sentence. ``mc`` and ``mc_reco`` follow the paper
(``empty``); ``mc_human``, where a third of the sentences name no tag verbatim, uses ``drop``.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from nlrec.errors import NlrecError
from nlrec.io import sha256_file

BenchmarkName = Literal["mc", "mc_reco", "mc_human"]
NoMatch = Literal["empty", "drop"]
BENCHMARKS: tuple[str, ...] = ("mc", "mc_reco", "mc_human")
SEEDS: tuple[int, ...] = (0, 1, 2)
SENTENCE_SEPARATOR = ". "
TAG_JOINER = ", "

MUSICCAPS_CSV = "musiccaps/musiccaps-public.csv"
LPMC_JSON = "musiccaps/lpmc_mc_test_caption_writing.json"
REPHRASED_CSV = "musiccaps/mc_rephrased.csv"
SOURCE_FILES: tuple[str, ...] = (MUSICCAPS_CSV, LPMC_JSON, REPHRASED_CSV)


@dataclass(frozen=True)
class BenchmarkSpec:
    """What a benchmark's requests are and how sentences without an exact-match tag are handled."""

    name: str
    request: Literal["caption_writing", "caption_rephrased", "caption_human"]
    no_match: NoMatch
    description: str


SPECS: dict[str, BenchmarkSpec] = {
    "mc": BenchmarkSpec(
        "mc", "caption_writing", "empty", "LP-MusicCaps caption_writing requests (the paper's MC)"
    ),
    "mc_reco": BenchmarkSpec(
        "mc_reco",
        "caption_rephrased",
        "empty",
        "the same requests rephrased as recommendation requests (the paper's MC_reco)",
    ),
    "mc_human": BenchmarkSpec(
        "mc_human",
        "caption_human",
        "drop",
        "the human MusicCaps captions of the same clips (not in the paper)",
    ),
}


def get_spec(name: str, no_match: NoMatch | None = None) -> BenchmarkSpec:
    """The spec of a benchmark, optionally with another ``no_match`` policy (renamed ``name+policy``).

    Raises:
        NlrecError: for an unknown benchmark or policy.
    """
    if name not in SPECS:
        raise NlrecError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    spec = SPECS[name]
    if no_match is None or no_match == spec.no_match:
        return spec
    if no_match not in ("empty", "drop"):
        raise NlrecError(f"unknown no-match policy {no_match!r}; choose empty or drop")
    return BenchmarkSpec(f"{name}+{no_match}", spec.request, no_match, spec.description)


@dataclass(frozen=True)
class Clip:
    """One MusicCaps test clip with its three requests and its (de-duplicated) aspect list."""

    ytid: str
    tags: tuple[str, ...]
    caption_writing: str
    caption_rephrased: str
    caption_human: str


@dataclass
class Clips:
    """The clips every benchmark is built from, and how the join went."""

    clips: list[Clip]
    stats: dict[str, int]
    sources: dict[str, str]  # relative file -> sha256


@dataclass(frozen=True)
class Query:
    """One benchmark query: a sentence of a clip's request."""

    qid: str
    text: str
    ytid: str
    sentence: int


@dataclass
class Benchmark:
    """One seed of a benchmark: queries, corpus (unique descriptor strings) and one qrel a query.

    Attributes:
        corpus: descriptor strings, sorted by their document id (so row order = id order).
        doc_ids: ids of the corpus rows (``d`` + 12 hex digits of the string's SHA-1).
        relevant: for each query, the corpus row of its relevant document.
    """

    spec: BenchmarkSpec
    seed: int
    queries: list[Query]
    corpus: list[str]
    doc_ids: list[str]
    relevant: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    def qrels(self) -> dict[str, dict[str, int]]:
        """Qrels as ``{qid: {docid: 1}}`` (the BEIR / ir-measures in-memory layout)."""
        return {q.qid: {self.doc_ids[r]: 1} for q, r in zip(self.queries, self.relevant.tolist())}


# ---------------------------------------------------------------------------------- loading
def parse_aspect_list(raw: str) -> tuple[str, ...]:
    """Parse a MusicCaps ``aspect_list`` cell (a Python list literal), strip and de-duplicate tags.

    Raises:
        ValueError: if the cell is not a list of strings.
    """
    value = ast.literal_eval(raw)
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
        raise ValueError("not a list of strings")
    return tuple(dict.fromkeys(t.strip() for t in value if t.strip()))


def _read_csv(path: Path, required: Sequence[str]) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
    except FileNotFoundError:
        raise NlrecError(f"data file not found: {path}") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise NlrecError(f"cannot read {path}: {e}") from None
    missing = [c for c in required if rows and c not in rows[0]]
    if not rows or missing:
        raise NlrecError(
            f"{path}: expected columns {', '.join(required)}"
            + (f" (missing {', '.join(missing)})" if missing else " (no rows)")
        )
    return rows


def load_clips(data_dir: str | os.PathLike) -> Clips:
    """Join LP-MusicCaps-MC ``caption_writing`` to MusicCaps (by the human caption) and to the
    rephrased requests (by the LLM caption); keep the clips that have all three, in file order.

    Raises:
        NlrecError: if a file is missing or malformed.
    """
    root = Path(data_dir)
    mc_rows = _read_csv(root / MUSICCAPS_CSV, ("ytid", "aspect_list", "caption"))
    by_caption: dict[str, list[dict[str, str]]] = {}
    for r in mc_rows:
        by_caption.setdefault(r["caption"], []).append(r)
    rephrased = {
        r["caption"]: r["caption_rephrased"]
        for r in _read_csv(root / REPHRASED_CSV, ("caption", "caption_rephrased"))
    }
    path = root / LPMC_JSON
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NlrecError(f"data file not found: {path}") from None
    except (OSError, ValueError) as e:
        raise NlrecError(f"cannot read {path}: {e}") from None
    if not isinstance(items, list):
        raise NlrecError(f"{path}: expected a JSON list of {{prediction, ground_truth}} objects")
    stats = {
        "lpmc_items": len(items),
        "not_in_musiccaps": 0,
        "ambiguous_join": 0,
        "without_rephrasing": 0,
        "clips": 0,
    }
    clips: list[Clip] = []
    for n, item in enumerate(items):
        try:
            writing, human = item["prediction"], item["ground_truth"]
        except (KeyError, TypeError):
            raise NlrecError(f"{path}: item {n} lacks 'prediction' / 'ground_truth'") from None
        rows = by_caption.get(human, [])
        if not rows:
            stats["not_in_musiccaps"] += 1
            continue
        if len(rows) > 1:
            stats["ambiguous_join"] += 1
            continue
        if writing not in rephrased:
            stats["without_rephrasing"] += 1
            continue
        row = rows[0]
        try:
            tags = parse_aspect_list(row["aspect_list"])
        except (ValueError, SyntaxError):
            raise NlrecError(
                f"{root / MUSICCAPS_CSV}: clip {row['ytid']}: bad aspect_list "
                f"{row['aspect_list'][:60]!r}"
            ) from None
        clips.append(Clip(row["ytid"], tags, writing, rephrased[writing], human))
    stats["clips"] = len(clips)
    if not clips:
        raise NlrecError(f"{root}: no LP-MusicCaps clip joins MusicCaps and the rephrased requests")
    sources = {rel: sha256_file(root / rel) for rel in SOURCE_FILES}
    return Clips(clips, stats, sources)


# --------------------------------------------------------------------------------- sampling
def split_sentences(text: str) -> list[str]:
    """Split a request on ``". "`` as the paper does; blank pieces are dropped."""
    return [s for s in text.split(SENTENCE_SEPARATOR) if s.strip()]


def exact_matches(tags: Sequence[str], sentence: str) -> tuple[list[str], list[str]]:
    """``(ematch, others)``: tags occurring verbatim (case-sensitive substring) in the sentence."""
    ematch = [t for t in tags if t in sentence]
    others = [t for t in tags if t not in sentence]
    return ematch, others


def sample_descriptor_set(
    tags: Sequence[str], sentence: str, rng: np.random.Generator
) -> list[str]:
    """Sample the relevant descriptor set of one sentence (an empty list if nothing matches).

    Draws, in this order: ``k1 = rng.integers(1, |ematch|, endpoint=True)`` and ``k1`` distinct
    ``ematch`` tags; if ``others`` is not empty, ``k2 = rng.integers(0, min(|ematch|, |others|),
    endpoint=True)`` and ``k2`` distinct ``others``; then a permutation of the picked tags.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> s = sample_descriptor_set(["piano", "sad", "rock"], "A sad piano ballad", rng)
        >>> set(s) & {"piano", "sad"} != set()
        True
    """
    ematch, others = exact_matches(tags, sentence)
    picked: list[str] = []
    if ematch:
        k1 = int(rng.integers(1, len(ematch), endpoint=True))
        picked += [ematch[i] for i in rng.choice(len(ematch), size=k1, replace=False)]
    if others:
        k2 = int(rng.integers(0, min(len(ematch), len(others)), endpoint=True))
        picked += [others[i] for i in rng.choice(len(others), size=k2, replace=False)]
    return [picked[i] for i in rng.permutation(len(picked))]


def doc_id(text: str) -> str:
    """Stable id of a descriptor string: ``d`` + the first 12 hex digits of its SHA-1."""
    return "d" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def request_text(clip: Clip, spec: BenchmarkSpec) -> str:
    return getattr(clip, spec.request)


def build_benchmark(
    clips: Clips | Sequence[Clip], name: str, seed: int, *, no_match: NoMatch | None = None
) -> Benchmark:
    """Build one seed of a benchmark with a fresh ``numpy.random.default_rng(seed)``.

    Clips and their sentences are visited in file order; a dropped sentence draws nothing.

    Raises:
        NlrecError: for an unknown benchmark, or if no query is left.
    """
    spec = get_spec(name, no_match)
    clip_list = clips.clips if isinstance(clips, Clips) else list(clips)
    rng = np.random.default_rng(seed)
    queries: list[Query] = []
    sets: list[str] = []
    stats = {"clips": 0, "sentences": 0, "no_match": 0, "queries": 0}
    used_clips = set()
    for clip in clip_list:
        for i, sentence in enumerate(split_sentences(request_text(clip, spec))):
            stats["sentences"] += 1
            ematch, _ = exact_matches(clip.tags, sentence)
            if not ematch:
                stats["no_match"] += 1
                if spec.no_match == "drop":
                    continue
            tags = sample_descriptor_set(clip.tags, sentence, rng)
            queries.append(Query(f"{clip.ytid}_s{i}", sentence, clip.ytid, i))
            sets.append(TAG_JOINER.join(tags))
            used_clips.add(clip.ytid)
    if not queries:
        raise NlrecError(f"benchmark {spec.name}: no query left to evaluate")
    ids = {text: doc_id(text) for text in sets}
    if len(set(ids.values())) != len(ids):  # pragma: no cover - 48-bit collision
        raise NlrecError(f"benchmark {spec.name}: document id collision; report this")
    corpus = sorted(ids, key=ids.__getitem__)
    row = {text: r for r, text in enumerate(corpus)}
    stats.update(clips=len(used_clips), queries=len(queries), documents=len(corpus))
    return Benchmark(
        spec,
        seed,
        queries,
        corpus,
        [ids[t] for t in corpus],
        np.array([row[t] for t in sets], dtype=np.int64),
        stats,
    )
