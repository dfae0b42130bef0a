"""``nlrec profile``: build, show, adjust and use taste profiles.

Data (``--json``) goes to stdout; bar charts, tables and messages go to stderr. Heavy libraries
are imported inside the commands.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import click

from nlrec.cli.profile_view import print_profile, print_profile_hits
from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import echo_json as _echo_json
from nlrec.cli.ui import note as _note


def _open_index(name: str) -> Any:
    from nlrec.index import Index

    return Index.open(name)


# ---------------------------------------------------------------------------------- group
@click.group("profile", context_settings=CONTEXT_SETTINGS)
def profile_group() -> None:
    """Taste profiles you can read and steer (stored under NLREC_HOME/profiles).

    \b
    A profile is a handful of descriptor prototypes with weights, computed from the tracks you like:
      nlrec profile build me --index mine --likes liked.txt
      nlrec profile show me
      nlrec profile adjust me --more jazz --less "female vocal" --mute metal --set piano=0.4
      nlrec profile recommend me -k 20
      nlrec query "late night" --index mine --profile me
    """


_SETTINGS_OPTIONS = [
    click.option(
        "--vocab-size",
        type=click.IntRange(1, 100_000),
        default=None,
        help="How many frequent descriptors become prototypes  [default: 150].",
    ),
    click.option(
        "--top-m",
        type=click.IntRange(1, 1000),
        default=None,
        help="Prototypes a profile keeps  [default: 12].",
    ),
    click.option(
        "--temperature",
        type=click.FloatRange(min=1e-6),
        default=None,
        help="Attention temperature  [default: 0.1].",
    ),
    click.option(
        "--lexical",
        type=click.FloatRange(0, 1),
        default=None,
        help="Weight of 'carries the descriptor' in affinity  [default: 0.7].",
    ),
    click.option(
        "--blend",
        type=click.FloatRange(0, 1),
        default=None,
        help="Weight of the carriers' centroid in a prototype  [default: 0.5].",
    ),
    click.option(
        "--specificity",
        type=click.FloatRange(0, 2),
        default=None,
        help="How much generic descriptors are discounted (0 = not)  [default: 0.5].",
    ),
    click.option(
        "--mute-penalty",
        type=click.FloatRange(0, 100),
        default=None,
        help="What a muted descriptor takes off the score of tracks carrying it (0 = only remove "
        "its weight)  [default: 1.0].",
    ),
]


def settings_options(f: Any) -> Any:
    """The profile settings options shared by ``nlrec profile build`` and ``nlrec eval profiles``."""
    for option in reversed(_SETTINGS_OPTIONS):
        f = option(f)
    return f


def settings_given(base: Any = None, **given: Any) -> Any:
    """``base`` (default: the default :class:`ProfileSettings`) with the options that were given."""
    from dataclasses import replace

    from nlrec.profiles.profile import ProfileSettings

    return replace(base or ProfileSettings(), **{k: v for k, v in given.items() if v is not None})


@profile_group.command("build")
@click.argument("name")
@click.option(
    "--index", "index_name", required=True, metavar="NAME", help="Index the liked tracks belong to."
)
@click.option(
    "--likes",
    "likes_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Liked track ids, one a line, or a listening-history CSV/TSV (id and play-count columns).",
)
@click.option("--id-col", help="Track-id column of a CSV/TSV history [default: id, track_id, ...].")
@click.option(
    "--plays-col",
    help="Play-count column of a CSV/TSV history [default: plays, play_count, count, ...].",
)
@click.option(
    "--vocabulary",
    "vocab_file",
    type=click.Path(dir_okay=False),
    help="Prototypes to use, one descriptor a line [default: the index's most frequent descriptors].",
)
@settings_options
@click.option(
    "--weighting",
    type=click.Choice(["log1p", "binary", "linear"]),
    default=None,
    help="How play counts weight liked tracks  [default: log1p].",
)
@click.option("-f", "--force", is_flag=True, help="Replace an existing profile of that name.")
@click.option(
    "--json", "json_out", is_flag=True, help="Print the profile and the build report as JSON."
)
def build_cmd(
    name,
    index_name,
    likes_file,
    id_col,
    plays_col,
    vocab_file,
    vocab_size,
    top_m,
    temperature,
    lexical,
    blend,
    specificity,
    weighting,
    mute_penalty,
    force,
    json_out,
):
    """Build profile NAME from the tracks you like."""
    from nlrec.profiles import (
        ProfileError,
        build_profile,
        profile_path,
        read_likes,
        save_profile,
    )

    path = profile_path(name)
    if path.exists() and not force:
        raise ProfileError(f"profile {name!r} already exists ({path}); pass --force to replace it")
    likes = read_likes(likes_file, id_col=id_col, plays_col=plays_col)
    settings = settings_given(
        vocab_size=vocab_size, top_m=top_m, temperature=temperature, lexical=lexical, blend=blend,
        specificity=specificity, weighting=weighting, mute_penalty=mute_penalty,
    )
    vocabulary = _read_vocabulary(vocab_file) if vocab_file else None
    t0 = time.perf_counter()
    index = _open_index(index_name)
    profile, report = build_profile(index, name, likes, settings=settings, vocabulary=vocabulary)
    saved = save_profile(profile, overwrite=force)
    report.update({"path": str(saved), "seconds": round(time.perf_counter() - t0, 3)})
    if report["unknown"]:
        shown = ", ".join(repr(u) for u in report["unknown_ids"][:5])
        _note(
            f"warning: {report['unknown']} of {report['liked']} liked id(s) are not tracks of index "
            f"{index.name!r} and were ignored (e.g. {shown})"
        )
    if json_out:
        _echo_json({"profile": profile.to_dict(), "report": report})
        return
    print_profile(profile)
    _note(
        f"Built profile {name!r} from {report['matched']} liked track(s) over {report['vocabulary']} "
        f"prototypes -> {saved}"
    )


def _read_vocabulary(path: str) -> list[str]:
    from nlrec.profiles import ProfileError

    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ProfileError(f"cannot read vocabulary file {path}: {e}") from None
    names = [s.strip() for s in lines if s.strip() and not s.strip().startswith("#")]
    if not names:
        raise ProfileError(f"{path}: no descriptor in the vocabulary file")
    return names


@profile_group.command("show")
@click.argument("name")
@click.option("--json", "json_out", is_flag=True, help="Print the profile as JSON.")
def show_cmd(name, json_out):
    """Show a profile's prototypes and weights as a bar chart."""
    from nlrec.profiles import load_profile

    profile = load_profile(name)
    if json_out:
        _echo_json(profile.to_dict())
        return
    print_profile(profile)


def _parse_set(values: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    for v in values:
        if "=" not in v:
            raise click.BadParameter(f"expected DESCRIPTOR=WEIGHT, got {v!r}", param_hint="--set")
        key, raw = v.rsplit("=", 1)
        try:
            weight = float(raw)
        except ValueError:
            raise click.BadParameter(
                f"{raw!r} is not a number (in {v!r})", param_hint="--set"
            ) from None
        if not key.strip() or not math.isfinite(weight) or weight < 0:
            raise click.BadParameter(
                f"{v!r}: give a descriptor and a finite weight >= 0", param_hint="--set"
            )
        out[key.strip()] = weight
    return out


@profile_group.command("adjust")
@click.argument("name")
@click.option(
    "--more",
    multiple=True,
    metavar="DESCRIPTOR",
    help="Raise a prototype's weight by 0.2 (repeatable).",
)
@click.option(
    "--less", multiple=True, metavar="DESCRIPTOR", help="Halve a prototype's weight (repeatable)."
)
@click.option(
    "--mute",
    multiple=True,
    metavar="DESCRIPTOR",
    help="Remove a prototype and demote the tracks carrying it (repeatable).",
)
@click.option(
    "--set",
    "set_",
    multiple=True,
    metavar="DESCRIPTOR=W",
    help="Set a prototype's weight (repeatable).",
)
@click.option(
    "--json", "json_out", is_flag=True, help="Print the adjusted profile and the changes as JSON."
)
def adjust_cmd(name, more, less, mute, set_, json_out):
    """Steer a profile: more / less of a descriptor, mute one, or set its weight.

    Descriptors are matched case-insensitively against the profile's prototypes and every
    descriptor of its index; an unknown one is an error that lists close matches.
    """
    from nlrec.cli.ui import warnings_to_stderr
    from nlrec.profiles.steer import adjust_profile

    if not (more or less or mute or set_):
        raise click.UsageError("give at least one of --more, --less, --mute or --set")
    values = _parse_set(set_)
    with warnings_to_stderr():  # read, adjust and write under the profile's lock
        new, changes, notes = adjust_profile(name, more=more, less=less, mute=mute, set_=values)
    for n in notes:
        _note(f"note: {n}")
    if json_out:
        _echo_json({"profile": new.to_dict(), "changes": changes, "notes": notes})
        return
    print_profile(new)
    _note("Adjusted: " + "; ".join(_change_text(c) for c in changes))


def _change_text(change: dict[str, Any]) -> str:
    """One change as read by a person: a mute says what it does, not "0.000 -> 0.000"."""
    if change["op"] == "mute":
        was = f"weight {change['before']:.3f} removed" if change["before"] else "it had no weight"
        return f"muted {change['descriptor']} ({was}; tracks carrying it are demoted)"
    return f"{change['op']} {change['descriptor']} {change['before']:.3f} -> {change['after']:.3f}"


@profile_group.command("recommend")
@click.argument("name")
@click.option(
    "-k",
    "--top-k",
    "k",
    type=click.IntRange(1, 10_000),
    default=10,
    show_default=True,
    help="Number of tracks.",
)
@click.option(
    "--index", "index_name", metavar="NAME", help="Recommend from another index than the profile's."
)
@click.option("--include-liked", is_flag=True, help="Keep the tracks the profile was built from.")
@click.option("--json", "json_out", is_flag=True, help="Print the recommendations as JSON.")
def recommend_cmd(name, k, index_name, include_liked, json_out):
    """Recommend tracks from a profile; each says which prototypes drove it."""
    from rich.markup import escape

    from nlrec.profiles import load_profile, recommend

    profile = load_profile(name)
    index = _open_index(index_name or profile.index)
    t0 = time.perf_counter()
    hits = recommend(index, profile, k, include_liked=include_liked)
    if json_out:
        _echo_json([h.to_dict() for h in hits])
        return
    title = (
        f"[bold]profile {escape(profile.name)}[/]  [dim]{escape(index.name)} · "
        f"{(time.perf_counter() - t0) * 1000:.0f} ms · top: {escape(', '.join(d for d, _ in profile.ranked()[:4]))}[/]"
    )
    print_profile_hits(hits, title, query=False)


@profile_group.command("list")
@click.option("--json", "json_out", is_flag=True, help="Print as JSON.")
def list_cmd(json_out):
    """List the stored profiles."""
    from nlrec.profiles import list_profiles, profiles_dir

    items = list_profiles()
    if json_out:
        _echo_json(items)
        return
    if not items:
        _note(f"No profile in {profiles_dir()} yet. Build one with: nlrec profile build --help")
        return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=Text(f"Profiles in {profiles_dir()}"), title_justify="left")
    for col in ("name", "index", "prototypes", "top", "updated"):
        table.add_column(col)
    for p in items:
        if "error" in p:
            table.add_row(
                Text(p["name"]), "-", "-", Text(f"malformed: {p['error'].split(': ', 1)[-1]}", style="red"), "-"
            )
        else:
            table.add_row(
                Text(p["name"]), Text(p["index"]), str(p["prototypes"]), Text(", ".join(p["top"])),
                Text(p["updated_at"]),
            )
    _console().print(table)


@profile_group.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def rm_cmd(name, yes):
    """Delete a profile (also a malformed one)."""
    from nlrec.profiles import ProfileError, profile_path, remove_profile

    path = profile_path(name)
    if not path.is_file():
        raise ProfileError(f"no profile named {name!r} in {path.parent}")
    if not yes and not click.confirm(f"Delete profile {name!r} at {path}?", err=True):
        raise click.Abort()
    remove_profile(name)
    _note(f"Removed profile {name!r}.")


__all__ = ["print_profile", "print_profile_hits", "profile_group", "settings_given", "settings_options"]
