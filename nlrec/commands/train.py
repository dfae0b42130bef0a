"""``nlrec train``: the music cross-encoder teacher, GPL, and the supervised baseline.

Summaries go to stdout with ``--json``; messages and progress bars go to stderr. torch,
transformers and sentence-transformers are imported inside the commands.
"""

from __future__ import annotations

import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from nlrec.commands._ui import interactive as _interactive
from nlrec.commands._ui import note as _note
from nlrec.commands._ui import progress as _progress
from nlrec.errors import NlrecError

CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DEFAULT_CONFIG = "gpl/configs/musiccaps.toml"
FINETUNE_CONFIG = "gpl/configs/finetune.toml"
CATALOG_CONFIG = "gpl/configs/catalog.toml"
STAGE_CHOICES = ("queries", "negatives", "teacher", "labels", "student")


@contextmanager
def _stdout_to_stderr():
    """Training libraries print logs to stdout; keep stdout for the JSON summary."""
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):
        yield


def _default_config(name: str = DEFAULT_CONFIG) -> str | None:
    from nlrec.paths import repo_root

    root = repo_root()
    path = (root / name) if root is not None else Path(name)
    return str(path) if path.is_file() else None


def _default_run_root() -> Path:
    from nlrec.paths import repo_root

    root = repo_root()
    return (root / "gpl" / "runs") if root is not None else Path("gpl") / "runs"


def _load(config_file: str | None, sets: tuple[str, ...], flags: dict[str, Any],
          default: str = DEFAULT_CONFIG) -> Any:
    """The recipe: ``--config`` (else the default recipe, else built-in defaults), then ``--set``,
    then the dedicated flags (the most specific wins)."""
    from nlrec.training.config import load_config, parse_set_options

    overrides = parse_set_options(sets)
    overrides.update({k: v for k, v in flags.items() if v is not None})
    return load_config(config_file or _default_config(default), overrides)


def _quiet_libraries(json_out: bool) -> None:
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.logging.set_verbosity_error()
    if json_out or not sys.stderr.isatty():
        transformers.logging.disable_progress_bar()
        try:
            import datasets

            datasets.disable_progress_bars()
        except ImportError:  # pragma: no cover
            pass


config_option = click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help=f"TOML recipe [default: {DEFAULT_CONFIG} for gpl and teacher, {FINETUNE_CONFIG} for finetune, "
    "of the checkout; else built-in defaults].",
)
set_option = click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="SECTION.FIELD=VALUE",
    help="Override any recipe field (repeatable), e.g. --set student.lr=3e-5.",
)
data_dir_option = click.option(
    "--data-dir",
    envvar="NLREC_DATA",
    type=click.Path(file_okay=False),
    help="Public data directory (holds musiccaps/) [env: NLREC_DATA].",
)
device_option = click.option(
    "--device", default=None, help="auto | cpu | cuda | cuda:N [default: the recipe's, auto]."
)
seed_option = click.option(
    "--seed", type=int, default=None, help="Random seed [default: the recipe's]."
)
json_option = click.option(
    "--json", "json_out", is_flag=True, help="Print a JSON summary on stdout."
)
negation_p_option = click.option(
    "--negation-p",
    type=click.FloatRange(0, 1),
    default=None,
    help="Negation-aware training: probability of inserting 'no <tag>' (a tag the item lacks) "
    "into a request [default: the recipe's negation.p, 0].",
)
negation_k_option = click.option(
    "--negation-k",
    type=click.FloatRange(0),
    default=None,
    help="Negation-aware training: weight of k * mean cos(request, fully negated request) "
    "[default: the recipe's negation.k, 0].",
)
record_option = click.option(
    "--record",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write the summary as a record for `nlrec train report` "
    "(e.g. eval/training/gpl-musiccaps.json).",
)


def _write_record(path: str | None, kind: str, payload: dict[str, Any]) -> None:
    if path:
        from nlrec.io import write_json

        write_json(path, {"kind": kind, **payload})
        _note(f"Recorded {path}")


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


def _stage_line(r: Any) -> str:
    if r.skipped:
        return f"  {r.name:<10} skipped (output exists)"
    return f"  {r.name:<10} {r.seconds:7.0f} s   peak memory {r.peak_rss_mb:,.0f} MB"


def _run_pipeline(
    config: Any, data_dir: str | None, json_out: bool, until: str | None
) -> list[Any]:
    from nlrec.training.gpl import GPLPipeline

    _quiet_libraries(json_out)
    with _progress(_interactive(json_out), "gpl") as update, _stdout_to_stderr():
        pipeline = GPLPipeline(
            config,
            data_dir=data_dir,
            progress=update,
            notify=_note,
            show_progress=_interactive(json_out),
        )
        return pipeline.run_all(until=until)


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
        name = f"catalog-{Path(catalog).stem}" if catalog else f"{dataset}-{split or 'train'}"
        run_dir = str(Path(_default_run_root()) / name)
    config = _load(
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
    t0 = time.perf_counter()
    reports = _run_pipeline(config, data_dir, json_out, until)
    from nlrec.training.gpl import RunDir, peak_rss_mb

    summary = {
        "run_dir": config.run_dir,
        "model": str(RunDir(config.run_dir).model) if until in (None, "student") else None,
        "stages": [r.__dict__ for r in reports],
        "seconds": round(time.perf_counter() - t0, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load": _load_average(),
        "config": config.to_dict(),
    }
    summary["name"] = Path(config.run_dir).name
    _write_record(record, "gpl", summary)
    if json_out:
        click.echo(json.dumps(summary, indent=2))
        return
    for r in reports:
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
    type=click.Choice(["mc", "mc_reco", "mc_human"]),
    default="mc",
    show_default=True,
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
    config = _load(
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
        reports = _run_pipeline(config, data_dir, json_out, "teacher")
        summary["stages"] = [r.__dict__ for r in reports]
        if not json_out:
            for r in reports:
                _note(_stage_line(r))
        evaluate_path = str(Path(config.run_dir) / "teacher")
    summary["teacher"] = evaluate_path
    if do_eval:
        from nlrec.paths import data_dir as resolve_data_dir
        from nlrec.training.teacher import load_teacher, rerank_benchmark

        _quiet_libraries(json_out)
        teacher = load_teacher(
            evaluate_path,
            device=None if config.device == "auto" else config.device,
            max_length=config.teacher.max_length,
        )
        t0 = time.perf_counter()
        with _progress(_interactive(json_out), "rerank") as update, _stdout_to_stderr():
            result = rerank_benchmark(
                teacher,
                eval_benchmark,
                resolve_data_dir(config.data.data_dir or data_dir),
                n_queries=eval_queries or None,
                depth=eval_depth,
                progress=update,
            )
        result["seconds"] = round(time.perf_counter() - t0, 1)
        summary["rerank"] = result
        if not json_out:
            b, t = result["bm25"], result["bm25+teacher"]
            _note(
                f"{eval_benchmark} (seed 0, {result['n_queries']} queries, BM25 top {eval_depth}): "
                f"R@10 {b['R@10']:.1f} -> {t['R@10']:.1f}, RR@10 {b['RR@10']:.1f} -> {t['RR@10']:.1f}"
            )
    _write_record(record, "teacher", summary)
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

    config = _load(
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
    _quiet_libraries(json_out)
    with _stdout_to_stderr():
        summary = finetune(
            config, output, data_dir=data_dir, show_progress=_interactive(json_out), notify=_note
        )
    summary.pop("validation", None)
    summary.update(name=Path(output).name, load=_load_average(), config=config.to_dict())
    _write_record(record, "finetune", summary)
    if json_out:
        click.echo(json.dumps(summary, indent=2))
    else:
        _note(
            f"Trained {summary['steps']} steps on {summary['pairs']:,} pairs in {summary['train_seconds']:.0f} s "
            f"(peak memory {summary['peak_rss_mb']:,.0f} MB) -> {output}"
        )


@train_group.command("validate")
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Model to validate (repeatable): minilm (packaged, untuned), music-minilm, default, or a directory.",
)
@data_dir_option
@click.option(
    "--validation-clips",
    type=click.IntRange(1),
    default=300,
    show_default=True,
    help="Size of the held-out split (must match the training recipe).",
)
@click.option(
    "--fusion/--no-fusion", default=True, show_default=True, help="Also tune hybrid fusion."
)
@record_option
@json_option
def validate_cmd(models, data_dir, validation_clips, fusion, record, json_out):
    """Score models (dense, hybrid grid) on the validation split carved from the training clips."""
    from nlrec.encoders.dense import canonical_model
    from nlrec.paths import data_dir as resolve_data_dir
    from nlrec.training.validation import validate_lexical, validate_model
    from nlrec.training.validation import validation_clips as held_out

    _quiet_libraries(json_out)
    models = [canonical_model(m) for m in models]
    clips = held_out(resolve_data_dir(data_dir), validation_clips)
    with _stdout_to_stderr():
        out = {
            "lexical": validate_lexical(clips),
            "models": [validate_model(m, clips, fusion=fusion) for m in models],
        }
    _write_record(record, "validation", out)
    if json_out:
        click.echo(json.dumps(out, indent=2))
        return
    for r in out["lexical"]:
        _note(f"{r['label']:<28} score {r['score']:.1f}  " + _val_line(r))
    for m in out["models"]:
        _note(f"{m['model']}")
        _note(f"  {'dense':<26} score {m['dense']['score']:.1f}  " + _val_line(m["dense"]))
        if "best_hybrid" in m:
            b = m["best_hybrid"]
            _note(f"  best {b['label']:<21} score {b['score']:.1f}  " + _val_line(b))


def _val_line(r: dict[str, Any]) -> str:
    return "  ".join(
        f"{b}: R@10 {m['R@10']:.1f} RR@10 {m['RR@10']:.1f}" for b, m in r["measures"].items()
    )


@train_group.command("everyday")
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    metavar="PATH",
    help="Model to compare (repeatable): minilm (packaged, untuned), music-minilm, default, or a directory.",
)
@click.option(
    "--requests",
    "requests_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Requests JSONL [default: eval/everyday/requests.jsonl of the checkout].",
)
@data_dir_option
@click.option(
    "--split",
    type=click.Choice(["all", "test"]),
    default="all",
    show_default=True,
    help="MusicCaps catalog to search: every clip, or only the evaluation clips (never trained on).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["dense", "hybrid", "bm25", "tfidf"]),
    help="Search modes (repeatable) [default: dense and hybrid].",
)
@record_option
@json_option
def everyday_cmd(models, requests_file, data_dir, split, modes, record, json_out):
    """Rank the MusicCaps catalog for listener-style requests; compare models by nDCG@10 etc."""
    from nlrec.datasets import load_musiccaps
    from nlrec.paths import repo_root
    from nlrec.training.everyday import evaluate_models, load_requests

    if requests_file is None:
        root = repo_root()
        requests_file = str((root or Path(".")) / "eval" / "everyday" / "requests.jsonl")
    from nlrec.encoders.dense import canonical_model

    models = [canonical_model(m) for m in models]
    requests = load_requests(requests_file)
    catalog = load_musiccaps(data_dir, split=split)
    _quiet_libraries(json_out)
    with _stdout_to_stderr():
        results = evaluate_models(
            models,
            requests,
            catalog,
            modes=modes or ("dense", "hybrid"),
            notify=None if json_out else _note,
        )
    payload = {
        "requests": requests_file,
        "catalog": f"musiccaps/{split}",
        "tracks": len(catalog.tracks),
        "results": results,
    }
    _write_record(record, "everyday", payload)
    if json_out:
        click.echo(json.dumps(payload, indent=2))


@train_group.command("report")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Evaluation workspace [default: eval/ of the checkout].",
)
def report_cmd(out_dir):
    """Regenerate <out>/TRAINING.md from the records in <out>/training/*.json."""
    from nlrec.paths import repo_root
    from nlrec.training.report import write_report

    root = repo_root()
    path = write_report(Path(out_dir) if out_dir else (root / "eval" if root else Path("eval")))
    _note(f"Wrote {path}")


@train_group.command("ship")
@click.argument("model", type=click.Path(exists=True, file_okay=False))
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Delta file [default: the music model's place in the package, "
    "nlrec/data/models/music-minilm.delta.safetensors].",
)
@json_option
def ship_cmd(model, out_file, json_out):
    """Make MODEL (tuned from the packaged MiniLM) the shipped music model.

    Writes the tensors that differ from the packaged weights as a float16 delta; `default` then
    resolves to it. Checks that the model rebuilt from the delta embeds as MODEL does.
    """
    import numpy as np

    from nlrec.encoders import dense
    from nlrec.paths import cache_dir
    from nlrec.training.delta import materialize, write_delta

    out = Path(out_file) if out_file else dense.MUSIC_DELTA
    base = dense.default_model_path()
    if not (Path(model) / "model.safetensors").is_file():
        raise NlrecError(f"{model}: not a sentence-transformers directory with model.safetensors")
    tmp = out.parent / f".tmp-{out.name}"
    info = write_delta(model, base, tmp, name=dense.MUSIC_MODEL)
    rebuilt = materialize(base, tmp, cache_dir() / "models")
    texts = ["calm solo piano", "aggressive metal with distorted guitar", "reggae, steel drum, upbeat",
             "female vocal, soul, ballad", "no vocals, ambient, drone"]
    _quiet_libraries(json_out)
    with _stdout_to_stderr():
        a = dense.load_encoder(str(Path(model).resolve())).encode(texts)
        b = dense.load_encoder(str(rebuilt)).encode(texts)
    cos = float(np.min(np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))))
    if cos < 0.999:
        tmp.unlink(missing_ok=True)
        raise NlrecError(f"the model rebuilt from the delta drifts from {model} (cosine {cos:.4f} < 0.999)")
    tmp.replace(out)
    info.update({"file": str(out), "model": str(model), "min_cosine_rebuilt": round(cos, 6)})
    if json_out:
        click.echo(json.dumps(info, indent=2))
        return
    _note(f"Wrote {out}: {info['tensors']} tensors, {info['parameters']:,} parameters, "
          f"{info['bytes'] / 1e6:.1f} MB; rebuilt model cosine >= {cos:.4f}")


def _load_average() -> str:
    import os

    try:
        return "load average {:.1f} / {:.1f} / {:.1f} on {} CPUs".format(
            *os.getloadavg(), os.cpu_count()
        )
    except OSError:  # pragma: no cover
        return ""


__all__ = ["train_group", "NlrecError"]
