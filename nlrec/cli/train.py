"""``nlrec train``: the music cross-encoder teacher, GPL, and the supervised baseline.

Summaries go to stdout with ``--json``; messages and progress bars go to stderr. torch,
transformers and sentence-transformers are imported inside the commands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nlrec.cli.train_models import everyday_cmd, interpolate_cmd, report_cmd, ship_cmd, validate_cmd
from nlrec.cli.train_options import (
    CATALOG_CONFIG,
    DEFAULT_CONFIG,
    FINETUNE_CONFIG,
    STAGE_CHOICES,
    config_option,
    data_dir_option,
    device_option,
    json_option,
    load_recipe,
    negation_k_option,
    negation_p_option,
    quiet_libraries,
    record_option,
    seed_option,
    set_option,
    stdout_to_stderr,
    write_record,
)
from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress
from nlrec.errors import NlrecError


@click.group("train", context_settings=CONTEXT_SETTINGS)
def train_group() -> None:
    """Fine-tune encoders on MusicCaps training clips (never the evaluation clips).

    \b
    The GPL recipe, resumable (stages are files under the run directory):
      nlrec train gpl --config gpl/configs/musiccaps.toml --data-dir ../shared/data
    Only the teacher (and its reranking quality on mc):
      nlrec train teacher --data-dir ../shared/data
    The supervised baseline:
      nlrec train finetune --output gpl/runs/finetune/model --data-dir ../shared/data
    """


def _stage_line(r: dict[str, Any]) -> str:
    if r["skipped"]:
        return f"  {r['name']:<10} skipped (output exists)"
    return f"  {r['name']:<10} {r['seconds']:7.0f} s   peak memory {r['peak_rss_mb']:,.0f} MB"


def _run_gpl(config: Any, data_dir: str | None, json_out: bool, until: str | None) -> dict[str, Any]:
    from nlrec.training.gpl import run_gpl

    quiet_libraries(json_out)
    with _progress(_interactive(json_out), "gpl") as update, stdout_to_stderr():
        return run_gpl(config, data_dir=data_dir, until=until, progress=update, notify=_note,
                       show_progress=_interactive(json_out))


@train_group.command("gpl")
@config_option
@set_option
@data_dir_option
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Run directory [default: the recipe's].",
)
@click.option(
    "--teacher",
    "teacher_path",
    type=click.Path(file_okay=False),
    default=None,
    help="Use this trained cross-encoder instead of training one.",
)
@click.option(
    "--steps", type=click.IntRange(1), default=None, help="Student steps [default: the recipe's]."
)
@click.option(
    "--until", type=click.Choice(STAGE_CHOICES), default=None, help="Stop after this stage."
)
@click.option(
    "--dataset",
    type=click.Choice(["musiccaps", "mtt", "msd", "catalog"]),
    default=None,
    help="Training material: MusicCaps captions, an unlabelled tag catalog (mtt, msd) or "
    "--catalog FILE [default: the recipe's].",
)
@click.option(
    "--split", default=None, help="Split of mtt (train | valid) or msd (valid); test is refused."
)
@click.option(
    "--catalog",
    type=click.Path(dir_okay=False),
    default=None,
    help="A catalog file to adapt to (implies --dataset catalog).",
)
@negation_p_option
@negation_k_option
@seed_option
@device_option
@record_option
@json_option
def gpl_cmd(
    config_file, sets, data_dir, run_dir, teacher_path, steps, until, dataset, split, catalog, negation_p,
    negation_k, seed, device, record, json_out
):
    """Run the GPL pipeline: queries, hard negatives, teacher, pseudo-labels, MarginMSE student.

    Each stage is skipped when its output exists, so an interrupted run resumes where it stopped.
    The student is saved as a sentence-transformers directory (<run-dir>/model) that
    `nlrec index build --model` and `nlrec eval run --model` accept.
    """
    if catalog and dataset not in (None, "catalog"):
        raise click.UsageError("--catalog FILE trains on that catalog: leave out --dataset")
    tag_catalog = bool(catalog) or dataset in ("mtt", "msd", "catalog")
    if tag_catalog and run_dir is None and config_file is None:  # one run directory per catalog
        from nlrec.paths import repo_root

        root = repo_root()
        runs = (root / "gpl" / "runs") if root is not None else Path("gpl") / "runs"
        run_dir = str(runs / (f"catalog-{Path(catalog).stem}" if catalog else f"{dataset}-{split or 'train'}"))
    config = load_recipe(
        config_file,
        sets,
        {
            "run_dir": run_dir,
            "teacher_path": teacher_path,
            "student.steps": steps,
            "data.dataset": "catalog" if catalog else dataset,
            "data.split": split,
            "data.catalog": catalog,
            "negation.p": negation_p,
            "negation.k": negation_k,
            "seed": seed,
            "device": device,
        },
        default=CATALOG_CONFIG if tag_catalog else DEFAULT_CONFIG,
    )
    summary = _run_gpl(config, data_dir, json_out, until)
    write_record(record, "gpl", summary)
    if json_out:
        click.echo(json.dumps(summary, indent=2))
        return
    for r in summary["stages"]:
        _note(_stage_line(r))
    if summary["model"]:
        _note(
            f"Student model: {summary['model']}  (nlrec index build --model {summary['model']} ...)"
        )


@train_group.command("teacher")
@config_option
@set_option
@data_dir_option
@click.option(
    "--run-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Run directory; the teacher is saved to <run-dir>/teacher [default: the recipe's].",
)
@click.option(
    "--base", default=None, metavar="PATH|ID", help="Starting weights [default: packaged MiniLM]."
)
@click.option(
    "--steps", type=click.IntRange(1), default=None, help="Training steps [default: the recipe's]."
)
@click.option(
    "--evaluate",
    "evaluate_path",
    type=click.Path(file_okay=False),
    default=None,
    help="Only evaluate this trained cross-encoder.",
)
@click.option(
    "--eval/--no-eval",
    "do_eval",
    default=True,
    show_default=True,
    help="Rerank BM25's top results on a benchmark with the teacher afterwards.",
)
@click.option(
    "--eval-benchmark",
    type=click.Choice(["mc", "mc_reco", "mc_human", "mtt_valid", "msd_valid"]),
    default="mc",
    show_default=True,
    help="mc*: BM25's top results reranked on a MusicCaps benchmark (seed 0); mtt_valid / msd_valid: "
    "the validation split of a tag catalog, BM25's and music-minilm's top results reranked.",
)
@click.option(
    "--eval-queries",
    type=click.IntRange(0),
    default=300,
    show_default=True,
    help="Queries sampled for reranking (0 = all; about 100 pairs a query).",
)
@click.option(
    "--eval-depth",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="BM25 results reranked per query.",
)
@seed_option
@device_option
@record_option
@json_option
def teacher_cmd(
    config_file,
    sets,
    data_dir,
    run_dir,
    base,
    steps,
    evaluate_path,
    do_eval,
    eval_benchmark,
    eval_queries,
    eval_depth,
    seed,
    device,
    record,
    json_out,
):
    """Train the music cross-encoder (stages queries, negatives, teacher of the GPL recipe) and
    report its reranking of BM25's top 100 on a benchmark."""
    config = load_recipe(
        config_file,
        sets,
        {
            "run_dir": run_dir,
            "teacher.base": base,
            "teacher.steps": steps,
            "seed": seed,
            "device": device,
        },
    )
    summary: dict[str, Any] = {}
    if evaluate_path is None:
        if config.teacher_path:
            raise click.UsageError(
                "the recipe names a trained teacher (teacher_path); use --evaluate PATH"
            )
        summary["stages"] = _run_gpl(config, data_dir, json_out, "teacher")["stages"]
        if not json_out:
            for r in summary["stages"]:
                _note(_stage_line(r))
        evaluate_path = str(Path(config.run_dir) / "teacher")
    summary["teacher"] = evaluate_path
    if do_eval:
        from nlrec.paths import data_dir as resolve_data_dir
        from nlrec.training.teacher import evaluate_teacher

        quiet_libraries(json_out)
        if eval_benchmark.endswith("_valid"):
            from nlrec.training.teacher_eval import summary as rerank_summary
            from nlrec.training.teacher_eval import validate_teacher

            with stdout_to_stderr():
                result = validate_teacher(
                    evaluate_path, eval_benchmark, resolve_data_dir(config.data.data_dir or data_dir),
                    n_queries=eval_queries or None, depth=eval_depth, max_length=config.teacher.max_length,
                    device=None if config.device == "auto" else config.device,
                    dense_model=config.negatives.dense_model if config.data.dataset != "musiccaps" else "music-minilm",
                )
            summary["rerank"] = result
            if not json_out:
                for label, v in rerank_summary(result).items():
                    _note(f"{eval_benchmark} ({result['queries']} requests, {label} top {eval_depth}): "
                          f"R@10 {v['R@10 before']:.1f} -> {v['R@10 after']:.1f}, "
                          f"RR@10 {v['RR@10 before']:.1f} -> {v['RR@10 after']:.1f}, "
                          f"nDCG@10 {v['nDCG@10 before']:.1f} -> {v['nDCG@10 after']:.1f}")
            write_record(record, "teacher", summary)
            if json_out:
                click.echo(json.dumps(summary, indent=2))
            return
        with _progress(_interactive(json_out), "rerank") as update, stdout_to_stderr():
            result = evaluate_teacher(
                evaluate_path, eval_benchmark, resolve_data_dir(config.data.data_dir or data_dir),
                device=None if config.device == "auto" else config.device,
                max_length=config.teacher.max_length, n_queries=eval_queries or None, depth=eval_depth,
                progress=update,
            )
        summary["rerank"] = result
        if not json_out:
            b, t = result["bm25"], result["bm25+teacher"]
            _note(
                f"{eval_benchmark} (seed 0, {result['n_queries']} queries, BM25 top {eval_depth}): "
                f"R@10 {b['R@10']:.1f} -> {t['R@10']:.1f}, RR@10 {b['RR@10']:.1f} -> {t['RR@10']:.1f}"
            )
    write_record(record, "teacher", summary)
    if json_out:
        click.echo(json.dumps(summary, indent=2))


@train_group.command("finetune")
@config_option
@set_option
@data_dir_option
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to save the model [default: <run_dir>-finetune/finetune-<run name>].",
)
@click.option(
    "--steps",
    type=click.IntRange(1),
    default=None,
    help="Training steps [default: the recipe's student.steps].",
)
@click.option(
    "--batch-size",
    type=click.IntRange(2),
    default=None,
    help="Pairs per step [default: the recipe's].",
)
@click.option("--lr", type=float, default=None, help="Learning rate [default: the recipe's].")
@click.option(
    "--train-layers",
    type=click.IntRange(0),
    default=None,
    help="Train only the top N layers (0 = all).",
)
@negation_p_option
@negation_k_option
@seed_option
@device_option
@record_option
@json_option
def finetune_cmd(
    config_file,
    sets,
    data_dir,
    output,
    steps,
    batch_size,
    lr,
    train_layers,
    negation_p,
    negation_k,
    seed,
    device,
    record,
    json_out,
):
    """Supervised baseline: MultipleNegativesRankingLoss on the recipe's (request, descriptor set) pairs."""
    from nlrec.training.finetune import finetune
    from nlrec.training.rundir import load_average

    config = load_recipe(
        config_file,
        sets,
        {
            "student.steps": steps,
            "student.batch_size": batch_size,
            "student.lr": lr,
            "student.train_layers": train_layers,
            "negation.p": negation_p,
            "negation.k": negation_k,
            "seed": seed,
            "device": device,
        },
        default=FINETUNE_CONFIG,
    )
    run = Path(config.run_dir.rstrip("/"))
    output = output or str(run.parent / f"{run.name}-finetune" / f"finetune-{run.name}")
    quiet_libraries(json_out)
    with stdout_to_stderr():
        summary = finetune(
            config, output, data_dir=data_dir, show_progress=_interactive(json_out), notify=_note
        )
    summary.pop("validation", None)
    summary.update(name=Path(output).name, load=load_average(), config=config.to_dict())
    write_record(record, "finetune", summary)
    if json_out:
        click.echo(json.dumps(summary, indent=2))
    else:
        _note(
            f"Trained {summary['steps']} steps on {summary['pairs']:,} pairs in {summary['train_seconds']:.0f} s "
            f"(peak memory {summary['peak_rss_mb']:,.0f} MB) -> {output}"
        )


for _command in (validate_cmd, everyday_cmd, report_cmd, ship_cmd, interpolate_cmd):
    train_group.add_command(_command)

__all__ = ["DEFAULT_CONFIG", "FINETUNE_CONFIG", "NlrecError", "train_group"]
