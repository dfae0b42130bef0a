"""A catalog's names (artists, titles, albums) for finding references in requests.

:class:`NameIndex` is built from plain records (anything with ``id`` and some of ``title``,
``artist``, ``album``: dicts, dataclasses, :class:`nlrec.catalog.Track`), so it does not depend
on the index package. It answers exact and fuzzy lookups on **name keys**:

* a key is the name lower-cased, accents folded, "&" read as "and", apostrophes removed, other
  punctuation turned into spaces and a leading "the" dropped: "The Beatles", "beatles" and
  "Beatles" share the key ``beatles``; "Beyoncé" is ``beyonce``; "AC/DC" is ``ac dc``;
* a possessive is tried without its "s" ("radioheads" -> ``radiohead``);
* fuzzy lookup (rapidfuzz optimal-string-alignment distance, so a swap of two letters is one
  typo) accepts :func:`max_edits` typos in keys of at least :data:`FUZZY_MIN_CHARS` characters,
  never a mere word form ("cinematic" is not "The Cinematics").

**Common-word guard.** A name that is also an everyday word or phrase ("cold", "ghost", "lush",
"imagination", "brand new", "doors") or a descriptor of the catalog ("ambient", "metal") is marked
``common`` at build time: its Zipf frequency in English (one-word names) (``wordfreq``, computed once at build, so
opening an index never imports it) is at least :data:`COMMON_ZIPF`, or its key is in the
catalog's descriptor vocabulary; a name of several words is common when each word's Zipf
frequency is at least :data:`COMMON_ZIPF_EACH` ("brand new", "new order"; not "johnny cash",
"massive attack"). :mod:`nlrec.request.references` accepts a common name only when
it is **cued** ("like Cold", "by Ghost", quoted, "Lush's ...") or written capitalised in a
request that is not written in Title Case throughout; other names are accepted wherever they
occur as whole words.

Stored as one JSON file (:meth:`NameIndex.save` / :meth:`NameIndex.load`), no pickles.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from nlrec.errors import NlrecError
from nlrec.request.language import fold_accents

NameKind = Literal["artist", "track", "album"]
NAME_KINDS: tuple[NameKind, ...] = ("artist", "track", "album")
_FIELDS: dict[NameKind, str] = {"artist": "artist", "track": "title", "album": "album"}
FORMAT_VERSION = 1
COMMON_ZIPF = 3.5
"""Zipf frequency (log10 of occurrences per billion words) from which a one-word name is common."""
COMMON_ZIPF_EACH = 4.8
"""A name of several words is common when each of its words is at least this frequent
("brand new", "new order", "love me"), since wordfreq has no phrase frequencies."""
FUZZY_CUTOFF = 80.0
"""Least similarity (0-100: 100 x (1 - edits / length)) for a fuzzy match."""
FUZZY_MIN_CHARS = 6
"""Keys shorter than this are matched exactly only (short names have too many neighbours)."""


def max_edits(key: str) -> int:
    """Typos allowed in a key: 1 up to 9 characters, 2 up to 15, 3 beyond (a swap is one)."""
    return 1 if len(key) < 10 else 2 if len(key) < 16 else 3


class NameIndexError(NlrecError):
    """A name index cannot be built, read or queried."""


_PUNCT = re.compile(r"[^\w\s]|_", re.UNICODE)


def name_key(name: str) -> str:
    """The lookup key of a name or request span (see the module docstring)."""
    t = fold_accents(str(name)).lower().replace("\u2019", "'").replace("`", "'")
    t = t.replace("&", " and ").replace("'", "")
    t = " ".join(_PUNCT.sub(" ", t).split())
    if t.startswith("the ") and len(t) > 4:
        t = t[4:]
    return t


def is_wordfreq_available() -> bool:
    """Whether the ``wordfreq`` package (English word frequencies) can be imported."""
    try:
        import wordfreq  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=262144)
def zipf(phrase: str) -> float:
    """Zipf frequency of ``phrase`` in English (0.0 when unknown or without ``wordfreq``)."""
    if not phrase or not is_wordfreq_available():
        return 0.0
    from wordfreq import zipf_frequency

    return float(zipf_frequency(phrase, "en"))


def is_common_name(key: str, vocabulary: frozenset[str] | set[str] = frozenset(),
                   threshold: float = COMMON_ZIPF) -> bool:
    """Whether a name key is also an everyday word or phrase (see the module docstring)."""
    if key in vocabulary:
        return True
    ws = key.split()
    if len(ws) == 1:
        return zipf(key) >= threshold
    return all(zipf(w) >= COMMON_ZIPF_EACH for w in ws)


@dataclass(frozen=True)
class NameMatch:
    """One name a span matched.

    Attributes:
        key: the name key that matched.
        name: the name as the catalog writes it.
        kind: ``"artist"``, ``"track"`` or ``"album"``.
        items: ids of the catalog items carrying the name.
        score: 1.0 for an exact key, else the fuzzy ratio / 100.
        common: whether the name is also a common word (see the module docstring).
        zipf: English Zipf frequency of the name's rarest word (0.0 when unknown).
    """

    key: str
    name: str
    kind: NameKind
    items: tuple[str, ...]
    score: float
    common: bool
    zipf: float = 0.0


def _get(record: Any, field: str) -> Any:
    if isinstance(record, Mapping):
        return record.get(field)
    return getattr(record, field, None)


class NameIndex:
    """Names of a catalog, keyed for exact and fuzzy lookup (see the module docstring).

    Build it with :meth:`build`, store it with :meth:`save`, open it with :meth:`load`.
    """

    def __init__(
        self,
        keys: list[str],
        names: list[str],
        kinds: list[NameKind],
        common: list[bool],
        items: list[list[str]],
        zipfs: list[float] | None = None,
    ) -> None:
        zipfs = zipfs if zipfs is not None else [0.0] * len(keys)
        if not (len(keys) == len(names) == len(kinds) == len(common) == len(items) == len(zipfs)):
            raise NameIndexError("name index columns have different lengths")
        self.keys, self.names, self.kinds, self.common, self.items = keys, names, kinds, common, items
        self.zipfs = zipfs
        self._by_key: dict[str, list[int]] = {}
        for i, k in enumerate(keys):
            if k in self._by_key:
                self._by_key[k].append(i)
            else:
                self._by_key[k] = [i]

    @cached_property
    def _unique(self) -> list[str]:
        return list(self._by_key)

    @cached_property
    def first_words(self) -> frozenset[str]:
        """First words of all keys (a quick filter for candidate spans)."""
        return frozenset(k.partition(" ")[0] for k in self._by_key)

    @cached_property
    def _compact(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k in self._by_key:
            out.setdefault(k.replace(" ", ""), k)
        return out

    @cached_property
    def max_words(self) -> int:
        """Words in the longest key."""
        return max((k.count(" ") + 1 for k in self._by_key), default=0)

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        return f"NameIndex({len(self)} names, {len(self._unique)} keys)"

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        records: Iterable[Any],
        *,
        kinds: Iterable[NameKind] = NAME_KINDS,
        vocabulary: Iterable[str] = (),
        common_zipf: float = COMMON_ZIPF,
    ) -> NameIndex:
        """Index the names of ``records``.

        Args:
            records: items with ``id`` and any of ``artist``, ``title``, ``album`` (mappings or
                objects; a missing or empty field is skipped).
            kinds: which names to index.
            vocabulary: the catalog's descriptors; a name whose key is one of them (or one of
                their words) is marked common.
            common_zipf: the Zipf frequency from which a name is common.

        Raises:
            NameIndexError: when a record has no ``id`` or no record has a name.
        """
        vocab = {name_key(v) for v in vocabulary}
        vocab |= {w for v in list(vocab) for w in v.split()}
        vocab.discard("")
        table: dict[tuple[str, NameKind], tuple[str, dict[str, None]]] = {}
        for n, record in enumerate(records):
            rid = _get(record, "id")
            if rid is None or str(rid) == "":
                raise NameIndexError(f"record {n} has no id")
            for kind in kinds:
                value = _get(record, _FIELDS[kind])
                if not value or not str(value).strip():
                    continue
                key = name_key(str(value))
                if not key:
                    continue
                entry = table.setdefault((key, kind), (str(value).strip(), {}))
                entry[1][str(rid)] = None
        if not table:
            raise NameIndexError("no names to index: records have no artist, title or album")
        keys, names, kinds_, common, items, zipfs = [], [], [], [], [], []
        for (key, kind), (name, ids) in table.items():
            keys.append(key)
            names.append(name)
            kinds_.append(kind)
            common.append(is_common_name(key, vocab, common_zipf))
            items.append(list(ids))
            zipfs.append(round(min((zipf(w) for w in key.split()), default=0.0), 2))
        return cls(keys, names, kinds_, common, items, zipfs)

    @classmethod
    def from_tracks(cls, tracks: Iterable[Any], *, min_share: float = 0.005, min_items: int = 5) -> NameIndex:
        """Index :class:`nlrec.catalog.Track` s: artist, title, and album from ``metadata``.

        The common-word vocabulary is the catalog's own descriptors that at least ``min_items``
        tracks and ``min_share`` of them carry (genre-like words, not a name used once as a tag).
        """
        from collections import Counter

        records: list[dict[str, Any]] = []
        counts: Counter[str] = Counter()
        for t in tracks:
            meta = getattr(t, "metadata", None) or {}
            album = meta.get("album") or meta.get("release") if isinstance(meta, Mapping) else None
            records.append({"id": t.id, "artist": t.artist, "title": t.title, "album": album})
            counts.update(set(getattr(t, "descriptors", ()) or ()))
        floor = max(min_items, int(min_share * len(records)))
        return cls.build(records, vocabulary=[d for d, n in counts.items() if n >= floor])

    # -- storage ----------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see :meth:`from_dict`)."""
        return {
            "format": "nlrec-names",
            "version": FORMAT_VERSION,
            "keys": self.keys,
            "names": self.names,
            "kinds": self.kinds,
            "common": [int(c) for c in self.common],  # 0/1: read back as is
            "items": self.items,
            "zipf": self.zipfs,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NameIndex:
        """Rebuild an index from :meth:`to_dict` output."""
        if data.get("format") != "nlrec-names" or data.get("version") != FORMAT_VERSION:
            raise NameIndexError("not an nlrec name index (or a newer format)")
        try:
            kinds = data["kinds"]
            if not set(kinds) <= set(NAME_KINDS):
                raise NameIndexError(f"unknown name kinds {sorted(set(kinds) - set(NAME_KINDS))}")
            return cls(data["keys"], data["names"], kinds, data["common"], data["items"],
                       data.get("zipf", [0.0] * len(kinds)))
        except (KeyError, TypeError) as e:
            raise NameIndexError(f"malformed name index: {e}") from None

    def save(self, path: str | Path) -> Path:
        """Write the index as one JSON file (``names.json`` when ``path`` is a directory)."""
        p = Path(path)
        if p.is_dir():
            p = p / "names.json"
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        tmp.replace(p)
        return p

    @classmethod
    def load(cls, path: str | Path) -> NameIndex:
        """Open an index written by :meth:`save` (a file, or a directory holding ``names.json``)."""
        p = Path(path)
        if p.is_dir():
            p = p / "names.json"
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise NameIndexError(f"cannot read name index {p}: {e}") from None
        return cls.from_dict(data)

    # -- lookups ----------------------------------------------------------------------------
    def has_key(self, key: str) -> bool:
        """Whether ``key`` (already a name key) is an exact name."""
        return key in self._by_key

    def _matches(self, key: str, score: float, kinds: Iterable[NameKind] | None) -> list[NameMatch]:
        wanted = set(kinds) if kinds is not None else None
        out = []
        for i in self._by_key.get(key, ()):
            if wanted is None or self.kinds[i] in wanted:
                out.append(NameMatch(key, self.names[i], self.kinds[i], tuple(self.items[i]), score,
                                     bool(self.common[i]), float(self.zipfs[i])))
        return out

    def exact(self, span: str, kinds: Iterable[NameKind] | None = None) -> list[NameMatch]:
        """Names whose key equals the span's (or the span's without a possessive "s")."""
        key = name_key(span)
        found = self._matches(key, 1.0, kinds)
        if not found and len(key) > 5 and key.endswith("s"):
            found = self._matches(key[:-1], 1.0, kinds)
        if not found and " " in key and key.replace(" ", "") in self._compact:  # "one republic"
            found = self._matches(self._compact[key.replace(" ", "")], 1.0, kinds)
        return found

    def lookup(
        self,
        span: str,
        *,
        kinds: Iterable[NameKind] | None = None,
        fuzzy: bool = True,
        limit: int = 3,
        cutoff: float = FUZZY_CUTOFF,
    ) -> list[NameMatch]:
        """Exact matches of ``span``, else up to ``limit`` fuzzy ones, best first.

        Args:
            span: request text naming something ("portishead", "Daft Punks", "into the fire").
            kinds: restrict to these kinds (default all).
            fuzzy: allow typos (keys of :data:`FUZZY_MIN_CHARS` characters or more).
            limit: most fuzzy keys returned.
            cutoff: least fuzzy ratio (0-100).
        """
        kinds = list(kinds) if kinds is not None else None
        found = self.exact(span, kinds)
        key = name_key(span)
        if found or not fuzzy or len(key) < FUZZY_MIN_CHARS:
            return found

        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        edits = max_edits(key)
        out: list[NameMatch] = []
        for cand, dist, _ in process.extract(key, self._unique, scorer=OSA.distance,
                                             score_cutoff=edits, limit=limit):
            score = 100.0 * (1.0 - dist / max(len(key), len(cand)))
            if len(cand) < FUZZY_MIN_CHARS or score < cutoff:
                continue
            if " " not in key and (cand.startswith(key) or key.startswith(cand)):
                continue  # "cinematic" is not "The Cinematics": a word form, not a typo
            out += self._matches(cand, round(score / 100.0, 4), kinds)
        return out


__all__ = [
    "COMMON_ZIPF",
    "COMMON_ZIPF_EACH",
    "FUZZY_CUTOFF",
    "FUZZY_MIN_CHARS",
    "NAME_KINDS",
    "NameIndex",
    "NameIndexError",
    "NameKind",
    "NameMatch",
    "is_common_name",
    "is_wordfreq_available",
    "max_edits",
    "name_key",
    "zipf",
]
