"""Dev experiment: MusicCaps validation (300 held-out training clips), systems side by side."""
from __future__ import annotations

import json
import sys
import time

from nlrec.encoders.cache import EmbeddingCache
from nlrec.encoders.dense import load_encoder
from nlrec.evaluation.runner import SystemConfig
from nlrec.training.validation import evaluate_system, validation_benchmarks, validation_clips

model = sys.argv[1] if len(sys.argv) > 1 else "music-minilm"
configs = [SystemConfig("bm25"), SystemConfig("dense", model=model),
           SystemConfig("hybrid", model=model)]
for w in [float(x) for x in (sys.argv[2].split(",") if len(sys.argv) > 2 else ["0.5", "1", "2"])]:
    configs.append(SystemConfig("hybrid", model=model, late_weight=w))
clips = validation_clips("../shared/data", 300)
benches = validation_benchmarks(clips)
cache = EmbeddingCache(load_encoder(model), "/tmp/quality-cache")
out = {}
for c in configs:
    t = time.time()
    r = evaluate_system(c, benches, cache if c.uses_model else None)
    cache.save()
    out[c.label] = r.measures
    print(f"{c.label:28s}", " ".join(f"{b}: R@10 {m['R@10']:5.1f} RR {m['RR@10']:5.1f}" for b, m in r.measures.items()),
          f"({time.time()-t:.0f}s)", flush=True)
json.dump(out, open("/tmp/dev_mc.json", "w"), indent=1)
