"""``nlrec profile``: build, show, adjust and use taste profiles; ``nlrec eval profiles``.

Data (``--json``) goes to stdout; bar charts, tables and messages go to stderr. Heavy libraries
are imported inside the commands.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import click

from nlrec.cli.ui import CONTEXT_SETTINGS
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import echo_json as _echo_json
from nlrec.cli.ui import note as _note

BAR_WIDTH = 32


def _open_index(name: str) -> Any:
    from nlrec.index import Index

    return Index.open(name)


def print_profile(profile: Any, title: str | None = None) -> None:
    """A bar chart of a profile's weights on stderr (every stored string shown as plain text)."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    shares = profile.shares()
    top = max(shares.values(), default=1.0) or 1.0
    table = Table(
        title=title
        or f"[bold]{escape(profile.name)}[/]  [dim]index {escape(profile.index)} · "
        f"{len(profile.weights)} prototypes · updated {escape(profile.updated_at)}[/]",
        title_justify="left",
        show_edge=False,
        box=None,
        pad_edge=False,
    )
    table.add_column("prototype", style="bold")
    table.add_column("", no_wrap=True)
    table.add_column("weight", justify="right")
    table.add_column("share", justify="right", style="dim")
    for d, w in profile.ranked():
        bar = "█" * max(1, int(round(BAR_WIDTH * shares[d] / top)))
        table.add_row(Text(d), Text(bar, style="green"), f"{w:.3f}", f"{100 * shares[d]:.0f}%")
    console = _console()
    if profile.weights:
        console.print(table)
    else:
        console.print(Text(
            f"Profile {profile.name!r} has no weight left (raise one with: nlrec profile adjust "
            f"{profile.name} --more DESCRIPTOR)."
        ))
    if profile.muted:
        penalty = profile.settings.mute_penalty
        note = f" (tracks carrying one lose {penalty:g} of score)" if penalty > 0 else ""
        console.print(Text("muted: " + ", ".join(profile.muted) + note, style="red"))


def _because(hit: Any) -> str:
    return ", ".join(
        f"{r.descriptor}{'' if r.carried else '~'} {r.contribution:.2f}" for r in hit.because
    )


def print_profile_hits(hits: list[Any], title: str, *, query: bool) -> None:
    """A table of profile recommendations (with their reasons) on stderr; TSV on stdout when piped."""
    from rich.table import Table
    from rich.text import Text

    console = _console()
    if not hits:
        console.print("No recommendation.")
        return
    table = Table(
        title=title,
        title_justify="left",
        expand=False,
        caption="because: prototype and its share of the profile score (~ = similar, not carried; "
        "negative = muted descriptor carried)",
        caption_justify="left",
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("score", justify="right")
    table.add_column("track", overflow="fold", max_width=36)
    table.add_column(
        "descriptors" + (" (matched in bold)" if query else " (in the profile in bold)"),
        overflow="fold",
    )
    table.add_column("because", overflow="fold", max_width=40)
    for h in hits:
        name = Text(h.title or h.id, style="bold")
        if h.artist:
            name.append(f"\n{h.artist}", style="cyan")
        desc = Text()
        matched = set(h.matched)
        for i, d in enumerate(h.descriptors):
            desc.append(", " if i else "")
            desc.append(d, style="bold green" if d in matched else "")
        table.add_row(str(h.rank), f"{h.score:.3f}", name, desc, Text(_because(h)))
    console.print(table)
    if not sys.stdout.isatty():
        for h in hits:
            label = " - ".join(x for x in (h.title, h.artist) if x)
            click.echo(
                f"{h.rank}\t{h.score:.4f}\t{h.id}\t{label}\t{', '.join(h.descriptors)}\t{_because(h)}"
            )


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
    from nlrec.errors import IndexFileError
    from nlrec.profiles.recommend import IndexProfiles
    from nlrec.profiles.store import adjust_profile, load_profile

    if not (more or less or mute or set_):
        raise click.UsageError("give at least one of --more, --less, --mute or --set")
    values = _parse_set(set_)
    known: set[str] = set()
    try:
        known = IndexProfiles(_open_index(load_profile(name).index)).known()
    except IndexFileError as e:
        _note(f"warning: {e}; only the profile's own prototypes can be named")
    # read-modify-write under the profile's lock: concurrent adjustments never lose a change
    new, changes, notes = adjust_profile(name, known=known, more=more, less=less, mute=mute, set_=values)
    for n in notes:
        _note(f"note: {n}")
    if json_out:
        _echo_json({"profile": new.to_dict(), "changes": changes, "notes": notes})
        return
    print_profile(new)
    _note(
        "Adjusted: "
        + "; ".join(
            f"{c['op']} {c['descriptor']} {c['before']:.3f} -> {c['after']:.3f}" for c in changes
        )
    )


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


# --------------------------------------------------------------------------- eval profiles
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
    from nlrec.io import write_json
    from nlrec.paths import cache_dir
    from nlrec.paths import data_dir as resolve_data_dir
    from nlrec.profiles.evaluate import ProtocolConfig, evaluate_profiles
    from nlrec.profiles.report import results_path, write_report

    out = Path(out_dir) if out_dir else _default_out()
    settings = settings_given(
        vocab_size=vocab_size, top_m=top_m, temperature=temperature, lexical=lexical, blend=blend,
        specificity=specificity, mute_penalty=mute_penalty,
    )
    config = ProtocolConfig(n_dev=n_dev, n_test=n_test, holdout=holdout, seed=seed, k=k)
    root = resolve_data_dir(data_dir)
    interactive = not json_out and sys.stderr.isatty()
    with _progress(interactive, f"profiles · {dataset}") as update:
        result = evaluate_profiles(
            dataset,
            root,
            model=model,
            settings=settings,
            config=config,
            cache_dir=(cache_dir() / "profiles-eval") if cache else None,
            batch_size=batch_size,
            progress=update,
        )
    result["command"] = _command_line(click.get_current_context())
    path = results_path(out, dataset)
    write_json(path, result)
    report = write_report(out)
    if json_out:
        _echo_json(result)
        return
    r, nd = result[f"recall@{k}"], result[f"ndcg@{k}"]
    _note(
        f"{dataset}: boost success {result['boost_success']}% (mean change {result['boost_mean_change']} points), "
        f"mute selectivity {result['mute_selectivity']}, Recall@{k} {r['profile']} vs baseline {r['baseline']}, "
        f"nDCG@{k} {nd['profile']} vs {nd['baseline']} [{result['test']['listeners']} listeners, "
        f"{result['timing']['total_seconds']:.0f} s]"
    )
    _note(f"Wrote {path} and {report}.")


def _command_line(ctx: click.Context) -> str:
    """The command as typed: its name and the options given on the command line."""
    import shlex

    from click.core import ParameterSource

    words = ["nlrec", "eval", "profiles"]
    for param in ctx.command.params:
        if ctx.get_parameter_source(param.name) not in (
            ParameterSource.COMMANDLINE,
            ParameterSource.ENVIRONMENT,
        ):
            continue
        value = ctx.params[param.name]
        flag = max(param.opts, key=len)
        if isinstance(param, click.Option) and param.is_flag:
            if param.secondary_opts and not value:
                flag = max(param.secondary_opts, key=len)
            elif not value:
                continue
            words.append(flag)
        else:
            words += [flag, shlex.quote(str(value))]
    return " ".join(words)


def _default_out() -> Path:
    from nlrec.paths import repo_root

    root = repo_root()
    return root / "eval" if root is not None else Path("eval")


class _progress:
    """A rich progress bar on stderr (a context manager yielding ``update`` or None)."""

    def __init__(self, enabled: bool, description: str) -> None:
        self.enabled, self.description, self._bar = enabled, description, None

    def __enter__(self) -> Any:
        if not self.enabled:
            return None
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=_console(),
            transient=True,
        )
        self._bar.__enter__()
        task = self._bar.add_task(self.description, total=None)

        def update(stage: str, done: int, total: int) -> None:
            self._bar.update(
                task, description=f"{self.description}: {stage}", completed=done, total=total
            )

        return update

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
