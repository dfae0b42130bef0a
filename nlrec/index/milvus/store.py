"""The two Milvus collections of an index, and what nlrec reads and writes in them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from nlrec.errors import NlrecError
from nlrec.index.milvus.client import (
    ID_MAX_BYTES,
    MARKER_KIND,
    MARKER_PROPERTY,
    MAX_TOPK,
    PLACEHOLDER_DIM,
    TEXT_MAX_BYTES,
    MilvusError,
    MilvusTarget,
    _cut,
    _short,
    connect,
    number_like,
)


def _fold(value: Any) -> Any:
    """A metadata value as filters compare it: strings case-folded, lists element-wise."""
    if isinstance(value, str):
        number = number_like(value)
        return number if number is not None else value.casefold()
    if isinstance(value, bool) or isinstance(value, (int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_fold(v) for v in value]
    return str(value).casefold()


META_FORMAT = 2
"""How metadata is stored (recorded as ``meta_format`` in the manifest's backend record).

1 (older indexes): a text that looks like a number is stored as that number ("007" as 7).
2: every scalar is stored as the text a local filter compares (``str(value).casefold()``), and
the number a local filter compares (``float(text)``, a number itself, a boolean as 0/1) in the
shadow object ``metadata["#num"]``, so ``label = '007'`` never matches "7" and ``bpm < 120`` still
works on a text column (:mod:`nlrec.search.milvus_filters`)."""
NUM_KEY = "#num"
_FLOAT_MAX = 1.7976931348623157e308


def _as_number(value: Any) -> int | float | None:
    """The number a local filter compares ``value`` as (``filters._compare``), or None."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else float(value)
    if isinstance(value, float):
        number = value
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
    else:
        return None
    if number != number:  # NaN never compares true: stored as absent
        return None
    return max(-_FLOAT_MAX, min(_FLOAT_MAX, number))  # +-inf as the largest doubles (JSON has no inf)


def _metadata(metadata: dict[str, Any] | None, meta_format: int) -> dict[str, Any] | None:
    if meta_format < 2:
        meta = {str(k): _fold(v) for k, v in (metadata or {}).items() if v is not None}
        return meta or None
    meta: dict[str, Any] = {}
    numbers: dict[str, Any] = {}
    for k, v in (metadata or {}).items():
        k = str(k)
        if v is None or k == NUM_KEY:
            continue
        if isinstance(v, (list, tuple, dict, bool)):  # filtered locally (build.list_fields)
            meta[k] = _fold(v)
            continue
        meta[k] = str(v).casefold()
        number = _as_number(v)
        if number is not None:
            numbers[k] = number
    if numbers:
        meta[NUM_KEY] = numbers
    return meta or None


def track_entity(track: Any, key: int, meta_format: int = META_FORMAT) -> dict[str, Any]:
    """A track as a row of the tracks collection (``meta_format``: see :data:`META_FORMAT`)."""
    tid = str(track.id)
    if len(tid.encode("utf-8")) > ID_MAX_BYTES:
        raise NlrecError(f"track id {tid[:40]!r}... is longer than {ID_MAX_BYTES} bytes (Milvus' key limit)")
    meta = _metadata(track.metadata, meta_format)
    return {
        "id": tid, "doc": int(key),
        "title": _cut(track.title.casefold(), 2048) if track.title else None,
        "artist": _cut(track.artist.casefold(), 2048) if track.artist else None,
        "year": int(track.year) if track.year is not None else None,
        "descriptors": _cut("|" + "|".join(d.casefold() for d in track.descriptors) + "|", TEXT_MAX_BYTES),
        "metadata": meta,
        "_v": [0.0] * PLACEHOLDER_DIM,
    }


class MilvusStore:
    """The two collections of one index, and what nlrec does with them."""

    def __init__(self, where: MilvusTarget, client: Any = None, *, create: bool = True) -> None:
        self.target = where
        self.client = client if client is not None else connect(where.uri, where.token_env, create=create)

    def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except MilvusError:
            raise
        except Exception as e:  # noqa: BLE001
            raise MilvusError(f"Milvus at {self.target.uri}: {what} failed: {_short(e)}") from None

    # -- collections ----------------------------------------------------------------------
    def exists(self) -> bool:
        names = self._call("listing collections", self.client.list_collections)
        return self.target.collection in names or self.target.tracks_collection in names

    def marker(self) -> dict[str, Any] | None:
        """The nlrec marker in the documents collection's properties (None: not nlrec's)."""
        try:
            props = self.client.describe_collection(self.target.collection).get("properties") or {}
            marker = json.loads(props.get(MARKER_PROPERTY) or "")
        except Exception:  # noqa: BLE001 - missing collection or a foreign description
            return None
        return marker if isinstance(marker, dict) and marker.get("kind") == MARKER_KIND else None

    def create(self, dimension: int, marker: dict[str, Any], *, index_type: str = "FLAT",
               index_params: dict[str, Any] | None = None) -> None:
        """Create both collections (neither may exist yet)."""
        from pymilvus import DataType

        if self.exists():
            raise MilvusError(f"collection {self.target.collection!r} already exists at {self.target.uri}; "
                              "choose another --collection, or remove the index that owns it")
        c = self.client
        docs = c.create_schema(auto_id=False, description="nlrec index: descriptor sets")
        docs.add_field("key", DataType.INT64, is_primary=True)
        docs.add_field("vector", DataType.FLOAT_VECTOR, dim=int(dimension))
        docs.add_field("text", DataType.VARCHAR, max_length=TEXT_MAX_BYTES)
        ip = c.prepare_index_params()
        ip.add_index("vector", index_type=index_type, metric_type="IP", params=index_params or {})
        props = {MARKER_PROPERTY: json.dumps({**marker, "kind": MARKER_KIND})}
        self._call("creating a collection", c.create_collection, self.target.collection, schema=docs, index_params=ip,
                   properties=props)
        tracks = c.create_schema(auto_id=False, description="nlrec index: tracks")
        tracks.add_field("id", DataType.VARCHAR, is_primary=True, max_length=ID_MAX_BYTES)
        tracks.add_field("doc", DataType.INT64)
        tracks.add_field("title", DataType.VARCHAR, max_length=2048, nullable=True)
        tracks.add_field("artist", DataType.VARCHAR, max_length=2048, nullable=True)
        tracks.add_field("year", DataType.INT64, nullable=True)
        tracks.add_field("descriptors", DataType.VARCHAR, max_length=TEXT_MAX_BYTES)
        tracks.add_field("metadata", DataType.JSON, nullable=True)
        tracks.add_field("_v", DataType.FLOAT_VECTOR, dim=PLACEHOLDER_DIM)
        ip = c.prepare_index_params()
        ip.add_index("_v", index_type="FLAT", metric_type="L2")
        self._call("creating a collection", c.create_collection, self.target.tracks_collection, schema=tracks,
                   index_params=ip, properties=props)

    def owned_by(self, marker: dict[str, Any], root: Any = None) -> bool:
        """Whether the collections' marker proves the index at ``root`` made them: the same random
        token as the manifest's marker and, for ``root``, the same real folder (a copy of an
        index's files carries its token, not its folder; markers older than the folder record
        fall back to the index's name)."""
        mine = self.marker()
        if mine is None or not marker.get("token") or mine.get("token") != marker.get("token"):
            return False
        if root is None:
            return True
        import os

        if mine.get("root"):
            return mine["root"] == os.path.realpath(root)
        return mine.get("index") == os.path.basename(os.path.realpath(root))

    def drop(self, marker: dict[str, Any], root: Any = None) -> bool:
        """Drop both collections if their marker proves this index (at ``root``, when given)
        made them (:meth:`owned_by`); False otherwise."""
        if not self.owned_by(marker, root):
            return False
        for name in (self.target.tracks_collection, self.target.collection):
            if name in self.client.list_collections():
                self._call("dropping a collection", self.client.drop_collection, name)
        return True

    def check(self, dimension: int, *, marker: dict[str, Any] | None = None,
              counts: tuple[int, int] | None = None) -> None:
        """Check the collections against an index: present, nlrec's schema, ``dimension``, the
        marker and (when given) the ``(documents, tracks)`` counts.

        Raises:
            MilvusError: naming the first difference, in one line.
        """
        t = self.target
        names = self._call("listing collections", self.client.list_collections)
        for name in (t.collection, t.tracks_collection):
            if name not in names:
                raise MilvusError(f"collection {name!r} is missing at {t.uri}; rebuild the index")
        docs = self._call("describing a collection", self.client.describe_collection, t.collection)
        fields = {f["name"]: f for f in docs.get("fields", [])}
        if set(fields) != {"key", "vector", "text"}:
            raise MilvusError(f"collection {t.collection!r} at {t.uri} does not have nlrec's schema "
                              f"(fields {', '.join(sorted(fields))}); rebuild the index")
        dim = int((fields["vector"].get("params") or {}).get("dim", 0))
        if dim != dimension:
            raise MilvusError(f"collection {t.collection!r} has {dim}-d vectors, the index's encoder gives "
                              f"{dimension}-d; rebuild the index")
        tracks = self._call("describing a collection", self.client.describe_collection, t.tracks_collection)
        tfields = {f["name"] for f in tracks.get("fields", [])}
        want = {"id", "doc", "title", "artist", "year", "descriptors", "metadata", "_v"}
        if tfields != want:
            raise MilvusError(f"collection {t.tracks_collection!r} at {t.uri} does not have nlrec's schema; "
                              "rebuild the index")
        self.load()
        if marker is not None and (self.marker() or {}).get("token") != marker.get("token"):
            raise MilvusError(f"collection {t.collection!r} at {t.uri} was not made by this index "
                              "(its marker differs); rebuild the index")
        if counts is not None:
            have = self.counts()
            if have != tuple(counts):
                raise MilvusError(f"collections at {t.uri} hold {have[0]:,} descriptor sets and {have[1]:,} tracks; "
                                  f"the index has {counts[0]:,} and {counts[1]:,}; rebuild the index")

    def load(self) -> None:
        """Load both collections for search (Milvus searches only loaded collections)."""
        self._loaded = True
        for name in (self.target.collection, self.target.tracks_collection):
            state = self._call("checking the load state", self.client.get_load_state, name)
            if "NotLoad" in str(state.get("state")) or "Released" in str(state.get("state")):
                self._call("loading a collection", self.client.load_collection, name)

    def counts(self) -> tuple[int, int]:
        """``(descriptor sets, tracks)`` stored."""
        out = []
        for name in (self.target.collection, self.target.tracks_collection):
            rows = self._call("counting", self.client.query, name, filter="", output_fields=["count(*)"])
            out.append(int(rows[0]["count(*)"]))
        return out[0], out[1]

    # -- writes ---------------------------------------------------------------------------
    def upsert_docs(self, keys: np.ndarray, vectors: np.ndarray, texts: Sequence[str], *, batch: int = 2000,
                    new: bool = False) -> None:
        """Write descriptor sets by key; ``new``: none of them can be there yet (a plain insert,
        faster; Milvus does not refuse a second row with the same key)."""
        write = self.client.insert if new else self.client.upsert
        for s in range(0, len(keys), batch):
            rows = [{"key": int(k), "vector": v, "text": _cut(t, TEXT_MAX_BYTES)}
                    for k, v, t in zip(keys[s:s + batch].tolist(), np.asarray(vectors[s:s + batch], np.float32).tolist(),
                                       texts[s:s + batch])]
            self._call("writing descriptor sets", write, self.target.collection, rows)

    def upsert_tracks(self, tracks: Sequence[Any], keys: Sequence[int], *, batch: int = 5000, new: bool = False,
                      meta_format: int = META_FORMAT) -> None:
        """Write tracks by id (``new`` as in :meth:`upsert_docs`; ``meta_format``: the index's)."""
        write = self.client.insert if new else self.client.upsert
        for s in range(0, len(tracks), batch):
            rows = [track_entity(t, k, meta_format) for t, k in zip(tracks[s:s + batch], keys[s:s + batch])]
            self._call("writing tracks", write, self.target.tracks_collection, rows)

    def delete_tracks(self, ids: Iterable[str], *, batch: int = 2000) -> None:
        ids = list(ids)
        for s in range(0, len(ids), batch):
            self._call("deleting tracks", self.client.delete, self.target.tracks_collection, ids=ids[s:s + batch])

    def delete_docs(self, keys: Iterable[int], *, batch: int = 2000) -> None:
        keys = [int(k) for k in keys]
        for s in range(0, len(keys), batch):
            self._call("deleting descriptor sets", self.client.delete, self.target.collection, ids=keys[s:s + batch])

    def flush(self) -> None:
        for name in (self.target.collection, self.target.tracks_collection):
            fn = getattr(self.client, "flush", None)
            if fn is not None:
                self._call("flushing", fn, name)

    # -- reads ----------------------------------------------------------------------------
    def ready(self) -> None:
        """Load both collections once per store before reading: a fresh process (every CLI run)
        finds them released, and Milvus refuses to search or query a released collection."""
        if not getattr(self, "_loaded", False):
            self.load()

    def search(self, vectors: np.ndarray, k: int, *, keys: np.ndarray | None = None,
               total: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """Top ``k`` (at most :data:`MAX_TOPK`) document keys and inner products per vector,
        among ``keys`` when given (a filter pushed down to Milvus; ``total``: how many there are
        in all, to widen an HNSW search in proportion)."""
        expr = f"key in [{','.join(map(str, keys.tolist()))}]" if keys is not None else ""
        if keys is not None and not len(keys):
            return [(np.empty(0, np.int64), np.empty(0, np.float32)) for _ in vectors]
        self.ready()
        limit = max(1, min(int(k), MAX_TOPK))
        # HNSW (ignored by FLAT): walk wider when a filter leaves few candidates
        ef = int(min(32768, max(64, limit, 2 * limit * (total or 1) / max(1, len(keys)) if keys is not None else 0)))
        res = self._call("searching", self.client.search, self.target.collection,
                         data=np.asarray(vectors, np.float32).tolist(), anns_field="vector",
                         limit=limit, filter=expr, output_fields=["key"],
                         search_params={"metric_type": "IP", "params": {"ef": ef}})
        out = []
        for hits in res:
            out.append((np.fromiter((h["key"] for h in hits), dtype=np.int64, count=len(hits)),
                        np.fromiter((h["distance"] for h in hits), dtype=np.float32, count=len(hits))))
        return out

    def vectors(self, keys: Sequence[int], *, batch: int = 2000) -> dict[int, np.ndarray]:
        """The stored vectors of ``keys`` (those present)."""
        out: dict[int, np.ndarray] = {}
        keys = [int(k) for k in keys]
        if keys:
            self.ready()
        for s in range(0, len(keys), batch):
            rows = self._call("reading vectors", self.client.get, self.target.collection, ids=keys[s:s + batch],
                              output_fields=["vector"])
            for r in rows:
                out[int(r["key"])] = np.asarray(r["vector"], dtype=np.float32)
        return out

    def matching_tracks(self, expression: str, *, batch: int = 10000, total: int | None = None) -> tuple[list[str], np.ndarray]:
        """Ids and descriptor-set keys of the tracks matching a Milvus filter expression.

        Milvus Lite answers one query of any size (one scan of the collection, where its
        iterator rescans it for every batch: 10x slower at 1M tracks); a server caps a query's
        window, so it is read with an iterator.
        """
        self.ready()
        if self.target.uri.startswith("/") and total:
            rows = self._call("filtering", self.client.query, self.target.tracks_collection, filter=expression,
                              output_fields=["doc"], limit=int(total))
            return [r["id"] for r in rows], np.fromiter((r["doc"] for r in rows), dtype=np.int64, count=len(rows))
        it = self._call("filtering", self.client.query_iterator, self.target.tracks_collection, batch_size=batch,
                        filter=expression, output_fields=["doc"])
        ids: list[str] = []
        docs: list[int] = []
        try:
            while True:
                rows = self._call("filtering", it.next)
                if not rows:
                    break
                for r in rows:
                    ids.append(r["id"])
                    docs.append(r["doc"])
        finally:
            it.close()
        return ids, np.asarray(docs, dtype=np.int64)


