from __future__ import annotations

import csv
from pathlib import Path

import pytest

from nlrec.catalog.datasets import load_dataset, load_musiccaps_hub
from nlrec.errors import NlrecError

MC_HEADER = ["ytid", "start_s", "end_s", "audioset_positive_labels", "aspect_list", "caption",
             "author_id", "is_balanced_subset", "is_audioset_eval"]


def write_musiccaps(root: Path) -> Path:
    path = root / "musiccaps" / "musiccaps-public.csv"
    path.parent.mkdir(parents=True)
    rows = [
        ["aaa", 30, 40, "/m/1", "['steel drums', 'upbeat', 'tropical']", "Steel drums play. Happy.", 1, "False", "True"],
        ["bbb", 0, 10, "/m/2", "['solo piano', 'calm']", "A calm piano.", 2, "True", "False"],
        ["ccc", 0, 10, "/m/3", "['heavy metal', 'aggressive']", "Loud metal.", 3, "False", "False"],
    ]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(MC_HEADER)
        w.writerows(rows)
    return path


def test_musiccaps_local(tmp_path):
    write_musiccaps(tmp_path)
    cat = load_dataset("musiccaps", tmp_path)
    assert [t.id for t in cat] == ["aaa", "bbb", "ccc"]
    a = cat.tracks[0]
    assert a.descriptors == ("steel drums", "upbeat", "tropical")
    assert a.metadata["caption"] == "Steel drums play. Happy."
    assert a.metadata["is_audioset_eval"] is True
    assert [t.id for t in load_dataset("musiccaps", tmp_path, split="test")] == ["aaa"]
    assert [t.id for t in load_dataset("musiccaps", tmp_path, split="train")] == ["bbb", "ccc"]


def test_data_dir_from_env(tmp_path, monkeypatch):
    write_musiccaps(tmp_path)
    monkeypatch.setenv("NLREC_DATA", str(tmp_path))
    assert len(load_dataset("musiccaps")) == 3


def test_top50(tmp_path):
    (tmp_path / "mtat").mkdir()
    (tmp_path / "mtat" / "mtat_top50_test.tsv").write_text("clip_id\tmp3_path\ttags\n1\ta.mp3\ttechno|beat\n2\tb.mp3\tslow\n")
    (tmp_path / "mtat" / "mtat_top50_valid.tsv").write_text("clip_id\tmp3_path\ttags\n3\tc.mp3\tpiano\n")
    cat = load_dataset("mtt", tmp_path)
    assert [(t.id, t.descriptors, t.metadata["split"]) for t in cat] == [
        ("1", ("techno", "beat"), "test"), ("2", ("slow",), "test"), ("3", ("piano",), "valid")]
    assert len(load_dataset("mtt", tmp_path, split="valid")) == 1


def test_dataset_errors(tmp_path):
    with pytest.raises(NlrecError, match="no data directory"):
        load_dataset("musiccaps")
    with pytest.raises(NlrecError, match="data directory not found"):
        load_dataset("musiccaps", tmp_path / "nope")
    with pytest.raises(NlrecError, match="MusicCaps file not found"):
        load_dataset("musiccaps", tmp_path)
    with pytest.raises(NlrecError, match="unknown dataset"):
        load_dataset("fma", tmp_path)


def test_hub_loader_on_local_files(tmp_path):
    """The online loader goes through datasets.load_dataset; here it reads a local CSV."""
    pytest.importorskip("datasets")
    path = write_musiccaps(tmp_path)
    cat = load_musiccaps_hub(path="csv", data_files=str(path), cache_dir=str(tmp_path / "hf"))
    assert [t.id for t in cat] == ["aaa", "bbb", "ccc"]
    assert cat.tracks[1].descriptors == ("solo piano", "calm")
    assert cat.source == "hf:csv"


@pytest.mark.data
def test_shared_data_counts(shared_data):
    SHARED = shared_data
    assert len(load_dataset("musiccaps", SHARED)) == 5521
    assert len(load_dataset("musiccaps", SHARED, split="train")) == 2663
    assert len(load_dataset("mtt", SHARED)) == 4332 + 1529
