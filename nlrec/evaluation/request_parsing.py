"""Scores of request parsing: reference detection on MusicRecoNER, negation facets.

See :mod:`nlrec.evaluation.requests` for the protocols.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from nlrec.request.names import NameIndex, name_key

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


__all__ = ["catalog_filter", "negation_scores", "reference_detection"]
