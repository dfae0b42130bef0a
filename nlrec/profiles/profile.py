"""Taste profiles: a readable weighting over descriptor prototypes, stored as JSON.

A profile lives in ``NLREC_HOME/profiles/<name>.json``::

    {
      "format": "nlrec-profile",
      "version": 1,
      "name": "alice",
      "index": "hetrec",
      "weights": {"jazz": 0.21, "piano": 0.14, ...},   # prototype -> weight, largest first
      "muted": ["metal"],
      "settings": {"top_m": 12, "temperature": 0.1, "lexical": 0.7, "mute_penalty": 1.0, ...},
      "vocabulary": ["rock", "jazz", ...],             # the prototypes the likes attended over
      "likes": {"track-7": 12.0, ...},                 # the history it was built from (id -> plays)
      "created_at": "...", "updated_at": "...",
      "history": [{"at": "...", "op": "more", "descriptor": "jazz", "before": 0.11, "after": 0.21}]
    }

Weights are non-negative; a build makes them sum to 1, adjustments change them freely (scores
divide by their sum). Every read validates the whole file: a malformed or hand-broken profile is
refused with a message naming the problem, and never overwritten unless asked (``--force``).
Storing, locking and listing profiles: :mod:`nlrec.profiles.store`.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal

from nlrec.errors import NlrecError
from nlrec.limits import LIMITS
from nlrec.profiles.prototypes import descriptor_key

PROFILE_FORMAT = "nlrec-profile"
PROFILE_VERSION = 1
MORE_STEP = 0.2
"""What ``--more`` adds to a weight (a build's weights sum to 1; chosen on hetrec dev listeners)."""
LESS_FACTOR = 0.5
"""What ``--less`` multiplies a weight by."""
MUTE_PENALTY = 1.0
"""What each muted descriptor an item carries subtracts from its profile score (chosen on the
hetrec dev listeners; see ``eval/PROFILES.md``)."""
MAX_MUTE_PENALTY = 100.0
MAX_HISTORY = 100
PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
"""What a profile may be called (it names the file it is stored in)."""

Weighting = Literal["log1p", "binary", "linear"]


class ProfileError(NlrecError):
    """A profile is missing, malformed, or cannot be changed as asked."""


@dataclass(frozen=True)
class ProfileSettings:
    """How a profile is built and scored (stored in the profile, so recommendations repeat).

    The defaults were chosen on the hetrec dev listeners (never on test listeners); see
    ``eval/PROFILES.md``.

    Attributes:
        vocab_size: prototypes the likes attend over: the index's most frequent descriptors.
        top_m: prototypes a built profile keeps (the rest are dropped: sparse and readable).
        temperature: softmax temperature of each liked item's attention over the prototypes.
        lexical: weight of "the item carries the descriptor" in item-prototype affinity.
        blend: weight of the carriers' centroid in a prototype (0 = the descriptor's text alone).
        specificity: exponent of the catalog's mean attention the listener's is divided by
            (0 = raw attention; 1 = lift over the average item), so generic descriptors do not
            crowd out distinctive ones.
        weighting: how play counts weight liked items: ``log1p`` (default), ``binary``, ``linear``.
        mute_penalty: what each muted descriptor an item carries subtracts from its score (scores
            are weighted mean affinities, at most 1): ``mute`` removes the prototype *and*
            demotes its carriers. 0 only removes the prototype. Profiles written before this
            setting existed load with the default.
    """

    vocab_size: int = 150
    top_m: int = 12
    temperature: float = 0.1
    lexical: float = 0.7
    blend: float = 0.5
    specificity: float = 0.5
    weighting: Weighting = "log1p"
    mute_penalty: float = MUTE_PENALTY

    def __post_init__(self) -> None:
        checks = [
            (isinstance(self.vocab_size, int) and not isinstance(self.vocab_size, bool)
             and self.vocab_size >= 1, "vocab_size must be an integer >= 1"),
            (isinstance(self.top_m, int) and not isinstance(self.top_m, bool) and self.top_m >= 1,
             "top_m must be an integer >= 1"),
            (_is_number(self.temperature) and self.temperature > 0, "temperature must be a number > 0"),
            (_is_number(self.lexical) and 0 <= self.lexical <= 1, "lexical must be a number in [0, 1]"),
            (_is_number(self.blend) and 0 <= self.blend <= 1, "blend must be a number in [0, 1]"),
            (_is_number(self.specificity) and 0 <= self.specificity <= 2, "specificity must be a number in [0, 2]"),
            (self.weighting in ("log1p", "binary", "linear"), "weighting must be log1p, binary or linear"),
            (_is_number(self.mute_penalty) and 0 <= self.mute_penalty <= MAX_MUTE_PENALTY,
             f"mute_penalty must be a number in [0, {MAX_MUTE_PENALTY:g}]"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message)


@dataclass
class Profile:
    """A listener's taste: prototype weights they can read and change.

    Attributes:
        name: profile name (file ``<name>.json``).
        index: the index it was built on.
        weights: descriptor key -> weight (> 0).
        muted: descriptors switched off (weight 0 until raised again).
        settings: build and scoring settings.
        vocabulary: the prototypes the likes attended over.
        likes: the history it was built from, track id -> play count.
        created_at, updated_at: ISO-8601 UTC times.
        history: adjustments, oldest first (the last :data:`MAX_HISTORY`).
    """

    name: str
    index: str
    weights: dict[str, float]
    muted: list[str] = field(default_factory=list)
    settings: ProfileSettings = field(default_factory=ProfileSettings)
    vocabulary: list[str] = field(default_factory=list)
    likes: dict[str, float] = field(default_factory=dict)
    created_at: str = ""
    updated_at: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total(self) -> float:
        return float(sum(self.weights.values()))

    def shares(self) -> dict[str, float]:
        """Each prototype's share of the total weight, largest first."""
        total = self.total or 1.0
        return {d: w / total for d, w in self.ranked()}

    def ranked(self) -> list[tuple[str, float]]:
        """``(descriptor, weight)`` pairs, largest weight first (ties by name)."""
        return sorted(self.weights.items(), key=lambda kv: (-kv[1], kv[0]))

    def known(self) -> set[str]:
        """Descriptors this profile knows without its index: vocabulary, weights and muted."""
        return set(self.vocabulary) | set(self.weights) | set(self.muted)

    # ------------------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        return {
            "format": PROFILE_FORMAT,
            "version": PROFILE_VERSION,
            "name": self.name,
            "index": self.index,
            "weights": dict(self.ranked()),
            "muted": sorted(self.muted),
            "settings": asdict(self.settings),
            "vocabulary": list(self.vocabulary),
            "likes": dict(self.likes),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "history": list(self.history),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, *, where: str = "profile") -> Profile:
        """Validate and load a profile object.

        Raises:
            ProfileError: naming the first problem found (``where`` prefixes the message).
        """

        def bad(problem: str) -> ProfileError:
            return ProfileError(f"{where} is malformed: {problem}")

        if not isinstance(data, dict):
            raise bad("expected a JSON object")
        if data.get("format") != PROFILE_FORMAT:
            raise bad(f'"format" must be {PROFILE_FORMAT!r}')
        if data.get("version") != PROFILE_VERSION:
            raise bad(f'"version" {data.get("version")!r} is not supported (expected {PROFILE_VERSION})')
        allowed = {"format", "version", "name", "index", "weights", "muted", "settings", "vocabulary",
                   "likes", "created_at", "updated_at", "history"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise bad(f"unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted(allowed))}")
        for key in ("name", "index", "weights"):
            if key not in data:
                raise bad(f"missing {key!r}")
        name, index = data["name"], data["index"]
        if not isinstance(name, str) or not PROFILE_NAME.match(name):
            raise bad(f'"name" must be 1-64 letters, digits, ".", "_" or "-", got {name!r}')
        if not isinstance(index, str) or not index:
            raise bad('"index" must be a non-empty string')
        weights = _weights(data["weights"], bad)
        muted = _strings(data.get("muted", []), "muted", bad)
        both = sorted(set(muted) & set(weights))
        if both:
            raise bad(f"{', '.join(map(repr, both))} both muted and weighted; remove one of the two")
        settings_raw = data.get("settings", {})
        if not isinstance(settings_raw, dict):
            raise bad('"settings" must be an object')
        fields = set(ProfileSettings.__dataclass_fields__)
        extra = sorted(set(settings_raw) - fields)
        if extra:
            raise bad(f'unknown setting(s) {", ".join(map(repr, extra))}; allowed: {", ".join(sorted(fields))}')
        try:
            settings = ProfileSettings(**settings_raw)
        except ValueError as e:
            raise bad(f"settings: {e}") from None
        likes = data.get("likes", {})
        if not isinstance(likes, dict) or not all(_is_number(v) and v >= 0 for v in likes.values()):
            raise bad('"likes" must map track ids to non-negative play counts')
        history = data.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            raise bad('"history" must be a list of objects')
        stamps = {k: data.get(k, "") for k in ("created_at", "updated_at")}
        for k, v in stamps.items():
            if not isinstance(v, str):
                raise bad(f"{k!r} must be a string")
        return cls(
            name=name, index=index, weights=weights, muted=muted, settings=settings,
            vocabulary=_strings(data.get("vocabulary", []), "vocabulary", bad),
            likes={str(k): float(v) for k, v in likes.items()}, history=history, **stamps,
        )

    @classmethod
    def from_json(cls, text: str, *, where: str = "profile") -> Profile:
        try:
            data = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except json.JSONDecodeError as e:
            raise ProfileError(f"{where} is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
        except ValueError as e:  # duplicate keys
            raise ProfileError(f"{where} is malformed: {e}") from None
        except RecursionError:
            raise ProfileError(f"{where} is malformed: nested too deeply") from None
        return cls.from_dict(data, where=where)

    # ------------------------------------------------------------------------- adjusting
    def adjusted(
        self,
        *,
        more: Sequence[str] = (),
        less: Sequence[str] = (),
        mute: Sequence[str] = (),
        set_: Mapping[str, float] | None = None,
        known: Iterable[str] | None = None,
    ) -> tuple[Profile, list[dict[str, Any]], list[str]]:
        """A copy with the given changes applied, in the order set, more, less, mute.

        ``--more`` adds :data:`MORE_STEP` (and unmutes), ``--less`` multiplies by
        :data:`LESS_FACTOR`, ``--mute`` removes the prototype and lists it under ``muted`` (scoring
        then demotes its carriers by ``settings.mute_penalty``), ``--set`` sets an exact weight.

        Args:
            known: descriptor keys that may be named (default: :meth:`known`).

        Returns:
            The new profile, the changes made (``{"op", "descriptor", "before", "after"}``, also
            appended to its history) and notes for the user (changes that did nothing).

        Raises:
            ProfileError: for an unknown descriptor (listing close matches), a negative or
                non-finite ``--set`` value, or one descriptor given conflicting changes.
        """
        set_ = dict(set_ or {})
        known_set = set(known) if known is not None else self.known()
        resolve = lambda n: resolve_descriptor(n, known_set)  # noqa: E731
        ops: list[tuple[str, str, float | None]] = (
            [("set", resolve(n), v) for n, v in set_.items()]
            + [("more", resolve(n), None) for n in more]
            + [("less", resolve(n), None) for n in less]
            + [("mute", resolve(n), None) for n in mute]
        )
        seen: dict[str, str] = {}
        for op, d, _ in ops:
            if d in seen and seen[d] != op:
                raise ProfileError(f"{d!r} is given both --{seen[d]} and --{op}; give one change per descriptor")
            seen[d] = op
        weights, muted = dict(self.weights), list(self.muted)
        changes: list[dict[str, Any]] = []
        notes: list[str] = []
        now = _now()
        for op, d, value in ops:
            before = weights.get(d, 0.0)
            if op == "set":
                if value is None or not _is_number(value) or not 0 <= value <= LIMITS.profile_weight:
                    raise ProfileError(f"--set {d}={value}: the weight must be a number in [0, {LIMITS.profile_weight:g}]")
                after = float(value)
            elif op == "more":
                after = before + MORE_STEP
            elif op == "less":
                after = before * LESS_FACTOR
                if before == 0:
                    notes.append(f"{d!r} has no weight in profile {self.name!r}; --less changed nothing")
            else:
                after = 0.0
                if before == 0:
                    notes.append(f"{d!r} had no weight in profile {self.name!r}; recorded as muted")
            after = round(after, 6)
            if op in ("set", "more") and d in muted and after > 0:
                muted.remove(d)
            if after > 0:
                weights[d] = after
            else:
                weights.pop(d, None)
            if op == "mute" and d not in muted:
                muted.append(d)
            changes.append({"at": now, "op": op, "descriptor": d, "before": before, "after": after})
        history = (list(self.history) + changes)[-MAX_HISTORY:]
        new = replace(self, weights=weights, muted=sorted(muted), history=history, updated_at=now)
        return new, changes, notes


def resolve_descriptor(name: str, known: Iterable[str]) -> str:
    """The key of ``name`` if it is a known descriptor.

    Raises:
        ProfileError: listing close matches (difflib) when ``name`` is unknown.
    """
    key = descriptor_key(name)
    known = set(known)
    if key in known:
        return key
    close = difflib.get_close_matches(key, sorted(known), n=5, cutoff=0.6)
    if not close:
        close = sorted(k for k in known if key and (key in k or k in key))[:5]
    hint = f"; close matches: {', '.join(repr(c) for c in close)}" if close else "; no close match"
    raise ProfileError(f"unknown descriptor {name!r}{hint}")


# --------------------------------------------------------------------------- helpers
def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _is_number(v: Any) -> bool:
    """A finite int or float (a 401-digit integer is not: it does not fit a float)."""
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:
        return False


def _weights(raw: Any, bad: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise bad('"weights" must be an object mapping descriptors to numbers')
    out: dict[str, float] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not descriptor_key(k):
            raise bad(f"weights: descriptor {k!r} must be a non-empty string")
        if not _is_number(v) or v < 0:
            raise bad(f"weights[{k!r}] must be a finite number >= 0, got {v!r}")
        key = descriptor_key(k)
        if key in out:
            raise bad(f"weights: {k!r} appears twice (descriptors match case-insensitively)")
        if v > 0:
            out[key] = float(v)
    return out


def _strings(raw: Any, what: str, bad: Any) -> list[str]:
    if not isinstance(raw, list) or not all(isinstance(s, str) and descriptor_key(s) for s in raw):
        raise bad(f"{what!r} must be a list of non-empty strings")
    return list(dict.fromkeys(descriptor_key(s) for s in raw))


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ValueError(f"key {k!r} appears twice")
        out[k] = v
    return out
