"""musicnn (Pons & Serra, 2019) ported to PyTorch, with the published MTT and MSD weights.

The network reads a log-mel patch of ``(frames, 96)`` (3 s = 187 frames at 16 kHz, hop 256) and
returns 50 tag logits plus the 200-d penultimate layer. It is a line-by-line port of
``musicnn.models.build_musicnn`` (TensorFlow 1 ``tf.layers``):

- front end: batch norm of the input, two timbral convolutions spanning 7 frames x 40 % / 70 % of
  the mel bins and three temporal convolutions of 128 / 64 / 32 frames x 1 bin (TensorFlow
  ``same`` padding: one frame more after than before), each ReLU -> batch norm -> max over
  frequency;
- mid end: three 1-d convolutions of 7 frames (64 filters) over the 561 front-end channels, the
  second and third residual; the front end and the three outputs are concatenated (753 channels);
- back end: max and mean over time, interleaved per channel as TensorFlow flattens them,
  batch norm, dense 200 + ReLU, batch norm (the *penultimate* embedding), dense 50.

Batch norms use TensorFlow's epsilon (1e-3). ``tools/musicnn/convert.py`` writes the weights;
``tests/audio/test_parity.py`` checks this port against the original on real audio.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from nlrec.audio.weights import (  # noqa: F401  (re-exported: the names' earlier home)
    VOCABULARIES,
    Vocabulary,
    labels,
    onnx_path,
    weights_metadata,
    weights_path,
)
from nlrec.errors import NlrecError

_EPS = 1e-3


class _Block(nn.Module):
    """Convolution -> ReLU -> batch norm (the order musicnn uses)."""

    def __init__(self, conv: nn.Module, channels: int, bn: type[nn.Module]) -> None:
        super().__init__()
        self.conv = conv
        self.bn = bn(channels, eps=_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(F.relu(self.conv(x)))


@dataclass(frozen=True)
class MusiCNNOutput:
    """Per-patch outputs: ``logits`` ``(B, n_tags)`` and ``penultimate`` ``(B, 200)``."""

    logits: torch.Tensor
    penultimate: torch.Tensor


class MusiCNN(nn.Module):
    """The musicnn tagger (``MTT_musicnn`` / ``MSD_musicnn`` size: 64 mid-end filters, 200 units).

    Args:
        n_tags: Output tags (50 for both published models).
        n_mels: Mel bins of the input (96).

    Example:
        >>> model = load_musicnn("mtt")
        >>> out = model(torch.zeros(2, 187, 96))
        >>> out.logits.shape, out.penultimate.shape
        (torch.Size([2, 50]), torch.Size([2, 200]))
    """

    def __init__(self, n_tags: int = 50, n_mels: int = 96, mid: int = 64, units: int = 200) -> None:
        super().__init__()
        timbral, temporal = 204, 51  # int(1.6 * 128), int(1.6 * 32)
        self.input_bn = nn.BatchNorm2d(1, eps=_EPS)
        self.timbral74 = _Block(nn.Conv2d(1, timbral, (7, int(0.4 * n_mels))), timbral, nn.BatchNorm2d)
        self.timbral77 = _Block(nn.Conv2d(1, timbral, (7, int(0.7 * n_mels))), timbral, nn.BatchNorm2d)
        self.temporal128 = _Block(nn.Conv2d(1, temporal, (128, 1)), temporal, nn.BatchNorm2d)
        self.temporal64 = _Block(nn.Conv2d(1, temporal, (64, 1)), temporal, nn.BatchNorm2d)
        self.temporal32 = _Block(nn.Conv2d(1, temporal, (32, 1)), temporal, nn.BatchNorm2d)
        front = 2 * timbral + 3 * temporal
        self.mid1 = _Block(nn.Conv1d(front, mid, 7), mid, nn.BatchNorm1d)
        self.mid2 = _Block(nn.Conv1d(mid, mid, 7), mid, nn.BatchNorm1d)
        self.mid3 = _Block(nn.Conv1d(mid, mid, 7), mid, nn.BatchNorm1d)
        pooled = 2 * (front + 3 * mid)
        self.pool_bn = nn.BatchNorm1d(pooled, eps=_EPS)
        self.dense = nn.Linear(pooled, units)
        self.dense_bn = nn.BatchNorm1d(units, eps=_EPS)
        self.out = nn.Linear(units, n_tags)
        self.eval()

    @staticmethod
    def _max_over_freq(x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=3)  # (B, C, T, F) -> (B, C, T)

    def forward(self, x: torch.Tensor) -> MusiCNNOutput:
        """Tag a batch of log-mel patches ``(B, frames, n_mels)``."""
        x = self.input_bn(x.unsqueeze(1))  # (B, 1, T, F)
        padded = F.pad(x, (0, 0, 3, 3))
        front = [
            self._max_over_freq(self.timbral74(padded)),
            self._max_over_freq(self.timbral77(padded)),
        ]
        for block in (self.temporal128, self.temporal64, self.temporal32):
            k = block.conv.kernel_size[0]
            same = F.pad(x, (0, 0, (k - 1) // 2, k // 2))  # TensorFlow "same": extra frame after
            front.append(self._max_over_freq(block(same)))
        f = torch.cat(front, dim=1)  # (B, 561, T)
        m1 = self.mid1(F.pad(f, (3, 3)))
        m2 = self.mid2(F.pad(m1, (3, 3))) + m1
        m3 = self.mid3(F.pad(m2, (3, 3))) + m2
        feats = torch.cat([f, m1, m2, m3], dim=1)  # (B, 753, T)
        pooled = torch.stack([feats.amax(dim=2), feats.mean(dim=2)], dim=2).flatten(1)
        penultimate = self.dense_bn(F.relu(self.dense(self.pool_bn(pooled))))
        return MusiCNNOutput(logits=self.out(penultimate), penultimate=penultimate)


@dataclass(frozen=True)
class LoadedTagger:
    """A port with its vocabulary and the provenance written by the conversion script."""

    vocabulary: Vocabulary
    model: MusiCNN
    labels: tuple[str, ...]
    metadata: dict[str, str]


def load_musicnn(vocabulary: Vocabulary) -> LoadedTagger:
    """Load the packaged port of ``MTT_musicnn`` (``"mtt"``) or ``MSD_musicnn`` (``"msd"``).

    Every parameter and buffer must be in the file (strict): a partial load is an error, never a
    model with random weights.
    """
    from safetensors.torch import load_file

    path = weights_path(vocabulary)
    metadata = weights_metadata(vocabulary)  # raises when the file is missing
    names = labels(vocabulary)
    model = MusiCNN(n_tags=len(names))
    state = load_file(str(path))
    expected = {k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    if set(state) != expected:
        raise NlrecError(
            f"{path.name} does not match the musicnn port: "
            f"missing {sorted(expected - set(state))}, unexpected {sorted(set(state) - expected)}"
        )
    model.load_state_dict(state, strict=False)
    model.eval()
    return LoadedTagger(vocabulary=vocabulary, model=model, labels=names, metadata=dict(metadata))


class _Outputs(nn.Module):
    """Tuple outputs for ONNX export."""

    def __init__(self, model: MusiCNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        out = self.model(x)
        return out.logits, out.penultimate


def export_onnx(vocabulary: Vocabulary, path: Path) -> None:
    """Export the port of ``vocabulary`` to ONNX at ``path`` (written atomically)."""
    import os
    import warnings

    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = _Outputs(load_musicnn(vocabulary).model).eval()
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant-folding notes from the exporter
        torch.onnx.export(wrapper, (torch.zeros(1, 187, 96),), str(tmp), input_names=["x"],
                          output_names=["logits", "penultimate"],
                          dynamic_axes={"x": {0: "batch", 1: "frames"}}, dynamo=False)
    os.replace(tmp, path)
