"""What teacher and student share: checkpoints, atomic saves, device and base resolution."""

from __future__ import annotations

from pathlib import Path

from nlrec.encoders.models import default_model_path
from nlrec.training.common import (
    checkpoint_dir,
    latest_checkpoint,
    resolve_base,
    resolve_device,
    save_finished,
)


def test_latest_checkpoint_orders_numerically(tmp_path):
    assert latest_checkpoint(tmp_path / "missing") is None
    for n in (5, 40, 100):
        (tmp_path / f"checkpoint-{n}").mkdir()
    assert latest_checkpoint(tmp_path) == str(tmp_path / "checkpoint-100")


def test_save_finished_renames_into_place_and_drops_checkpoints(tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "stale.txt").write_text("old")
    checkpoint_dir(out).mkdir()

    def save(directory: str) -> None:
        Path(directory).mkdir()
        (Path(directory) / "weights").write_text("new")

    assert save_finished(save, out) == out
    assert sorted(p.name for p in out.iterdir()) == ["weights"]
    assert not checkpoint_dir(out).exists() and not list(tmp_path.glob(".tmp-*"))


def test_resolve_base_and_device():
    assert resolve_base("default") == resolve_base("minilm") == str(default_model_path())
    assert resolve_base("/some/dir") == "/some/dir"
    assert resolve_device("cpu") == "cpu" and resolve_device(None) in ("cpu", "cuda")
