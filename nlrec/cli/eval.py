"""``nlrec eval``: build the benchmarks, run systems over seeds, regenerate the results table.

Data (``--json``) goes to stdout; messages and progress go to stderr. Heavy libraries are
imported inside the commands.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, default_eval_dir, mode_choice, sparse_choice
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress

BENCHMARK_CHOICES = ("mc", "mc_reco", "mc_human")
#: MTT / MSD tag benchmarks (nlrec.evaluation.mtt_msd), test and validation splits.
TAG_BENCHMARK_CHOICES = ("mtt", "msd", "mtt_valid", "msd_valid")
SYSTEM_CHOICES = ("tfidf", "bm25", "dense", "hybrid")  # the built-in ones; --system takes any registered mode
def _seeds(value: str) -> tuple[int, ...]:
    try:
        seeds = tuple(dict.fromkeys(int(s) for s in value.replace(" ", "").split(",") if s))
    except ValueError:
        raise click.BadParameter(
            f"expected comma-separated integers, got {value!r}", param_hint="--seeds"
        ) from None
    if not seeds or min(seeds) < 0:
        raise click.BadParameter("give at least one non-negative seed", param_hint="--seeds")
    return seeds


def data_dir_path(value: str | None) -> Path:
    from nlrec.paths import data_dir

    return data_dir(value)


def _summary_line(r: dict[str, Any]) -> str:
    m = r["measures"]
    model = f" ({r['model_slug']})" if r.get("model_slug", "none") != "none" else ""
    return (
        f"{r['benchmark']:<9} {r['label'] + model:<32} R@10 {m['R@10']['mean']:5.1f} ± {m['R@10']['std']:.1f}  "
        f"R@1 {m['R@1']['mean']:5.1f}  RR@10 {m['RR@10']['mean']:5.1f}  nDCG@10 {m['nDCG@10']['mean']:5.1f}  "
        f"MedR {m['MedR']['mean']:g}  [{r['n_queries']:,} queries, {r['timing']['seconds']:.0f} s]"
    )


data_dir_option = click.option(
    "--data-dir",
    envvar="NLREC_DATA",
    type=click.Path(file_okay=False),
    help="Public data directory (holds musiccaps/) [env: NLREC_DATA].",
)
out_option = click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Evaluation workspace [default: eval/ of the checkout, else ./eval].",
)
seeds_option = click.option(
    "--seeds", default="0,1,2", show_default=True, help="Sampling seeds, comma-separated."
)
no_match_option = click.option(
    "--no-match",
    type=click.Choice(["empty", "drop"]),
    default=None,
    help="Override what happens to sentences without an exact-match tag "
    "(the benchmark is then named e.g. mc+drop).",
)



batch_size_option = click.option("--batch-size", type=click.IntRange(1, 4096), default=64, show_default=True)
embedding_cache_option = click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep dense embeddings under <out>/runs/embeddings/ for later runs.",
)
results_json_option = click.option("--json", "json_out", is_flag=True, help="Print the results object as JSON.")


@click.group("eval", context_settings=CONTEXT_SETTINGS)
@click.pass_context
def eval_group(ctx) -> None:
    """Evaluate on the reference paper's MusicCaps benchmarks (mc, mc_reco, mc_human).

    \b
    Regenerate every baseline and the table (under 13 CPU-minutes; see eval/README.md):
      nlrec eval all --data-dir ../shared/data
    One system:
      nlrec eval run --benchmark mc --system tfidf --data-dir ../shared/data --json
    """
    if ctx.invoked_subcommand not in (None, "table") and "--help" not in sys.argv and "-h" not in sys.argv:
        from nlrec.evaluation.metrics import require_ir_measures

        require_ir_measures()  # fail before minutes of work when the eval extra is missing


@eval_group.command("benchmarks")
@click.option(
    "--benchmark",
    "names",
    type=click.Choice([*BENCHMARK_CHOICES, "all"]),
    default="all",
    show_default=True,
    help="Which benchmark to build.",
)
@data_dir_option
@out_option
@seeds_option
@no_match_option
@click.option("--json", "json_out", is_flag=True, help="Print the benchmark manifests as JSON.")
def benchmarks_cmd(names, data_dir, out_dir, seeds, no_match, json_out):
    """Build the benchmarks and write them in the BEIR layout under <out>/benchmarks/."""
    from nlrec.evaluation.beir import benchmark_manifest, save_benchmark
    from nlrec.evaluation.benchmarks import build_benchmark, load_clips

    seeds = _seeds(seeds)
    out = Path(out_dir) if out_dir else default_eval_dir()
    clips = load_clips(data_dir_path(data_dir))
    manifests = []
    for name in BENCHMARK_CHOICES if names == "all" else (names,):
        benches = [build_benchmark(clips, name, s, no_match=no_match) for s in seeds]
        path = save_benchmark(out / "benchmarks", clips, benches)
        manifest = {**benchmark_manifest(benches[0].spec, clips, benches), "path": str(path)}
        manifests.append(manifest)
        if not json_out:
            s = benches[0].stats
            _note(
                f"{benches[0].name}: {s['queries']:,} queries from {s['clips']:,} clips "
                f"({s['no_match']:,} sentences without an exact-match tag), "
                f"{', '.join(str(b.stats['documents']) for b in benches)} documents -> {path}"
            )
    if json_out:
        click.echo(json.dumps(manifests, indent=2, ensure_ascii=False))


@eval_group.command("run")
@click.option(
    "--benchmark",
    required=True,
    type=click.Choice(BENCHMARK_CHOICES + TAG_BENCHMARK_CHOICES),
    help="Benchmark to run on.",
)
@click.option(
    "--system", required=True, type=mode_choice(), help="Retrieval system (a registered retriever or hybrid)."
)
@click.option(
    "--model",
    metavar="PATH",
    help="Dense encoder for dense / hybrid: 'default' (= music-minilm, shipped in the package), "
    "'minilm' (untuned all-MiniLM-L6-v2) or a local sentence-transformers directory.  [default: default]",
)
@click.option(
    "--sparse",
    type=sparse_choice(),
    default="bm25",
    show_default=True,
    help="Lexical side of hybrid.",
)
@click.option(
    "--fusion",
    type=click.Choice(["rrf", "weighted"]),
    default="rrf",
    show_default=True,
    help="How hybrid fuses the rankings.",
)
@click.option(
    "--alpha",
    type=click.FloatRange(0, 1),
    default=0.5,
    show_default=True,
    help="Dense weight for --fusion weighted (not tuned on test data).",
)
@click.option(
    "--hybrid-depth",
    type=click.IntRange(1, 100_000),
    default=100,
    show_default=True,
    help="Documents each side gives to the fusion (as `nlrec query`).",
)
@click.option(
    "--late-weight",
    type=click.FloatRange(0, 10),
    default=0.0,
    show_default=True,
    help="Weight of descriptor-level matching as a third hybrid ranking (as `nlrec query`; 0: off).",
)
@data_dir_option
@out_option
@seeds_option
@no_match_option
@click.option(
    "--run-depth",
    type=click.IntRange(10, 100_000),
    default=100,
    show_default=True,
    help="Documents a query in the TREC run files.",
)
@batch_size_option
@embedding_cache_option
@results_json_option
def run_cmd(
    benchmark,
    system,
    model,
    sparse,
    fusion,
    alpha,
    hybrid_depth,
    late_weight,
    data_dir,
    out_dir,
    seeds,
    no_match,
    run_depth,
    batch_size,
    cache,
    json_out,
):
    """Run one system on every seed of a benchmark; write TREC runs and a results JSON."""
    from nlrec.evaluation.runner import SystemConfig, encoder_cache, run_benchmark

    if model and system not in ("dense", "hybrid"):
        raise click.UsageError("--model applies to --system dense and hybrid")
    seeds = _seeds(seeds)
    out = Path(out_dir) if out_dir else default_eval_dir()
    config = SystemConfig(
        system,
        model=model or "default",
        sparse=sparse,
        fusion=fusion,
        alpha=alpha,
        hybrid_depth=hybrid_depth,
        late_weight=late_weight,
    )
    shared = encoder_cache(config, out, batch_size, keep=cache)
    with _progress(_interactive(json_out), f"{benchmark} · {config.label}") as update:
        if benchmark in TAG_BENCHMARK_CHOICES:  # mtt / msd: many relevant sets a query
            from nlrec.evaluation.tag_runner import run_tag_benchmark

            result = run_tag_benchmark(benchmark, config, data_dir=data_dir_path(data_dir), out_dir=out,
                                       run_depth=max(run_depth, 100), cache=shared, progress=update)
        else:
            result = run_benchmark(
                benchmark,
                config,
                data_dir=data_dir_path(data_dir),
                seeds=seeds,
                out_dir=out,
                run_depth=run_depth,
                cache=shared,
                no_match=no_match,
                progress=update,
            )
    if json_out:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        if result.get("kind") == "tag_benchmark":
            from nlrec.evaluation.tag_runner import summary_line

            _note(summary_line(result))
        else:
            _note(_summary_line(result))
        _note(f"Wrote {out / 'results'} and {len(result['runs'])} run files under {out / 'runs'}.")


@eval_group.command("table")
@out_option
@click.option("--no-plot", is_flag=True, help="Skip the PNG plot.")
@click.option("--json", "json_out", is_flag=True, help="Print what was written as JSON.")
def table_cmd(out_dir, no_plot, json_out):
    """Regenerate <out>/RESULTS.md and <out>/recall_at_k.png from <out>/results/*.json."""
    from nlrec.evaluation.table import write_table

    out = Path(out_dir) if out_dir else default_eval_dir()
    info = write_table(out, plot=not no_plot)
    if json_out:
        click.echo(json.dumps(info, indent=2))
    else:
        _note(
            f"Wrote {info['markdown']}"
            + (f" and {info['plot']}" if info["plot"] else "")
            + f" from {info['results']} results."
        )
    if info["skipped"] and not json_out:
        _note(f"Skipped (not results files): {', '.join(info['skipped'])}")


@eval_group.command("all")
@click.option(
    "--benchmark",
    "names",
    multiple=True,
    type=click.Choice(BENCHMARK_CHOICES),
    help="Restrict to these benchmarks (repeatable) [default: all three].",
)
@click.option(
    "--model",
    default="default",
    show_default=True,
    metavar="PATH",
    help="Dense encoder for the dense and hybrid rows.",
)
@data_dir_option
@out_option
@seeds_option
@click.option("--batch-size", type=click.IntRange(1, 4096), default=64, show_default=True)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep dense embeddings under <out>/runs/embeddings/ for later runs.",
)
@click.option("--json", "json_out", is_flag=True, help="Print every results object as a JSON list.")
def all_cmd(names, model, data_dir, out_dir, seeds, batch_size, cache, json_out):
    """Run the baselines (tfidf, bm25, dense, hybrid, hybrid-tfidf) on every benchmark, then the table."""
    from nlrec.evaluation.baselines import run_baselines
    from nlrec.evaluation.benchmarks import load_clips

    t0 = time.perf_counter()
    results, info = run_baselines(
        load_clips(data_dir_path(data_dir)), Path(out_dir) if out_dir else default_eval_dir(), benchmarks=names,
        model=model, seeds=_seeds(seeds), batch_size=batch_size, keep_cache=cache,
        progress=lambda label: _progress(_interactive(json_out), label),
        on_result=None if json_out else (lambda r: _note(_summary_line(r))),
    )
    elapsed = time.perf_counter() - t0
    if json_out:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _note(
            f"Wrote {info['markdown']} and {info['plot']} ({len(results)} runs in {elapsed / 60:.1f} min)."
        )


@eval_group.command("negation")
@click.option(
    "--model",
    default="default",
    show_default=True,
    metavar="PATH|clap:PATH",
    help="Encoder: 'default', a local sentence-transformers directory or clap:PATH.",
)
@data_dir_option
@out_option
@click.option("--seed", type=click.IntRange(0, None), default=0, show_default=True, help="mc sampling seed.")
@click.option(
    "--limit",
    type=click.IntRange(1, None),
    default=None,
    help="Evaluate a random subset of N items (quicker; the full set is about 2,170).",
)
@click.option(
    "--index",
    "index_name",
    default=None,
    metavar="NAME",
    help="Index for the search-time check of the acceptance requests [default: musiccaps, if built].",
)
@click.option("--no-search", is_flag=True, help="Skip the search-time check.")
@click.option(
    "--negation-threshold",
    type=click.FloatRange(0, 1, min_open=True),
    default=None,
    metavar="COS",
    help="Embedding threshold of dense+negation's facet matching; 1 = lexicon only  [default: 0.8].",
)
@batch_size_option
@embedding_cache_option
@results_json_option
def negation_cmd(model, data_dir, out_dir, seed, limit, index_name, no_search, negation_threshold,
                 batch_size, cache, json_out):
    """Does the encoder understand negation? Original vs half- vs fully-negated requests.

    \b
    Protocol (Vasilakis, Bittner, Pauwels, ICASSP 2026) on the mc benchmark clips: R@10 of the
    item with each request form, and accuracy of picking the right request of a pair (chance
    0.5), for the encoder alone (dense) and with nlrec's negation handling (dense+negation).
    Writes <out>/results/negation-<model>.json and the "Negation" section of RESULTS.md.
    """
    from nlrec.evaluation.benchmarks import load_clips
    from nlrec.evaluation.negation_run import run_negation
    from nlrec.evaluation.runner import SystemConfig

    t0 = time.perf_counter()
    slug = SystemConfig("dense", model=model).model_slug
    with _progress(_interactive(json_out), f"negation · {slug}") as update:
        run = run_negation(
            load_clips(data_dir_path(data_dir)), Path(out_dir) if out_dir else default_eval_dir(), model=model,
            seed=seed, limit=limit, index_name=index_name, search=not no_search,
            negation_threshold=negation_threshold, batch_size=batch_size, keep_cache=cache,
            progress=update, notify=_note,
        )
    if json_out:
        click.echo(json.dumps(run.result, indent=2, ensure_ascii=False))
        return
    for system, m in run.result["systems"].items():
        r, a = m["R@10"], m["accuracy"]
        _note(f"{run.model_slug:<20} {system:<15} R@10 original {r['original']:5.1f}  half {r['half']:5.1f}  "
              f"fully {r['fully']:5.1f}   acc O/F {a['O/F']:.3f}  O/H {a['O/H']:.3f}  H/F {a['H/F']:.3f}")
    for row in (run.result["search"] or {}).get("requests") or []:
        v = row["violating@10"]
        _note(f"{row['request']!r}: violating hits in the top 10: off {v['off']}, filter {v['filter']}, "
              f"penalize {v['penalize']}")
    _note(f"Wrote {run.results_file}" + (f" and {run.table}" if run.table else "")
          + f" ({time.perf_counter() - t0:.0f} s).")
