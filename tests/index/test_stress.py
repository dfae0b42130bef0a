"""Concurrency stress: rebuilds, readers and profile writers at once (issue 14, items 4 and 5).

2 builders rebuild one index (alternating two catalogs whose track ids and descriptors never
overlap) while 2 readers query it throughout (one opening the index per query like the CLI, one
long-lived reader refreshing to the newest generation like a server), and 2 profile writers adjust
one profile. Counted: mixed results (hits of both catalogs, or a hit whose descriptors belong to
the other catalog), raw exceptions, lost adjustments; the index must be usable at the end.

``NLREC_STRESS_BUILDS`` sets the rebuilds per builder (default 50).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent

COMMON = textwrap.dedent(f"""
    import json, os, sys, time, traceback
    sys.path.insert(0, {str(TESTS)!r})
    from conftest import FakeEncoder
    from nlrec.catalog import Catalog

    def catalog(which):
        words = {{"A": ["jazz piano", "smooth jazz", "piano trio", "bebop"],
                  "B": ["opera", "cello", "soprano aria", "chamber strings"]}}[which]
        return Catalog.from_records([
            {{"id": f"{{which}}-{{i}}", "descriptors": [words[i % 4], words[(i + 1) % 4], f"{{which.lower()}}mood {{i}}"]}}
            for i in range(20)])

    def report(**counts):
        print(json.dumps(counts), flush=True)
""")

BUILDER = COMMON + textwrap.dedent("""
    from nlrec.index import build_index
    n, me = int(sys.argv[1]), int(sys.argv[2])
    ok = errors = 0
    first = None
    for i in range(n):
        try:
            build_index(catalog("AB"[(i + me) % 2]), "stress", encoder=FakeEncoder(), onnx=False).close()
            ok += 1
        except Exception:
            errors += 1
            first = first or traceback.format_exc()
    report(builds=ok, errors=errors, first=first)
""")

READER = COMMON + textwrap.dedent("""
    from nlrec.errors import NlrecError
    from nlrec.index import Index
    from nlrec.search import SearchOptions, build_searcher
    stop_file, long_lived = sys.argv[1], sys.argv[2] == "long"
    WORDS = {"A": {"jazz piano", "smooth jazz", "piano trio", "bebop"},
             "B": {"opera", "cello", "soprano aria", "chamber strings"}}
    queries = mixed = raw = nlrec_errors = refreshes = 0
    first = None
    enc = FakeEncoder()
    held = None

    def search(index, text):
        index.use_encoder(enc) if index._encoder is None else None
        return build_searcher(index, SearchOptions(mode="hybrid")).search(text, 10).hits

    while not os.path.exists(stop_file):
        try:
            if long_lived:
                if held is None:
                    held = Index.open("stress")
                fresh = held.refreshed()
                if fresh is not held:
                    held.close()
                    held, refreshes = fresh, refreshes + 1
                index = held
            else:
                index = Index.open("stress")
            hits = search(index, "jazz piano" if queries % 2 else "opera cello")
            sides = {h.id[0] for h in hits}
            wrong = [h for h in hits if not set(h.descriptors[:2]) <= WORDS[h.id[0]]]
            if len(sides) > 1 or wrong or not hits:
                mixed += 1
            if not long_lived:
                index.close()
            queries += 1
        except NlrecError as e:
            nlrec_errors += 1
            first = first or f"NlrecError: {e}"
        except Exception:
            raw += 1
            first = first or traceback.format_exc()
    report(queries=queries, mixed=mixed, raw_exceptions=raw, nlrec_errors=nlrec_errors,
           refreshes=refreshes, first=first)
""")

PROFILER = COMMON + textwrap.dedent("""
    from nlrec.profiles import adjust_profile
    n, word = int(sys.argv[1]), sys.argv[2]
    ok = errors = 0
    first = None
    for _ in range(n):
        try:
            adjust_profile("stress", more=[word])
            ok += 1
        except Exception:
            errors += 1
            first = first or traceback.format_exc()
    report(adjustments=ok, errors=errors, first=first)
""")


def _spawn(code: str, *args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, cwd=str(ROOT))


def _result(proc: subprocess.Popen, timeout: float) -> dict:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.slow
def test_rebuilds_readers_and_profile_writers_at_once(nlrec_home, tmp_path, fake_encoder):
    from nlrec.catalog import Catalog
    from nlrec.index import Index, build_index
    from nlrec.profiles import Profile, load_profile, save_profile

    n = int(os.environ.get("NLREC_STRESS_BUILDS", "50"))
    env = {**os.environ, "NLREC_HOME": str(nlrec_home), "PYTHONPATH": str(ROOT)}
    build_index(Catalog.from_records([{"id": "A-0", "descriptors": "jazz piano"}]), "stress",
                encoder=fake_encoder, onnx=False).close()
    save_profile(Profile(name="stress", index="stress", weights={"jazz": 0.1, "rock": 0.1}))
    stop = tmp_path / "stop"
    readers = [_spawn(READER, str(stop), kind, env=env) for kind in ("open", "long")]
    writers = [_spawn(BUILDER, str(n), str(me), env=env) for me in (0, 1)]
    writers += [_spawn(PROFILER, "50", word, env=env) for word in ("jazz", "rock")]
    try:
        results = [_result(p, timeout=60 + 20 * n) for p in writers]
    finally:
        stop.write_text("stop")
    reads = [_result(p, timeout=120) for p in readers]
    print(json.dumps({"builders": results[:2], "profile_writers": results[2:], "readers": reads}, indent=1))

    assert [r["builds"] for r in results[:2]] == [n, n], results
    assert all(r["errors"] == 0 for r in results), results
    assert all(r["mixed"] == 0 and r["raw_exceptions"] == 0 and r["nlrec_errors"] == 0 for r in reads), reads
    assert all(r["queries"] > 0 for r in reads), reads
    profile = load_profile("stress")
    assert round(profile.weights["jazz"], 6) == round(0.1 + 50 * 0.2, 6)
    assert round(profile.weights["rock"], 6) == round(0.1 + 50 * 0.2, 6)
    with Index.open("stress") as idx:
        assert idx.generation == 2 * n + 1 and len(idx.tracks) == 20
    # generations still held by a reader at the last commit wait for the next writer
    build_index(Catalog.from_records([{"id": "A-0", "descriptors": "jazz piano"}]), "stress",
                encoder=fake_encoder, onnx=False).close()
    gens = [p for p in (nlrec_home / "stress").iterdir() if p.name.startswith("gen-") and p.is_dir()]
    assert len(gens) == 1, gens
    leftovers = [p.name for p in (nlrec_home / "stress").iterdir() if p.name.startswith(".staging")]
    assert leftovers == []
