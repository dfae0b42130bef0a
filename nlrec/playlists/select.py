"""Choose a playlist's tracks: search a pool, then fill the length with varied, relevant tracks.

1. The request is searched like ``nlrec query`` (any index: local, Milvus, the demo) for a pool
   of candidates, several times the tracks the length needs.
2. Tracks are picked greedily by maximal marginal relevance (Carbonell & Goldstein 1998):
   ``(1 - diversity) * relevance - diversity * max cosine to the tracks already picked``, where
   relevance is the search score scaled to [0, 1] over the pool and the cosine is taken between
   the tracks' descriptor-set vectors (the dense index's; the Jaccard overlap of the descriptor
   sets where the index has none). ``diversity`` 0 keeps the search order.
3. At most ``max_per_artist`` tracks of one artist (case and spacing ignored), no track twice
   (same file, or same artist and title).
4. Length: a track is taken only while the total stays within ``target * (1 + tolerance)``;
   picking stops once the target is reached. If the best candidates cannot close the gap, the
   last pick is swapped for the one that lands closest to the target. Tracks without a known
   length count as ``assumed_seconds`` and the playlist says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.playlists.model import (
    DEFAULT_ASSUMED_SECONDS,
    Playlist,
    PlaylistEntry,
    file_path,
    known_duration,
)

if TYPE_CHECKING:
    from nlrec.index import Index
    from nlrec.search import SearchOptions

TOLERANCE = 0.05
DEFAULT_DIVERSITY = 0.3
DEFAULT_MAX_PER_ARTIST = 3
MAX_POOL = 10_000


@dataclass(frozen=True)
class PlaylistSpec:
    """What to build.

    Attributes:
        minutes: the length wanted (None: ``tracks`` tracks instead).
        tracks: the number of tracks wanted when ``minutes`` is None.
        max_per_artist: at most this many tracks of one artist (None: no cap).
        diversity: MMR weight of variety, in [0, 1] (0 = search order).
        assumed_seconds: the length counted for a track whose length the index does not know.
        tolerance: how far over the target the total may go (a fraction of it).
        require_files: keep only tracks with a file path (None: when the index has any).
    """

    minutes: float | None = 60.0
    tracks: int = 20
    max_per_artist: int | None = DEFAULT_MAX_PER_ARTIST
    diversity: float = DEFAULT_DIVERSITY
    assumed_seconds: float = DEFAULT_ASSUMED_SECONDS
    tolerance: float = TOLERANCE
    require_files: bool | None = None

    def __post_init__(self) -> None:
        if self.minutes is not None and not 0 < float(self.minutes) <= 7 * 24 * 60:
            raise NlrecError(f"--minutes must be between 0 and a week, got {self.minutes}")
        if self.minutes is None and not 1 <= int(self.tracks) <= MAX_POOL:
            raise NlrecError(f"--tracks must be between 1 and {MAX_POOL}, got {self.tracks}")
        if self.max_per_artist is not None and int(self.max_per_artist) < 1:
            raise NlrecError("--max-per-artist must be at least 1 (0 on the command line: no cap)")
        if not 0.0 <= float(self.diversity) <= 1.0:
            raise NlrecError(f"--diversity must be in [0, 1], got {self.diversity}")
        if not float(self.assumed_seconds) > 0:
            raise NlrecError("the assumed track length must be positive")
        if not 0.0 < float(self.tolerance) < 1.0:
            raise NlrecError("the length tolerance must be in (0, 1)")

    @property
    def target_seconds(self) -> float | None:
        return None if self.minutes is None else float(self.minutes) * 60.0


def make_playlist(index: Index, request: str, spec: PlaylistSpec | None = None, *,
                  options: SearchOptions | None = None, searcher: Any = None) -> Playlist:
    """A playlist for ``request`` from ``index``.

    Args:
        spec: length, variety and assumptions (defaults: 60 minutes, 3 per artist, 0.3).
        options: how to search (default: hybrid, as ``nlrec query``).
        searcher: a ready searcher over ``index`` (a server keeps one warm); built otherwise.

    Raises:
        NlrecError: for a request nothing in the index matches, or bad settings.
    """
    from nlrec.search import build_searcher

    spec = spec or PlaylistSpec()
    searcher = searcher or build_searcher(index, options)
    target = spec.target_seconds
    need = int(np.ceil(target / spec.assumed_seconds)) if target is not None else int(spec.tracks)
    pool_size = min(max(100, 8 * need), MAX_POOL, len(index.tracks))
    while True:
        hits = searcher.search(request, k=pool_size).hits
        playlist = _select(index, request, hits, spec)
        short = target is not None and playlist.seconds < target * (1 - spec.tolerance)
        short = short or (target is None and len(playlist.entries) < spec.tracks)
        if not short or len(hits) < pool_size or pool_size >= min(MAX_POOL, len(index.tracks)):
            break
        pool_size = min(pool_size * 4, MAX_POOL, len(index.tracks))
    playlist.settings["pool"] = len(hits)
    if not hits:
        raise NlrecError(f"nothing in index {index.name!r} matches {request!r}")
    if target is not None and playlist.seconds < target * (1 - spec.tolerance):
        playlist.notes.append(
            f"only {playlist.seconds / 60:.1f} of {target / 60:.0f} minutes: the index has no more "
            f"tracks for this request within the limits (max {spec.max_per_artist} per artist)")
    elif target is None and len(playlist.entries) < spec.tracks:
        playlist.notes.append(f"only {len(playlist.entries)} of {spec.tracks} tracks match within the limits")
    if playlist.assumed:
        playlist.notes.append(
            f"{playlist.assumed} of {len(playlist.entries)} tracks have no length in the index; each "
            f"counted as {_clock(spec.assumed_seconds)} (the assumed length)")
    return playlist


def _select(index: Index, request: str, hits: list[Any], spec: PlaylistSpec) -> Playlist:
    require = spec.require_files
    if require is None:
        require = any(file_path(h.metadata) for h in hits)
    entries, rows, seen = [], [], set()
    for hit in hits:
        path = file_path(hit.metadata)
        if require and path is None:
            continue
        if path:
            key: Any = path
        elif hit.title:
            key = (_norm(hit.artist), _norm(hit.title))
        else:
            key = hit.id
        if key in seen:
            continue
        seen.add(key)
        seconds = known_duration(hit.metadata)
        entries.append(PlaylistEntry(
            id=hit.id, title=hit.title, artist=hit.artist, album=(hit.metadata or {}).get("album"),
            path=path, seconds=seconds if seconds is not None else float(spec.assumed_seconds),
            duration_source="metadata" if seconds is not None else "assumed",
            score=float(hit.score), relevance=0.0, descriptors=tuple(hit.descriptors)))
        rows.append(index.row_of(hit.id))
    scores = np.asarray([e.score for e in entries], dtype=np.float64)
    if len(scores):
        span = scores.max() - scores.min()
        rel = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
        entries = [_with(e, relevance=float(r)) for e, r in zip(entries, rel)]
    sims = _similarities(index, rows, entries)
    chosen = _mmr_fill(entries, sims, spec)
    settings = {"max_per_artist": spec.max_per_artist, "diversity": spec.diversity,
                "assumed_seconds": spec.assumed_seconds, "tolerance": spec.tolerance,
                "require_files": bool(require)}
    return Playlist(request=request, entries=[entries[i] for i in chosen],
                    target_seconds=spec.target_seconds, settings=settings)


def _mmr_fill(entries: list[PlaylistEntry], sims: np.ndarray, spec: PlaylistSpec) -> list[int]:
    n = len(entries)
    target = spec.target_seconds
    upper = None if target is None else target * (1 + spec.tolerance)
    lam = 1.0 - float(spec.diversity)
    rel = np.asarray([e.relevance for e in entries])
    secs = np.asarray([e.seconds for e in entries])
    artists = [_norm(e.artist) if e.artist else None for e in entries]
    per_artist: dict[str, int] = {}
    chosen: list[int] = []
    max_sim = np.zeros(n)
    open_ = np.ones(n, dtype=bool)
    total = 0.0

    def allowed(i: int) -> bool:
        a = artists[i]
        return spec.max_per_artist is None or a is None or per_artist.get(a, 0) < spec.max_per_artist

    while True:
        if target is None and len(chosen) >= spec.tracks:
            break
        if target is not None and total >= target:
            break
        mmr = lam * rel - (1.0 - lam) * max_sim
        best = -1
        for i in np.lexsort((np.arange(n), -mmr)).tolist():
            if not open_[i] or not allowed(i):
                continue
            if upper is not None and total + secs[i] > upper:
                continue
            best = i
            break
        if best < 0:
            break
        chosen.append(best)
        open_[best] = False
        total += secs[best]
        if artists[best] is not None:
            per_artist[artists[best]] = per_artist.get(artists[best], 0) + 1
        max_sim = np.maximum(max_sim, sims[best])
    if target is not None and chosen and total < target * (1 - spec.tolerance):
        chosen = _close_gap(chosen, secs, artists, open_, spec, total)
    return chosen


def _close_gap(chosen: list[int], secs: np.ndarray, artists: list[str | None], open_: np.ndarray,
               spec: PlaylistSpec, total: float) -> list[int]:
    """Swap the last pick for the open track (artist cap kept) landing closest to the target."""
    target = float(spec.target_seconds or 0.0)
    last = chosen[-1]
    base = total - secs[last]
    counts: dict[str, int] = {}
    for i in chosen[:-1]:
        if artists[i] is not None:
            counts[artists[i]] = counts.get(artists[i], 0) + 1
    best, best_gap = last, abs(target - total)
    for i in np.flatnonzero(open_).tolist():
        a = artists[i]
        if spec.max_per_artist is not None and a is not None and counts.get(a, 0) >= spec.max_per_artist:
            continue
        gap = abs(target - (base + secs[i]))
        if gap < best_gap and base + secs[i] <= target * (1 + spec.tolerance):
            best, best_gap = i, gap
    return chosen[:-1] + [best]


def _similarities(index: Index, rows: list[int | None], entries: list[PlaylistEntry]) -> np.ndarray:
    """Pairwise similarity of the candidates: cosine of descriptor-set vectors, else Jaccard."""
    n = len(entries)
    if n == 0:
        return np.zeros((0, 0))
    if all(r is not None for r in rows):
        docs = [int(index.track_doc[r]) for r in rows]
        try:
            vectors = np.asarray(index.retriever("dense").vectors_of(docs), dtype=np.float32)
        except (NlrecError, AttributeError, NotImplementedError, RuntimeError):
            vectors = None
        if vectors is not None and vectors.shape[0] == n:
            unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            return np.clip(unit @ unit.T, -1.0, 1.0)
    sets = [{d.lower() for d in e.descriptors} for e in entries]
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(i, n):
            union = len(sets[i] | sets[j])
            out[i, j] = out[j, i] = len(sets[i] & sets[j]) / union if union else 0.0
    return out


def _with(entry: PlaylistEntry, **changes: Any) -> PlaylistEntry:
    from dataclasses import replace

    return replace(entry, **changes)


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").casefold()).strip()


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}:{s % 60:02d}"
