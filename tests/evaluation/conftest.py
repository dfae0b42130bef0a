"""A tiny data directory shaped like ``shared/data/musiccaps`` (MusicCaps CSV, LP-MusicCaps-MC
``caption_writing`` JSON, rephrased requests CSV), written into ``tmp_path``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

# (ytid, aspect_list, human caption, LLM caption_writing, rephrased request or None)
CLIPS = [
    (
        "clip-a",
        ["solo piano", "calm", "slow tempo", "no vocals", "calm"],
        "A calm solo piano piece. The tempo is slow. Nothing else plays.",
        "A calm solo piano piece with a slow tempo and no vocals.",
        "Recommend calm solo piano music with no vocals.",
    ),
    (
        "clip-b",
        ["heavy metal", "distorted guitar", "fast tempo", "aggressive", "male vocal"],
        "This is heavy metal with distorted guitar. A male vocal screams. It is aggressive.",
        "An aggressive heavy metal song with distorted guitar, a fast tempo and a male vocal.",
        "I want aggressive heavy metal with distorted guitar.",
    ),
    (
        "clip-c",
        ["steel drums", "upbeat", "tropical", "calypso", "children's song"],
        "Steel drums play an upbeat calypso. It sounds like a children's song.",
        "An upbeat tropical calypso tune led by steel drums, like a children's song.",
        "Play me something upbeat and tropical. Steel drums would be great.",
    ),
    (
        "clip-d",
        ["synthwave", "80s", "synth", "driving", "night"],
        "A synthwave track from the 80s. Great for driving at night.",
        "A driving synthwave track with 80s synth sounds for the night.",
        "Looking for 80s synthwave for driving at night.",
    ),
    (
        "clip-e",
        ["jazz", "piano trio", "upright bass", "romantic"],
        "A jazz piano trio with upright bass. Very romantic.",
        "A romantic jazz piano trio with upright bass.",
        None,
    ),  # no rephrasing: dropped from every benchmark
    (
        "clip-f",
        ["folk", "acoustic guitar", "female vocal", "sad", "mellow"],
        "A sad folk song. A female vocal sings over acoustic guitar. The mood is mellow.",
        "A mellow, sad folk song with acoustic guitar and a female vocal.",
        "Suggest mellow folk with acoustic guitar and a female vocal.",
    ),
]


def write_tiny_data(root: Path) -> Path:
    mc_dir = root / "musiccaps"
    mc_dir.mkdir(parents=True, exist_ok=True)
    with open(mc_dir / "musiccaps-public.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "ytid",
                "start_s",
                "end_s",
                "audioset_positive_labels",
                "aspect_list",
                "caption",
                "author_id",
                "is_balanced_subset",
                "is_audioset_eval",
            ]
        )
        for ytid, tags, human, _, _ in CLIPS:
            w.writerow([ytid, 30, 40, "/m/0", repr(tags), human, 1, False, True])
        w.writerow(["clip-train", 0, 10, "/m/0", repr(["rock"]), "A rock song.", 1, False, False])
    items = [{"prediction": writing, "ground_truth": human} for _, _, human, writing, _ in CLIPS]
    items.append({"prediction": "An orphan caption.", "ground_truth": "Not a MusicCaps caption."})
    (mc_dir / "lpmc_mc_test_caption_writing.json").write_text(
        json.dumps(items, indent=2), encoding="utf-8"
    )
    with open(mc_dir / "mc_rephrased.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["caption_id", "caption", "caption_rephrased"])
        for i, (_, _, _, writing, reco) in enumerate(CLIPS):
            if reco is not None:
                w.writerow([i, writing, reco])
    return root


@pytest.fixture
def tiny_data(tmp_path) -> Path:
    """A data directory with 6 MusicCaps-shaped clips (5 of them with a rephrased request)."""
    return write_tiny_data(tmp_path / "data")
