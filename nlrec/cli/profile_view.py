"""How ``nlrec profile`` and ``nlrec query --profile`` draw profiles and their recommendations
(on stderr; tab-separated hits on stdout when piped)."""

from __future__ import annotations

import sys
from typing import Any

import click

from nlrec.cli.ui import console as _console

BAR_WIDTH = 32


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
