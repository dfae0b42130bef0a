"""Connecting to Milvus: targets (URI + collection), clients, errors and descriptor-set keys."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nlrec.errors import IndexFileError, NlrecError

if TYPE_CHECKING:
    from pymilvus import MilvusClient

TOKEN_ENV = "NLREC_MILVUS_TOKEN"
MAX_TOPK = 16384
"""Milvus returns at most this many results a search."""
PUSHDOWN_MAX_KEYS = 16384
"""Above this many allowed descriptor sets a filtered search ranks unfiltered and drops the rest, then
searches batches of this many keys when that leaves too few (:mod:`nlrec.index.milvus.retriever`)."""
PLACEHOLDER_DIM = 2
ID_MAX_BYTES = 512
TEXT_MAX_BYTES = 16384
MARKER_KIND = "nlrec-index"
MARKER_PROPERTY = "nlrec.marker"
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")
_CLIENTS: dict[tuple[str, str], Any] = {}


class MilvusError(IndexFileError):
    """Milvus is unreachable, or a collection is missing or does not match the index."""


def _short(e: BaseException) -> str:
    msg = getattr(e, "message", None) or str(e)
    return " ".join(str(msg).split())[:200]


@dataclass(frozen=True)
class MilvusTarget:
    """Where an index's vectors live: a Milvus URI and a collection name."""

    uri: str
    collection: str
    token_env: str = TOKEN_ENV

    @property
    def tracks_collection(self) -> str:
        return f"{self.collection}_tracks"

    def record(self) -> dict[str, Any]:
        """What the manifest records (never the token itself)."""
        return {"kind": "milvus", "uri": self.uri, "collection": self.collection,
                "tracks_collection": self.tracks_collection, "token_env": self.token_env}

    @classmethod
    def from_record(cls, record: dict[str, Any], where: str) -> MilvusTarget:
        try:
            return cls(uri=str(record["uri"]), collection=str(record["collection"]),
                       token_env=str(record.get("token_env") or TOKEN_ENV))
        except (KeyError, TypeError):
            raise IndexFileError(f"index {where!r}: its manifest's milvus backend record is malformed; rebuild it") from None


def target(uri: str, collection: str, token_env: str = TOKEN_ENV) -> MilvusTarget:
    """A checked :class:`MilvusTarget`: a cluster URI as given, a local Milvus Lite file made absolute.

    Raises:
        MilvusError: for a collection name Milvus refuses or a local file not ending in ``.db``.
    """
    if not _NAME_RE.match(collection or ""):
        raise MilvusError(f"--collection {collection!r}: Milvus collection names are letters, digits and "
                          "underscores, starting with a letter or underscore")
    if not re.match(r"^(https?|tcp|grpc|unix)://", uri):
        path = Path(uri).expanduser()
        if path.suffix != ".db":
            raise MilvusError(f"--uri {uri!r}: a local Milvus Lite database must end in .db "
                              "(or give http://host:19530 for a Milvus server)")
        uri = str(path.resolve())
    return MilvusTarget(uri, collection, token_env)


def lite_file_missing(uri: str) -> bool:
    """Whether ``uri`` is a Milvus Lite file that does not exist (opening it would create it)."""
    return uri.startswith("/") and not os.path.lexists(uri)


def connect(uri: str, token_env: str = TOKEN_ENV, *, timeout: float = 10.0, create: bool = True) -> MilvusClient:
    """A ``pymilvus.MilvusClient`` for ``uri`` (one per process and URI).

    Args:
        create: a missing Milvus Lite file may be created (a build); otherwise (opening an index,
            removing one) a missing file is an error, never a new database in someone's folder.

    Raises:
        MilvusError: when pymilvus (or, for a file, milvus-lite) is missing or Milvus is unreachable.
    """
    token = os.environ.get(token_env, "")
    if not create and lite_file_missing(uri):
        raise MilvusError(f"the Milvus Lite database {uri} does not exist; rebuild the index")
    cached = _CLIENTS.get((uri, token))
    if cached is not None:
        return cached
    # gRPC's C core would print keepalive notices of the in-process Milvus Lite server on stderr
    os.environ.setdefault("GRPC_VERBOSITY", "NONE")
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusError("the Milvus backend needs pymilvus (and milvus-lite for a local file): "
                          "pip install 'nlrec[milvus]'") from None
    if uri.startswith("/"):
        try:
            import milvus_lite  # noqa: F401
        except ImportError:
            raise MilvusError(f"{uri} is a Milvus Lite file, which needs milvus-lite: pip install milvus-lite") from None
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    import logging

    logging.getLogger("pymilvus").setLevel(logging.CRITICAL)  # failures are raised as one-line errors
    logging.getLogger("grpc._server").setLevel(logging.CRITICAL)  # Milvus Lite's in-process server
    try:
        client = MilvusClient(uri=uri, token=token, timeout=timeout)
    except Exception as e:  # noqa: BLE001 - pymilvus raises many kinds; all mean "unreachable"
        why = _short(e)
        if uri.startswith("/"):
            why += (" (a Milvus Lite database is open in one process at a time: is nlrec serve or another "
                    "build using it? Several processes need a Milvus server, see docs/scaling.md)")
        raise MilvusError(f"cannot reach Milvus at {uri}: {why}") from None
    _CLIENTS[(uri, token)] = client
    return client


def disconnect_all() -> None:
    """Close every client this process opened, and stop the Milvus Lite servers it started
    (Lite serves a local database from threads of this process until it exits otherwise)."""
    for client in list(_CLIENTS.values()):
        try:
            client.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
    _CLIENTS.clear()
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return
    server_manager_instance.release_all()


def doc_key(text: str) -> int:
    """The 63-bit key of a descriptor set: a hash of its text, so it survives updates."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") & (2**63 - 1)


def doc_keys(texts: Sequence[str]) -> np.ndarray:
    """Keys of unique texts, refusing the (astronomically unlikely) collision of two of them."""
    keys = np.fromiter((doc_key(t) for t in texts), dtype=np.int64, count=len(texts))
    if len(np.unique(keys)) != len(keys):
        raise NlrecError("two descriptor sets hash to the same Milvus key; report this as a bug")
    return keys


def _cut(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", "ignore")




_NUMBER_RE = re.compile(r"^-?\d{1,15}(\.\d{1,15})?$")


def number_like(value: str) -> int | float | None:
    """The number a text stands for (``"240"``, ``"-1.5"``), as the Milvus backend stores
    metadata texts that look like numbers, so that ``duration < 240`` works as it does locally."""
    v = value.strip()
    if not _NUMBER_RE.match(v):
        return None
    return float(v) if "." in v else int(v)
