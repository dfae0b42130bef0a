"""Building an index: embed the unique descriptor sets, write dense and sparse files, swap in."""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from nlrec import __version__
from nlrec.catalog import Catalog, Track
from nlrec.errors import NlrecError
from nlrec.index.generations import GenerationWriter, check_replaceable
from nlrec.index.manifest import INDEX_FORMAT, INDEX_KIND, MANIFEST, METRIC, file_table
from nlrec.index.registry import resolve_index_path
from nlrec.index.retrievers import BuildInputs, RetrieverKind, built_in_index, kind, place
from nlrec.index.storage import fsync_tree, write_tracks
from nlrec.index.store import Index
from nlrec.io import write_json
from nlrec.paths import ensure_dir
from nlrec.progress import ProgressCallback, counter

"""``progress(stage, done, total)``: called while building."""


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
    bm25_normalize: bool = True,
    home: Path | None = None,
    progress: ProgressCallback | None = None,
    on_wait: Callable[[str], None] | None = None,
    source: dict[str, Any] | None = None,
    batch_size: int = 64,
    onnx: bool = True,
    extra_files: Callable[[Path], Any] | None = None,
    defer: tuple[str, ...] = (),
) -> Index:
    """Embed and index ``catalog`` as a new generation of the index ``name``.

    The build holds the index's writer lock (a second build of the same name waits for it);
    readers keep the generation they opened until they close it. Only a directory that is
    verifiably an nlrec index is ever replaced.

    Args:
        catalog: the tracks to index.
        name: index name (under ``home``) or directory path.
        model: ``--model`` spec of the dense encoder (ignored when ``encoder`` is given).
        encoder: an already-loaded :class:`~nlrec.encoders.base.DenseEncoder`.
        factory: FAISS factory string, or ``"auto"`` (exact up to 50k documents, HNSW beyond).
        bm25_method: bm25s scoring variant.
        bm25_normalize: BM25 over :func:`~nlrec.request.language.normalize_terms` of documents
            and requests ("r&b" meets "rnb"); recorded in the manifest, so indexes built before
            it existed keep matching words as written.
        home: directory holding indexes (default ``NLREC_HOME``).
        progress: optional ``progress(stage, done, total)`` callback.
        on_wait: called with a message if another process is writing this index (we wait for
            its lock, at most ``NLREC_LOCK_TIMEOUT`` seconds).
        source: extra provenance for the manifest (dataset name, file path, ...).
        onnx: also export the encoder to ONNX (cached per weights) for fast query encoding.
        extra_files: called with the build's temporary directory before the manifest is written,
            to add files that belong to the index (e.g. audio embeddings); they are listed in the
            manifest and verified like the others.
        defer: retriever kinds made from the documents (``from_documents``) not at build time
            but when first used; the manifest lists them under ``deferred``. The demo index
            defers ``tfidf``: its build then never imports scikit-learn (1.3 s of CPU), which only
            ``--mode tfidf`` / ``--sparse tfidf`` need.

    Returns:
        The opened, newly built index.
    """
    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.faiss_dense import auto_factory

    t0 = time.perf_counter()
    dest = resolve_index_path(name, home)
    check_replaceable(dest)  # before any work: never replace what is not an nlrec index
    ensure_dir(dest.parent, "index directory")  # NLREC_HOME a file or not creatable: say so first
    documents, track_doc = unique_documents(catalog.tracks)
    if not documents:
        raise NlrecError("the catalog has no track with descriptors; nothing to index")
    if factory != "auto":
        check_factory(factory, len(documents))
    if encoder is None:
        from nlrec.encoders.models import is_clap_spec, resolve_model

        if not is_clap_spec(model):
            resolve_model(model)  # a mistyped --model is refused now ("did you mean"), not after seconds
    if progress:
        progress("indexing", 0, 1)
    for name_ in defer:
        if kind(name_).from_documents is None:
            raise NlrecError(f"retriever {name_!r} cannot be deferred: it is not made from documents")
    built = document_retrievers(documents, bm25_method, normalize=bm25_normalize, skip=defer)  # checked before embedding
    enc = encoder if encoder is not None else load_encoder(model)
    with GenerationWriter(dest, on_wait=on_wait) as writer:
        tmp = writer.stage()
        tick = counter(progress, "embedding", len(documents))
        if progress:
            progress("embedding", 0, len(documents))
        t_enc = time.perf_counter()
        vectors = enc.encode(documents, batch_size=batch_size, progress=tick)
        encode_seconds = time.perf_counter() - t_enc
        if progress:
            progress("indexing", 0, 1)
        factory_used = auto_factory(len(documents)) if factory == "auto" else factory
        inputs = BuildInputs(documents, vectors, enc, {"factory": factory_used, "bm25_method": bm25_method,
                                                       "bm25_normalize": bm25_normalize})
        built.update({k.name: (k, k.build(inputs)) for k in built_in_index("vectors")})  # type: ignore[misc]
        entries = save_retrievers(tmp, built)
        entries.setdefault("faiss", {})["factory"] = factory_used

        write_tracks(tmp, catalog.tracks, track_doc)
        write_names(tmp, catalog.tracks, progress)
        write_json(tmp / "documents.json", documents)
        enc_entry = encoder_entry(enc, model)
        if progress:
            progress("onnx export", 0, 1)
        if onnx:
            enc_entry["onnx"] = _try_export_onnx(enc)
        elif "onnx" not in enc_entry:  # an update keeps the export status of the version it updates
            enc_entry["onnx"] = "disabled"
        if extra_files is not None:
            extra_files(tmp)
        _precompute_negation_vectors(enc, catalog.tracks, progress)
        stats = BuildStats(
            seconds=round(time.perf_counter() - t0, 3),
            encode_seconds=round(encode_seconds, 3),
            n_tracks=len(catalog),
            n_documents=len(documents),
        )
        manifest = {
            "format": INDEX_FORMAT,
            "kind": INDEX_KIND,
            "generation": writer.next_generation,
            "name": dest.name,
            "nlrec_version": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "encoder": enc_entry,
            "dimension": int(enc_entry["dimension"]),
            "metric": METRIC,
            **entries,
            "corpus": {
                "sha256": catalog.fingerprint(),
                "n_tracks": len(catalog),
                "n_documents": len(documents),
                "skipped_empty": catalog.skipped_empty,
                "source": catalog.source,
                **(source or {}),
            },
            "build": {"seconds": stats.seconds, "encode_seconds": stats.encode_seconds},
            **({"deferred": sorted(defer)} if defer else {}),
            "files": file_table(tmp),
        }
        write_json(tmp / MANIFEST, manifest)
        fsync_tree(tmp)
        writer.commit(tmp)
        # open while still holding the lock: the index returned is the one this call built
        index = Index.open(dest, verify=False)
    if progress:
        progress("done", 1, 1)
    index.use_encoder(enc)
    return index


def document_retrievers(documents: list[str], bm25_method: str = "lucene", *, normalize: bool = False,
                        skip: tuple[str, ...] = ()) -> dict[str, tuple[RetrieverKind, Any]]:
    """Every registered retriever built from the documents alone (TF-IDF, BM25, ...) but those in
    ``skip``, built before anything is embedded so that their errors come first.

    Raises:
        NlrecError: when no descriptor has an indexable word (only stop words or single letters).
    """
    inputs = BuildInputs(documents, options={"bm25_method": bm25_method, "bm25_normalize": normalize})
    try:
        return {k.name: (k, k.build(inputs)) for k in built_in_index("documents") if k.name not in skip}  # type: ignore[misc]
    except ValueError as e:
        raise NlrecError(
            "no descriptor in the catalog has an indexable word (only stop words, single letters or "
            f"punctuation, e.g. {documents[0][:60]!r}); check the descriptor column and --sep ({e})"
        ) from None


def save_retrievers(directory: Path, built: dict[str, tuple[RetrieverKind, Any]]) -> dict[str, Any]:
    """Save built retrievers into their folders of a generation; their manifest entries, placed."""
    entries: dict[str, Any] = {}
    for name, (k, retriever) in built.items():
        place(entries, k, retriever.save(directory / name))
    return entries


def check_factory(factory: str, n_documents: int) -> None:
    """Refuse FAISS factory strings nlrec cannot build or search, before embedding.

    Raises:
        NlrecError: for an ID-mapped index (nlrec maps rows itself) or an IVF index with more
            lists than documents to train them.
    """
    import re

    if re.search(r"\bIDMap", factory):
        raise NlrecError(f"--factory {factory!r}: IDMap indexes are not supported (nlrec maps rows to "
                         "tracks itself); drop the IDMap prefix")
    m = re.search(r"\bIVF(\d+)", factory)
    if m and int(m.group(1)) > n_documents:
        raise NlrecError(f"--factory {factory!r} needs at least {int(m.group(1)):,} documents to train "
                         f"{int(m.group(1)):,} lists; this catalog has {n_documents:,} unique descriptor sets "
                         "(use fewer lists, or auto)")


def encoder_entry(enc: Any, model: str | None) -> dict[str, Any]:
    """The manifest's ``encoder`` record of ``enc`` (its own description when it has one), with
    the model spec to load it again."""
    describe = getattr(enc, "describe", None)
    entry = describe() if describe else {
        "kind": type(enc).__name__, "id": enc.id, "weights_sha256": enc.fingerprint(),
        "dimension": enc.dimension, "normalized": True,
    }
    entry["model"] = _model_spec(enc, model)
    return entry


def write_names(directory: Path, tracks: Any, progress: ProgressCallback | None = None) -> None:
    """``names.json`` (artists, titles, albums) when any track has an artist or a title."""
    if any(t.artist or t.title for t in tracks):
        from nlrec.request.names import NameIndex

        if progress:
            progress("names", 0, 1)
        NameIndex.from_tracks(tracks).save(directory / "names.json")


def _precompute_negation_vectors(enc: Any, tracks: Any, progress: ProgressCallback | None) -> None:
    """Cache the vectors the negation matcher needs (each distinct descriptor), while the
    encoder is loaded: the first negated request on the index then embeds nothing but its facet."""
    from nlrec.negation.matching import precompute_vectors

    def update(stage: str, done: int, total: int) -> None:
        if progress:
            progress("negation vectors", done, total)

    precompute_vectors(enc, (t.descriptors for t in tracks), update)


def _try_export_onnx(enc: Any) -> str:
    """Export ``enc`` for the fast query path; returns ``"ok"`` or why not (never raises)."""
    from nlrec.encoders.onnx import (
        EncoderFallbackWarning,
        OnnxEncoder,
        export_onnx,
        onnx_export_available,
    )

    if isinstance(enc, OnnxEncoder):
        return "ok"  # built with the export itself
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


def _model_spec(enc: Any, model: str | None) -> str:
    """How to load this encoder again: a named model (``minilm``, ``music-minilm``), an absolute
    path, or a hub id. ``default`` is recorded as the model it stood for, so an index keeps its
    model when a later release changes the default."""
    from nlrec.encoders.dense import DEFAULT_MODEL_ID, MINILM, MUSIC_MODEL, MUSIC_MODEL_ID

    named = {DEFAULT_MODEL_ID: MINILM, MUSIC_MODEL_ID: MUSIC_MODEL}
    if getattr(enc, "id", None) in named:
        return named[enc.id]
    return str(getattr(enc, "id", model))
