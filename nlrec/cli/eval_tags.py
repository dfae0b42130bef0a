"""``nlrec eval tags``: every row of the MTT / MSD tag benchmarks, then the results table."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from nlrec.cli.eval import (
    batch_size_option,
    data_dir_option,
    data_dir_path,
    embedding_cache_option,
    out_option,
    results_json_option,
)
from nlrec.cli.ui import CONTEXT_SETTINGS, default_eval_dir
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress


@click.command("tags", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--benchmark",
    "names",
    multiple=True,
    type=click.Choice(["mtt", "msd", "mtt_valid", "msd_valid"]),
    help="Restrict to these benchmarks (repeatable)  [default: mtt and msd].",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME|PATH",
    help="Dense encoders for the dense and hybrid rows (repeatable)  [default: minilm, music-minilm].",
)
@data_dir_option
@out_option
@batch_size_option
@embedding_cache_option
@results_json_option
def eval_tags(names, models, data_dir, out_dir, batch_size, cache, json_out):
    """Run tfidf, bm25, dense and hybrid on the MTT / MSD tag benchmarks, then the table.

    \b
    Tag, tag-pair, synonym and natural requests over the test tracks' tag sets (see
    eval/README.md); natural requests are ranked with nlrec query's negation handling.
      nlrec eval tags --data-dir ../shared/data
      nlrec eval tags --benchmark mtt --model gpl/runs/mtt/gpl-mtt --data-dir ../shared/data
    """
    from nlrec.evaluation.table import write_table
    from nlrec.evaluation.tag_runner import TAG_SUITE_MODELS, run_tag_suite, summary_line

    t0 = time.perf_counter()
    out = Path(out_dir) if out_dir else default_eval_dir()

    def done(r):
        if not json_out:
            _note(summary_line(r))

    with _progress(_interactive(json_out), "mtt / msd") as update:
        results = run_tag_suite(
            data_dir_path(data_dir),
            benchmarks=names or ("mtt", "msd"),
            models=models or TAG_SUITE_MODELS,
            out_dir=out,
            cache_dir=out / "runs" / "embeddings" if cache else None,
            batch_size=batch_size,
            on_result=done,
            progress=update,
        )
    info = write_table(out)
    if json_out:
        click.echo(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        _note(f"Wrote {info['markdown']} ({len(results)} runs in {(time.perf_counter() - t0) / 60:.1f} min).")
