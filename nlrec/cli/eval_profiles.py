"""``nlrec eval profiles``: profiles on real listeners (accuracy vs a black-box baseline, boost
and mute); the protocol is :mod:`nlrec.profiles.evaluate`."""

from __future__ import annotations

from pathlib import Path

import click

from nlrec.cli.profile import settings_given, settings_options
from nlrec.cli.ui import (
    CONTEXT_SETTINGS,
    command_line,
    default_eval_dir,
    echo_json,
    interactive,
    note,
    progress,
)


@click.command("profiles", context_settings=CONTEXT_SETTINGS)
@click.option(
    "--dataset",
    required=True,
    type=click.Choice(["hetrec", "yes"]),
    help="Real listeners to evaluate on.",
)
@click.option(
    "--data-dir",
    envvar="NLREC_DATA",
    type=click.Path(file_okay=False),
    help="Public data directory (holds hetrec_lastfm2k/, yes_playlists/) [env: NLREC_DATA].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Evaluation workspace [default: eval/ of the checkout, else ./eval].",
)
@click.option(
    "--model", default="default", show_default=True, metavar="PATH", help="Dense encoder."
)
@click.option(
    "--listeners",
    "n_test",
    type=click.IntRange(1, 100_000),
    default=400,
    show_default=True,
    help="Test listeners (seeded draw).",
)
@click.option(
    "--dev-listeners",
    "n_dev",
    type=click.IntRange(0, 100_000),
    default=100,
    show_default=True,
    help="Dev listeners (drawn first; reported apart).",
)
@click.option("--seed", type=click.IntRange(0), default=0, show_default=True)
@click.option(
    "--holdout",
    type=click.FloatRange(0.01, 0.9),
    default=0.2,
    show_default=True,
    help="Share of each listener's items held out.",
)
@click.option(
    "-k",
    "k",
    type=click.IntRange(1, 1000),
    default=50,
    show_default=True,
    help="Cut-off for Recall, nDCG and boost shares.",
)
@settings_options
@click.option("--batch-size", type=click.IntRange(1, 4096), default=64, show_default=True)
@click.option(
    "--cache/--no-cache",
    default=True,
    show_default=True,
    help="Keep item embeddings under NLREC_HOME/.cache/profiles-eval for later runs.",
)
@click.option("--json", "json_out", is_flag=True, help="Print the results object as JSON.")
def eval_profiles(
    dataset,
    data_dir,
    out_dir,
    model,
    n_test,
    n_dev,
    seed,
    holdout,
    k,
    vocab_size,
    top_m,
    temperature,
    lexical,
    blend,
    specificity,
    mute_penalty,
    batch_size,
    cache,
    json_out,
):
    """Evaluate profiles on real listeners: accuracy vs a black-box baseline, boost and mute.

    Writes <out>/results/profiles/<dataset>.json and regenerates <out>/PROFILES.md.
    """
    from nlrec.paths import cache_dir
    from nlrec.paths import data_dir as resolve_data_dir
    from nlrec.profiles.evaluate import ProtocolConfig
    from nlrec.profiles.report import evaluate_and_report

    out = Path(out_dir) if out_dir else default_eval_dir()
    settings = settings_given(
        vocab_size=vocab_size, top_m=top_m, temperature=temperature, lexical=lexical, blend=blend,
        specificity=specificity, mute_penalty=mute_penalty,
    )
    config = ProtocolConfig(n_dev=n_dev, n_test=n_test, holdout=holdout, seed=seed, k=k)
    with progress(interactive(json_out), f"profiles · {dataset}") as update:
        run = evaluate_and_report(
            dataset, resolve_data_dir(data_dir), out,
            command=command_line(click.get_current_context(), ["nlrec", "eval", "profiles"]),
            model=model, settings=settings, config=config,
            cache_dir=(cache_dir() / "profiles-eval") if cache else None,
            batch_size=batch_size, progress=update,
        )
    result = run.result
    if json_out:
        echo_json(result)
        return
    r, nd = result[f"recall@{k}"], result[f"ndcg@{k}"]
    note(
        f"{dataset}: boost success {result['boost_success']}% (mean change {result['boost_mean_change']} points), "
        f"mute selectivity {result['mute_selectivity']}, Recall@{k} {r['profile']} vs baseline {r['baseline']}, "
        f"nDCG@{k} {nd['profile']} vs {nd['baseline']} [{result['test']['listeners']} listeners, "
        f"{result['timing']['total_seconds']:.0f} s]"
    )
    note(f"Wrote {run.results_file} and {run.report}.")
