"""An opened index: manifest, tracks and documents; encoder and retrievers loaded on demand."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from nlrec.catalog import Track
from nlrec.encoders.base import DenseEncoder, Retriever
from nlrec.errors import IndexFileError, IndexMismatchError, NlrecError
from nlrec.index.generations import GenerationLease, current_generation, open_generation
from nlrec.index.manifest import MANIFEST, Manifest, read_manifest, verify_files
from nlrec.index.once import OnceLocks
from nlrec.index.registry import list_indexes, resolve_index_path
from nlrec.index.storage import DocTracks, LazyTracks
from nlrec.io import read_jsonl

if TYPE_CHECKING:
    from nlrec.index.milvus.store import MilvusStore
    from nlrec.request.names import NameIndex

T = TypeVar("T")


@dataclass
class Index:
    """An opened index: manifest, tracks and documents; retrievers are loaded on demand."""

    path: Path
    manifest: Manifest
    tracks: Sequence[Track]
    documents: list[str]
    track_doc: np.ndarray
    _retrievers: dict[str, Any] = field(default_factory=dict, repr=False)
    _encoder: Any = field(default=None, repr=False)
    _doc_tracks: DocTracks | None = field(default=None, repr=False)
    _memory: bool = field(default=False, repr=False)
    _rows_by_id: dict[str, int] | None = field(default=None, repr=False)
    _names: Any = field(default=None, repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)
    root: Path | None = field(default=None)
    """The index directory (holding the generations); ``path`` is the generation's files."""
    _lease: GenerationLease | None = field(default=None, repr=False)
    _once: OnceLocks = field(default_factory=OnceLocks, repr=False)
    """The locks under which lazy values are built once (the server searches concurrently)."""

    @property
    def name(self) -> str:
        return self.root.name if self.root is not None else self.path.name

    @classmethod
    def open(cls, name_or_path: str | os.PathLike, *, home: Path | None = None,
             verify: bool = True) -> Index:
        """Open an index by name or path, holding its current generation until :meth:`close`.

        A plain name is looked up under ``home`` (default ``NLREC_HOME``); only an explicit path
        (``./x``, ``/abs/x``, ``x/y``) is a path. The generation opened stays whole on disk while
        this object is open, however often the index is rebuilt meanwhile.

        Raises:
            IndexFileError: if it does not exist, or its files are missing or corrupted.
        """
        root = resolve_index_path(name_or_path, home)
        try:
            lease = open_generation(root)
        except NotADirectoryError:
            lease = None
        if lease is not None:
            try:
                return cls._open_files(lease.path, root, lease, verify)
            except BaseException:
                lease.close()
                raise
        if (root / MANIFEST).is_file():  # format 1: a single directory, read-only
            return cls._open_files(root, root, None, verify)
        known = list_indexes(root.parent) if root.parent.is_dir() else []
        hint = f"; known indexes: {', '.join(i['name'] for i in known)}" if known else ""
        raise IndexFileError(f"no index named {str(name_or_path)!r} in {root.parent}{hint}")

    @classmethod
    def _open_files(cls, path: Path, root: Path, lease: GenerationLease | None, verify: bool) -> Index:
        name = root.name
        manifest = read_manifest(path, name, sha256=lease.pointer.manifest_sha256 if lease else None)
        if lease is not None and (manifest.format < 2 or manifest.generation != lease.generation):
            raise IndexFileError(f"index {name!r} is corrupted: generation {lease.generation} has a manifest "
                                 f"of generation {manifest.generation}; rebuild it")
        if verify:
            verify_files(path, manifest, name=name)
        try:
            documents = json.loads((path / "documents.json").read_text(encoding="utf-8"))
            tracks: Sequence[Track]
            if (path / "tracks.offsets.npy").is_file() and (path / "track_doc.npy").is_file():
                offsets = np.load(path / "tracks.offsets.npy", allow_pickle=False)
                track_doc = np.load(path / "track_doc.npy", allow_pickle=False)
                if (offsets.dtype != np.int64 or track_doc.dtype != np.int64 or len(offsets) != len(track_doc) + 1
                        or offsets[0] != 0 or (len(offsets) > 1 and not np.all(np.diff(offsets) > 0))):
                    raise ValueError("tracks.offsets.npy and track_doc.npy disagree")
                tracks = LazyTracks(path / "tracks.jsonl", offsets, name)
            else:  # indexes built before the offsets existed: parse every track
                rows = read_jsonl(path / "tracks.jsonl")
                tracks = [Track.from_dict(r) for r in rows]
                track_doc = np.array([int(r["doc"]) for r in rows], dtype=np.int64)
        except IndexFileError:
            raise
        except RecursionError:
            raise IndexFileError(f"index {name!r} is corrupted (a file nested too deeply); rebuild it") from None
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexFileError(f"index {name!r} is corrupted ({type(e).__name__}: {str(e)[:120]}); rebuild it") from None
        if (not isinstance(documents, list) or len(tracks) != manifest.n_tracks
                or len(documents) != manifest.n_documents
                or (len(track_doc) and (track_doc.max() >= len(documents) or track_doc.min() < 0))):
            raise IndexFileError(f"index {name!r} is corrupted: counts disagree with its manifest; rebuild it")
        return cls(path=path, manifest=manifest, tracks=tracks, documents=documents, track_doc=track_doc,
                   root=root, _lease=lease)

    # -- generations --------------------------------------------------------------------------
    @property
    def generation(self) -> int | None:
        """The generation this object holds (None for format-1 and in-memory indexes)."""
        return self._lease.generation if self._lease is not None else None

    def is_current(self) -> bool:
        """Whether this is still the index's current generation (one small file read)."""
        if self._lease is None or self.root is None:
            return True
        try:
            return current_generation(self.root) == self._lease.generation
        except IndexFileError:
            return True

    def refreshed(self, *, verify: bool = False) -> Index:
        """The index's newest generation: ``self`` if still current, else a newly opened
        :class:`Index` (with this one's encoder when the weights match). The caller closes the
        old object once its in-flight searches are done; until then it keeps working.

        Raises:
            IndexFileError: if the index was removed or its new generation is damaged.
        """
        if self.is_current():
            return self
        new = Index.open(self.root, verify=verify)
        if self._encoder is not None and new.manifest.encoder.weights_sha256 == self.manifest.encoder.weights_sha256:
            new._encoder = self._encoder
        return new

    def close(self) -> None:
        """Release the generation (a writer may then delete it). Searching afterwards may fail."""
        if self._lease is not None and not self._lease.lease.closed:
            self._lease.close()
            if self.root is not None and not self.is_current():
                from nlrec.index.removal import collect_if_idle

                collect_if_idle(self.root)  # the last reader of an old generation removes it

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @classmethod
    def in_memory(
        cls,
        documents: Sequence[str],
        *,
        encoder: Any = None,
        retrievers: dict[str, Any] | None = None,
        tracks: Sequence[Track] | None = None,
        track_doc: np.ndarray | None = None,
        name: str = "<memory>",
        factory: str = "Flat",
    ) -> Index:
        """An index held in memory, for evaluation and benchmarks: nothing is read or written.

        Args:
            documents: the unique descriptor-set strings.
            encoder: the dense encoder (needed for dense search, unless a dense retriever is given).
            retrievers: ready ``dense`` / ``tfidf`` / ``bm25`` retrievers; missing sparse ones are
                built from ``documents`` on first use.
            tracks, track_doc: the tracks and each one's document row (default: one track a
                document, id ``d<row>``, its descriptors split on ", ").
        """
        from nlrec.index.manifest import EncoderRecord

        documents = list(documents)
        if tracks is None:
            tracks = [Track(id=f"d{i}", descriptors=tuple(d.split(", "))) for i, d in enumerate(documents)]
            track_doc = np.arange(len(documents), dtype=np.int64)
        if track_doc is None or len(track_doc) != len(tracks):
            raise NlrecError("an in-memory index needs each track's document row")
        dimension = int(getattr(encoder, "dimension", 0) or 1)
        fingerprint = encoder.fingerprint() if encoder is not None else ""
        record = EncoderRecord(id=str(getattr(encoder, "id", "none")), weights_sha256=fingerprint,
                               dimension=dimension, model=str(getattr(encoder, "id", "none")), onnx="disabled")
        manifest = Manifest(name=name, format=1, created_at="", nlrec_version="", encoder=record,
                            dimension=dimension, factory=factory, n_tracks=len(tracks),
                            n_documents=len(documents), corpus_sha256="", source="memory",
                            build_seconds=None, encode_seconds=None, files={}, raw={})
        index = cls(path=Path(name), manifest=manifest, tracks=list(tracks), documents=documents,
                    track_doc=np.asarray(track_doc, dtype=np.int64))
        index._encoder = encoder
        index._retrievers.update(retrievers or {})
        index._memory = True
        return index

    # -- helpers ----------------------------------------------------------------------------
    @property
    def doc_tracks(self) -> DocTracks:
        """For each unique document, the catalog rows of the tracks carrying it."""
        if self._doc_tracks is None:
            with self._once("doc_tracks"):
                if self._doc_tracks is None:
                    self._doc_tracks = DocTracks(self.track_doc, len(self.documents))
        return self._doc_tracks

    def encoder(self, model: str | None = None) -> DenseEncoder:
        """The dense encoder this index was built with; refuses a different ``model``.

        Raises:
            IndexMismatchError: if ``model`` (or the recorded model, changed on disk since the
                build) has other weights than the index was built with.
        """
        if self._encoder is not None and model is None:
            return self._encoder
        with self._once("encoder"):
            return self._load_encoder(model)

    def _load_encoder(self, model: str | None) -> DenseEncoder:
        from nlrec.encoders.dense import load_encoder

        rec = self.manifest.encoder
        expected = rec.weights_sha256
        enc = None
        if model is not None:
            asked = load_encoder(model)  # fingerprints a local model without importing torch
            if asked.fingerprint() != expected:
                raise self._mismatch(asked, "the model you asked for")
        if self._encoder is not None:
            return self._encoder
        fast_ok = rec.onnx != "disabled"
        if fast_ok:
            from nlrec.encoders.onnx import fast_encoder

            enc = fast_encoder(expected)
        if enc is None:
            enc = asked if model is not None else load_encoder(rec.model)
            if model is None and enc.fingerprint() != expected:
                raise self._mismatch(enc, "the model recorded in it")
            if fast_ok:
                self._export_for_next_time(enc)
        if enc.dimension != self.manifest.dimension:
            raise IndexMismatchError(
                f"index {self.name!r} has dimension {self.manifest.dimension}, "
                f"model {enc.id!r} gives {enc.dimension}"
            )
        self._encoder = enc
        return enc

    def _mismatch(self, enc: Any, asked: str) -> IndexMismatchError:
        rec = self.manifest.encoder
        return IndexMismatchError(
            f"index {self.name!r} was built with encoder {rec.id!r} "
            f"(weights {rec.weights_sha256[:12]}), but {asked}, {enc.id!r}, has weights "
            f"{enc.fingerprint()[:12]}; rebuild the index with that model or search without --model"
        )

    def _export_for_next_time(self, enc: Any) -> None:
        """PyTorch had to be loaded: export to ONNX now so later queries start fast."""
        from nlrec.encoders.onnx import EncoderFallbackWarning, export_onnx, onnx_export_available

        if getattr(enc, "onnx_exportable", True) is False:  # e.g. CLAP: PyTorch, no notice
            return
        if not onnx_export_available():
            warnings.warn("onnxruntime/onnx not installed: using PyTorch (slower start)",
                          EncoderFallbackWarning, stacklevel=3)
            return
        try:
            export_onnx(enc)
            warnings.warn("no ONNX export of this encoder was cached: used PyTorch once and exported "
                          "it, so the next query starts fast", EncoderFallbackWarning, stacklevel=3)
        except NlrecError as e:
            warnings.warn(f"{e}; using PyTorch (slower start)", EncoderFallbackWarning, stacklevel=3)

    def retriever(self, kind: str, model: str | None = None) -> Retriever:
        """The retriever of a registered kind (:mod:`nlrec.index.retrievers`: ``dense``, ``tfidf``,
        ``bm25``, ...), loaded once.

        Raises:
            NlrecError: for an unknown kind.
            IndexFileError: its files are missing or damaged.
            IndexMismatchError: ``model`` is not the index's encoder.
        """
        if model is None and kind in self._retrievers:
            return self._retrievers[kind]
        from nlrec.index.retrievers import kind as retriever_kind

        spec = retriever_kind(kind)
        if spec.encoder and model is not None:
            self.encoder(model)  # raises on mismatch
        if kind not in self._retrievers:
            with self._once(("retriever", kind)):  # built once, even under concurrent searches
                if kind not in self._retrievers:
                    self._retrievers[kind] = spec.open(self, model)
        return self._retrievers[kind]

    @property
    def memory_only(self) -> bool:
        """Whether this index is held in memory only (made by :meth:`in_memory`: nothing on disk)."""
        return self._memory

    @property
    def backend(self) -> str:
        """Where the dense vectors live: ``local`` (a FAISS file) or ``milvus``."""
        backend = self.manifest.raw.get("backend")
        return str(backend.get("kind", "local")) if isinstance(backend, dict) else "local"

    def milvus(self) -> MilvusStore:
        """The :class:`~nlrec.index.milvus.MilvusStore` of a Milvus-backed index (connected once)."""
        from nlrec.index.milvus import store_of

        return store_of(self)

    def load_retrievers(self, kinds: Sequence[str], model: str | None = None) -> None:
        """Load several retrievers; those not loaded yet load concurrently.

        A cold hybrid query needs the ONNX session (C++, which releases the GIL) and bm25s (whose
        import pulls in SciPy): overlapping them takes about 0.3 s off ``nlrec query``'s start.
        """
        todo = [k for k in dict.fromkeys(kinds) if k not in self._retrievers]
        if len(todo) < 2:
            for kind in todo:
                self.retriever(kind, model)
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(todo) - 1, thread_name_prefix="nlrec-load") as pool:
            later = [pool.submit(self.retriever, kind, model) for kind in todo[1:]]
            self.retriever(todo[0], model)
            for future in later:
                future.result()

    def info(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "name": self.name,
            "path": str(self.root or self.path),
            "generation": self.generation,
            "tracks": m.n_tracks,
            "documents": m.n_documents,
            "encoder": m.encoder.id,
            "dimension": m.dimension,
            "faiss": m.factory,
            "backend": self.backend,
            **({"milvus": {k: v for k, v in m.raw["backend"].items() if k != "marker"}}
               if self.backend == "milvus" else {}),
            "source": m.source,
            "created_at": m.created_at,
            "size_bytes": m.size_bytes,
        }

    def names(self) -> NameIndex | None:
        """The catalog's :class:`~nlrec.request.names.NameIndex` (artists, titles, albums), read
        from ``names.json`` (indexes built before it existed: built from the tracks, in memory),
        or None when no track has an artist or a title."""
        if self._names is None:
            with self._once("names"):
                if self._names is None:
                    self._names = self._load_names()
        return self._names or None

    def _load_names(self) -> Any:
        from nlrec.request.names import NameIndex, NameIndexError

        path = self.path / "names.json"
        if not self._memory and path.is_file():
            try:
                return NameIndex.load(path)
            except NameIndexError as e:
                raise IndexFileError(f"index {self.name!r}: names.json is corrupted ({e}); rebuild it") from None
            except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError) as e:
                # null, a list, or thousands of levels where an object belongs
                why = "nested too deeply" if isinstance(e, RecursionError) else "not a name index"
                raise IndexFileError(f"index {self.name!r}: names.json is corrupted ({why}); rebuild it") from None
        return self._legacy_names()

    def _legacy_names(self) -> Any:
        """Names of an index built before ``names.json`` existed (or held in memory): built from
        the tracks once, then kept under ``NLREC_HOME/.cache/names/`` by corpus hash."""
        from nlrec.request.names import NameIndex, NameIndexError

        sample = self.tracks[: min(len(self.tracks), 2000)]
        if not any(t.artist or t.title for t in sample):
            return False
        cached = None
        if not self._memory and self.manifest.corpus_sha256:
            from nlrec.paths import cache_dir

            cached = cache_dir() / "names" / f"{self.manifest.corpus_sha256[:32]}.json"
            if cached.is_file():
                try:
                    return NameIndex.load(cached)
                except (NameIndexError, ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
                    pass  # a damaged cache is rebuilt
        names = NameIndex.from_tracks(self.tracks)
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                names.save(cached)
            except OSError:  # a read-only home: names stay in memory
                pass
        return names

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from this (immutable) index, computed once: searchers keep per-index
        facts here (filter masks, descriptor frequencies) so that each request need not redo them."""
        return self._once.memo(self._memo, key, compute)

    def row_of(self, track_id: str) -> int | None:
        """The catalog row of a track id, or None (the id column is indexed on first use)."""
        if self._rows_by_id is None:
            with self._once("rows_by_id"):
                if self._rows_by_id is None:
                    self._rows_by_id = {t.id: r for r, t in enumerate(self.tracks)}
        return self._rows_by_id.get(str(track_id))

    def use_encoder(self, encoder: Any) -> None:
        """Search with an already-loaded encoder (e.g. the one that just built the index).

        Raises:
            IndexMismatchError: if its weights are not the ones the index was built with.
        """
        if encoder.fingerprint() != self.manifest.encoder.weights_sha256:
            raise self._mismatch(encoder, "the encoder you gave")
        self._encoder = encoder
        self._retrievers.pop("dense", None)


def open_index(name_or_path: str | os.PathLike, **kwargs: Any) -> Index:
    """Open an index by name (under ``NLREC_HOME``) or directory path."""
    return Index.open(name_or_path, **kwargs)
