"""The index manifest: what an index is made of, read once into typed fields and checked.

``manifest.json`` records the encoder (id, weights SHA-256, dimension, the model spec to load it
again, ONNX export status), the FAISS factory, the corpus (hash, counts, provenance), the build
timings and the size + SHA-256 of every other file. :class:`Manifest` parses and validates it;
:func:`verify_files` checks the files against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nlrec.errors import IndexFileError
from nlrec.io import sha256_file

INDEX_FORMAT = 2
"""Format 2: the manifest of one generation (``kind`` and ``generation`` recorded); format 1
(a single directory, no generations) is still read."""
READ_FORMATS = (1, 2)
INDEX_KIND = "nlrec-index"
MANIFEST = "manifest.json"
METRIC = "inner_product (cosine on L2-normalised vectors)"
VERIFY_HASH_MAX_BYTES = 256 * 1024 * 1024
"""Above this total size, opening an index checks file sizes only (``--verify`` hashes all)."""


@dataclass(frozen=True)
class EncoderRecord:
    """The dense encoder an index was built with.

    Attributes:
        id: the encoder's id (model name, path or hub id).
        weights_sha256: fingerprint of its weights; searching with other weights is refused.
        dimension: embedding dimension.
        model: how to load it again (``music-minilm``, ``minilm``, a path or hub id).
        onnx: ``"ok"``, ``"disabled"`` or why the ONNX export was not made.
    """

    id: str
    weights_sha256: str
    dimension: int
    model: str
    onnx: str = "ok"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """A parsed, type-checked ``manifest.json``.

    Attributes:
        raw: the manifest as written (for ``nlrec index info --json``).
    """

    name: str
    format: int
    created_at: str
    nlrec_version: str
    encoder: EncoderRecord
    dimension: int
    factory: str
    n_tracks: int
    n_documents: int
    corpus_sha256: str
    source: str | None
    build_seconds: float | None
    encode_seconds: float | None
    files: dict[str, FileEntry]
    raw: dict[str, Any] = field(compare=False, repr=False)
    generation: int | None = None

    @property
    def size_bytes(self) -> int:
        return sum(f.size for f in self.files.values())

    def to_dict(self) -> dict[str, Any]:
        return self.raw

    @classmethod
    def from_dict(cls, raw: Any, where: str) -> Manifest:
        """Validate ``raw`` (the JSON of ``manifest.json``).

        Raises:
            IndexFileError: naming the first missing or ill-typed field.
        """

        def bad(what: str) -> IndexFileError:
            return IndexFileError(f"index {where!r}: manifest.json {what}; rebuild it")

        if not isinstance(raw, dict) or raw.get("format") not in READ_FORMATS or isinstance(raw.get("format"), bool):
            raise bad(f"is not an nlrec index manifest (format {' or '.join(map(str, READ_FORMATS))})")
        fmt = int(raw["format"])
        generation = None
        if fmt >= 2:
            if raw.get("kind") != INDEX_KIND:
                raise bad(f"is not an nlrec index manifest (kind is not {INDEX_KIND!r})")
            generation = raw.get("generation")
            if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
                raise bad("has a malformed 'generation'")

        def get(obj: Any, key: str, kind: type | tuple[type, ...], path: str) -> Any:
            if not isinstance(obj, dict) or key not in obj:
                raise bad(f"lacks {path!r}")
            value = obj[key]
            if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
                raise bad(f"has a malformed {path!r}")
            return value

        enc = get(raw, "encoder", dict, "encoder")
        corpus = get(raw, "corpus", dict, "corpus")
        files = get(raw, "files", dict, "files")
        dimension = get(raw, "dimension", int, "dimension")
        entries: dict[str, FileEntry] = {}
        for rel, meta in files.items():
            size = get(meta, "size", int, f"files.{rel}.size")
            sha = get(meta, "sha256", str, f"files.{rel}.sha256")
            if size < 0 or len(sha) != 64 or Path(rel).is_absolute() or ".." in Path(rel).parts:
                raise bad(f"has a malformed entry for {rel!r}")
            entries[rel] = FileEntry(size, sha)
        if not entries:
            raise bad("lists no files")
        build = raw.get("build") if isinstance(raw.get("build"), dict) else {}
        faiss = raw.get("faiss") if isinstance(raw.get("faiss"), dict) else {}
        n_tracks = get(corpus, "n_tracks", int, "corpus.n_tracks")
        n_documents = get(corpus, "n_documents", int, "corpus.n_documents")
        if dimension <= 0 or n_tracks < 0 or n_documents < 0 or n_documents > max(n_tracks, 0):
            raise bad("has impossible counts")
        source = corpus.get("dataset") or corpus.get("source")
        return cls(
            name=str(raw.get("name", where)),
            format=fmt,
            created_at=str(raw.get("created_at", "")),
            nlrec_version=str(raw.get("nlrec_version", "")),
            encoder=EncoderRecord(
                id=get(enc, "id", str, "encoder.id"),
                weights_sha256=get(enc, "weights_sha256", str, "encoder.weights_sha256"),
                dimension=dimension,
                model=recorded_model(enc),
                onnx=str(enc.get("onnx", "ok")),
                raw=enc,
            ),
            dimension=dimension,
            factory=str(faiss.get("factory", "Flat")),
            n_tracks=n_tracks,
            n_documents=n_documents,
            corpus_sha256=str(corpus.get("sha256", "")),
            source=str(source) if source is not None else None,
            build_seconds=_number(build.get("seconds")),
            encode_seconds=_number(build.get("encode_seconds")),
            files=entries,
            raw=raw,
            generation=generation,
        )


def _number(v: Any) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def recorded_model(encoder: dict[str, Any]) -> str:
    """The model an index manifest names; ``default`` in manifests written before nlrec had a
    music model meant the packaged MiniLM."""
    spec = str(encoder.get("model") or "minilm")
    return "minilm" if spec == "default" else spec


def read_manifest(path: Path, name: str | None = None, *, sha256: str | None = None) -> Manifest:
    """Read and validate ``path/manifest.json``.

    Args:
        name: the index name for messages (default: the directory's name).
        sha256: the manifest's expected SHA-256 (recorded in the generation pointer).

    Raises:
        IndexFileError: if it is unreadable, not an nlrec manifest, malformed, or does not match
            ``sha256``.
    """
    import hashlib

    name = name or path.name
    try:
        data = (path / MANIFEST).read_bytes()
        raw = json.loads(data.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise IndexFileError(f"index {name!r}: unreadable manifest.json ({type(e).__name__}); rebuild it") from None
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise IndexFileError(f"index {name!r} is corrupted: manifest.json does not match its checksum; rebuild it")
    return Manifest.from_dict(raw, name)


def file_table(root: Path) -> dict[str, dict[str, Any]]:
    """Size and SHA-256 of every file under ``root`` but the top-level ``manifest.json``."""
    table = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and rel != MANIFEST:  # a sub-directory's own manifest.json is listed like any file
            table[rel] = {"size": p.stat().st_size, "sha256": sha256_file(p)}
    return table


def verify_files(path: Path, manifest: Manifest, *, full: bool | None = None, name: str | None = None) -> None:
    """Check every file against the sizes and hashes in the manifest.

    Sizes are always checked; hashes too unless the index is larger than 256 MiB (or
    ``full`` says otherwise). With ``full``, files the manifest does not list are refused too
    (format 2: the generation directory holds nothing else).

    Raises:
        IndexFileError: naming the first file that is missing or differs.
    """
    name = name or path.name
    if full is None:
        full = manifest.size_bytes <= VERIFY_HASH_MAX_BYTES
    if not manifest.files:
        raise IndexFileError(f"index {name!r}: manifest.json lists no files; rebuild it")
    for rel, meta in manifest.files.items():
        p = path / rel
        if not p.is_file():
            raise IndexFileError(f"index {name!r} is incomplete: {rel} is missing; rebuild it")
        if p.stat().st_size != meta.size or (full and sha256_file(p) != meta.sha256):
            raise IndexFileError(
                f"index {name!r} is corrupted: {rel} does not match its manifest; rebuild it"
            )
    if full and manifest.format >= 2:
        extra = sorted(set(file_table_names(path)) - set(manifest.files) - {MANIFEST})
        if extra:
            raise IndexFileError(f"index {name!r} is corrupted: {extra[0]} is not listed in its manifest; rebuild it")


def file_table_names(root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
