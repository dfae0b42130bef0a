"""From tag probabilities to a descriptor set: the documented rule.

For each vocabulary (MagnaTagATune ``mtt``, Million Song Dataset ``msd``), independently:

1. tags are renamed to a canonical descriptor and synonyms merged, keeping the highest
   probability of the group (MTT alone spells the absence of singing "no vocals", "no vocal" and
   "no voice"; see :data:`SYNONYMS`);
2. the MSD decade tags ("60s" ... "00s") are dropped: they describe a listener's era, not a
   sound the model can hear reliably;
3. a descriptor is kept when its probability is at least ``threshold`` (default 0.15), best
   first, at most ``top_k`` (default 5); the best descriptor of a vocabulary is always kept, so a
   readable track never ends with an empty set.

The two vocabularies are then merged (same descriptor from both: the higher probability, both
sources recorded). When "no vocals" and a singing descriptor ("vocals", "female vocal", "male
vocal", "choir") are both kept, only the side with the higher probability stays.

The ``calibrated`` rule replaces the single threshold by one per tag: a tag is kept when its
probability is at least ``lift`` (default 2) times its prior, the rate at which it occurs in the
tagger's training data (``nlrec/data/audio/tag_priors.json``, written by
``tools/musicnn/tag_priors.py``), and at least :data:`MIN_PROBABILITY`; descriptors are ranked by
that lift. A frequent tag ("classical" is on 18 % of MTT clips) needs a high probability, a rare
one ("no vocals", 4 %) a low one, so each tag is kept at a rate near its own base rate instead of
the rare ones never reaching 0.15. Synonyms merge by their highest lift, and the vocals conflict
is decided by lift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

DEFAULT_TOP_K = 5
DEFAULT_THRESHOLD = 0.15
DEFAULT_LIFT = 2.0
MIN_PROBABILITY = 0.05
Rule = Literal["threshold", "calibrated"]
RULES: tuple[str, ...] = ("threshold", "calibrated")

SYNONYMS: dict[str, str] = {
    # MagnaTagATune
    "no vocal": "no vocals",
    "no voice": "no vocals",
    "vocal": "vocals",
    "voice": "vocals",
    "singing": "vocals",
    "female": "female vocal",
    "woman": "female vocal",
    "female voice": "female vocal",
    "male": "male vocal",
    "man": "male vocal",
    "male voice": "male vocal",
    "classic": "classical",
    "beat": "beats",
    "choral": "choir",
    # Million Song Dataset
    "female vocalists": "female vocal",
    "female vocalist": "female vocal",
    "male vocalists": "male vocal",
    "electronica": "electronic",
    "chill": "chillout",
    "Mellow": "mellow",
    "Hip-Hop": "hip hop",
    "House": "house",
    "Progressive rock": "progressive rock",
    "rnb": "r&b",
}
DROPPED = frozenset({"60s", "70s", "80s", "90s", "00s"})
_SINGING = frozenset({"vocals", "female vocal", "male vocal", "choir", "opera"})


@dataclass(frozen=True)
class AudioDescriptor:
    """One audio-derived descriptor, its probability and the vocabularies that produced it."""

    text: str
    probability: float
    sources: tuple[str, ...]
    lift: float | None = None

    def to_dict(self) -> dict:
        out = {"text": self.text, "probability": round(self.probability, 4), "sources": list(self.sources)}
        if self.lift is not None:
            out["lift"] = round(self.lift, 3)
        return out


@lru_cache(maxsize=1)
def tag_priors() -> dict[str, dict[str, float]]:
    """Each vocabulary's tag -> the rate it occurs at in the tagger's training data."""
    import json
    from importlib import resources

    data = json.loads((resources.files("nlrec") / "data" / "audio" / "tag_priors.json").read_text(encoding="utf-8"))
    return {v: {t: float(p) for t, p in data[v].items()} for v in ("mtt", "msd")}


def select_calibrated(probs: Mapping[str, float], priors: Mapping[str, float], *,
                      top_k: int = DEFAULT_TOP_K, lift: float = DEFAULT_LIFT) -> list[tuple[str, float, float]]:
    """The calibrated rule for one vocabulary: ``(descriptor, p, lift)`` by lift, best first."""
    best: dict[str, tuple[float, float]] = {}
    for tag, p in probs.items():
        if tag in DROPPED or tag not in priors or priors[tag] <= 0:
            continue
        name, ratio = canonical(tag), float(p) / priors[tag]
        if name not in best or ratio > best[name][1]:
            best[name] = (float(p), ratio)
    ranked = sorted(((n, p, r) for n, (p, r) in best.items()), key=lambda x: (-x[2], x[0]))
    kept = [x for x in ranked[:top_k] if x[2] >= lift and x[1] >= MIN_PROBABILITY]
    return kept or ranked[:1]


def canonical(tag: str) -> str:
    """The descriptor a raw tag becomes (synonyms merged, lower case)."""
    return SYNONYMS.get(tag, tag).lower()


def merge_synonyms(probs: Mapping[str, float]) -> dict[str, float]:
    """Canonical descriptor -> highest probability among its raw tags (decade tags dropped)."""
    merged: dict[str, float] = {}
    for tag, p in probs.items():
        if tag in DROPPED:
            continue
        name = canonical(tag)
        merged[name] = max(merged.get(name, 0.0), float(p))
    return merged


def select(probs: Mapping[str, float], *, top_k: int = DEFAULT_TOP_K,
           threshold: float = DEFAULT_THRESHOLD) -> list[tuple[str, float]]:
    """Step 3 of the rule for one vocabulary: ``(descriptor, p)`` best first."""
    ranked = sorted(merge_synonyms(probs).items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [(name, p) for name, p in ranked[:top_k] if p >= threshold]
    return kept or ranked[:1]


def descriptor_set(probs_by_vocabulary: Mapping[str, Mapping[str, float]], *,
                   top_k: int = DEFAULT_TOP_K, threshold: float = DEFAULT_THRESHOLD,
                   rule: Rule = "threshold", lift: float = DEFAULT_LIFT) -> list[AudioDescriptor]:
    """Apply the whole rule (``threshold`` or ``calibrated``) to the pooled probabilities of one track."""
    if rule not in RULES:
        raise ValueError(f"unknown descriptor rule {rule!r} (threshold or calibrated)")
    best: dict[str, float] = {}
    lifts: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for vocabulary, probs in probs_by_vocabulary.items():
        if rule == "calibrated":
            chosen = select_calibrated(probs, tag_priors()[vocabulary], top_k=top_k, lift=lift)
        else:
            chosen = [(name, p, None) for name, p in select(probs, top_k=top_k, threshold=threshold)]
        for name, p, ratio in chosen:
            best[name] = max(best.get(name, 0.0), p)
            if ratio is not None:
                lifts[name] = max(lifts.get(name, 0.0), ratio)
            sources.setdefault(name, []).append(vocabulary)
    score = lifts if rule == "calibrated" else best
    singing = [name for name in best if name in _SINGING]
    if "no vocals" in best and singing:
        if score["no vocals"] >= max(score[name] for name in singing):
            drop = singing
        else:
            drop = ["no vocals"]
        for name in drop:
            del best[name]
    ordered = sorted(best, key=lambda n: (-score[n], n))
    return [AudioDescriptor(name, best[name], tuple(sources[name]), lifts.get(name)) for name in ordered]
