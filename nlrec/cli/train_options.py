"""What the ``nlrec train`` commands share: recipe loading, the common options, quiet training
libraries, stdout kept for the JSON summary, and training records."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from nlrec.cli.ui import note

DEFAULT_CONFIG = "gpl/configs/musiccaps.toml"
CATALOG_CONFIG = "gpl/configs/catalog.toml"
FINETUNE_CONFIG = "gpl/configs/finetune.toml"
STAGE_CHOICES = ("queries", "negatives", "teacher", "labels", "student")


@contextmanager
def stdout_to_stderr():
    """Training libraries print logs to stdout; keep stdout for the JSON summary."""
    import contextlib

    with contextlib.redirect_stdout(sys.stderr):
        yield


def default_config(name: str = DEFAULT_CONFIG) -> str | None:
    from nlrec.paths import repo_root

    root = repo_root()
    path = (root / name) if root is not None else Path(name)
    return str(path) if path.is_file() else None


def load_recipe(config_file: str | None, sets: tuple[str, ...], flags: dict[str, Any],
          default: str = DEFAULT_CONFIG) -> Any:
    """The recipe: ``--config`` (else the default recipe, else built-in defaults), then ``--set``,
    then the dedicated flags (the most specific wins)."""
    from nlrec.training.config import load_config, parse_set_options

    overrides = parse_set_options(sets)
    overrides.update({k: v for k, v in flags.items() if v is not None})
    return load_config(config_file or default_config(default), overrides)


def quiet_libraries(json_out: bool) -> None:
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


def write_record(path: str | None, kind: str, payload: dict[str, Any]) -> None:
    if path:
        from nlrec.io import write_json

        write_json(path, {"kind": kind, **payload})
        note(f"Recorded {path}")
