"""The retriever registry: every kind of retriever, and what it can do, declared in one place.

A :class:`RetrieverKind` says how a retriever is **built** (at index time, from the documents or
their vectors), **loaded** (from an index's generation, or from the documents when it keeps no
files), **saved** (its :meth:`~nlrec.encoders.base.Retriever.save`), how it **searches** (words:
``lexical``; the index's encoder: ``encoder``; query vectors: ``vectors``), whether it ranks a
subset of the documents itself (``restrict``) or from a full **score** vector (``score``).

Everything that names retrievers derives from this registry: ``nlrec query --mode`` and
``nlrec eval --system`` choices, :class:`~nlrec.search.options.SearchOptions` validation, the
document searcher of a mode (:func:`nlrec.search.searcher.document_searcher`), evaluation
systems, :meth:`nlrec.index.Index.retriever` and index building (:func:`nlrec.index.build.build_index`).

Adding a retriever is one module with the retriever class and one :func:`register` call (see
docs/architecture.md, "Adding a retriever")::

    register(RetrieverKind(name="overlap", summary="shared words", lexical=True, score=True,
                           restrict=False, from_documents=OverlapRetriever))

The built-in kinds are ``dense`` (bi-encoder + FAISS, or Milvus), ``tfidf`` and ``bm25``; the mode
``hybrid`` fuses ``dense`` with a lexical kind (:data:`HYBRID`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.encoders.base import Retriever
from nlrec.errors import IndexFileError, NlrecError

if TYPE_CHECKING:
    from nlrec.index.store import Index

HYBRID = "hybrid"
"""The mode that fuses the ``dense`` kind with a lexical kind (``--sparse``)."""


@dataclass(frozen=True)
class BuildInputs:
    """What index building hands a kind's ``build``.

    Attributes:
        documents: the unique descriptor-set strings, one per document row.
        vectors: their embeddings (only for kinds with ``encoder``).
        encoder: the dense encoder (only for kinds with ``encoder``).
        options: build options (``bm25_method``, ``bm25_normalize``, ``factory``).
    """

    documents: list[str]
    vectors: np.ndarray | None = None
    encoder: Any = None
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RetrieverKind:
    """One kind of retriever and its capabilities (see the module docstring).

    Attributes:
        name: the kind's name (a ``--mode`` value and its folder in an index).
        summary: one line for help texts.
        build: makes the retriever at index time (its files are then saved with the index); None =
            it keeps no files and is made from the documents when loaded (``from_documents``).
        load: loads it from an opened index (``(index, model) -> retriever``); None = from the files
            ``build`` saved, with ``reader``.
        reader: reads the files of a built retriever from its folder (``Class.load``).
        from_documents: makes it from an index's documents (in-memory indexes, kinds without files);
            without it, an in-memory index builds it with ``build`` (embedding the documents with the
            index's encoder when ``encoder``).
        lexical: ranks by shared words (a score of 0 means no match; such documents are dropped).
        encoder: ranks with the index's dense encoder (``--model`` applies).
        vectors: ranks query vectors and gives stored document vectors (``search_vectors``,
            ``vectors_of``: references and ``nlrec similar`` use them).
        cosine: scores are cosines (a score above 1 proves a damaged file).
        restrict: ranks a subset of the documents itself (``search(..., restrict=rows)``);
            otherwise ``score`` must hold and the subset is ranked from ``scores(query)``.
        score: gives every document's score for a query (``scores(query)``).
        manifest: where a built retriever's entry goes in the manifest (a key path).
    """

    name: str
    summary: str
    build: Callable[[BuildInputs], Retriever] | None = None
    load: Callable[[Index, str | None], Retriever] | None = None
    reader: Callable[[Path], Retriever] | None = None
    from_documents: Callable[[Sequence[str]], Retriever] | None = None
    lexical: bool = False
    encoder: bool = False
    vectors: bool = False
    cosine: bool = False
    restrict: bool = False
    score: bool = True
    manifest: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.restrict and not self.score:
            raise NlrecError(f"retriever {self.name!r} must rank a subset itself (restrict) or give scores")
        if self.build is None and self.load is None and self.from_documents is None:
            raise NlrecError(f"retriever {self.name!r} can be neither built, loaded nor made from documents")

    @property
    def manifest_path(self) -> tuple[str, ...]:
        return self.manifest or ("retrievers", self.name)

    def open(self, index: Index, model: str | None = None) -> Retriever:
        """The retriever of ``index`` (loaded, or made from its documents).

        Raises:
            IndexFileError: its files are missing or damaged.
        """
        try:
            return self._open(index, model)
        except RecursionError:  # a file nested thousands of levels deep
            raise IndexFileError(f"index {index.name!r}: cannot load its {self.name} files (nested too deeply); "
                                 "rebuild it") from None

    def _open(self, index: Index, model: str | None) -> Retriever:
        if self.load is not None and not index.memory_only:
            return self.load(index, model)
        if self.from_documents is not None and self.name in index.manifest.raw.get("deferred", ()):
            return self.from_documents(index.documents)  # built without it (build_index(defer=...))
        if self.build is not None and self.reader is not None and not index.memory_only:
            directory = index.path / self.name
            try:
                return self.reader(directory)
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as e:
                raise IndexFileError(f"index {index.name!r}: cannot load its {self.name} files "
                                     f"({type(e).__name__}: {str(e)[:120]}); rebuild it") from None
        if self.from_documents is not None:
            return self.from_documents(index.documents)
        if self.build is not None and index.memory_only:  # built here, as index building would
            if self.encoder and not index.manifest.encoder.weights_sha256:
                raise NlrecError(f"in-memory index {index.name!r} has no encoder for its {self.name} retriever")
            enc = index.encoder(model) if self.encoder else None
            vectors = enc.encode(list(index.documents)) if enc is not None else None
            return self.build(BuildInputs(list(index.documents), vectors, enc, {"factory": "Flat"}))
        raise NlrecError(f"in-memory index {index.name!r} has no {self.name} retriever")


_KINDS: dict[str, RetrieverKind] = {}


def register(kind: RetrieverKind, *, replace: bool = False) -> RetrieverKind:
    """Add a retriever kind (``replace``: allow redefining a registered name).

    Raises:
        NlrecError: the name is taken (or is the hybrid mode's).
    """
    if kind.name == HYBRID or (kind.name in _KINDS and not replace):
        raise NlrecError(f"a retriever named {kind.name!r} is already registered")
    _KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove a registered kind (tests; the built-in kinds stay)."""
    if name in BUILT_IN:
        raise NlrecError(f"{name!r} is built in")
    _KINDS.pop(name, None)


def kind(name: str) -> RetrieverKind:
    """The registered kind ``name``.

    Raises:
        NlrecError: no such kind.
    """
    try:
        return _KINDS[name]
    except KeyError:
        raise NlrecError(f"unknown retriever {name!r}; choose one of {', '.join(_KINDS)}") from None


def kinds() -> tuple[RetrieverKind, ...]:
    """Every registered kind, in registration order."""
    return tuple(_KINDS.values())


def modes() -> tuple[str, ...]:
    """Every search mode: each registered kind, then ``hybrid``."""
    return (*_KINDS, HYBRID)


def lexical_kinds() -> tuple[str, ...]:
    """The kinds that may be hybrid's lexical side."""
    return tuple(k.name for k in _KINDS.values() if k.lexical)


def uses_encoder(mode: str) -> bool:
    """Whether searching in ``mode`` needs the index's dense encoder."""
    return mode == HYBRID or kind(mode).encoder


def is_lexical(mode: str) -> bool:
    """Whether ``mode`` ranks by shared words only."""
    return mode != HYBRID and kind(mode).lexical


def built_in_index(inputs_phase: str) -> tuple[RetrieverKind, ...]:
    """The kinds index building makes: ``documents`` (from the documents, before embedding: their
    errors come first) or ``vectors`` (from the embeddings)."""
    want_vectors = inputs_phase == "vectors"
    return tuple(k for k in _KINDS.values() if k.build is not None and k.encoder == want_vectors)


def place(manifest: dict[str, Any], kind_: RetrieverKind, entry: dict[str, Any]) -> None:
    """Put a built retriever's manifest entry where its kind says."""
    node = manifest
    *parents, last = kind_.manifest_path
    for p in parents:
        node = node.setdefault(p, {})
    node[last] = entry


# -- the built-in kinds ------------------------------------------------------------------------
def _load_dense(index: Index, model: str | None) -> Retriever:
    if index.backend == "milvus":
        from nlrec.index.milvus import dense_retriever

        return dense_retriever(index, lambda: index.encoder(model))  # the collection is checked first
    from nlrec.encoders.faiss_dense import DenseRetriever
    from nlrec.index.storage import check_unit_vectors

    flat = DenseRetriever.load_flat(index.path / "dense")  # an exact index: read without importing FAISS
    if flat is not None:
        if flat.shape != (len(index.documents), index.manifest.dimension):
            raise IndexFileError(f"index {index.name!r}: FAISS file does not match its manifest; rebuild it")
        check_unit_vectors(flat, index.name)
        return DenseRetriever.from_flat(index.encoder(model), flat)
    try:
        faiss_index = DenseRetriever.load_index(index.path / "dense")
    except (OSError, ValueError, KeyError) as e:
        raise IndexFileError(f"index {index.name!r}: cannot load its dense files ({type(e).__name__}: "
                             f"{str(e)[:120]}); rebuild it") from None
    if faiss_index.d != index.manifest.dimension or faiss_index.ntotal != len(index.documents):
        raise IndexFileError(f"index {index.name!r}: FAISS file does not match its manifest; rebuild it")
    check_unit_vectors(faiss_index, index.name)
    return DenseRetriever(index.encoder(model), faiss_index)


def _build_dense(inputs: BuildInputs) -> Retriever:
    from nlrec.encoders.faiss_dense import DenseRetriever, build_faiss

    return DenseRetriever(inputs.encoder, build_faiss(inputs.vectors, inputs.options["factory"]))


def _tfidf(documents: Sequence[str]) -> Retriever:
    from nlrec.encoders.sparse import TfidfRetriever

    return TfidfRetriever.build(documents)


def _bm25(documents: Sequence[str]) -> Retriever:
    from nlrec.encoders.sparse import BM25Retriever

    return BM25Retriever.build(documents)


def _build_bm25(inputs: BuildInputs) -> Retriever:
    from nlrec.encoders.sparse import BM25Retriever

    o = inputs.options
    return BM25Retriever.build(inputs.documents, method=o.get("bm25_method", "lucene"),
                               normalize=o.get("bm25_normalize", False))


def _read_tfidf(directory: Path) -> Retriever:
    from nlrec.encoders.sparse import TfidfRetriever

    return TfidfRetriever.load(directory)


def _read_bm25(directory: Path) -> Retriever:
    from nlrec.encoders.sparse import BM25Retriever

    return BM25Retriever.load(directory)


def _build_late(inputs: BuildInputs) -> Retriever:
    from nlrec.encoders.late import LateRetriever
    from nlrec.negation.semantic import _vector_cache

    # Through the vector cache the negation matcher reads: index building then embeds each
    # descriptor once, here, and its negation pass (build._precompute_negation_vectors) finds them.
    cache = _vector_cache(inputs.encoder)
    return LateRetriever(inputs.documents, lambda texts: cache.encode(list(texts)))


def _load_late(index: Index, model: str | None) -> Retriever:
    from nlrec.encoders.late import LateRetriever
    from nlrec.negation.semantic import _vector_cache

    cache = _vector_cache(index.encoder(model))  # request n-grams repeat across searches
    return LateRetriever.open(index.path / "late", index.documents, lambda texts: cache.encode(list(texts)))


BUILT_IN = ("tfidf", "bm25", "dense", "late")
register(RetrieverKind("tfidf", "TF-IDF cosine over descriptor words", build=lambda i: _tfidf(i.documents),
                       reader=_read_tfidf, from_documents=_tfidf, lexical=True, manifest=("sparse", "tfidf")))
register(RetrieverKind("bm25", "BM25 over stemmed descriptor words (bm25s)", build=_build_bm25, reader=_read_bm25,
                       from_documents=_bm25, lexical=True, manifest=("sparse", "bm25")))
register(RetrieverKind("dense", "bi-encoder embeddings, cosine (FAISS or Milvus)", build=_build_dense,
                       load=_load_dense, encoder=True, vectors=True, cosine=True, restrict=True, score=False,
                       manifest=("faiss",)))
register(RetrieverKind("late", "descriptor-level matching: request facets meet descriptors (MaxSim)",
                       build=_build_late, load=_load_late, encoder=True, lexical=True))
