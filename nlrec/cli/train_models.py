"""``nlrec train validate | everyday | report | ship``: compare trained models, write the
training report, ship a model as the packaged music model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from nlrec.cli.train_options import (
    data_dir_option,
    json_option,
    quiet_libraries,
    record_option,
    stdout_to_stderr,
    write_record,
)
from nlrec.cli.ui import note as _note


@click.command("validate")
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
    from nlrec.training.validation import validate_models

    quiet_libraries(json_out)
    with stdout_to_stderr():
        out = validate_models(models, data_dir, validation_clips, fusion=fusion)
    write_record(record, "validation", out)
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


@click.command("everyday")
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
    from nlrec.paths import repo_root
    from nlrec.training.everyday import everyday_report

    if requests_file is None:
        root = repo_root()
        requests_file = str((root or Path(".")) / "eval" / "everyday" / "requests.jsonl")
    quiet_libraries(json_out)
    with stdout_to_stderr():
        payload = everyday_report(models, requests_file, data_dir=data_dir, split=split,
                                  modes=modes or ("dense", "hybrid"), notify=None if json_out else _note)
    write_record(record, "everyday", payload)
    if json_out:
        click.echo(json.dumps(payload, indent=2))


@click.command("report")
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


@click.command("ship")
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
    from nlrec.training.ship import ship_model

    quiet_libraries(json_out)
    with stdout_to_stderr():
        result = ship_model(model, out_file)
    if json_out:
        click.echo(json.dumps(result.to_dict(), indent=2))
        return
    _note(f"Wrote {result.file}: {result.tensors} tensors, {result.parameters:,} parameters, "
          f"{result.bytes / 1e6:.1f} MB; rebuilt model cosine >= {result.min_cosine_rebuilt:.4f}")


@click.command("interpolate")
@click.option("--base", default="minilm", show_default=True, metavar="MODEL",
              help="The model before fine-tuning: minilm (packaged), music-minilm or a directory.")
@click.option("--tuned", default="music-minilm", show_default=True, metavar="MODEL",
              help="The fine-tuned model (same architecture as --base).")
@click.option("--alpha", type=click.FloatRange(0.0, 1.0), required=True,
              help="Weight of the tuned model: 0 = base, 1 = tuned (WiSE-FT).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="New model directory (usable as --model).")
@click.option("--overwrite", is_flag=True, help="Replace an interpolation nlrec wrote there before.")
@json_option
def interpolate_cmd(base, tuned, alpha, out_dir, overwrite, json_out):
    """Interpolate a base and a fine-tuned model's weights (WiSE-FT): keeps what the base knew
    (synonyms, paraphrases) and most of what tuning taught. Pick alpha with `nlrec train validate`."""
    from nlrec.errors import NlrecError
    from nlrec.training.interpolate import interpolate_models

    try:
        out = interpolate_models(base, tuned, alpha, out_dir, overwrite=overwrite)
    except NlrecError as e:
        raise click.ClickException(str(e)) from None
    if json_out:
        click.echo(json.dumps(out, indent=2))
    else:
        _note(f"wrote {out['path']} (alpha {out['alpha']:g}: {out['tensors']} tensors from {base} and {tuned})")
