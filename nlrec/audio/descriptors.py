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
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_TOP_K = 5
DEFAULT_THRESHOLD = 0.15

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

    def to_dict(self) -> dict:
        return {"text": self.text, "probability": round(self.probability, 4),
                "sources": list(self.sources)}


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
                   top_k: int = DEFAULT_TOP_K,
                   threshold: float = DEFAULT_THRESHOLD) -> list[AudioDescriptor]:
    """Apply the whole rule to the pooled tag probabilities of one track."""
    best: dict[str, float] = {}
    sources: dict[str, list[str]] = {}
    for vocabulary, probs in probs_by_vocabulary.items():
        for name, p in select(probs, top_k=top_k, threshold=threshold):
            best[name] = max(best.get(name, 0.0), p)
            sources.setdefault(name, []).append(vocabulary)
    singing = [name for name in best if name in _SINGING]
    if "no vocals" in best and singing:
        if best["no vocals"] >= max(best[name] for name in singing):
            drop = singing
        else:
            drop = ["no vocals"]
        for name in drop:
            del best[name]
    ordered = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
    return [AudioDescriptor(name, p, tuple(sources[name])) for name, p in ordered]
