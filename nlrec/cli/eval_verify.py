"""``nlrec eval verify``: re-run the cheap recorded rows and fail on drift."""

from __future__ import annotations

import json
from pathlib import Path

import click

from nlrec.cli.eval import data_dir_option, data_dir_path, out_option
from nlrec.cli.ui import CONTEXT_SETTINGS, default_eval_dir
from nlrec.cli.ui import console as _console
from nlrec.cli.ui import interactive as _interactive
from nlrec.cli.ui import note as _note
from nlrec.cli.ui import progress as _progress


@click.command("verify", context_settings=CONTEXT_SETTINGS)
@click.option("--benchmark", "names", multiple=True,
              type=click.Choice(["mc", "mc_reco", "mc_human", "mtt", "msd", "mtt_valid", "msd_valid"]),
              help="Only these benchmarks (repeatable)  [default: every one with a recorded tfidf / bm25 row].")
@click.option("--quick", is_flag=True, help="Only the small set CI runs: mc bm25 + tfidf, mtt bm25, msd bm25.")
@click.option("--tolerance", type=click.FloatRange(0), default=0.1, show_default=True,
              help="Largest accepted change of a metric, in points (0-100 scale).")
@data_dir_option
@out_option
@click.option("--json", "json_out", is_flag=True, help="Print the verdicts as JSON.")
def eval_verify(names, quick, tolerance, data_dir, out_dir, json_out):
    """Re-run the recorded tfidf / bm25 rows and compare them with <out>/results/*.json.

    Exits with status 1, after a table of the differences, when a metric moved by more than
    --tolerance: the published table no longer says what the code gives. Regenerate the row
    (nlrec eval run ...) and the table (nlrec eval table). Nothing recorded is changed.

    \b
      nlrec eval verify --data-dir ../shared/data --quick
    """
    from nlrec.evaluation.verify import report_rows, verify

    out = Path(out_dir) if out_dir else default_eval_dir()

    def on_row(check) -> None:
        if json_out:
            return
        state = "ok" if check.ok else ("error" if check.error else f"DRIFT ({len(check.differences)})")
        _note(f"{check.row:<18} {state:<12} {check.compared} metrics compared in {check.seconds:.0f} s")

    with _progress(_interactive(json_out), "verify") as update:
        checks = verify(out / "results", data_dir_path(data_dir), benchmarks=names or None, quick=quick,
                        tolerance=tolerance, on_row=on_row, progress=update)
    bad = [c for c in checks if not c.ok]
    if json_out:
        click.echo(json.dumps({"ok": not bad, "tolerance": tolerance, "rows": report_rows(checks)}, indent=2))
    elif bad:
        from rich.table import Table

        table = Table(title=f"Recorded results that no longer hold (tolerance {tolerance:g})", title_justify="left")
        for col in ("row", "metric", "recorded", "now", "change"):
            table.add_column(col, justify="right" if col in ("recorded", "now", "change") else "left")
        for c in bad:
            if c.error:
                table.add_row(c.row, "error", "", "", c.error[:60])
            for d in c.differences:
                table.add_row(c.row, d.metric, f"{d.recorded:.2f}", f"{d.now:.2f}", f"{d.delta:+.2f}")
        _console().print(table)
        _note("Regenerate the rows with nlrec eval run (the 'command' field of each JSON), then nlrec eval table.")
    else:
        _note(f"All {len(checks)} rows hold within {tolerance:g}.")
    if bad:
        raise SystemExit(1)
