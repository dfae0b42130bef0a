"""A tiny MusicCaps-shaped data directory with training and evaluation clips, and tiny models."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

# (ytid, aspect_list, human caption, is_audioset_eval)
TRAIN = [
    ("tr-1", ["solo piano", "calm", "slow tempo", "no vocals"],
     "A calm solo piano piece. The tempo is slow. There are no vocals."),
    ("tr-2", ["heavy metal", "distorted guitar", "fast tempo", "aggressive", "male vocal"],
     "This is heavy metal with distorted guitar. A male vocal sings. It is aggressive and fast tempo."),
    ("tr-3", ["steel drums", "upbeat", "tropical", "calypso"],
     "Steel drums play an upbeat calypso. It sounds tropical."),
    ("tr-4", ["synthwave", "80s", "synth", "driving", "night"],
     "A synthwave song with 80s synth sounds. Great for driving at night."),
    ("tr-5", ["jazz", "piano trio", "upright bass", "romantic"],
     "A jazz piano trio with upright bass. Very romantic."),
    ("tr-6", ["folk", "acoustic guitar", "female vocal", "sad", "mellow"],
     "A sad folk song. A female vocal sings over acoustic guitar. The mood is mellow."),
]
EVAL = [
    ("ev-1", ["edm", "synth", "upbeat", "workout"], "An upbeat edm song with a synth. Good for a workout.",
     "An upbeat edm track with synth, for a workout.", "Play upbeat edm with synth for my workout."),
    ("ev-2", ["folk", "banjo", "happy"], "A happy folk song with banjo.",
     "A happy folk tune led by banjo.", "Recommend happy folk music with banjo."),
]


def write_data(root: Path, extra_train: list[tuple] | None = None) -> Path:
    mc = root / "musiccaps"
    mc.mkdir(parents=True, exist_ok=True)
    with open(mc / "musiccaps-public.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["ytid", "start_s", "end_s", "audioset_positive_labels", "aspect_list", "caption",
                    "author_id", "is_balanced_subset", "is_audioset_eval"])
        for ytid, tags, caption in TRAIN + (extra_train or []):
            w.writerow([ytid, 0, 10, "/m/0", repr(tags), caption, 1, False, False])
        for ytid, tags, caption, _, _ in EVAL:
            w.writerow([ytid, 0, 10, "/m/0", repr(tags), caption, 1, False, True])
    items = [{"prediction": writing, "ground_truth": human} for _, _, human, writing, _ in EVAL]
    (mc / "lpmc_mc_test_caption_writing.json").write_text(json.dumps(items), encoding="utf-8")
    with open(mc / "mc_rephrased.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["caption_id", "caption", "caption_rephrased"])
        for i, (_, _, _, writing, reco) in enumerate(EVAL):
            w.writerow([i, writing, reco])
    return root


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return write_data(tmp_path / "data")


@pytest.fixture(scope="session")
def tiny_cross_encoder_base(tiny_model) -> Path:
    """The tiny BERT behind ``tiny_model``: a cross-encoder gets a new one-logit head on it."""
    return Path(str(tiny_model) + "-hf")


def tiny_recipe(run_dir: Path, student: Path, teacher_base: Path) -> str:
    """A recipe that trains in seconds with the tiny models."""
    return f"""
run_dir = "{run_dir}"
seed = 0
device = "cpu"

[data]
validation_clips = 1

[queries]
reco_fraction = 0.5
per_item = 1

[negatives]
retrievers = ["dense", "bm25"]
dense_model = "{student}"
top_k = 5

[teacher]
base = "{teacher_base}"
steps = 2
batch_size = 4
max_length = 48

[labels]
queries = 6
negatives_per_query = 1
batch_size = 8

[student]
base = "{student}"
steps = 2
batch_size = 4
max_seq_length = 48
save_steps = 1
"""


@pytest.fixture
def recipe(tmp_path, tiny_model, tiny_cross_encoder_base) -> Path:
    """A tiny recipe file (see :func:`tiny_recipe`)."""
    path = tmp_path / "recipe.toml"
    path.write_text(tiny_recipe(tmp_path / "run", tiny_model, tiny_cross_encoder_base))
    return path
