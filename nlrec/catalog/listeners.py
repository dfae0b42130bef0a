"""Real listeners for evaluating profiles: HetRec 2011 Last.fm-2K and Yes.com playlists.

Both loaders return a :class:`ListeningData`: items with descriptor sets, and listeners with the
items they played (and how often), in a seeded random order.

* ``hetrec`` (``<data>/hetrec_lastfm2k``): artists are the items. Users are split before anything
  is read into the catalog: ``n_listeners`` users with at least ``min_history`` artists are drawn
  (seeded) as **listeners**; every other user is a **tagger**. An artist's descriptor set is the
  tags that taggers gave it (most used first, at most ``max_descriptors``), so a listener's own
  tags never describe the items they are evaluated on. Artists no tagger tagged are not items.
* ``yes`` (``<data>/yes_playlists``): songs with Last.fm tags are the items (tags are independent
  of the playlists); playlists with at least ``min_history`` distinct tagged songs are the
  listeners, a song's repetitions in a playlist its play count. Radio call-sign tags (``wjlb-fm``)
  name the stations the playlists come from and are dropped.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlrec.errors import NlrecError
from nlrec.text import descriptor_key

DatasetName = Literal["hetrec", "yes"]
PROFILE_DATASETS: tuple[str, ...] = ("hetrec", "yes")
HETREC_DIR = "hetrec_lastfm2k"
_CALL_SIGN = re.compile(r"^[kw][a-z]{2,3}-(?:fm|am)$")
"""Radio call signs (``wjlb-fm``) among the Yes.com tags: they name the stations the playlists
come from, so they would leak the listener into the item; they are dropped."""
YES_DIR = "yes_playlists"


@dataclass
class ListeningData:
    """Items with descriptor sets, and listeners' histories over them.

    Attributes:
        name: dataset name.
        item_ids: item ids (strings), one a row.
        descriptors: per item, its descriptor keys (most salient first).
        listeners: ``(listener id, {item row: plays})`` in a seeded random order.
        info: counts and provenance for the results file.
    """

    name: str
    item_ids: list[str]
    descriptors: list[tuple[str, ...]]
    listeners: list[tuple[str, dict[int, float]]]
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def texts(self) -> list[str]:
        """The descriptor-set strings that are embedded (descriptors joined with ``", "``)."""
        return [", ".join(d) for d in self.descriptors]


def load_listening(name: str, data_dir: str | Path, **kwargs: Any) -> ListeningData:
    """Load ``hetrec`` or ``yes`` from a data directory (see the module docstring)."""
    if name == "hetrec":
        return load_hetrec(data_dir, **kwargs)
    if name == "yes":
        return load_yes(data_dir, **kwargs)
    raise NlrecError(f"unknown profile dataset {name!r}; choose one of {', '.join(PROFILE_DATASETS)}")


def _dir(data_dir: str | Path, sub: str, files: tuple[str, ...]) -> Path:
    root = Path(data_dir) / sub
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        raise NlrecError(f"{root}: missing {', '.join(missing)} (expected the layout of shared/data/{sub})")
    return root


def _read_tsv(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    try:
        with open(path, encoding=encoding, newline="") as f:
            rows = [[c.strip() for c in r] for r in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)]
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise NlrecError(f"cannot read {path}: {e}") from None
    return [r for r in rows[1:] if r and any(r)]


def load_hetrec(
    data_dir: str | Path,
    *,
    n_listeners: int = 500,
    seed: int = 0,
    min_history: int = 20,
    min_items: int = 10,
    max_descriptors: int = 10,
) -> ListeningData:
    """HetRec 2011 Last.fm-2K with a tagger / listener split of the users.

    Args:
        n_listeners: users drawn as listeners (the evaluation's dev + test listeners).
        seed: seed of the user draw.
        min_history: artists a user must have listened to, to be drawn as a listener.
        min_items: tagged artists a listener must keep (others are dropped, and counted).
        max_descriptors: tags kept per artist, most used first.
    """
    root = _dir(data_dir, HETREC_DIR, ("user_artists.dat", "tags.dat", "user_taggedartists.dat"))
    plays: dict[str, dict[str, float]] = {}
    for r in _read_tsv(root / "user_artists.dat"):
        plays.setdefault(r[0], {})[r[1]] = float(r[2])
    tag_names = {r[0]: descriptor_key(r[1]) for r in _read_tsv(root / "tags.dat", "latin-1") if len(r) >= 2}
    assignments = _read_tsv(root / "user_taggedartists.dat")
    if (root / "user_taggedartists_2.dat").is_file():
        assignments += _read_tsv(root / "user_taggedartists_2.dat")

    users = sorted(set(plays) | {r[0] for r in assignments}, key=_num)
    order = np.random.default_rng(seed).permutation(len(users))
    eligible = [users[i] for i in order if len(plays.get(users[i], {})) >= min_history]
    listener_ids = eligible[:n_listeners]
    listeners_set = set(listener_ids)

    per_artist: dict[str, Counter[str]] = {}
    tag_freq: Counter[str] = Counter()
    taggers: set[str] = set()
    for user, artist, tag, *_ in assignments:
        if user in listeners_set or tag not in tag_names or not tag_names[tag]:
            continue
        per_artist.setdefault(artist, Counter())[tag_names[tag]] += 1
        tag_freq[tag_names[tag]] += 1
        taggers.add(user)
    item_ids = sorted(per_artist, key=_num)
    descriptors = [
        tuple(sorted(per_artist[a], key=lambda t, c=per_artist[a]: (-c[t], -tag_freq[t], t))[:max_descriptors])
        for a in item_ids
    ]
    row = {a: i for i, a in enumerate(item_ids)}
    listeners, dropped = [], 0
    for u in listener_ids:
        hist = {row[a]: n for a, n in plays.get(u, {}).items() if a in row}
        if len(hist) >= min_items:
            listeners.append((u, hist))
        else:
            dropped += 1
    info = {"dataset": "hetrec", "path": str(root), "users": len(users), "taggers": len(taggers),
            "listeners_drawn": len(listener_ids), "listeners": len(listeners), "listeners_dropped": dropped,
            "items": len(item_ids), "seed": seed, "min_history": min_history, "min_items": min_items,
            "max_descriptors": max_descriptors}
    return ListeningData("hetrec", item_ids, descriptors, listeners, info)


def load_yes(
    data_dir: str | Path,
    *,
    n_listeners: int = 500,
    seed: int = 0,
    min_history: int = 10,
    min_items: int = 10,
    max_descriptors: int = 10,
) -> ListeningData:
    """Yes.com playlists (yes_big training playlists) as listeners over tagged songs.

    Args:
        n_listeners: playlists drawn (seeded) among those with ``min_history`` distinct tagged songs.
        min_items: kept for symmetry with :func:`load_hetrec` (the draw already ensures it).
        max_descriptors: tags kept per song, in the file's order (most frequent tags first).
    """
    root = _dir(data_dir, YES_DIR, ("train.txt", "tags.txt", "tag_hash.txt"))
    try:
        tag_names = {}
        for line in (root / "tag_hash.txt").read_text(encoding="utf-8").splitlines():
            if "," in line:
                i, name = line.split(",", 1)
                key = descriptor_key(name)
                tag_names[i.strip()] = "" if _CALL_SIGN.match(key) else key
        song_tags = (root / "tags.txt").read_text(encoding="utf-8").splitlines()
        lines = (root / "train.txt").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise NlrecError(f"cannot read {root}: {e}") from None
    songs: dict[int, tuple[str, ...]] = {}
    for s, line in enumerate(song_tags):
        tags = tuple(dict.fromkeys(tag_names[t] for t in line.split() if t in tag_names and tag_names[t]))
        if tags:
            songs[s] = tags[:max_descriptors]
    item_ids = [str(s) for s in sorted(songs)]
    row = {int(s): i for i, s in enumerate(item_ids)}
    playlists = []
    for n, line in enumerate(lines[2:]):
        hist: dict[int, float] = {}
        for tok in line.split():
            if tok.isdigit() and int(tok) in row:
                hist[row[int(tok)]] = hist.get(row[int(tok)], 0.0) + 1.0
        if len(hist) >= max(min_history, min_items):
            playlists.append((f"playlist-{n}", hist))
    order = np.random.default_rng(seed).permutation(len(playlists))
    listeners = [playlists[i] for i in order[:n_listeners]]
    info = {"dataset": "yes", "path": str(root), "playlists": len(lines) - 2,
            "dropped_tags": sorted(i for i, n in tag_names.items() if not n), "eligible_playlists": len(playlists),
            "listeners": len(listeners), "items": len(item_ids), "seed": seed, "min_history": min_history,
            "max_descriptors": max_descriptors}
    return ListeningData("yes", item_ids, [songs[int(s)] for s in item_ids], listeners, info)


def _num(s: str) -> tuple[int, str]:
    return (int(s), s) if s.isdigit() else (1 << 62, s)
