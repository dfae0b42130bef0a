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

**The vocals decision** (``vocals="decide"``, the default for both rules) replaces that conflict
step. Whether a track has singing is a yes/no question that neither top-k list answers: "no
vocals" is rare in MTT's training data (4 %), so its pooled probability (0.01 to 0.09 on real
instrumentals) never reaches 0.15, nor the top 5 by lift. Instead, as lifts (probability / prior,
:func:`tag_priors`):

- the *no-vocals evidence* ``N`` is the highest lift among MTT's "no vocals" / "no vocal" / "no
  voice" and MSD's "instrumental" (the same fact in the other vocabulary), pooled over the track;
- the *singing evidence* ``S`` is the highest lift among the singing tags (:data:`SINGING_TAGS`)
  in **any single window** (``window_max``, the per-tag maximum over the analysed windows): a
  song whose verses fill a third of the windows still sings, although its mean says little;
- "no vocals" is kept when ``N >= 1`` and ``N >= VOCALS_MARGIN * S`` (2, the calibrated rule's
  lift), and the singing descriptors are then dropped; otherwise "no vocals" is dropped.

Without ``window_max`` (probabilities from elsewhere) the pooled probabilities stand in for the
windows, which can only make "no vocals" likelier. ``vocals="off"`` is the rule before the
decision (the conflict step above). The margin was chosen on the dev part of the labelled Debian
folder (``eval/audio/labelled``), as the one that kept the most "no vocals" on instrumentals
there with no false one on a sung file; docs/audio.md has the held-out figures.
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
VOCALS_MARGIN = 2.0
Rule = Literal["threshold", "calibrated"]
RULES: tuple[str, ...] = ("threshold", "calibrated")
VocalsMode = Literal["decide", "off"]

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
# raw tags, per vocabulary, that say "no singing" and "singing" (the vocals decision)
NO_VOCALS_TAGS: dict[str, tuple[str, ...]] = {"mtt": ("no vocals", "no vocal", "no voice"), "msd": ("instrumental",)}
SINGING_TAGS: dict[str, tuple[str, ...]] = {
    "mtt": ("vocals", "vocal", "voice", "singing", "female", "male", "woman", "man", "female vocal", "male vocal",
            "female voice", "male voice", "choir", "choral", "opera"),
    "msd": ("female vocalists", "male vocalists"),
}


@dataclass(frozen=True)
class VocalsEvidence:
    """The vocals decision for one track (lifts: probability / training-data prior)."""

    no_vocals_lift: float
    no_vocals_tag: str
    singing_lift: float
    singing_tag: str
    no_vocals: bool

    def to_dict(self) -> dict:
        return {"no_vocals": self.no_vocals, "no_vocals_lift": round(self.no_vocals_lift, 3),
                "no_vocals_tag": self.no_vocals_tag, "singing_lift": round(self.singing_lift, 3),
                "singing_tag": self.singing_tag, "margin": VOCALS_MARGIN}


def _best_lift(probs_by_vocabulary: Mapping[str, Mapping[str, float]],
               tags: Mapping[str, tuple[str, ...]]) -> tuple[float, str]:
    priors = tag_priors()
    best, name = 0.0, ""
    for vocabulary, wanted in tags.items():
        probs = probs_by_vocabulary.get(vocabulary, {})
        for tag in wanted:
            prior = priors.get(vocabulary, {}).get(tag, 0.0)
            if tag in probs and prior > 0 and float(probs[tag]) / prior > best:
                best, name = float(probs[tag]) / prior, f"{vocabulary}:{tag}"
    return best, name


def vocals_evidence(probs_by_vocabulary: Mapping[str, Mapping[str, float]],
                    window_max: Mapping[str, Mapping[str, float]] | None = None) -> VocalsEvidence:
    """Decide "no vocals" from pooled probabilities and each tag's maximum over the windows."""
    n, n_tag = _best_lift(probs_by_vocabulary, NO_VOCALS_TAGS)
    s, s_tag = _best_lift(window_max if window_max else probs_by_vocabulary, SINGING_TAGS)
    return VocalsEvidence(n, n_tag, s, s_tag, n >= 1.0 and n >= VOCALS_MARGIN * s)


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
                   rule: Rule = "threshold", lift: float = DEFAULT_LIFT,
                   window_max: Mapping[str, Mapping[str, float]] | None = None,
                   vocals: VocalsMode = "decide") -> list[AudioDescriptor]:
    """Apply the whole rule (``threshold`` or ``calibrated``) to the pooled probabilities of one track.

    ``window_max`` (each tag's maximum over the windows) feeds the vocals decision;
    ``vocals="off"`` gives the rule without it (see the module docstring).
    """
    if rule not in RULES:
        raise ValueError(f"unknown descriptor rule {rule!r} (threshold or calibrated)")
    if vocals not in ("decide", "off"):
        raise ValueError(f"unknown vocals mode {vocals!r} (decide or off)")
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
    if vocals == "decide":
        evidence = vocals_evidence(probs_by_vocabulary, window_max)
        if evidence.no_vocals:
            for name in singing:
                del best[name]
            vocabulary, tag = evidence.no_vocals_tag.split(":", 1)
            mtt = merge_synonyms(probs_by_vocabulary.get("mtt", {})).get("no vocals")
            p = mtt if mtt is not None else float(probs_by_vocabulary[vocabulary][tag])
            best["no vocals"] = max(best.get("no vocals", 0.0), p)
            lifts["no vocals"] = max(lifts.get("no vocals", 0.0), evidence.no_vocals_lift)
            if vocabulary not in sources.setdefault("no vocals", []):
                sources["no vocals"].append(vocabulary)
        elif "no vocals" in best:
            del best["no vocals"]
    elif "no vocals" in best and singing:
        if score["no vocals"] >= max(score[name] for name in singing):
            drop = singing
        else:
            drop = ["no vocals"]
        for name in drop:
            del best[name]
    ordered = sorted(best, key=lambda n: (-score[n], n))
    return [AudioDescriptor(name, best[name], tuple(sources[name]), lifts.get(name)) for name in ordered]
