"""Index directories: build, open, verify, list and remove.

An index is a directory (under ``NLREC_HOME``, by default the checkout's ``indexes/``)::

    <name>/
      manifest.json         encoder id + weights hash, dimension, metric, corpus hash and
                            counts, nlrec version, build time, and size + sha256 of every file
      tracks.jsonl          the catalog tracks, each with the row of its unique document
      tracks.offsets.npy    byte offset of each track's line (tracks are parsed when shown)
      track_doc.npy         each track's row among the unique documents
      documents.json        the unique descriptor-set strings (identical sets embedded once)
      dense/dense.faiss     FAISS inner-product index over L2-normalised embeddings
      tfidf/  bm25/         sparse indexes (JSON + .npy)

A build is written to a temporary sibling directory and renamed into place, so an interrupted
build leaves the previous index intact. Nothing is pickled.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from nlrec import __version__
from nlrec.catalog import Catalog, Track
from nlrec.errors import IndexFileError, IndexMismatchError, NlrecError
from nlrec.io import read_jsonl, sha256_file, write_json
from nlrec.paths import indexes_dir

INDEX_FORMAT = 1
MANIFEST = "manifest.json"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_VERIFY_HASH_MAX_BYTES = 256 * 1024 * 1024
METRIC = "inner_product (cosine on L2-normalised vectors)"

ProgressCallback = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called while building."""


RESERVED_NAMES = frozenset({"profiles"})  # other folders that live in NLREC_HOME


def validate_name(name: str) -> str:
    if not _NAME_RE.match(name or ""):
        raise NlrecError(
            f"invalid index name {name!r}: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if name in RESERVED_NAMES:
        raise NlrecError(f"index name {name!r} is reserved (NLREC_HOME/{name} holds other data)")
    return name


def resolve_index_path(name_or_path: str | os.PathLike, home: Path | None = None) -> Path:
    """An index name under ``home`` (default ``NLREC_HOME``), or a path to an index directory."""
    s = str(name_or_path)
    p = Path(s).expanduser()
    if os.sep in s or s.startswith(".") or (p.is_dir() and (p / MANIFEST).exists()):
        return p
    return (home or indexes_dir()) / validate_name(s)


# ---------------------------------------------------------------------------------- build
@dataclass
class BuildStats:
    """Timings of one build, in seconds."""

    seconds: float = 0.0
    encode_seconds: float = 0.0
    n_tracks: int = 0
    n_documents: int = 0


def unique_documents(tracks: list[Track]) -> tuple[list[str], np.ndarray]:
    """Unique descriptor-set strings in first-seen order, and each track's row among them."""
    rows: dict[str, int] = {}
    track_doc = np.empty(len(tracks), dtype=np.int64)
    for i, t in enumerate(tracks):
        track_doc[i] = rows.setdefault(t.text, len(rows))
    return list(rows), track_doc


def build_index(
    catalog: Catalog,
    name: str | os.PathLike,
    *,
    model: str | None = "default",
    encoder: Any = None,
    factory: str = "auto",
    bm25_method: str = "lucene",
    home: Path | None = None,
    progress: ProgressCallback | None = None,
    source: dict[str, Any] | None = None,
    batch_size: int = 64,
    onnx: bool = True,
) -> Index:
    """Embed and index ``catalog``; atomically replace any index of the same name.

    Args:
        catalog: the tracks to index.
        name: index name (under ``home``) or directory path.
        model: ``--model`` spec of the dense encoder (ignored when ``encoder`` is given).
        encoder: an already-loaded :class:`~nlrec.encoders.base.DenseEncoder`.
        factory: FAISS factory string, or ``"auto"`` (exact up to 50k documents, HNSW beyond).
        bm25_method: bm25s scoring variant.
        home: directory holding indexes (default ``NLREC_HOME``).
        progress: optional ``progress(stage, done, total)`` callback.
        source: extra provenance for the manifest (dataset name, file path, ...).
        onnx: also export the encoder to ONNX (cached per weights) for fast query encoding.

    Returns:
        The opened, newly built index.
    """
    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.faiss_dense import DenseRetriever, auto_factory, build_faiss
    from nlrec.encoders.sparse import BM25Retriever, TfidfRetriever

    t0 = time.perf_counter()
    dest = resolve_index_path(name, home)
    if dest.exists() and not (dest / MANIFEST).is_file():
        raise NlrecError(f"{dest} exists and is not an nlrec index; refusing to replace it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    _cleanup_stale(dest.parent)
    enc = encoder if encoder is not None else load_encoder(model)
    documents, track_doc = unique_documents(catalog.tracks)

    tmp = dest.parent / f".tmp-{dest.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        done = 0

        def tick(n: int) -> None:
            nonlocal done
            done += n
            if progress:
                progress("embedding", done, len(documents))

        if progress:
            progress("embedding", 0, len(documents))
        t_enc = time.perf_counter()
        vectors = enc.encode(documents, batch_size=batch_size, progress=tick)
        encode_seconds = time.perf_counter() - t_enc
        if progress:
            progress("indexing", 0, 1)
        factory_used = auto_factory(len(documents)) if factory == "auto" else factory
        dense = DenseRetriever(enc, build_faiss(vectors, factory_used))
        dense_entry = dense.save(tmp / "dense")
        tfidf_entry = TfidfRetriever.build(documents).save(tmp / "tfidf")
        bm25_entry = BM25Retriever.build(documents, method=bm25_method).save(tmp / "bm25")

        _write_tracks(tmp, catalog.tracks, track_doc)
        write_json(tmp / "documents.json", documents)
        describe = getattr(enc, "describe", None)
        enc_entry = describe() if describe else {
            "kind": type(enc).__name__, "id": enc.id, "weights_sha256": enc.fingerprint(),
            "dimension": enc.dimension, "normalized": True,
        }
        enc_entry["model"] = _model_spec(enc, model)
        if progress:
            progress("onnx export", 0, 1)
        enc_entry["onnx"] = _try_export_onnx(enc) if onnx else "disabled"
        stats = BuildStats(
            seconds=round(time.perf_counter() - t0, 3),
            encode_seconds=round(encode_seconds, 3),
            n_tracks=len(catalog),
            n_documents=len(documents),
        )
        manifest = {
            "format": INDEX_FORMAT,
            "name": dest.name,
            "nlrec_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "encoder": enc_entry,
            "dimension": int(enc_entry["dimension"]),
            "metric": METRIC,
            "faiss": {**dense_entry, "factory": factory_used},
            "sparse": {"tfidf": tfidf_entry, "bm25": bm25_entry},
            "corpus": {
                "sha256": catalog.fingerprint(),
                "n_tracks": len(catalog),
                "n_documents": len(documents),
                "skipped_empty": catalog.skipped_empty,
                "source": catalog.source,
                **(source or {}),
            },
            "build": {"seconds": stats.seconds, "encode_seconds": stats.encode_seconds},
            "files": _file_table(tmp),
        }
        write_json(tmp / MANIFEST, manifest)
        _fsync_tree(tmp)
        _swap_into_place(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if progress:
        progress("done", 1, 1)
    index = Index.open(dest, verify=False)
    index._encoder = enc
    return index


def _try_export_onnx(enc: Any) -> str:
    """Export ``enc`` for the fast query path; returns ``"ok"`` or why not (never raises)."""
    from nlrec.encoders.onnx import EncoderFallbackWarning, export_onnx, onnx_export_available

    if not hasattr(enc, "model"):
        return "not a sentence-transformers encoder"
    if not onnx_export_available():
        warnings.warn("onnx/onnxruntime not installed: queries on this index will use PyTorch",
                      EncoderFallbackWarning, stacklevel=3)
        return "onnx not installed"
    try:
        export_onnx(enc)
    except NlrecError as e:
        warnings.warn(f"{e}; queries will use PyTorch", EncoderFallbackWarning, stacklevel=3)
        return str(e)
    return "ok"


def _recorded_model(rec: dict[str, Any]) -> str:
    """The model an index manifest names; ``default`` in manifests written before nlrec had a
    music model meant the packaged MiniLM."""
    spec = str(rec.get("model") or "minilm")
    return "minilm" if spec == "default" else spec


def _model_spec(enc: Any, model: str | None) -> str:
    """How to load this encoder again: a named model (``minilm``, ``music-minilm``), an absolute
    path, or a hub id. ``default`` is recorded as the model it stood for, so an index keeps its
    model when a later release changes the default."""
    from nlrec.encoders.dense import DEFAULT_MODEL_ID, MINILM, MUSIC_MODEL, MUSIC_MODEL_ID

    named = {DEFAULT_MODEL_ID: MINILM, MUSIC_MODEL_ID: MUSIC_MODEL}
    if getattr(enc, "id", None) in named:
        return named[enc.id]
    return str(getattr(enc, "id", model))


def _file_table(root: Path) -> dict[str, dict[str, Any]]:
    table = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != MANIFEST:
            table[p.relative_to(root).as_posix()] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
    return table


def _fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            with open(p, "rb") as f:
                os.fsync(f.fileno())


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Rename ``tmp`` to ``dest``; an existing ``dest`` is moved aside first and then removed.

    If the process dies between the two renames, :func:`_recover` restores the old index.
    """
    if dest.exists():
        old = dest.parent / f".old-{dest.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(dest, old)
        os.rename(tmp, dest)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, dest)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cleanup_stale(home: Path) -> None:
    """Remove leftovers: builds whose process is gone, removed indexes, superseded copies."""
    for p in home.glob(".trash-*"):
        shutil.rmtree(p, ignore_errors=True)
    for p in home.glob(".old-*"):
        name = p.name[len(".old-"):].rsplit("-", 2)[0]
        if (home / name).exists():
            shutil.rmtree(p, ignore_errors=True)
    for p in home.glob(".tmp-*"):
        parts = p.name.split("-")
        try:
            pid = int(parts[-2])
        except (ValueError, IndexError):
            continue
        if not _pid_alive(pid):
            shutil.rmtree(p, ignore_errors=True)


def _recover(dest: Path) -> None:
    """Restore an index moved aside by a swap that was interrupted before the second rename."""
    if dest.exists():
        return
    olds = sorted(dest.parent.glob(f".old-{dest.name}-*"), key=lambda p: p.stat().st_mtime)
    if olds:
        os.rename(olds[-1], dest)


def _write_tracks(root: Path, tracks: Sequence[Track], track_doc: np.ndarray) -> None:
    """``tracks.jsonl`` with the byte offset of every line, and each track's document row."""
    from nlrec.io import atomic_write_bytes, atomic_write_npy

    lines = [(json.dumps({**t.to_dict(), "doc": int(d)}, ensure_ascii=False) + "\n").encode("utf-8")
             for t, d in zip(tracks, track_doc)]
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in lines], out=offsets[1:])
    atomic_write_bytes(root / "tracks.jsonl", b"".join(lines))
    atomic_write_npy(root / "tracks.offsets.npy", offsets)
    atomic_write_npy(root / "track_doc.npy", np.asarray(track_doc, dtype=np.int64))


class LazyTracks(Sequence):
    """An index's tracks, each parsed from ``tracks.jsonl`` only when it is read.

    Opening a 1M-track index used to parse every line (over 20 s on 2 cores); a query reads only
    the tracks it shows. The file is memory-mapped; ``offsets[i]:offsets[i + 1]`` is row ``i``.

    Raises:
        IndexFileError: when a line cannot be parsed (the index is corrupted).
    """

    def __init__(self, path: Path, offsets: np.ndarray, name: str) -> None:
        import mmap

        self._name = name
        self._offsets = offsets
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size != int(offsets[-1]):
                raise IndexFileError(f"index {name!r} is corrupted: tracks.jsonl does not match its offsets; rebuild it")
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        i = int(i)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("track row out of range")
        try:
            return Track.from_dict(json.loads(self._map[self._offsets[i] : self._offsets[i + 1]]))
        except (ValueError, KeyError, TypeError) as e:
            raise IndexFileError(
                f"index {self._name!r} is corrupted (track row {i}: {type(e).__name__}); rebuild it"
            ) from None

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))


class DocTracks:
    """For each unique document, the catalog rows of the tracks carrying it (computed with
    numpy: no per-track Python loop at open)."""

    def __init__(self, track_doc: np.ndarray, n_documents: int) -> None:
        self._order = np.argsort(track_doc, kind="stable")
        self._starts = np.searchsorted(track_doc[self._order], np.arange(n_documents + 1))

    def __len__(self) -> int:
        return len(self._starts) - 1

    def __getitem__(self, doc: int) -> list[int]:
        return self._order[self._starts[doc] : self._starts[doc + 1]].tolist()


# ---------------------------------------------------------------------------------- open
@dataclass
class Index:
    """An opened index: manifest, tracks and documents; retrievers are loaded on demand."""

    path: Path
    manifest: dict[str, Any]
    tracks: Sequence[Track]
    documents: list[str]
    track_doc: np.ndarray
    _retrievers: dict[str, Any] = field(default_factory=dict, repr=False)
    _encoder: Any = field(default=None, repr=False)
    _doc_tracks: DocTracks | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    @classmethod
    def open(cls, name_or_path: str | os.PathLike, *, home: Path | None = None,
             verify: bool = True) -> Index:
        """Open an index by name or path.

        Raises:
            IndexFileError: if it does not exist, or its files are missing or corrupted.
        """
        path = resolve_index_path(name_or_path, home)
        _recover(path)
        if not (path / MANIFEST).is_file():
            known = list_indexes(path.parent)
            hint = f"; known indexes: {', '.join(i['name'] for i in known)}" if known else ""
            raise IndexFileError(f"no index named {str(name_or_path)!r} in {path.parent}{hint}")
        manifest = _read_manifest(path)
        if verify:
            verify_files(path, manifest)
        try:
            documents = json.loads((path / "documents.json").read_text(encoding="utf-8"))
            tracks: Sequence[Track]
            if (path / "tracks.offsets.npy").is_file() and (path / "track_doc.npy").is_file():
                offsets = np.load(path / "tracks.offsets.npy", allow_pickle=False)
                track_doc = np.load(path / "track_doc.npy", allow_pickle=False)
                if (offsets.dtype != np.int64 or track_doc.dtype != np.int64 or len(offsets) != len(track_doc) + 1
                        or offsets[0] != 0 or (len(offsets) > 1 and not np.all(np.diff(offsets) > 0))):
                    raise ValueError("tracks.offsets.npy and track_doc.npy disagree")
                tracks = LazyTracks(path / "tracks.jsonl", offsets, path.name)
            else:  # indexes built before the offsets existed: parse every track
                rows = read_jsonl(path / "tracks.jsonl")
                tracks = [Track.from_dict(r) for r in rows]
                track_doc = np.array([int(r["doc"]) for r in rows], dtype=np.int64)
        except IndexFileError:
            raise
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise IndexFileError(f"index {path.name!r} is corrupted ({type(e).__name__}: {e}); rebuild it") from None
        if (len(tracks) != manifest["corpus"]["n_tracks"]
                or len(documents) != manifest["corpus"]["n_documents"]
                or (len(track_doc) and (track_doc.max() >= len(documents) or track_doc.min() < 0))):
            raise IndexFileError(f"index {path.name!r} is corrupted: counts disagree with its manifest; rebuild it")
        return cls(path=path, manifest=manifest, tracks=tracks, documents=documents, track_doc=track_doc)

    # -- helpers ----------------------------------------------------------------------------
    @property
    def doc_tracks(self) -> DocTracks:
        """For each unique document, the catalog rows of the tracks carrying it."""
        if self._doc_tracks is None:
            self._doc_tracks = DocTracks(self.track_doc, len(self.documents))
        return self._doc_tracks

    def encoder(self, model: str | None = None) -> Any:
        """The dense encoder this index was built with; refuses a different ``model``.

        Raises:
            IndexMismatchError: if ``model`` (or the recorded model, changed on disk since the
                build) has other weights than the index was built with.
        """
        if self._encoder is not None and model is None:
            return self._encoder
        from nlrec.encoders.dense import load_encoder

        rec = self.manifest["encoder"]
        expected = rec["weights_sha256"]
        enc = None
        if model is not None:
            asked = load_encoder(model)  # fingerprints a local model without importing torch
            if asked.fingerprint() != expected:
                raise self._mismatch(asked, "the model you asked for")
        if self._encoder is not None:
            return self._encoder
        fast_ok = self.manifest["encoder"].get("onnx") != "disabled"
        if fast_ok:
            from nlrec.encoders.onnx import fast_encoder

            enc = fast_encoder(expected)
        if enc is None:
            enc = asked if model is not None else load_encoder(_recorded_model(rec))
            if model is None and enc.fingerprint() != expected:
                raise self._mismatch(enc, "the model recorded in it")
            if fast_ok:
                self._export_for_next_time(enc)
        if enc.dimension != self.manifest["dimension"]:
            raise IndexMismatchError(
                f"index {self.name!r} has dimension {self.manifest['dimension']}, "
                f"model {enc.id!r} gives {enc.dimension}"
            )
        self._encoder = enc
        return enc

    def _mismatch(self, enc: Any, asked: str) -> IndexMismatchError:
        rec = self.manifest["encoder"]
        return IndexMismatchError(
            f"index {self.name!r} was built with encoder {rec['id']!r} "
            f"(weights {rec['weights_sha256'][:12]}), but {asked}, {enc.id!r}, has weights "
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

    def retriever(self, kind: str, model: str | None = None) -> Any:
        """The ``dense``, ``tfidf`` or ``bm25`` retriever of this index (loaded once)."""
        if kind == "dense" and model is not None:
            self.encoder(model)  # raises on mismatch
        if kind in self._retrievers:
            return self._retrievers[kind]
        from nlrec.encoders.faiss_dense import DenseRetriever
        from nlrec.encoders.sparse import BM25Retriever, TfidfRetriever

        try:
            if kind == "dense":
                faiss_index = DenseRetriever.load_index(self.path / "dense")
                if faiss_index.d != self.manifest["dimension"] or faiss_index.ntotal != len(self.documents):
                    raise IndexFileError(
                        f"index {self.name!r}: FAISS file does not match its manifest; rebuild it"
                    )
                r = DenseRetriever(self.encoder(model), faiss_index)
            elif kind == "tfidf":
                r = TfidfRetriever.load(self.path / "tfidf")
            elif kind == "bm25":
                r = BM25Retriever.load(self.path / "bm25")
            else:
                raise NlrecError(f"unknown retriever {kind!r}")
        except (OSError, ValueError, KeyError) as e:
            raise IndexFileError(
                f"index {self.name!r}: cannot load its {kind} files ({type(e).__name__}: "
                f"{str(e)[:120]}); rebuild it"
            ) from None
        self._retrievers[kind] = r
        return r

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

    def search(self, query: str, k: int = 10, **options: Any) -> list[Any]:
        """Search tracks for a free-text request; see :func:`nlrec.search.search`."""
        from nlrec.search import search

        return search(self, query, k=k, **options)

    def info(self) -> dict[str, Any]:
        m = self.manifest
        return {
            "name": self.name,
            "path": str(self.path),
            "tracks": m["corpus"]["n_tracks"],
            "documents": m["corpus"]["n_documents"],
            "encoder": m["encoder"]["id"],
            "dimension": m["dimension"],
            "faiss": m["faiss"]["factory"],
            "source": m["corpus"].get("dataset") or m["corpus"].get("source"),
            "created_at": m["created_at"],
            "size_bytes": sum(f["size"] for f in m["files"].values()),
        }


def open_index(name_or_path: str | os.PathLike, **kwargs: Any) -> Index:
    """Open an index by name (under ``NLREC_HOME``) or directory path."""
    return Index.open(name_or_path, **kwargs)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise IndexFileError(f"index {path.name!r}: unreadable manifest.json ({e}); rebuild it") from None
    if not isinstance(manifest, dict) or manifest.get("format") != INDEX_FORMAT:
        raise IndexFileError(
            f"index {path.name!r}: manifest.json is not an nlrec index manifest of format "
            f"{INDEX_FORMAT}; rebuild it"
        )
    for key in ("encoder", "corpus", "files", "dimension"):
        if key not in manifest:
            raise IndexFileError(f"index {path.name!r}: manifest.json lacks {key!r}; rebuild it")
    return manifest


def verify_files(path: Path, manifest: dict[str, Any], *, full: bool | None = None) -> None:
    """Check every file against the sizes and hashes in the manifest.

    Sizes are always checked; hashes too unless the index is larger than 256 MiB (or
    ``full`` says otherwise).

    Raises:
        IndexFileError: naming the first file that is missing or differs.
    """
    files = manifest["files"]
    total = sum(f["size"] for f in files.values())
    if full is None:
        full = total <= _VERIFY_HASH_MAX_BYTES
    for rel, meta in files.items():
        p = path / rel
        if not p.is_file():
            raise IndexFileError(f"index {path.name!r} is incomplete: {rel} is missing; rebuild it")
        if p.stat().st_size != meta["size"] or (full and sha256_file(p) != meta["sha256"]):
            raise IndexFileError(
                f"index {path.name!r} is corrupted: {rel} does not match its manifest; rebuild it"
            )


def list_indexes(home: Path | None = None) -> list[dict[str, Any]]:
    """Summaries of the indexes under ``home`` (no heavy imports, no verification)."""
    home = home or indexes_dir()
    out = []
    if not home.is_dir():
        return out
    for p in sorted(home.iterdir()):
        if p.name.startswith(".") or not (p / MANIFEST).is_file():
            continue
        try:
            m = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
            out.append({
                "name": p.name,
                "tracks": m["corpus"]["n_tracks"],
                "documents": m["corpus"]["n_documents"],
                "encoder": m["encoder"]["id"],
                "created_at": m["created_at"],
                "path": str(p),
            })
        except (OSError, ValueError, KeyError, TypeError):
            out.append({"name": p.name, "error": "unreadable manifest", "path": str(p)})
    return out


def remove_index(name: str, home: Path | None = None) -> Path:
    """Delete an index directory (renamed away first, so readers never see half of it)."""
    path = resolve_index_path(name, home)
    if not (path / MANIFEST).is_file():
        raise IndexFileError(f"no index named {name!r} in {path.parent}")
    trash = path.parent / f".trash-{path.name}-{uuid.uuid4().hex[:8]}"
    os.rename(path, trash)
    shutil.rmtree(trash, ignore_errors=True)
    return path
