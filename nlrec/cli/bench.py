"""``nlrec bench``: speed benchmarks with their baselines and targets (see :mod:`nlrec.evaluation.speed`)."""

from __future__ import annotations

import json
import os
import platform
import time

import click

TARGETS = {
    "cold_query_s": 1.0,
    "p50_ms_100k": 10.0,
    "p50_ms_1m": 15.0,
    "recall_at_10": 0.98,
    "build_ratio": 0.9,
    "bm25_p50_ms_1m": 15.0,
}


def _parse_sizes(value: str) -> list[int]:
    """``--sizes 10000,100000``: positive integers, comma-separated (a usage error otherwise)."""
    out = []
    for part in str(value).split(","):
        part = part.strip().replace("_", "")
        if not part:
            continue
        if not part.isdigit() or not 0 < int(part) <= 100_000_000:
            raise click.BadParameter(f"{part!r} is not a catalog size (a whole number from 1 to 100,000,000)")
        out.append(int(part))
    if not out:
        raise click.BadParameter("give at least one size, e.g. 10000,100000")
    return out


@click.command("bench")
@click.option(
    "--data-dir",
    envvar="NLREC_DATA",
    type=click.Path(exists=True, file_okay=False),
    help="Public data directory for real descriptor sets [env: NLREC_DATA].",
)
@click.option(
    "--sizes",
    default="10000,100000,1000000",
    show_default=True,
    callback=lambda ctx, param, value: _parse_sizes(value),
    help="Catalog sizes for the warm-latency benchmark.",
)
@click.option(
    "--embed-up-to",
    type=int,
    default=100_000,
    show_default=True,
    help="Sizes up to this are embedded for real; larger ones derive vectors from real embeddings.",
)
@click.option(
    "--build-docs",
    type=int,
    default=5000,
    show_default=True,
    help="Documents for the build-throughput benchmark.",
)
@click.option(
    "--bm25-docs",
    type=int,
    default=1_000_000,
    show_default=True,
    help="Documents for the BM25 benchmark.",
)
@click.option(
    "--open-tracks",
    type=int,
    default=1_000_000,
    show_default=True,
    help="Tracks of the index for the big-catalog cold query.",
)
@click.option(
    "--cold-runs", type=int, default=5, show_default=True, help="Runs of each cold CLI measurement."
)
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["cold", "latency", "build", "bm25", "open"]),
    help="Parts to skip.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    default="eval/results/bench.json",
    show_default=True,
)
@click.option(
    "--update",
    is_flag=True,
    help="Keep the parts (and latency sizes) of an existing OUTPUT that this run does not measure.",
)
@click.option("--json", "json_out", is_flag=True, help="Print the results as JSON on stdout.")
def bench(data_dir, sizes, embed_up_to, build_docs, bm25_docs, open_tracks, cold_runs, skip, output, update,
          json_out):
    """Measure cold and warm query speed, build throughput and BM25 latency against baselines."""

    from nlrec.encoders.dense import load_encoder
    from nlrec.encoders.onnx import OnnxEncoder, export_onnx
    from nlrec.evaluation import speed as B
    from nlrec.paths import cache_dir

    say = lambda m: click.echo(m, err=True)  # noqa: E731
    results: dict = {
        "machine": {
            "cpus": __import__("os").cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "targets": TARGETS,
        "load": f"{os.getloadavg()[0]:.1f}",
    }
    from nlrec.index.registry import refuse_index_folder

    refuse_index_folder(output, "the report")
    if update and os.path.isfile(output):
        before = B.load_report(output)
        for part in ("cold", "latency", "build", "bm25", "open", "real_descriptor_sets"):
            if part in before:
                results[part] = before[part]

    def measured(run) -> dict:
        """``run()``'s result, stamped with when it ran and the 1-minute load average around it."""
        load0 = os.getloadavg()[0]
        row = run()
        row["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        row["load"] = f"{load0:.1f} -> {os.getloadavg()[0]:.1f}"
        return row

    if "cold" not in skip:
        say("cold CLI ...")
        results["cold"] = measured(lambda: B.bench_cold(runs=cold_runs))
        say(f"  {results['cold']}")
        B.write_report(results, output)
    real = B.real_descriptor_sets(data_dir)
    results["real_descriptor_sets"] = len(real)
    say(f"{len(real):,} real unique descriptor sets")
    if "latency" not in skip:
        onnx_path = export_onnx(load_encoder("default"))
        query_enc = OnnxEncoder(onnx_path)  # as `nlrec query` runs it
        batch_enc = OnnxEncoder(onnx_path, threads=2)
        size_list = list(sizes)
        n_real = min(max(size_list), embed_up_to)
        texts = B.recombined_sets(real, n_real)
        t0 = time.perf_counter()
        from nlrec.cli.ui import interactive, progress

        with progress(interactive(json_out), "embedding descriptor sets") as bar:
            done = [0]

            def tick(m: int) -> None:
                done[0] += m
                if bar is not None:
                    bar("onnx", done[0], len(texts))

            vecs = B.embed_cached(batch_enc, texts, cache_dir() / "bench", progress=tick)
        say(f"embedded {len(texts):,} descriptor sets ({time.perf_counter() - t0:.0f} s, cached)")
        qvecs = query_enc.encode(B.EVERYDAY_QUERIES)
        results["latency"] = (results.get("latency") or {}) if update else {}
        # negated requests embed their candidates' descriptors: each size starts without the
        # vectors earlier runs left on disk, as a process meeting these descriptors first
        os.environ["NLREC_VECTOR_CACHE"] = "off"
        for n in size_list:
            results["latency"][str(n)] = row = measured(
                lambda n=n: B.latency_row(n, texts, vecs, qvecs, query_enc, embed_up_to=embed_up_to))
            say(f"  {row}")
            B.write_report(results, output)
    if "build" not in skip:
        say("build throughput ...")
        results["build"] = measured(lambda: B.bench_build(B.recombined_sets(real, build_docs, seed=1)))
        say(f"  {results['build']}")
        B.write_report(results, output)
    if "bm25" not in skip:
        say("bm25 ...")
        results["bm25"] = measured(lambda: B.bench_bm25(B.recombined_sets(real, bm25_docs, seed=2), B.EVERYDAY_QUERIES))
        say(f"  {results['bm25']}")
    if "open" not in skip:
        say(f"cold query on a {open_tracks:,}-track index ...")
        results["open"] = measured(lambda: B.bench_open(real, open_tracks))
        say(f"  {results['open']}")
        B.write_report(results, output)
    results["load"] += f" -> {os.getloadavg()[0]:.1f} (1-minute load average, start -> end)"
    B.write_report(results, output)
    say(f"wrote {output}")
    if json_out:
        click.echo(json.dumps(results, indent=2))
