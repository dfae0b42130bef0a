"""Audio tagging: descriptors and a "sounds like" embedding from the audio itself.

Needs the optional extra (``pip install 'nlrec[audio]'``: soundfile, soxr, mutagen); importing
this package does not, so ``nlrec --help`` and the rest of nlrec never pay for it. The taggers
are PyTorch ports of musicnn's ``MTT_musicnn`` and ``MSD_musicnn`` (ISC licence), converted once
by ``tools/musicnn/convert.py`` and shipped in ``nlrec/data/audio/``.

Example:
    >>> from nlrec.audio import AudioTagger, tag_paths             # doctest: +SKIP
    >>> run = tag_paths(["~/Music/new"], tagger=AudioTagger(max_windows=10))
    >>> run.tracks[0].descriptors, run.embeddings().shape, run.skipped_counts()
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "AudioDependencyError",
    "AudioDescriptor",
    "AudioEmbeddings",
    "AudioReadError",
    "AudioTagger",
    "AudioTrack",
    "FileMetadata",
    "SkippedFile",
    "TagRun",
    "descriptor_set",
    "is_audio_available",
    "load_audio",
    "log_mel",
    "read_metadata",
    "require_audio",
    "tag_paths",
    "track_from_audio",
]

_LAZY = {
    "AudioDependencyError": "nlrec.audio.deps",
    "is_audio_available": "nlrec.audio.deps",
    "require_audio": "nlrec.audio.deps",
    "AudioDescriptor": "nlrec.audio.descriptors",
    "descriptor_set": "nlrec.audio.descriptors",
    "AudioEmbeddings": "nlrec.audio.embeddings",
    "AudioReadError": "nlrec.audio.decode",
    "load_audio": "nlrec.audio.decode",
    "log_mel": "nlrec.audio.features",
    "FileMetadata": "nlrec.audio.metadata",
    "read_metadata": "nlrec.audio.metadata",
    "AudioTagger": "nlrec.audio.tagger",
    "AudioTrack": "nlrec.audio.tagger",
    "SkippedFile": "nlrec.audio.tagger",
    "TagRun": "nlrec.audio.tagger",
    "tag_paths": "nlrec.audio.tagger",
    "track_from_audio": "nlrec.audio.catalog",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nlrec.audio' has no attribute {name!r}")
