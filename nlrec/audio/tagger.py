"""Tag audio with both musicnn ports: pooled tag probabilities, a descriptor set, an embedding.

A track is decoded (:mod:`nlrec.audio.decode`), turned into 3-s log-mel patches
(:mod:`nlrec.audio.features`), and every patch goes through the MTT and the MSD network. The
per-patch sigmoid probabilities are averaged over the patches (as upstream's ``top_tags``), and
so are the 200-d penultimate activations; the track's *audio embedding* is the MTT mean followed
by the MSD mean (400 float32 values). Long files are thinned to ``max_windows`` patches spread
evenly over the whole file (default 10: 30 s of audio heard from start to end); ``None`` takes
every patch as upstream does. Only the analysed windows are decoded (:mod:`nlrec.audio.windows`):
memory stays flat in file length, and a 4-minute track decodes about 35 s of audio.

Files that cannot be tagged come back as :class:`SkippedFile` with a reason (``unreadable``,
``empty``, ``unsupported``, ``silent``, ``too short``, ``duplicate``) and a one-line detail;
tagged files that look truncated carry ``warnings``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlrec.audio.checks import (
    UNSUPPORTED_EXTENSIONS,
    content_hash,
    ogg_truncation,
    unsupported_reason,
)
from nlrec.audio.decode import AudioReadError, check_not_empty, iter_audio_files, load_audio
from nlrec.audio.descriptors import (
    DEFAULT_LIFT,
    DEFAULT_THRESHOLD,
    DEFAULT_TOP_K,
    AudioDescriptor,
    Rule,
    VocalsMode,
    descriptor_set,
    vocals_evidence,
)
from nlrec.audio.features import log_mel, patches
from nlrec.audio.metadata import FileMetadata, read_metadata
from nlrec.audio.weights import VOCABULARIES, Vocabulary, labels

DEFAULT_MAX_WINDOWS = 10
SILENCE_PEAK = 1e-4  # -80 dBFS: nothing a tagger could hear
MIN_SECONDS = 0.5
EMBEDDING_DIM = 400
SkipReason = Literal["unreadable", "empty", "unsupported", "silent", "too short", "duplicate"]
Backend = Literal["torch", "onnx"]
Decode = Literal["windows", "full"]


@dataclass(frozen=True)
class AudioTags:
    """Network outputs for one signal, pooled over its patches."""

    probabilities: dict[Vocabulary, dict[str, float]]
    embedding: np.ndarray  # (400,) float32: MTT penultimate mean, then MSD
    windows: int
    window_max: dict[Vocabulary, dict[str, float]] = field(default_factory=dict)  # each tag's max over patches


@dataclass(frozen=True)
class AudioTrack:
    """One tagged file: what the audio says and what the file's own tags say."""

    path: Path
    duration: float
    windows: int
    probabilities: dict[Vocabulary, dict[str, float]]
    descriptors: tuple[AudioDescriptor, ...]
    embedding: np.ndarray = field(repr=False)
    metadata: FileMetadata = field(default_factory=FileMetadata)
    warnings: tuple[str, ...] = ()
    content_sha256: str | None = None
    window_max: dict[Vocabulary, dict[str, float]] = field(default_factory=dict, repr=False)

    def to_dict(self, *, probabilities: bool = True) -> dict:
        """JSON-ready form (the embedding is left out: it belongs in ``.npy`` files)."""
        out = {
            "path": str(self.path),
            "duration": round(self.duration, 3),
            "windows": self.windows,
            "metadata": self.metadata.to_dict(),
            "descriptors": [d.to_dict() for d in self.descriptors],
            "descriptor_source": "audio",
            "warnings": list(self.warnings),
            "content_sha256": self.content_sha256,
        }
        if self.probabilities:
            out["vocals"] = vocals_evidence(self.probabilities, self.window_max or None).to_dict()
        if probabilities:
            out["probabilities"] = {
                v: {tag: round(p, 4) for tag, p in probs.items()}
                for v, probs in self.probabilities.items()
            }
        return out


@dataclass(frozen=True)
class SkippedFile:
    path: Path
    reason: SkipReason
    detail: str = ""

    def to_dict(self) -> dict:
        return {"path": str(self.path), "reason": self.reason, "detail": self.detail}


@dataclass
class TagRun:
    """Everything one :func:`tag_paths` call produced, with counts and timing."""

    tracks: list[AudioTrack] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0

    def skipped_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for s in self.skipped:
            counts[s.reason] = counts.get(s.reason, 0) + 1
        return counts

    @property
    def files_per_second(self) -> float:
        n = len(self.tracks) + len(self.skipped)
        return n / self.seconds if self.seconds > 0 else 0.0

    def warned(self) -> list[dict]:
        """``{"path", "warnings"}`` for the tagged files that look truncated or suspicious."""
        return [{"path": str(t.path), "warnings": list(t.warnings)} for t in self.tracks if t.warnings]

    def embeddings(self) -> np.ndarray:
        """``(n_tracks, 400)`` float32, rows in :attr:`tracks` order."""
        if not self.tracks:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        return np.stack([t.embedding for t in self.tracks]).astype(np.float32)


class AudioTagger:
    """Both musicnn ports, loaded once; thread-safe for inference, not for reconfiguration.

    Args:
        max_windows: Patches per file (spread evenly), ``None`` for all of them.
        top_k: Descriptors kept per vocabulary (see :mod:`nlrec.audio.descriptors`).
        threshold: Probability a descriptor needs (the best one is always kept; rule ``threshold``).
        rule: ``threshold`` (one threshold for every tag) or ``calibrated`` (a tag needs ``lift``
            times its training-data prior; :mod:`nlrec.audio.descriptors`).
        decode: ``windows`` (only the analysed windows) or ``full`` (the whole file, as before).
        vocals: ``decide`` (keep "no vocals" on the no-vocals evidence against the strongest
            singing window; :mod:`nlrec.audio.descriptors`) or ``off`` (the rule before it).
        batch_size: Patches per forward pass.
        backend: ``"onnx"`` (the port's export on onnxruntime, cached in
            ``NLREC_HOME/.cache/audio``; a third of torch's CPU time for the networks) or
            ``"torch"`` (the port itself). Both match the original to 1e-5 (parity test).

    Example:
        >>> tagger = AudioTagger()                                   # doctest: +SKIP
        >>> track = tagger.tag_file("song.ogg")
        >>> [d.text for d in track.descriptors], track.embedding.shape
    """

    def __init__(self, *, max_windows: int | None = DEFAULT_MAX_WINDOWS,
                 top_k: int = DEFAULT_TOP_K, threshold: float = DEFAULT_THRESHOLD,
                 batch_size: int = 4, backend: Backend = "onnx", decode: Decode = "windows",
                 rule: Rule = "threshold", lift: float = DEFAULT_LIFT, vocals: VocalsMode = "decide") -> None:
        if max_windows is not None and max_windows < 1:
            raise ValueError("max_windows must be at least 1 (or None for every window)")
        self.max_windows = max_windows
        self.top_k = top_k
        self.threshold = threshold
        self.batch_size = batch_size
        if backend not in ("torch", "onnx"):
            raise ValueError(f"unknown backend {backend!r} (torch or onnx)")
        self.backend = backend
        if decode not in ("windows", "full"):
            raise ValueError(f"unknown decode {decode!r} (windows or full)")
        self.decode = decode
        self.rule = rule
        self.lift = lift
        self.vocals = vocals
        self._models: dict[Vocabulary, Any] = {}
        self._sessions: dict[Vocabulary, object] = {}

    def model(self, vocabulary: Vocabulary) -> Any:
        """The PyTorch port (:class:`~nlrec.audio.model.LoadedTagger`; imports torch)."""
        from nlrec.audio.model import load_musicnn

        if vocabulary not in self._models:
            self._models[vocabulary] = load_musicnn(vocabulary)
        return self._models[vocabulary]

    def run_patches(self, batch: np.ndarray, vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
        """Per-patch ``(probabilities (n, 50), penultimate (n, 200))`` for ``(n, 187, 96)``."""
        if self.backend == "onnx":
            return self._run_onnx(batch, vocabulary)
        import torch

        net = self.model(vocabulary).model
        probs, pens = [], []
        with torch.inference_mode():
            for start in range(0, len(batch), self.batch_size):
                out = net(torch.from_numpy(np.ascontiguousarray(batch[start : start + self.batch_size])))
                probs.append(torch.sigmoid(out.logits).numpy())
                pens.append(out.penultimate.numpy())
        return np.concatenate(probs), np.concatenate(pens)

    def _run_onnx(self, batch: np.ndarray, vocabulary: Vocabulary) -> tuple[np.ndarray, np.ndarray]:
        from nlrec.audio.onnx_session import load_onnx_session

        if vocabulary not in self._sessions:
            self._sessions[vocabulary] = load_onnx_session(vocabulary)
        session = self._sessions[vocabulary]
        probs, pens = [], []
        for start in range(0, len(batch), self.batch_size):
            chunk = np.ascontiguousarray(batch[start : start + self.batch_size], dtype=np.float32)
            logits, pen = session.run(None, {"x": chunk})
            probs.append(1.0 / (1.0 + np.exp(-logits)))
            pens.append(pen)
        return np.concatenate(probs).astype(np.float32), np.concatenate(pens)

    def tag_signal(self, samples: np.ndarray) -> AudioTags:
        """Pooled outputs of both networks for mono float32 samples at 16 kHz."""
        return self.tag_patches(patches(log_mel(samples), self.max_windows))

    def tag_patches(self, batch: np.ndarray) -> AudioTags:
        """Pooled outputs of both networks for log-mel patches ``(n, 187, 96)``."""
        probabilities: dict[Vocabulary, dict[str, float]] = {}
        window_max: dict[Vocabulary, dict[str, float]] = {}
        embedding = []
        for vocabulary in VOCABULARIES:
            probs, pens = self.run_patches(batch, vocabulary)
            probabilities[vocabulary] = dict(zip(labels(vocabulary), probs.mean(axis=0).tolist()))
            window_max[vocabulary] = dict(zip(labels(vocabulary), probs.max(axis=0).tolist()))
            embedding.append(pens.mean(axis=0))
        return AudioTags(probabilities, np.concatenate(embedding).astype(np.float32), len(batch), window_max)

    def tag_file(self, path: str | os.PathLike, *, content_sha256: str | None = None) -> AudioTrack:
        """Tag one file.

        Raises:
            SkippedAudioError: the file is unsupported, empty, unreadable, silent or shorter than
                half a second (its ``reason`` says which).
        """
        path = Path(path)
        if path.suffix.lower() in UNSUPPORTED_EXTENSIONS:
            raise SkippedAudioError("unsupported", f"{path}: {unsupported_reason(path)}")
        try:
            check_not_empty(path)
        except AudioReadError as exc:
            raise SkippedAudioError("empty" if "0 bytes" in str(exc) else "unreadable", str(exc)) from None
        digest = content_sha256 or content_hash(path)
        batch, duration, peak, warnings = self._decode(path)
        if duration < MIN_SECONDS:
            raise SkippedAudioError("too short", f"{path}: {duration:.2f} s of audio")
        if peak < SILENCE_PEAK:
            raise SkippedAudioError("silent", f"{path}: peak below -80 dBFS")
        cut = ogg_truncation(path)
        if cut and not any(w.startswith("truncated") for w in warnings):
            warnings.append(cut)
        tags = self.tag_patches(batch)
        return AudioTrack(
            path=path,
            duration=duration,
            windows=tags.windows,
            probabilities=tags.probabilities,
            descriptors=tuple(descriptor_set(tags.probabilities, top_k=self.top_k, threshold=self.threshold,
                                             rule=self.rule, lift=self.lift, window_max=tags.window_max,
                                             vocals=self.vocals)),
            embedding=tags.embedding,
            metadata=read_metadata(path),
            warnings=tuple(warnings),
            content_sha256=digest,
            window_max=tags.window_max,
        )

    def _decode(self, path: Path) -> tuple[np.ndarray, float, float, list[str]]:
        """``(patches, duration, peak, warnings)``: only the analysed windows when possible."""
        if self.decode == "windows":
            from nlrec.audio.windows import WindowsUnavailable, load_windows

            try:
                w = load_windows(path, self.max_windows)
                return w.patches, w.duration, w.peak, list(w.warnings)
            except WindowsUnavailable:
                pass  # short or unseekable: decoded whole below
        try:
            audio = load_audio(path)
        except AudioReadError as exc:
            if "no audio samples" in str(exc):
                raise SkippedAudioError("empty", str(exc)) from None
            raise
        if audio.duration < MIN_SECONDS:
            raise SkippedAudioError("too short", f"{path}: {audio.duration:.2f} s of audio")
        peak = float(np.abs(audio.samples).max())
        return patches(log_mel(audio.samples), self.max_windows), audio.duration, peak, []

    def iter_files(self, files: Iterable[Path], *, dedupe: bool = True) -> Iterator[AudioTrack | SkippedFile]:
        """Tag each file; files that cannot be tagged come back as :class:`SkippedFile`.

        With ``dedupe``, a file whose bytes equal an earlier file's is skipped as ``duplicate``
        (named with the file it copies) before it is decoded.
        """
        seen: dict[str, Path] = {}
        for path in files:
            path = Path(path)
            digest = None
            if dedupe and path.suffix.lower() not in UNSUPPORTED_EXTENSIONS:
                try:
                    digest = content_hash(path)
                except OSError:
                    digest = None
                if digest is not None and digest in seen:
                    yield SkippedFile(path, "duplicate", f"same bytes as {seen[digest]}")
                    continue
                if digest is not None:
                    seen[digest] = path
            try:
                yield self.tag_file(path, content_sha256=digest)
            except SkippedAudioError as exc:
                yield SkippedFile(path, exc.reason, exc.detail)
            except AudioReadError as exc:
                yield SkippedFile(path, "unreadable", str(exc))


class SkippedAudioError(AudioReadError):
    """The file is not tagged; ``reason`` is a :data:`SkipReason`."""

    def __init__(self, reason: SkipReason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


SilentAudioError = SkippedAudioError  # the name earlier versions raised


def tag_paths(paths: Sequence[str | os.PathLike], *, tagger: AudioTagger | None = None,
              on_progress: Callable[[int, int, Path], None] | None = None) -> TagRun:
    """Tag every audio file under ``paths`` (files or folders); never stops on a bad file.

    Args:
        paths: Files and folders (searched recursively for mp3, ogg, opus, flac, wav, aiff;
            music files of unsupported formats are reported as skipped).
        tagger: A configured :class:`AudioTagger` (default settings otherwise).
        on_progress: Called as ``(done, total, path)`` after each file.
    """
    tagger = tagger or AudioTagger()
    files = list(iter_audio_files(paths, unsupported=True))
    run = TagRun()
    start = time.perf_counter()
    for i, result in enumerate(tagger.iter_files(files), start=1):
        if isinstance(result, SkippedFile):
            run.skipped.append(result)
        else:
            run.tracks.append(result)
        if on_progress is not None:
            on_progress(i, len(files), files[i - 1])
    run.seconds = time.perf_counter() - start
    return run
