"""Windowed decoding against whole-file decoding: CPU seconds per track, peak memory, same tags.

    nice /work/main/.venv/bin/python eval/audio/decode_bench.py FILE... \
        --long-minutes 120 --out eval/audio/decode_bench.json

Each measurement runs in its own process (peak RSS is a per-process maximum): the tagger loads
(ONNX export cached beforehand), one warm-up file is tagged, then the CPU time (user + system) of
tagging the files is taken, for ``decode="full"`` (the whole file decoded and resampled, as
before) and ``decode="windows"`` (only the analysed windows, :mod:`nlrec.audio.windows`). The
long file is made by concatenating the given files into a FLAC of ``--long-minutes`` (written in
blocks, outside the timed processes); its peak RSS is measured for both modes. Parity: the pooled
tag probabilities of both modes on every file, max abs difference, and whether the descriptor
sets are identical. Ratios are against the full decode in the same run (shared machine: absolute
figures vary with load).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def worker(mode: str, files: list[str], windows: int) -> dict:
    import numpy as np

    from nlrec.audio.tagger import AudioTagger

    tagger = AudioTagger(max_windows=windows, decode=mode)
    tagger.tag_file(files[0])  # warm-up: sessions loaded, caches filled
    rss_base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t = os.times()
    cpu0, wall0 = t.user + t.system, time.perf_counter()
    out = []
    for f in files:
        track = tagger.tag_file(f)
        out.append({"path": f, "duration": track.duration, "descriptors": [d.text for d in track.descriptors],
                    "probabilities": {v: np.asarray(list(p.values())).tolist() for v, p in track.probabilities.items()},
                    "warnings": list(track.warnings)})
    t = os.times()
    return {"mode": mode, "cpu_seconds": t.user + t.system - cpu0, "wall_seconds": time.perf_counter() - wall0,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "rss_after_load_mb": rss_base, "tracks": out}


def run_worker(mode: str, files: list[str], windows: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", mode, "--windows", str(windows), *files]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_long(files: list[str], minutes: float, out: Path) -> float:
    import numpy as np
    import soundfile as sf

    rate = 44100
    need = int(minutes * 60 * rate)
    written = 0
    with sf.SoundFile(str(out), "w", rate, 2, format="FLAC") as dst:
        while written < need:
            for f in files:
                with sf.SoundFile(f) as src:
                    if src.samplerate != rate:
                        continue
                    for block in src.blocks(blocksize=1 << 16, dtype="float32", always_2d=True):
                        block = block[:, :2] if block.shape[1] >= 2 else np.repeat(block, 2, axis=1)
                        block = block[: need - written]
                        dst.write(block)
                        written += len(block)
                        if written >= need:
                            break
                if written >= need:
                    break
    return written / rate


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--windows", type=int, default=10)
    parser.add_argument("--worker", choices=["full", "windows"])
    parser.add_argument("--long-minutes", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=Path("eval/audio/decode_bench.json"))
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.files, args.windows)))
        return 0
    import numpy as np

    result: dict = {"windows_per_track": args.windows, "files": len(args.files), "load_average_start": os.getloadavg()}
    runs = {m: run_worker(m, args.files, args.windows) for m in ("full", "windows")}
    n = len(args.files)
    mean_minutes = sum(t["duration"] for t in runs["full"]["tracks"]) / n / 60
    for m, r in runs.items():
        result[m] = {"cpu_seconds_per_track": round(r["cpu_seconds"] / n, 3),
                     "cpu_seconds_per_4_minutes_of_audio": round(r["cpu_seconds"] / n / mean_minutes * 4, 3),
                     "wall_seconds": round(r["wall_seconds"], 2), "peak_rss_mb": round(r["peak_rss_mb"], 1)}
    result["mean_track_minutes"] = round(mean_minutes, 2)
    result["cpu_ratio_windows_over_full"] = round(runs["windows"]["cpu_seconds"] / runs["full"]["cpu_seconds"], 3)
    diffs, same = [], 0
    for a, b in zip(runs["full"]["tracks"], runs["windows"]["tracks"]):
        for v in a["probabilities"]:
            diffs.append(float(np.abs(np.asarray(a["probabilities"][v]) - np.asarray(b["probabilities"][v])).max()))
        same += a["descriptors"] == b["descriptors"]
    result["parity"] = {"max_abs_probability_difference": max(diffs), "identical_descriptor_sets": f"{same}/{n}"}
    with tempfile.TemporaryDirectory(prefix="nlrec-long-") as tmp:
        long_file = Path(tmp) / "long.flac"
        seconds = make_long(args.files, args.long_minutes, long_file)
        result["long_file"] = {"minutes": round(seconds / 60, 1), "flac_mb": round(long_file.stat().st_size / 2**20, 1)}
        for m in ("windows", "full"):
            r = run_worker(m, [str(long_file)], args.windows)
            result["long_file"][m] = {"peak_rss_mb": round(r["peak_rss_mb"], 1),
                                      "rss_after_load_mb": round(r["rss_after_load_mb"], 1),
                                      "cpu_seconds": round(r["cpu_seconds"], 2)}
    result["load_average_end"] = os.getloadavg()
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
