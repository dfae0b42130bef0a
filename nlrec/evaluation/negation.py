"""Negation evaluation after Vasilakis, Bittner, Pauwels (ICASSP 2026, arXiv 2601.13931).

Items and requests come from the ``mc`` benchmark (seed ``seed``, see
:mod:`nlrec.evaluation.benchmarks`): a query's relevant descriptor set ``D`` (tags of its clip
that the request mentions, plus a few others) is written as a request three ways:

* **original**: ``D`` as text, "piano, calm, male vocals";
* **half-negated**: ``floor(|D| / 2)`` of its tags, drawn at random, negated:
  "piano, no calm, male vocals";
* **fully negated**: every tag negated, "no piano, no calm, no male vocals"
  (:func:`~nlrec.negation.augment.fully_negate`; a tag that is itself a negation, "no
  voices", is affirmed instead).

The item is the clip: its whole aspect list is one document of a corpus made of every ``mc``
clip. Queries with fewer than two tags are skipped (they have no half-negated form). Two
protocols, as in the paper:

1. **Retrieval**: Recall@10 of the item for each form over the whole corpus. A model that
   understands negation keeps the original high and the negated forms low (the item carries
   every tag the negated requests rule out).
2. **Binary classification**: for an item and two forms, pick the one with the higher score;
   accuracy over items for the pairs Original/Fully, Original/Half and Half/Fully (the first
   is the right one; chance is 0.5, ties count one half).

Each encoder is evaluated twice: ``dense`` (the request embedded as typed, cosine) and
``dense+negation`` (nlrec's search-time handling: the positive text embedded, documents
carrying a negated facet filtered out; for classification, the score drops by
:data:`VIOLATION_PENALTY` per negated facet the item carries, as ``--negation penalize`` does).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.evaluation.benchmarks import TAG_JOINER, Clips, build_benchmark

if TYPE_CHECKING:
    from nlrec.index import Index

FORMS: tuple[str, ...] = ("original", "half", "fully")
PAIRS: tuple[tuple[str, str], ...] = (("original", "fully"), ("original", "half"), ("half", "fully"))
SYSTEMS: tuple[str, ...] = ("dense", "dense+negation")
CUTOFF = 10
#: Score drop per negated facet an item carries in ``dense+negation`` classification (cosines
#: lie in [-1, 1], so any violation ranks below any clean request), as ``--negation penalize``.
VIOLATION_PENALTY = 4.0
#: The acceptance requests of the search-time check: (request, a word the hits should carry).
SEARCH_REQUESTS: tuple[tuple[str, str], ...] = (
    ("relaxing piano without vocals", "piano"),
    ("meditation music with no drums", "meditation"),
    ("rock song without electric guitar", "rock"),
)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class NegationItem:
    """One item and its three requests.

    Attributes:
        qid: the ``mc`` query it comes from.
        doc: row of the item (its clip's aspect list) in the corpus.
        tags: the request's tags (``D``).
        negated: the tags negated in the half-negated request.
        requests: ``{"original", "half", "fully"}`` -> request text.
    """

    qid: str
    doc: int
    tags: tuple[str, ...]
    negated: tuple[str, ...]
    requests: dict[str, str] = field(compare=False)


@dataclass
class NegationSet:
    """The corpus (one document per clip) and the items of one seed."""

    corpus: list[str]
    descriptors: list[tuple[str, ...]]
    items: list[NegationItem]
    stats: dict[str, int]


def negate_tag(tag: str) -> str:
    """One tag negated like :func:`~nlrec.negation.augment.fully_negate` does it."""
    from nlrec.negation.augment import fully_negate

    return fully_negate([tag])


def build_negation_set(clips: Clips, *, seed: int = 0, limit: int | None = None) -> NegationSet:
    """Items and requests from the ``mc`` benchmark of ``seed`` (see the module docstring).

    ``limit`` keeps a random subset of that many items (drawn with ``seed``), for quick runs.
    """
    bench = build_benchmark(clips, "mc", seed)
    rows: dict[str, int] = {}
    corpus: list[str] = []
    descriptors: list[tuple[str, ...]] = []
    for clip in clips.clips:
        if clip.ytid not in rows:
            rows[clip.ytid] = len(corpus)
            corpus.append(TAG_JOINER.join(clip.tags))
            descriptors.append(tuple(clip.tags))
    rng = np.random.default_rng(seed)
    items: list[NegationItem] = []
    skipped = 0
    for q, r in zip(bench.queries, bench.relevant.tolist()):
        tags = tuple(t for t in bench.corpus[r].split(TAG_JOINER) if t)
        if len(tags) < 2:
            skipped += 1
            continue
        pick = set(rng.choice(len(tags), size=len(tags) // 2, replace=False).tolist())
        half = [negate_tag(t) if i in pick else t for i, t in enumerate(tags)]
        requests = {
            "original": TAG_JOINER.join(tags),
            "half": TAG_JOINER.join(half),
            "fully": TAG_JOINER.join(negate_tag(t) for t in tags),
        }
        negated = tuple(tags[i] for i in sorted(pick))
        items.append(NegationItem(q.qid, rows[q.ytid], tags, negated, requests))
    total = len(items)
    if limit is not None and limit < len(items):
        keep = sorted(rng.choice(len(items), size=limit, replace=False).tolist())
        items = [items[i] for i in keep]
    stats = {"queries": len(bench.queries), "skipped_under_two_tags": skipped,
             "eligible_items": total, "items": len(items), "documents": len(corpus)}
    return NegationSet(corpus, descriptors, items, stats)


# ------------------------------------------------------------------------------- scoring
class CachedEncoder:
    """An encoder whose vectors go through an :class:`~nlrec.evaluation.runner.EmbeddingCache`,
    so the semantic matcher's descriptor embeddings persist between evaluation runs."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache
        self.id = cache.encoder.id
        self.dimension = cache.encoder.dimension

    def fingerprint(self) -> str:
        return str(self.cache.encoder.fingerprint())

    def encode(self, texts: Sequence[str], **_: Any) -> np.ndarray:
        return self.cache.encode(list(texts))


class _Judge:
    """Verdicts of corpus documents for a request's negated facets (cached per facet set)."""

    def __init__(self, descriptors: Sequence[tuple[str, ...]], semantic: Any = None) -> None:
        self.descriptors = descriptors
        self.semantic = semantic
        self._matchers: dict[tuple[str, ...], Any] = {}
        self._cache: dict[tuple[tuple[str, ...], int], int] = {}

    def violated(self, facets: tuple[str, ...], doc: int) -> int:
        """How many of ``facets`` the document carries."""
        from nlrec.negation.matching import FacetMatcher

        key = (facets, doc)
        if key not in self._cache:
            if facets not in self._matchers:
                self._matchers[facets] = FacetMatcher(facets, semantic=self.semantic)
            verdict = self._matchers[facets].judge(self.descriptors[doc])
            self._cache[key] = len(verdict.violated) if verdict.is_violation else 0
        return self._cache[key]

    def violates(self, facets: tuple[str, ...], doc: int) -> bool:
        return self.violated(facets, doc) > 0


def _recall_plain(scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Whether each row's item is in its top ``CUTOFF`` (ties broken by row, as the runner)."""
    s_item = scores[np.arange(len(scores)), docs][:, None]
    cols = np.arange(scores.shape[1])[None, :]
    ahead = (scores > s_item) | ((scores == s_item) & (cols < docs[:, None]))
    return ahead.sum(axis=1) < CUTOFF


def _recall_filtered(scores: np.ndarray, doc: int, facets: tuple[str, ...], judge: _Judge) -> bool:
    """Whether ``doc`` is in the top ``CUTOFF`` once documents carrying ``facets`` are removed."""
    if not facets:
        return bool(_recall_plain(scores[None, :], np.array([doc]))[0])
    if judge.violates(facets, doc):
        return False
    order = np.lexsort((np.arange(len(scores)), -scores))
    clean = 0
    for d in order.tolist():
        if d == doc:
            return True
        if not judge.violates(facets, d):
            clean += 1
            if clean >= CUTOFF:
                return False
    return False  # pragma: no cover - doc is always in the order


def _accuracy(first: np.ndarray, second: np.ndarray) -> float:
    return float(np.mean(np.where(first > second, 1.0, np.where(first == second, 0.5, 0.0))))


def evaluate_negation(
    data: NegationSet,
    embed: Callable[[list[str]], np.ndarray],
    *,
    semantic: Any = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Both protocols for both systems; returns ``{system: {"R@10": {...}, "accuracy": {...}}}``.

    Args:
        data: from :func:`build_negation_set`.
        embed: text -> unit vectors (e.g. :meth:`~nlrec.evaluation.runner.EmbeddingCache.encode`).
        semantic: optional :class:`~nlrec.negation.semantic.SemanticMatcher` for the
            ``dense+negation`` system (lexical matching only without it).
    """
    from nlrec.negation.parse import parse_request

    items = data.items
    docs = np.array([it.doc for it in items], dtype=np.int64)
    corpus_vecs = embed(data.corpus)
    item_vecs = corpus_vecs[docs]
    judge = _Judge(data.descriptors, semantic)
    if semantic is not None:  # one batched encode instead of one per judged document
        if progress:
            progress("embedding descriptors", 0, 1)
        semantic.embed(sorted({d.strip().lower() for ds in data.descriptors for d in ds if d.strip()}))
    out: dict[str, Any] = {s: {"R@10": {}, "accuracy": {}} for s in SYSTEMS}
    plain_scores: dict[str, np.ndarray] = {}
    handled_scores: dict[str, np.ndarray] = {}
    for n_form, form in enumerate(FORMS):
        texts = [it.requests[form] for it in items]
        parsed = [parse_request(t) for t in texts]
        searched = [p.positive or p.text for p in parsed]
        q_plain, q_pos = embed(texts), embed(searched)
        hits_plain, hits_handled = [], []
        for start in range(0, len(items), 256):
            sl = slice(start, min(start + 256, len(items)))
            s_plain = q_plain[sl] @ corpus_vecs.T
            hits_plain += _recall_plain(s_plain, docs[sl]).tolist()
            s_pos = q_pos[sl] @ corpus_vecs.T
            for row, i in enumerate(range(sl.start, sl.stop)):
                hits_handled.append(_recall_filtered(s_pos[row], int(docs[i]), parsed[i].negative, judge))
            if progress:
                progress(f"{form} requests", sl.stop + n_form * len(items), len(FORMS) * len(items))
        out["dense"]["R@10"][form] = 100.0 * float(np.mean(hits_plain))
        out["dense+negation"]["R@10"][form] = 100.0 * float(np.mean(hits_handled))
        plain_scores[form] = np.sum(q_plain * item_vecs, axis=1)
        penalty = np.array([VIOLATION_PENALTY * judge.violated(p.negative, it.doc) if p.negative else 0.0
                            for p, it in zip(parsed, items)])
        handled_scores[form] = np.sum(q_pos * item_vecs, axis=1) - penalty
    for a, b in PAIRS:
        key = f"{a[0].upper()}/{b[0].upper()}"
        out["dense"]["accuracy"][key] = _accuracy(plain_scores[a], plain_scores[b])
        out["dense+negation"]["accuracy"][key] = _accuracy(handled_scores[a], handled_scores[b])
    return out


def search_exclusion(
    index: Index, *, k: int = 10, mode: str = "hybrid", negation_threshold: float | None = None
) -> list[dict[str, Any]]:
    """For each of :data:`SEARCH_REQUESTS`, how many of the top ``k`` carry a negated facet
    (judged by the lexicon) with negation handling off, filter and penalize, and how many
    carry the wanted word."""
    from nlrec.negation.matching import FacetMatcher
    from nlrec.negation.parse import parse_request
    from nlrec.search import search

    rows = []
    for request, wanted in SEARCH_REQUESTS:
        parsed = parse_request(request)
        judge = FacetMatcher(parsed.negative)
        row: dict[str, Any] = {"request": request, "positive": parsed.positive,
                               "negative": list(parsed.negative), "wanted": wanted,
                               f"violating@{k}": {}, f"wanted@{k}": {}, "hits": {}}
        for negation in ("off", "filter", "penalize"):
            t0 = time.perf_counter()
            hits = search(index, request, k=k, mode=mode, negation=negation, understand=negation != "off",
                          negation_threshold=negation_threshold)
            row.setdefault("ms", {})[negation] = round((time.perf_counter() - t0) * 1000, 1)
            row[f"violating@{k}"][negation] = sum(judge.judge(h.descriptors).is_violation for h in hits)
            row[f"wanted@{k}"][negation] = sum(any(wanted in d.lower() for d in h.descriptors) for h in hits)
            row["hits"][negation] = [h.id for h in hits]
        rows.append(row)
    return rows


def negation_result(
    data: NegationSet, systems: dict[str, Any], *, model: dict[str, Any], model_slug: str,
    seed: int, limit: int | None, search_rows: list[dict[str, Any]] | None, index_name: str | None,
    seconds: float, command: str,
) -> dict[str, Any]:
    """The results object written to ``eval/results/negation-<model>.json``."""
    from nlrec import __version__

    return {
        "kind": "negation",
        "benchmark": "mc",
        "model": model,
        "model_slug": model_slug,
        "seed": seed,
        "limit": limit,
        "n_items": len(data.items),
        "stats": data.stats,
        "systems": systems,
        "search": {"index": index_name, "requests": search_rows} if search_rows is not None else None,
        "protocol": {
            "paper": "Vasilakis, Bittner, Pauwels, ICASSP 2026 (arXiv 2601.13931)",
            "item": "a clip's whole aspect list; corpus = every mc clip",
            "original": "the mc query's relevant descriptor set as text (tags joined with ', ')",
            "half": "floor(n/2) tags, drawn with numpy default_rng(seed), negated with 'no '",
            "fully": "every tag negated ('no <tag>'; a negative tag is affirmed)",
            "min_tags": 2,
            "retrieval": f"R@{CUTOFF} of the item over the whole corpus (x100)",
            "classification": "accuracy of picking the first request of a pair by score (chance 0.5)",
            "systems": {
                "dense": "cosine of the request as typed",
                "dense+negation": "cosine of the parsed positive text (the request as typed when "
                "it is only negations); items carrying a negated facet filtered (retrieval), or "
                f"scored {VIOLATION_PENALTY:g} lower per negated facet they carry (classification)",
            },
        },
        "timing": {"seconds": round(seconds, 3)},
        "nlrec_version": __version__,
        "created_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "command": command,
    }


def render_negation_markdown(results: Sequence[dict[str, Any]]) -> str:
    """The "Negation" section of RESULTS.md: one row per encoder and handling."""
    if not results:
        return ""
    lines = [
        "## Negation",
        "",
        "After Vasilakis, Bittner, Pauwels (ICASSP 2026): requests built from an `mc` query's",
        "descriptor set, as is (original), with half of the tags negated and with all negated; the",
        "item is the clip's aspect list among all `mc` clips. R@10 ×100 (original: higher is",
        "better; half / fully: lower is better). Accuracy: picking the right request of a pair for",
        "the item (chance 0.5). `dense+negation` is nlrec's search-time handling (parsed positive",
        "text; items carrying a negated facet filtered, or for classification scored lower per",
        "negated facet they carry). Protocol: `nlrec/evaluation/negation.py`.",
        "",
        "| encoder | handling | R@10 original ↑ | R@10 half ↓ | R@10 fully ↓ | acc O/F | acc O/H | acc H/F | items |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    searches = []
    for r in results:
        for system, m in r["systems"].items():
            rec, acc = m["R@10"], m["accuracy"]
            lines.append(
                f"| {r['model_slug']} | {system} | {rec['original']:.1f} | {rec['half']:.1f} | "
                f"{rec['fully']:.1f} | {acc['O/F']:.3f} | {acc['O/H']:.3f} | {acc['H/F']:.3f} | "
                f"{r['n_items']:,}{' (limit)' if r.get('limit') else ''} |"
            )
        if r.get("search") and r["search"].get("requests"):
            searches.append(r)
    for r in searches[:1]:
        s = r["search"]
        lines += [
            "",
            f"Search-time exclusion on index `{s['index']}` (hybrid, top 10): hits whose descriptors "
            "carry a negated facet (by the lexicon), and hits carrying the wanted word.",
            "",
            "| request | violating: off | filter | penalize | wanted: off | filter |",
            "|---|---|---|---|---|---|",
        ]
        for row in s["requests"]:
            v, w = row["violating@10"], row["wanted@10"]
            lines.append(f"| {row['request']} | {v['off']} | {v['filter']} | {v['penalize']} | "
                         f"{w['off']} | {w['filter']} |")
    return "\n".join(lines) + "\n"
