"""Evaluation of request understanding (issue 13): references, negations, "like X" and content.

Run ``python -m nlrec.evaluation.requests --data-dir ../shared/data``; it prints the figures and
writes ``eval/results/requests.json``. Protocols (details in ``eval/requests/README.md``):

* **Reference detection** on the MusicRecoNER requests, test split only (:func:`split_of`: a
  request is ``test`` when ``int(sha256(id)[:8], 16) % 100 < 30``). Predictions are made on the
  original text and aligned to the annotated tokens of ``text_preprocessed``; ``Artist`` is
  compared with references of kind ``artist``, ``WoA`` with ``track`` / ``album``. *Strict*: same
  tokens and type; *partial*: overlapping tokens and same type. (a) catalog-backed: only
  entities whose name is in the catalog (HetRec artists; MTT artists and titles), predictions =
  resolved references; (b) catalog-free: all entities, predictions = every reference found
  without a catalog.
* **Negation**: precision / recall of excluded facets on ``eval/requests/negation.jsonl`` and
  false exclusions on ``eval/requests/no_negation.jsonl``.
* **"Like X"** on HetRec (``eval/requests/like_x.jsonl``): :func:`like_x_benchmark` judges any
  ``rank(text, k) -> ids`` by co-listening (:func:`co_listened`); random and tag-set similarity
  to X are the reference points.
* **Content requests** on HetRec (``eval/requests/content.jsonl``): :func:`content_benchmark`
  judges a ranker by the descriptors of what it returns (:func:`graded_relevance`).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.request.names import NameIndex, name_key

TEST_PERCENT = 30
EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
Ranker = Callable[[str, int], Sequence[str]]


# -- data ------------------------------------------------------------------------------------
def split_of(request_id: str) -> str:
    """``"test"`` for 30% of MusicRecoNER ids (by SHA-256 of the id), else ``"dev"``."""
    h = int(hashlib.sha256(request_id.encode("utf-8")).hexdigest()[:8], 16)
    return "test" if h % 100 < TEST_PERCENT else "dev"


def load_musicreconer(data_dir: str | Path, split: str | None = "test") -> list[dict[str, Any]]:
    """MusicRecoNER requests of one split (``"test"``, ``"dev"`` or ``None`` for all)."""
    path = Path(data_dir) / "musicreconer" / "requests.jsonl"
    if not path.is_file():
        raise NlrecError(f"{path}: missing (expected the layout of shared/data/musicreconer)")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if split is None or split_of(r["id"]) == split]


def _read_tsv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    if not path.is_file():
        raise NlrecError(f"{path}: missing")
    with open(path, encoding=encoding, newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [[c.strip() for c in r] for r in rows[1:] if r and any(r)]


@dataclass
class HetRec:
    """HetRec Last.fm-2K artists as a catalog: names, tag descriptor sets, listeners."""

    names: dict[str, str]
    tags: dict[str, Counter[str]]
    listeners: dict[str, set[str]]
    tag_artists: Counter[str]

    def descriptors(self, artist: str, k: int = 10) -> list[str]:
        c = self.tags.get(artist, Counter())
        return [t for t, _ in sorted(c.items(), key=lambda x: (-x[1], -self.tag_artists[x[0]], x[0]))[:k]]

    def vocabulary(self, min_artists: int = 20) -> list[str]:
        """Tags given to at least ``min_artists`` artists (genre-like words, not names)."""
        return [t for t, n in self.tag_artists.items() if n >= min_artists]


def load_hetrec_catalog(data_dir: str | Path) -> HetRec:
    """Artists with a name, their tags (all taggers) and their listeners."""
    root = Path(data_dir) / "hetrec_lastfm2k"
    names = {r[0]: r[1] for r in _read_tsv(root / "artists.dat") if len(r) >= 2}
    tag_names = {r[0]: " ".join(r[1].lower().split()) for r in _read_tsv(root / "tags.dat", "latin-1") if len(r) >= 2}
    tags: dict[str, Counter[str]] = {}
    for f in ("user_taggedartists.dat", "user_taggedartists_2.dat"):
        if (root / f).is_file():
            for r in _read_tsv(root / f):
                if len(r) >= 3 and r[2] in tag_names:
                    tags.setdefault(r[1], Counter())[tag_names[r[2]]] += 1
    listeners: dict[str, set[str]] = {}
    for r in _read_tsv(root / "user_artists.dat"):
        listeners.setdefault(r[1], set()).add(r[0])
    tag_artists: Counter[str] = Counter()
    for c in tags.values():
        tag_artists.update(c.keys())
    return HetRec(names, tags, listeners, tag_artists)


def hetrec_name_index(het: HetRec) -> NameIndex:
    """The HetRec artist names, common-word guard fed with the genre-like tags.

    Tags given to at least 100 artists are genre-like ("ambient", "electronic"); rarer ones
    include artist names used as tags ("u2"), which must not make those names common.
    """
    return NameIndex.build(
        ({"id": a, "artist": n} for a, n in het.names.items()), vocabulary=het.vocabulary(min_artists=100)
    )


def mtt_name_index(data_dir: str | Path) -> NameIndex:
    """MTT clips' artists, titles and albums (``mtat/mtt_188_all_splits.csv``)."""
    import ast

    path = Path(data_dir) / "mtat" / "mtt_188_all_splits.csv"
    if not path.is_file():
        raise NlrecError(f"{path}: missing")
    records, vocab = [], set()
    with open(path, encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            records.append({"id": r["track_id"], "title": r["title"], "artist": r["artist_name"],
                            "album": r["release"]})
            vocab.update(ast.literal_eval(r["tag_top188"] or "[]"))
    return NameIndex.build(records, vocabulary=vocab)


# -- reference detection ------------------------------------------------------------------------
_PRE_TOKEN = re.compile(r"\S+")


def _norm_tokens(span: str) -> list[str]:
    t = span.lower().replace("\u2019", "'").replace("'", "")
    return re.findall(r"[\w&]+", t)


def _align(span: str, start: int, text_len: int, tokens: list[str], used: set[int]) -> tuple[int, int] | None:
    """Token range of ``span`` in the preprocessed tokens (nearest relative position)."""
    want = _norm_tokens(span)
    if not want:
        return None
    n, m = len(tokens), len(want)
    best, best_d = None, math.inf
    rel = start / max(text_len, 1)
    for i in range(n - m + 1):
        ok = all(tokens[i + k] == w or tokens[i + k] == w + "s" for k, w in enumerate(want))
        if ok:
            d = abs(i / max(n, 1) - rel) + (0.5 if i in used else 0.0)
            if d < best_d:
                best, best_d = (i, i + m), d
    return best


def _gold(record: dict[str, Any]) -> tuple[list[str], list[tuple[str, int, int, str]]]:
    text = record["text_preprocessed"]
    spans = [(m.start(), m.end(), m.group(0)) for m in _PRE_TOKEN.finditer(text)]
    tokens = [s[2] for s in spans]
    gold = []
    for e in record["entities"]:
        idx = [k for k, (a, b, _) in enumerate(spans) if a >= e["start"] and b <= e["end"]]
        if idx:
            gold.append((e["type"], idx[0], idx[-1] + 1, e["text"]))
    return tokens, gold


@dataclass
class _Counts:
    tp_p: int = 0
    n_p: int = 0
    tp_r: int = 0
    n_r: int = 0

    def result(self) -> dict[str, float]:
        p = self.tp_p / self.n_p if self.n_p else 0.0
        r = self.tp_r / self.n_r if self.n_r else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4),
                "predicted": self.n_p, "gold": self.n_r}


def _type_of(kind: str) -> str:
    return "Artist" if kind == "artist" else "WoA"


def reference_detection(
    records: Iterable[dict[str, Any]],
    names: NameIndex | None,
    *,
    in_catalog: Callable[[str, str], bool] | None = None,
) -> dict[str, Any]:
    """Strict and partial P/R/F1 for artists and WoA (see the module docstring).

    Args:
        records: MusicRecoNER requests.
        names: the catalog to parse against (``None``: catalog-free).
        in_catalog: ``(type, text) -> bool`` keeping only gold entities whose name is in the
            catalog (catalog-backed evaluation); predictions are then the resolved references.
    """
    from nlrec.request.references import find_references

    counts = {(t, mode): _Counts() for t in ("Artist", "WoA") for mode in ("strict", "partial")}
    n_req, seconds = 0, 0.0
    for rec in records:
        n_req += 1
        tokens, gold = _gold(rec)
        if in_catalog is not None:
            gold = [g for g in gold if in_catalog(g[0], g[3])]
        t0 = time.perf_counter()
        refs = find_references(rec["text"], names)
        seconds += time.perf_counter() - t0
        if in_catalog is not None:
            refs = [r for r in refs if r.resolved]
        used: set[int] = set()
        preds = []
        for r in refs:
            rng = _align(r.span, r.start, len(rec["text"]), tokens, used)
            if rng is None:
                preds.append((_type_of(r.kind), -1, -1))
                continue
            used.add(rng[0])
            preds.append((_type_of(r.kind), rng[0], rng[1]))
        for typ in ("Artist", "WoA"):
            g = [x for x in gold if x[0] == typ]
            p = [x for x in preds if x[0] == typ]
            for mode in ("strict", "partial"):
                c = counts[(typ, mode)]

                def hit(a: tuple[Any, ...], b: tuple[Any, ...], mode: str = mode) -> bool:
                    if mode == "strict":
                        return (a[1], a[2]) == (b[1], b[2])
                    return a[1] < b[2] and b[1] < a[2]

                c.n_p += len(p)
                c.n_r += len(g)
                c.tp_p += sum(any(hit(x, y) for y in g) for x in p)
                c.tp_r += sum(any(hit(y, x) for x in p) for y in g)
    out: dict[str, Any] = {"requests": n_req, "ms_per_request": round(1000 * seconds / max(n_req, 1), 3)}
    for (typ, mode), c in counts.items():
        out.setdefault(typ.lower(), {})[mode] = c.result()
    return out


def catalog_filter(names: NameIndex, artist_kinds: Sequence[str], woa_kinds: Sequence[str]) -> Callable[[str, str], bool]:
    """``in_catalog`` for :func:`reference_detection`: the entity's name is in the catalog.

    Exactly (key, or key less a possessive "s") or up to a typo (the index's fuzzy lookup):
    "leonards cohen" names Leonard Cohen.
    """

    def has(typ: str, text: str) -> bool:
        kinds = artist_kinds if typ == "Artist" else woa_kinds
        if not kinds:
            return False
        key = name_key(text.replace(" | ", " "))
        return any(m.kind in kinds for m in names.lookup(key, fuzzy=True))

    return has


# -- negation --------------------------------------------------------------------------------
def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    p = Path(path)
    if not p.is_file():
        raise NlrecError(f"{p}: missing")
    return [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]


def _facet_ok(pred: str, gold: str) -> bool:
    from nlrec.negation.lexicon import load_lexicon, stems

    if pred == gold:
        return True
    lex = load_lexicon()
    cp, cg = lex.canonical(pred), lex.canonical(gold)
    if cp and cp == cg:
        return True
    sp, sg = set(stems(pred)), set(stems(gold))
    return bool(sg) and sg <= sp and len(sp) <= len(sg) + 1


def negation_scores(cases: Iterable[dict[str, Any]], clean: Iterable[dict[str, Any]] = ()) -> dict[str, Any]:
    """Facet precision / recall over ``cases`` (``text``, ``negative``) and false exclusions.

    A predicted facet is right when it names an expected one (same lexicon facet, or the expected
    words with at most one extra word). ``clean`` requests have no negation: every facet is a
    false exclusion.
    """
    from nlrec.request.parse import parse

    tp_p = tp_g = n_pred = n_gold = 0
    errors: list[dict[str, Any]] = []
    by_group: dict[str, list[int]] = {}
    for c in cases:
        pred = list(parse(c["text"]).negative)
        gold = list(c["negative"])
        good_p = sum(any(_facet_ok(p, g) for g in gold) for p in pred)
        good_g = sum(any(_facet_ok(p, g) for p in pred) for g in gold)
        tp_p += good_p
        tp_g += good_g
        n_pred += len(pred)
        n_gold += len(gold)
        grp = by_group.setdefault(c.get("group", "negation"), [0, 0])
        grp[0] += 1
        grp[1] += int(good_p == len(pred) and good_g == len(gold))
        if good_p != len(pred) or good_g != len(gold):
            errors.append({"text": c["text"], "expected": gold, "got": pred})
    clean_list = list(clean)
    false = [{"text": c["text"], "got": list(parse(c["text"]).negative)} for c in clean_list]
    false = [f for f in false if f["got"]]
    return {
        "precision": round(tp_p / n_pred, 4) if n_pred else 1.0,
        "recall": round(tp_g / n_gold, 4) if n_gold else 1.0,
        "predicted": n_pred,
        "expected": n_gold,
        "exact_by_group": {k: round(v[1] / v[0], 4) for k, v in by_group.items()},
        "errors": errors[:40],
        "clean_requests": len(clean_list),
        "clean_with_false_exclusion": len(false),
        "false_exclusions": false[:40],
    }


# -- HetRec benchmarks -------------------------------------------------------------------------
def co_listened(het: HetRec, artist: str, *, top: int = 50, min_shared: int = 3,
                catalog: set[str] | None = None) -> set[str]:
    """Artists judged relevant to "like ``artist``": its ``top`` nearest by co-listening.

    Nearness is the cosine of listener sets, ``|L_x & L_y| / sqrt(|L_x| |L_y|)``, over artists
    sharing at least ``min_shared`` listeners with ``artist`` (itself excluded), restricted to
    ``catalog`` (the artists a searcher can return) when given.
    """
    mine = het.listeners.get(artist, set())
    if not mine:
        return set()
    users_of = _users_index(het)
    shared: Counter[str] = Counter()
    for u in mine:
        shared.update(users_of[u])
    scored = [
        (n / math.sqrt(len(mine) * len(het.listeners[a])), a)
        for a, n in shared.items()
        if a != artist and n >= min_shared and (catalog is None or a in catalog)
    ]
    scored.sort(key=lambda x: (-x[0], x[1]))
    return {a for _, a in scored[:top]}


_USERS: dict[int, dict[str, set[str]]] = {}


def _users_index(het: HetRec) -> dict[str, set[str]]:
    key = id(het)
    if key not in _USERS:
        idx: dict[str, set[str]] = {}
        for a, users in het.listeners.items():
            for u in users:
                idx.setdefault(u, set()).add(a)
        _USERS[key] = idx
    return _USERS[key]


def like_x_benchmark(rank: Ranker, cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                     catalog: set[str] | None = None) -> dict[str, Any]:
    """P@k and Hit@k of ``rank(text, k)`` on "like X" requests, judged by :func:`co_listened`.

    X itself is removed from the ranking before cutting at ``k`` (the ranker is asked for
    ``k + 1``).
    """
    p, hit, n = 0.0, 0, 0
    for c in cases:
        rel = co_listened(het, c["artist_id"], catalog=catalog)
        if not rel:
            continue
        got = [i for i in rank(c["text"], k + 1) if i != c["artist_id"]][:k]
        good = len(set(got) & rel)
        p += good / k
        hit += good > 0
        n += 1
    return {"requests": n, f"P@{k}": round(p / max(n, 1), 4), f"Hit@{k}": round(hit / max(n, 1), 4)}


def random_like_x(cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                  catalog: set[str]) -> dict[str, Any]:
    """Expected P@k and Hit@k of a random ranking (exact, not sampled)."""
    big_n = len(catalog) - 1
    p = hit = 0.0
    n = 0
    for c in cases:
        rel = co_listened(het, c["artist_id"], catalog=catalog)
        if not rel:
            continue
        r = len(rel)
        p += r / big_n
        hit += 1.0 - math.exp(_log_comb(big_n - r, k) - _log_comb(big_n, k))
        n += 1
    return {"requests": n, f"P@{k}": round(p / max(n, 1), 4), f"Hit@{k}": round(hit / max(n, 1), 4)}


def _log_comb(n: int, k: int) -> float:
    if k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


class TagSimilarity:
    """Artists ranked by TF-IDF cosine of their tag counts: the "tag-set similarity" reference."""

    def __init__(self, het: HetRec, artists: Sequence[str]) -> None:
        from scipy import sparse

        self.ids = list(artists)
        self.row = {a: i for i, a in enumerate(self.ids)}
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for i, a in enumerate(self.ids):
            for t, c in het.tags.get(a, Counter()).items():
                rows.append(i)
                cols.append(vocab.setdefault(t, len(vocab)))
                vals.append(1.0 + math.log(c))
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(len(self.ids), len(vocab)))
        df = np.bincount(m.indices, minlength=len(vocab))
        m = m.multiply(np.log((1 + len(self.ids)) / (1 + df)) + 1.0).tocsr()
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        self.m = sparse.diags(1.0 / norms) @ m

    def similar(self, items: dict[str, float], k: int) -> list[str]:
        """The ``k`` artists most similar to ``items`` (weighted), excluding them."""
        rows = [(self.row[a], w) for a, w in items.items() if a in self.row]
        if not rows:
            return []
        q = sum(self.m[r] * w for r, w in rows)
        scores = np.asarray((self.m @ q.T).todense()).ravel()
        for r, _ in rows:
            scores[r] = -np.inf
        top = np.argsort(-scores, kind="stable")[:k]
        return [self.ids[i] for i in top if np.isfinite(scores[i])]


def _norm_tag(tag: str) -> str:
    from nlrec.request.language import normalize_terms

    return normalize_terms(tag)


def graded_relevance(descriptors: Iterable[str], want: Sequence[Sequence[str]],
                     exclude: Sequence[Sequence[str]] = ()) -> float:
    """Share of the wanted facets an item carries; 0 when it carries an excluded one.

    ``want`` and ``exclude`` are groups of alternative tags ("hip-hop" or "hip hop"); tags are
    compared after :func:`~nlrec.request.language.normalize_terms` (so "rnb" = "r&b").
    """
    have = {_norm_tag(d) for d in descriptors}
    if any(any(_norm_tag(t) in have for t in g) for g in exclude):
        return 0.0
    if not want:
        return 0.0
    return sum(any(_norm_tag(t) in have for t in g) for g in want) / len(want)


def content_benchmark(rank: Ranker, cases: Sequence[dict[str, Any]], het: HetRec, *, k: int = 10,
                      descriptors: int = 10) -> dict[str, Any]:
    """Graded P@k of ``rank(text, k)`` on content requests (see :func:`graded_relevance`).

    An artist is judged by its ``descriptors`` most used tags (what the catalog indexes).
    Requests that want nothing ("any suggestions?") are left out here (see :func:`empty_requests`).
    """
    total, n = 0.0, 0
    for c in cases:
        if not c["want"]:
            continue
        got = list(rank(c["text"], k))[:k]
        total += sum(graded_relevance(het.descriptors(a, descriptors), c["want"], c["exclude"]) for a in got) / k
        n += 1
    return {"requests": n, f"graded_P@{k}": round(total / max(n, 1), 4)}


def empty_requests(cases: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """How many requests that want nothing are recognised as having nothing to match."""
    from nlrec.request.parse import parse

    empty = [c for c in cases if not c["want"]]
    said = [c["text"] for c in empty if parse(c["text"]).nothing_to_match]
    wrong = [c["text"] for c in cases if c["want"] and parse(c["text"]).nothing_to_match]
    return {"empty_requests": len(empty), "said_nothing_to_match": len(said),
            "content_requests_said_empty": len(wrong)}


def hetrec_catalog(het: HetRec, descriptors: int = 10) -> Any:
    """The tagged HetRec artists as an :class:`nlrec.catalog.Catalog` (descriptors: top tags)."""
    from nlrec.catalog import Catalog

    rows = [{"id": a, "descriptors": het.descriptors(a, descriptors), "artist": het.names.get(a)}
            for a in sorted(het.tags, key=int) if het.tags[a]]
    return Catalog.from_records(rows, source="hetrec_lastfm2k", artist_col="artist")


# -- entry point -------------------------------------------------------------------------------
def run(data_dir: str | Path, *, out: str | Path | None = None, with_search: bool = False,
        home: str | Path | None = None) -> dict[str, Any]:
    """Compute every figure of the module docstring; write them to ``out`` (JSON)."""
    from nlrec.request.parse import parse

    req_dir = EVAL_DIR / "requests"
    results: dict[str, Any] = {"split": {"rule": f"test when int(sha256(id)[:8], 16) % 100 < {TEST_PERCENT}"}}
    test = load_musicreconer(data_dir, "test")
    results["split"].update(test=len(test), dev=len(load_musicreconer(data_dir, "dev")))

    het = load_hetrec_catalog(data_dir)
    t0 = time.perf_counter()
    het_names = hetrec_name_index(het)
    build_s = time.perf_counter() - t0
    mtt_names = mtt_name_index(data_dir)
    results["name_index"] = _name_index_timing(het_names, build_s)

    results["references"] = {
        "catalog_free": reference_detection(test, None),
        "hetrec_artists": reference_detection(test, het_names, in_catalog=catalog_filter(het_names, ["artist"], [])),
        "mtt_artists_titles": reference_detection(
            test, mtt_names, in_catalog=catalog_filter(mtt_names, ["artist"], ["track"])
        ),
    }
    results["negation"] = negation_scores(read_jsonl(req_dir / "negation.jsonl"),
                                          read_jsonl(req_dir / "no_negation.jsonl"))

    like = read_jsonl(req_dir / "like_x.jsonl")
    content = read_jsonl(req_dir / "content.jsonl")
    catalog_ids = {a for a, c in het.tags.items() if c}
    tags = TagSimilarity(het, sorted(catalog_ids, key=int))

    x_of = {c["text"]: c["artist_id"] for c in like}

    def oracle(text: str, k: int) -> list[str]:
        return tags.similar({x_of[text]: 1.0}, k)

    def parsed_tags(text: str, k: int) -> list[str]:
        return tags.similar(parse(text, het_names).reference_items(), k)

    results["like_x"] = {
        "random": random_like_x(like, het, catalog=catalog_ids),
        "tag_similarity_to_x": like_x_benchmark(oracle, like, het, catalog=catalog_ids),
        "parsed_reference_then_tag_similarity": like_x_benchmark(parsed_tags, like, het, catalog=catalog_ids),
        "resolved_to_x": round(sum(c["artist_id"] in parse(c["text"], het_names).reference_items()
                                   for c in like) / len(like), 4),
    }
    results["content"] = {"empty": empty_requests(content)}
    for name, ranker in lexical_content_rankers(het).items():
        results["content"][name] = content_benchmark(ranker, content, het)
    if with_search:
        results.update(_search_baselines(het, like, content, catalog_ids, home))
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


def _name_index_timing(names: NameIndex, build_s: float) -> dict[str, Any]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = names.save(tmp)
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            NameIndex.load(path)
            runs.append(time.perf_counter() - t0)
        size = path.stat().st_size
    return {"names": len(names), "build_s": round(build_s, 2), "file_bytes": size,
            "open_ms_median": round(1000 * sorted(runs)[2], 1), "open_ms_runs": [round(1000 * r, 1) for r in runs]}


def lexical_content_rankers(het: HetRec, descriptors: int = 10) -> dict[str, Ranker]:
    """Two BM25 rankers over the tagged artists, to isolate what request understanding adds.

    ``bm25_raw`` ranks the request as typed against the descriptor strings. ``bm25_understood``
    parses the request (:func:`nlrec.request.parse.parse`), ranks its content (plus the decade
    terms of its years) with both sides passed through
    :func:`~nlrec.request.language.normalize_terms`, drops artists carrying an excluded facet
    (the negation lexicon's patterns) and returns nothing when there is nothing to match.
    """
    from nlrec.encoders.sparse import BM25Retriever
    from nlrec.negation.lexicon import load_lexicon
    from nlrec.request.language import normalize_terms
    from nlrec.request.parse import parse

    ids = sorted((a for a, c in het.tags.items() if c), key=int)
    docs = [het.descriptors(a, descriptors) for a in ids]
    raw = BM25Retriever.build([", ".join(d) for d in docs])
    norm = BM25Retriever.build([normalize_terms(", ".join(d)) for d in docs])
    lexicon = load_lexicon()

    def top(scores: np.ndarray, k: int, keep: Callable[[int], bool] = lambda i: True) -> list[str]:
        order = np.argsort(-scores, kind="stable")
        out = [ids[i] for i in order[: 50 * k] if scores[i] > 0 and keep(int(i))]
        return out[:k]

    def bm25_raw(text: str, k: int) -> list[str]:
        return top(raw.scores(text), k)

    def bm25_understood(text: str, k: int) -> list[str]:
        r = parse(text)
        if r.nothing_to_match:
            return []
        query = normalize_terms(" ".join([r.content, *r.decade_terms()]))
        patterns = [lexicon.pattern(f) for f in (*r.negative, *r.decade_terms(negated=True))]

        def keep(i: int) -> bool:
            return not any(p.matches(d) for p in patterns for d in docs[i])

        return top(norm.scores(query), k, keep)

    return {"bm25_raw": bm25_raw, "bm25_understood": bm25_understood}


def _search_baselines(het: HetRec, like: Sequence[dict[str, Any]], content: Sequence[dict[str, Any]],
                      catalog_ids: set[str], home: str | Path | None) -> dict[str, Any]:
    """Today's default search (hybrid, music-minilm) on the two HetRec benchmarks."""
    from nlrec.index import build_index, open_index

    home_path = Path(home) if home else Path("indexes")
    path = home_path / "hetrec-artists"
    index = open_index(path) if (path / "manifest.json").is_file() else build_index(hetrec_catalog(het), path)

    def old(text: str, k: int) -> list[str]:
        return [h.id for h in index.search(text, k=k, mode="hybrid")]

    understood = understood_hybrid(index, het)
    return {
        "search_baselines": {
            "index": str(path),
            "like_x_today_default": like_x_benchmark(old, like, het, catalog=catalog_ids),
            "content_today_default": content_benchmark(old, content, het),
            "content_understood_hybrid": content_benchmark(understood, content, het),
        }
    }


def understood_hybrid(index: Any, het: HetRec, *, depth: int = 100, rrf_k: int = 60,
                      dense_text: str = "positive") -> Ranker:
    """A stand-in for the integrated searcher: today's dense side on the parsed request, fused (RRF)
    with BM25 over the understood request (:func:`lexical_content_rankers`, both sides normalised).

    Dense: ``normalize_phrases(positive)`` (or of ``content``, without filler, with
    ``dense_text="content"``) searched with the parsed exclusions. Nothing is
    returned when the request has nothing to match.
    """
    from nlrec.request.language import normalize_phrases
    from nlrec.request.parse import parse

    lexical = lexical_content_rankers(het)["bm25_understood"]

    def rank(text: str, k: int) -> list[str]:
        p = parse(text)
        if p.nothing_to_match:
            return []
        wanted = p.content if dense_text == "content" else p.positive
        query = normalize_phrases(" ".join([wanted, *p.decade_terms()])) or text
        dense = [h.id for h in index.search(query, k=depth, mode="dense", exclude=list(p.negative))]
        fused: dict[str, float] = {}
        for ranking in (dense, lexical(text, depth)):
            for r, item in enumerate(ranking):
                fused[item] = fused.get(item, 0.0) + 1.0 / (rrf_k + r + 1)
        return [i for i, _ in sorted(fused.items(), key=lambda x: (-x[1], x[0]))[:k]]

    return rank


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m nlrec.evaluation.requests", description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default=None, help="shared data directory (default $NLREC_DATA or ../shared/data)")
    ap.add_argument("--out", default=str(EVAL_DIR / "results" / "requests.json"))
    ap.add_argument("--with-search", action="store_true", help="also build a HetRec index and measure today's search")
    ap.add_argument("--home", default=None, help="where to keep the HetRec index (with --with-search)")
    args = ap.parse_args(argv)
    import os

    data_dir = args.data_dir or os.environ.get("NLREC_DATA") or "../shared/data"
    res = run(data_dir, out=args.out, with_search=args.with_search, home=args.home)
    print(json.dumps({k: v for k, v in res.items()}, indent=1, default=str)[:20000])


if __name__ == "__main__":
    main()
