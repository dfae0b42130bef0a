"""Load-testing ``nlrec serve``: a bounded async client, with or without a concurrent writer.

``python -m nlrec.evaluation.loadtest --data-dir ../shared/data`` builds (once) a catalog of
real descriptor sets with synthetic titles, artists, years and labels, serves it with ``nlrec
serve`` in another process on localhost, and in one run measures:

* read-only load with 1, 2, 4 and 8 concurrent clients (``--clients``), ``--duration`` seconds
  each, of mixed requests (search with and without negations and filters, similar, parse);
* the issue's heavy requests (a 112 KB body with 50 exclusions, ``k=1000`` with a negation, 20
  exclusions at ``k=1000``), each with plain searches sent meanwhile: how long the heavy one takes
  and how much it delays the plain ones;
* the largest client count again while a writer adds and removes ``--writes`` tracks through the
  API, checking afterwards that every added track is findable and no removed one returned.

It reports throughput, p50 / p99 latency and errors, and the acceptance ratios (throughput with 2
clients over 1, p99 at the most clients over the 1-client p50, p99 with the writer over
read-only). Before each round it also measures the machine's own parallelism (what two busy
processes do over one, 2.0 on two free cores), the ceiling of the 2-over-1 ratio on a shared
machine. The server runs in a session of its own, as it would on another machine than its
clients (Linux shares the CPU between sessions first). Traffic goes to 127.0.0.1 only, and every
loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

REQUESTS = [
    "calm piano for studying", "upbeat tropical steel drum", "aggressive metal with fast drums",
    "romantic dinner jazz", "sad acoustic folk with female vocals", "energetic edm for the gym",
    "relaxing ambient without drums", "hip hop beats, no vocals", "80s synthwave for a night drive",
    "classical strings, nothing too loud", "lofi chill beats", "country road trip songs",
    "dark electronic music", "happy pop songs for a party", "soft rock ballads without electric guitar",
    "reggae for summer", "instrumental post rock", "soulful r&b with horns", "punk rock, no slow songs",
    "meditation music with no drums",
]
WHERE = ["year >= 1990 and year < 2000", "label = 'Warp'", "year >= 2010", "artist = 'Artist 7'"]
LABELS = ["Warp", "Ninja Tune", "Blue Note", "Sub Pop", "Motown", "4AD", "Def Jam", "ECM"]


def make_rows(sets: list[str], n: int, seed: int = 0, prefix: str = "t") -> list[dict[str, Any]]:
    """``n`` tracks cycling through real descriptor sets, with synthetic display fields."""
    rng = random.Random(seed)
    return [{"id": f"{prefix}{i}", "title": f"Song {prefix}{i}", "artist": f"Artist {rng.randrange(2000)}",
             "year": rng.randint(1960, 2024), "label": rng.choice(LABELS),
             "descriptors": sets[i % len(sets)].split(", ")} for i in range(n)]


def build_catalog_index(name: str, data_dir: str | None, n: int, model: str = "default",
                        milvus_uri: str | None = None) -> dict[str, Any]:
    """Build index ``name`` with ``n`` tracks (skipped when it exists with that many tracks), on
    the local backend or, with ``milvus_uri``, on Milvus."""
    from nlrec.catalog import Catalog
    from nlrec.errors import IndexFileError
    from nlrec.evaluation.speed.catalogs import real_descriptor_sets
    from nlrec.index import Index, build_index

    try:
        idx = Index.open(name, verify=False)
        if len(idx.tracks) == n:
            return {"built": False, "tracks": n, "documents": len(idx.documents)}
    except IndexFileError:
        pass
    sets = real_descriptor_sets(data_dir)
    t0 = time.perf_counter()
    catalog = Catalog.from_records(make_rows(sets, n), source=f"loadtest-{n}")
    if milvus_uri:
        from nlrec.index.milvus import target
        from nlrec.index.milvus.build import build_milvus_index

        idx = build_milvus_index(catalog, name, target(milvus_uri, "loadtest"), model=model)
    else:
        idx = build_index(catalog, name, model=model)
    return {"built": True, "backend": idx.backend, "tracks": n, "documents": len(idx.documents), "build_s": round(time.perf_counter() - t0, 1)}


async def _client(http: Any, url: str, rng: random.Random, deadline: float, ids: list[str],
                  out: dict[str, list], max_requests: int, busy: dict[str, bool]) -> None:
    done = 0
    while (time.perf_counter() < deadline or busy["writer"]) and done < max_requests:
        done += 1
        kind = rng.choice(["search", "search", "search_neg", "search_where", "similar", "parse"])
        q = rng.choice(REQUESTS)
        t0 = time.perf_counter()
        try:
            if kind == "search":
                r = await http.get(f"{url}/search", params={"q": q, "k": 10})
            elif kind == "search_neg":
                r = await http.post(f"{url}/search", json={"q": q + ", no vocals", "k": 10})
            elif kind == "search_where":
                r = await http.post(f"{url}/search", json={"q": q, "k": 10, "where": rng.choice(WHERE)})
            elif kind == "similar":
                r = await http.get(f"{url}/similar", params={"id": rng.choice(ids), "k": 10})
            else:
                r = await http.get(f"{url}/parse", params={"q": q})
            ok = r.status_code == 200 or (kind == "similar" and r.status_code == 404)
            if not ok:
                out["errors"].append(f"{kind} {r.status_code} {r.text[:120]}")
            if kind.startswith("search") and r.status_code == 200:
                out["returned"].append({h["id"] for h in r.json()["hits"]})
        except Exception as e:  # noqa: BLE001 - counted, never fatal to the run
            out["errors"].append(f"{kind} {type(e).__name__}: {e}")
        out["latency"].append((time.perf_counter() - t0) * 1000)


async def _writer(http: Any, url: str, sets: list[str], n_add: int, remove: list[str], batch: int,
                  report: dict[str, Any], busy: dict[str, bool]) -> None:
    try:
        await _write(http, url, sets, n_add, remove, batch, report)
    finally:
        busy["writer"] = False


async def _write(http: Any, url: str, sets: list[str], n_add: int, remove: list[str], batch: int,
                 report: dict[str, Any]) -> None:
    rows = make_rows(sets, n_add, seed=7, prefix="new")
    t0 = time.perf_counter()
    for start in range(0, n_add, batch):
        r = await http.post(f"{url}/tracks", json={"tracks": rows[start:start + batch]}, timeout=600)
        if r.status_code != 200:
            report["errors"].append(f"add {r.status_code} {r.text[:120]}")
    for start in range(0, len(remove), batch):
        r = await http.post(f"{url}/tracks/remove", json={"ids": remove[start:start + batch]}, timeout=600)
        if r.status_code != 200:
            report["errors"].append(f"remove {r.status_code} {r.text[:120]}")
    report["seconds"] = round(time.perf_counter() - t0, 1)
    report["added"] = [r["id"] for r in rows]


async def run_load(url: str, *, clients: int = 8, duration: float = 60.0, ids: list[str],
                   writer: dict[str, Any] | None = None, seed: int = 0, max_requests: int = 100_000) -> dict[str, Any]:
    """Mixed requests from ``clients`` concurrent clients for ``duration`` seconds (and a writer;
    the clients go on until it is done)."""
    import httpx

    out: dict[str, list] = {"latency": [], "errors": [], "returned": []}
    wreport: dict[str, Any] = {"errors": []}
    limits = httpx.Limits(max_connections=clients + 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as http:
        t0 = time.perf_counter()
        busy = {"writer": bool(writer)}  # clients keep going while the writer works
        tasks = [_client(http, url, random.Random(seed + i), t0 + duration, ids, out, max_requests, busy)
                 for i in range(clients)]
        if writer:
            tasks.append(_writer(http, url, writer["sets"], writer["n_add"], writer["remove"], writer["batch"],
                                 wreport, busy))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    lat = sorted(out["latency"])
    result = {
        "clients": clients, "seconds": round(elapsed, 1), "requests": len(lat),
        "throughput_rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat), 1) if lat else None,
        "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 1) if lat else None,
        "errors": len(out["errors"]), "error_examples": out["errors"][:5],
    }
    if writer:
        result["writer"] = {k: v for k, v in wreport.items() if k != "added"}
        result["writer"]["errors"] = len(wreport["errors"])
        result["writer_error_examples"] = wreport["errors"][:5]
        async with httpx.AsyncClient(timeout=60) as http:
            missing = [i for i in wreport.get("added", []) if (await http.get(f"{url}/tracks/{i}")).status_code != 200]
            still = [i for i in writer["remove"] if (await http.get(f"{url}/tracks/{i}")).status_code != 404]
            returned = set()
            for q in REQUESTS:
                r = await http.get(f"{url}/search", params={"q": q, "k": 100})
                returned |= {h["id"] for h in r.json()["hits"]}
        result["added_not_findable"] = len(missing)
        result["removed_still_present"] = len(still)
        result["removed_returned_after"] = len(returned & set(writer["remove"]))
    return result


def _serve(index: str, *, workers: int = 1) -> tuple[Any, str]:
    """``nlrec serve`` in its own process (clients and server must not share one interpreter) on
    a free localhost port; returns the process and its URL once ``/health`` answers."""
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [sys.executable, "-m", "nlrec", "serve", "--index", index, "--port", str(port), "--log-level", "error"]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    # a session of its own, as a server on another machine than its clients: Linux shares the CPU
    # between sessions first (autogroup), so the load generator does not eat into the server's share
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 1800  # the first start of an index embeds its descriptors
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read()[-500:] if proc.stderr else ''}")
        try:
            r = httpx.get(url + "/health", timeout=5)
            if r.status_code == 200 and not r.json().get("warming"):  # measured warm, as it serves
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError("the server did not start (and warm up) within 1800 s")


async def _timed(http: Any, method: str, url: str, **kw: Any) -> tuple[int, float]:
    t0 = time.perf_counter()
    r = await http.request(method, url, **kw)
    return r.status_code, (time.perf_counter() - t0) * 1000


async def heavy_requests(url: str, samples: int = 20) -> dict[str, Any]:
    """The issue's heavy requests, each with a plain search sent meanwhile: how long the heavy one
    takes, and how much the plain one is delayed against its own median alone."""
    import httpx

    plain = {"q": "calm piano for studying", "k": 10}
    heavy = {
        "112KB_50_exclude": {"q": "rock " * 400, "exclude": ["vocals " * 300] * 50},
        "k1000_negation": {"q": "relaxing ambient without drums", "k": 1000},
        "k1000_20_exclude": {"q": "rock", "k": 1000, "exclude": [f"facet{i} vocals" for i in range(20)]},
    }
    out: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=120) as http:
        alone = sorted([(await _timed(http, "GET", f"{url}/search", params=plain))[1] for _ in range(samples)])
        base = statistics.median(alone)
        out["plain_alone_p50_ms"] = round(base, 1)
        for name, body in heavy.items():
            size = len(json.dumps(body))
            task = asyncio.ensure_future(_timed(http, "POST", f"{url}/search", json=body))
            await asyncio.sleep(0.05)  # the heavy request is in the server first
            plain_ms = []
            while not task.done() and len(plain_ms) < 50:
                plain_ms.append((await _timed(http, "GET", f"{url}/search", params=plain))[1])
            status, heavy_ms = await task
            out[name] = {"body_bytes": size, "status": status, "ms": round(heavy_ms, 1),
                         "plain_during_p50_ms": round(statistics.median(plain_ms), 1) if plain_ms else None,
                         "plain_during_max_ms": round(max(plain_ms), 1) if plain_ms else None,
                         "plain_delay_ms": round(statistics.median(plain_ms) - base, 1) if plain_ms else None}
    return out


def _spin(seconds: float) -> int:
    n, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        for _ in range(10_000):
            pass
        n += 1
    return n


def _two_over_one(seconds: float) -> float:
    import multiprocessing

    one = _spin(seconds)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [0.01, 0.01])
        two = sum(pool.map(_spin, [seconds, seconds]))
    return two / max(one, 1)


def machine_parallelism(seconds: float = 2.0) -> float:
    """What two processes get on this machine now: the work two busy processes do at once over
    what one does alone (2.0 on two free cores), run in a session of its own as the server is.
    The ceiling of the 2-client over 1-client throughput ratio, measured beside it."""
    import subprocess
    import sys

    code = f"from nlrec.evaluation.loadtest import _two_over_one; print(_two_over_one({float(seconds)}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60 + 3 * seconds, start_new_session=True, check=True)
    return round(float(out.stdout.strip()), 2)


def _median_of(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One client count over several rounds: the median of each figure, and the errors summed."""
    if len(results) == 1:
        return results[0]
    out: dict[str, Any] = {"clients": results[0]["clients"], "rounds": len(results)}
    for key in ("requests", "throughput_rps", "p50_ms", "p99_ms"):
        out[key] = round(statistics.median(r[key] for r in results), 1)
    out["errors"] = sum(r["errors"] for r in results)
    out["error_examples"] = [e for r in results for e in r["error_examples"]][:5]
    return out


def _save(out: str, report: dict[str, Any]) -> None:
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(report, indent=2) + "\n")


def run_all(args: argparse.Namespace) -> dict[str, Any]:
    """Build, serve in another process, then: read-only load with each client count, heavy
    requests, and load with a writer; returns the report with the acceptance ratios."""
    from nlrec.evaluation.speed.catalogs import real_descriptor_sets
    from nlrec.index import Index

    report: dict[str, Any] = {"build": build_catalog_index(args.index, args.data_dir, args.tracks,
                                                           milvus_uri=args.milvus_uri),
                              "cpus": os.cpu_count(), "workers": args.workers,
                              "load_average_before": list(os.getloadavg())}
    with Index.open(args.index, verify=False) as idx:
        n = len(idx.tracks)
        ids = [idx.tracks[i].id for i in range(0, n, max(1, n // 500))]
    proc, url = _serve(args.index, workers=args.workers)
    try:
        asyncio.run(run_load(url, clients=2, duration=min(10.0, args.duration), ids=ids))  # warm-up, not counted
        rounds: list[dict[str, Any]] = []
        ceiling: list[float] = []
        for _ in range(args.rounds):  # the sweep repeated: a busy machine's drift hits every count alike
            ceiling.append(machine_parallelism())
            rounds.append({str(c): asyncio.run(run_load(url, clients=c, duration=args.duration, ids=ids))
                           for c in args.client_counts})
        report["machine_parallelism"] = ceiling
        report["read_only"] = {str(c): _median_of([r[str(c)] for r in rounds]) for c in args.client_counts}
        if args.rounds > 1:
            report["read_only_rounds"] = rounds
        _save(args.out, report)  # each phase kept as it ends
        report["heavy"] = asyncio.run(heavy_requests(url))
        _save(args.out, report)
        if args.writes:
            sets = real_descriptor_sets(args.data_dir)
            rng = random.Random(3)
            remove = rng.sample([f"t{i}" for i in range(args.tracks)], args.writes)
            writer = {"sets": list(reversed(sets)), "n_add": args.writes, "remove": remove, "batch": args.batch}
            report["with_writer"] = asyncio.run(run_load(url, clients=max(args.client_counts), duration=args.duration,
                                                         ids=ids, writer=writer))
    finally:
        proc.terminate()
        proc.wait(60)
    ro = report["read_only"]
    counts = [str(c) for c in args.client_counts]
    one, two, top = ro.get("1"), ro.get("2"), ro[counts[-1]]
    acceptance: dict[str, Any] = {}
    if one and two:  # within each round (adjacent windows), then the median over rounds
        acceptance["throughput_2_over_1"] = round(statistics.median(
            r["2"]["throughput_rps"] / r["1"]["throughput_rps"] for r in rounds), 2)
        acceptance["machine_parallelism"] = round(statistics.median(report["machine_parallelism"]), 2)
        acceptance["p99_top_over_p50_1"] = round(statistics.median(
            r[counts[-1]]["p99_ms"] / r["1"]["p50_ms"] for r in rounds), 2)
    if "with_writer" in report:
        w = report["with_writer"]
        acceptance["writer_p99_over_read_only_p99"] = round(w["p99_ms"] / top["p99_ms"], 2)
    report["acceptance"] = acceptance
    report["load_average_after"] = list(os.getloadavg())
    return report


if __name__ == "__main__":
    p = argparse.ArgumentParser(description="Load-test nlrec serve on localhost")
    p.add_argument("--data-dir", default=os.environ.get("NLREC_DATA"))
    p.add_argument("--tracks", type=int, default=100_000)
    p.add_argument("--index", default="loadtest-100k")
    p.add_argument("--clients", dest="client_counts", type=lambda v: [int(x) for x in v.split(",")],
                   default=[1, 2, 4, 8], help="client counts, measured one after the other (default 1,2,4,8)")
    p.add_argument("--duration", type=float, default=30.0, help="seconds per client count and round")
    p.add_argument("--rounds", type=int, default=1, help="repeat the sweep of client counts; figures are medians")
    p.add_argument("--writes", type=int, default=1000, help="tracks the writer adds and removes (0: no writer)")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--workers", type=int, default=1, help="server processes (nlrec serve --workers)")
    p.add_argument("--milvus-uri", help="build the index on Milvus (a Milvus Lite PATH.db or http://host:19530)")
    p.add_argument("--out", default="eval/results/serving.json")
    a = p.parse_args()
    rep = run_all(a)
    _save(a.out, rep)
    print(json.dumps(rep, indent=2))
