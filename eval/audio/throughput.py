"""Tagging throughput and peak memory: wall time, CPU time, and where the time goes.

    nice /work/main/.venv/bin/python eval/audio/throughput.py FILE... --out eval/audio/throughput.json

On a shared machine wall time depends on everyone else's load, so the CPU time of this process is
recorded too: with torch's threads on 2 dedicated cores, tracks/s is at best 2 / (CPU s per
track) and at worst 1 / (CPU s per track). Stages are timed separately (decode + resample,
log-mel, the two networks) by calling the same functions the tagger calls.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--backend", choices=["torch", "onnx"], default="onnx")
    parser.add_argument("--out", type=Path, default=Path("eval/audio/throughput.json"))
    args = parser.parse_args(argv)
    import torch

    from nlrec.audio.decode import load_audio
    from nlrec.audio.features import log_mel, patches
    from nlrec.audio.metadata import read_metadata
    from nlrec.audio.model import VOCABULARIES
    from nlrec.audio.tagger import AudioTagger

    tagger = AudioTagger(max_windows=args.windows, backend=args.backend)
    for v in VOCABULARIES:
        tagger.run_patches(np.zeros((1, 187, 96), dtype=np.float32), v)  # load (and export)
    stages = {"decode": 0.0, "features": 0.0, "networks": 0.0, "file_tags": 0.0}
    audio_seconds = 0.0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for path in args.files:
        t0 = time.process_time()
        audio = load_audio(path)
        t1 = time.process_time()
        batch = patches(log_mel(audio.samples), args.windows)
        t2 = time.process_time()
        for v in VOCABULARIES:
            tagger.run_patches(batch, v)
        t3 = time.process_time()
        read_metadata(path)
        t4 = time.process_time()
        stages["decode"] += t1 - t0
        stages["features"] += t2 - t1
        stages["networks"] += t3 - t2
        stages["file_tags"] += t4 - t3
        audio_seconds += audio.duration
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    n = len(args.files)
    result = {
        "tracks": n, "windows_per_track": args.windows, "backend": args.backend, "audio_seconds": round(audio_seconds, 1),
        "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(),
        "wall_seconds": round(wall, 2), "cpu_seconds": round(cpu, 2),
        "tracks_per_second_wall": round(n / wall, 3),
        "cpu_seconds_per_track": round(cpu / n, 2),
        "tracks_per_second_2_dedicated_cores_range": [round(1 / (cpu / n), 3),
                                                       round(2 / (cpu / n), 3)],
        "cpu_seconds_by_stage": {k: round(v, 2) for k, v in stages.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "load_average": os.getloadavg(),
    }
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
