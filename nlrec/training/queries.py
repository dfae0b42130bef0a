"""Training queries: real requests where a catalog has them, generated ones where it has only tags.

Three sources, each producing :class:`Query` objects with their relevant documents:

* :func:`caption_queries`: MusicCaps caption sentences (and whole captions) with three
  descriptor sets sampled as in the benchmark protocol, some wrapped as recommendation requests
  ("I'm looking for music like this: ...");
* :class:`TemplateQueryGenerator`: short listener-style requests ("mellow acoustic guitar",
  "play me some reggae") built from a track's descriptors; the relevant document is the track's
  full descriptor set, which is what ``nlrec query`` ranks;
* :class:`Seq2SeqQueryGenerator`: a doc2query-style model from a local path (e.g. a T5 the user
  has), for tag-only catalogs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from nlrec.errors import NlrecError
from nlrec.evaluation.benchmarks import TAG_JOINER, doc_id
from nlrec.training.data import TrainingClip, protocol_sets, split_sentences


@dataclass
class Query:
    """A training request and the documents relevant to it.

    Attributes:
        qid: query id (unique in a run).
        text: the request.
        positives: relevant documents (descriptor-set strings).
        kind: ``sentence`` | ``caption`` | ``reco`` | ``template`` | ``seq2seq``.
        item: id of the clip or track it was made from.
    """

    qid: str
    text: str
    positives: list[str]
    kind: str
    item: str
    metadata: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------- templates
#: Recommendation-style wrappers for caption text (``{}`` = the caption sentence, first letter lowered).
RECO_WRAPPERS: tuple[str, ...] = (
    "I'm looking for music like this: {}",
    "Recommend me a song where {}",
    "Can you find me something similar? {}",
    "I want to hear a track like this one: {}",
    "Suggest music that sounds like this: {}",
    "Play me a song like this. {}",
)

#: Listener-style request templates; ``{a}``, ``{b}``, ``{c}`` are descriptors of one track.
REQUEST_TEMPLATES: dict[int, tuple[str, ...]] = {
    1: ("{a}", "{a} music", "some {a} music", "{a} songs", "play me something {a}", "i want {a}",
        "looking for {a}", "a {a} track", "something with {a}", "recommend {a} music"),
    2: ("{a} {b}", "{a}, {b}", "{a} and {b}", "{a} with {b}", "{a} music with {b}", "something {a} with {b}",
        "play {a} and {b}", "i'm in the mood for {a} with {b}", "a song with {a} and {b}",
        "looking for {a} {b} music"),
    3: ("{a} {b} {c}", "{a}, {b}, {c}", "{a} with {b} and {c}", "{a} and {b} with {c}",
        "a {a} song with {b} and {c}", "i want {a}, {b} and {c}"),
}

#: Descriptors about the recording rather than the music: listeners do not ask for them.
_RECORDING = re.compile(
    r"\b(quality|recording|recorded|mono|stereo|noisy|noise|audio|muffled|static|hiss|low[- ]fi|"
    r"amateur|home video|youtube|tutorial|advertisement|mp3|tape|vinyl crackle|unbalanced)\b", re.I)


def requestable(tag: str) -> bool:
    """Whether a descriptor is something a listener would ask for (not a recording artefact)."""
    return not _RECORDING.search(tag) and 1 < len(tag) <= 40


class TemplateQueryGenerator:
    """Short listener-style requests from descriptor sets, by templates.

    Args:
        per_item: requests per track.
        max_tags: at most this many descriptors per request (1..3).
        seed: random seed.

    Example:
        >>> gen = TemplateQueryGenerator(per_item=2, seed=0)
        >>> len(gen.generate([["reggae", "upbeat", "male vocal"]])[0])
        2
    """

    name = "template"

    def __init__(self, per_item: int = 2, *, max_tags: int = 3, seed: int = 0) -> None:
        self.per_item = per_item
        self.max_tags = max(1, min(3, max_tags))
        self.rng = np.random.default_rng(seed)

    def generate(self, descriptor_sets: Sequence[Sequence[str]]) -> list[list[str]]:
        out = []
        for tags in descriptor_sets:
            pool = list(dict.fromkeys(t.lower() for t in tags if requestable(t))) or [t.lower() for t in tags]
            made: list[str] = []
            for _ in range(self.per_item * 3):
                if len(made) == self.per_item or not pool:
                    break
                n = int(self.rng.integers(1, min(self.max_tags, len(pool)) + 1))
                picked = [pool[i] for i in self.rng.choice(len(pool), size=n, replace=False)]
                templates = REQUEST_TEMPLATES[n]
                text = templates[int(self.rng.integers(len(templates)))].format(
                    **dict(zip("abc", picked)))
                if text not in made:
                    made.append(text)
            out.append(made)
        return out


class QueryGenerator(Protocol):
    """Anything that turns descriptor sets into requests (one list of requests per set)."""

    name: str

    def generate(self, descriptor_sets: Sequence[Sequence[str]]) -> list[list[str]]: ...


class Seq2SeqQueryGenerator:
    """doc2query-style generation with a local seq2seq model (e.g. a T5 fine-tuned to write
    requests from descriptors): the input is the descriptor set joined with ``", "``.

    Args:
        model_path: a local directory loadable by ``AutoModelForSeq2SeqLM``.
        per_item: requests sampled per track.
        prefix: text put before the descriptors (e.g. ``"generate query: "``).
        device: torch device (``None``: CUDA when available).
    """

    name = "seq2seq"

    def __init__(self, model_path: str | os.PathLike, per_item: int = 3, *, prefix: str = "",
                 max_new_tokens: int = 32, batch_size: int = 16, device: str | None = None,
                 seed: int = 0) -> None:
        if not os.path.isdir(model_path):
            raise NlrecError(f"query generator model directory not found: {model_path}")
        self.model_path = str(model_path)
        self.per_item, self.prefix = per_item, prefix
        self.max_new_tokens, self.batch_size = max_new_tokens, batch_size
        self.device, self.seed = device, seed

    def generate(self, descriptor_sets: Sequence[Sequence[str]]) -> list[list[str]]:
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            tok = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
            model = AutoModelForSeq2SeqLM.from_pretrained(self.model_path, local_files_only=True).to(device)
        except Exception as e:  # noqa: BLE001 - a bad directory becomes one line
            raise NlrecError(f"cannot load query generator {self.model_path}: {str(e).splitlines()[0]}") from e
        model.eval()
        torch.manual_seed(self.seed)
        out: list[list[str]] = []
        texts = [self.prefix + TAG_JOINER.join(t) for t in descriptor_sets]
        for start in range(0, len(texts), self.batch_size):
            batch = tok(texts[start:start + self.batch_size], return_tensors="pt", padding=True,
                        truncation=True, max_length=128).to(device)
            with torch.no_grad():
                gen = model.generate(**batch, do_sample=True, top_p=0.95, max_new_tokens=self.max_new_tokens,
                                     num_return_sequences=self.per_item)
            decoded = tok.batch_decode(gen, skip_special_tokens=True)
            for i in range(len(decoded) // self.per_item):
                part = decoded[i * self.per_item:(i + 1) * self.per_item]
                out.append(list(dict.fromkeys(q.strip() for q in part if q.strip())))
        return out


def make_generator(spec: str, *, per_item: int, seed: int = 0, device: str | None = None) -> QueryGenerator:
    """``"templates"`` or a local seq2seq model directory."""
    if spec == "templates":
        return TemplateQueryGenerator(per_item, seed=seed)
    return Seq2SeqQueryGenerator(spec, per_item, seed=seed, device=device)


# ---------------------------------------------------------------------------------- builders
def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text


def caption_queries(clips: Sequence[TrainingClip], *, sets_per_query: int = 3, whole_captions: bool = True,
                    reco_fraction: float = 0.0, seed: int = 0) -> list[Query]:
    """Caption sentences (and whole captions) of each clip, each with up to ``sets_per_query``
    protocol-sampled descriptor sets as positives; a ``reco_fraction`` of them is rewritten with a
    recommendation wrapper (the positives still come from the original text)."""
    rng = np.random.default_rng(seed)
    out: list[Query] = []
    for c in clips:
        texts = [(s, "sentence") for s in split_sentences(c.caption)]
        if whole_captions and len(texts) > 1:
            texts.append((c.caption, "caption"))
        for n, (text, kind) in enumerate(texts):
            sets = protocol_sets(c.tags, text, sets_per_query, rng)
            if not sets:
                continue
            if reco_fraction and rng.random() < reco_fraction:
                wrapper = RECO_WRAPPERS[int(rng.integers(len(RECO_WRAPPERS)))]
                text, kind = wrapper.format(_lower_first(text)), "reco"
            out.append(Query(f"{c.ytid}_{kind[0]}{n}", text, sets, kind, c.ytid))
    return out


def generated_queries(items: Sequence[tuple[str, Sequence[str]]], generator: QueryGenerator) -> list[Query]:
    """Requests from ``generator`` for ``(item id, descriptors)`` pairs; the positive is the full set."""
    made = generator.generate([tags for _, tags in items])
    out = []
    for (item, tags), texts in zip(items, made):
        doc = TAG_JOINER.join(tags)
        for n, text in enumerate(texts):
            out.append(Query(f"{item}_{generator.name[0]}{n}", text, [doc], generator.name, item))
    return out


def to_beir(queries: Sequence[Query]) -> tuple[dict[str, str], dict[str, dict[str, Any]], dict[str, dict[str, int]]]:
    """``(corpus {doc_id: text}, queries {qid: row}, qrels {qid: {doc_id: 1}})`` for a query set.

    Raises:
        NlrecError: on duplicate query ids.
    """
    corpus: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    qrels: dict[str, dict[str, int]] = {}
    for q in queries:
        if q.qid in rows:
            raise NlrecError(f"duplicate query id {q.qid!r}")
        rows[q.qid] = {"_id": q.qid, "text": q.text, "metadata": {"kind": q.kind, "item": q.item, **q.metadata}}
        for p in q.positives:
            d = doc_id(p)
            corpus.setdefault(d, p)
            qrels.setdefault(q.qid, {})[d] = 1
    return corpus, rows, qrels
