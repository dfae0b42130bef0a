"""Human-readable lines for the audio parts of a report (``tag``, ``index build/add`` with audio):
every skipped file with its reason, every file that looks truncated."""

from __future__ import annotations

from typing import Any

from nlrec.cli.ui import note

SHOWN = 50


def note_skipped_and_warnings(report: dict[str, Any]) -> None:
    """``skipped (reason): path - detail`` and ``warning: path: ...`` lines on stderr."""
    skipped = report.get("skipped_files") or []
    for s in skipped[:SHOWN]:
        detail = s.get("detail") or ""
        detail = detail.replace(str(s["path"]), "").lstrip(": ").strip()
        note(f"skipped ({s['reason']}): {s['path']}" + (f" - {detail}" if detail else ""))
    if len(skipped) > SHOWN:
        note(f"... and {len(skipped) - SHOWN} more skipped files (all of them in --json)")
    for w in (report.get("warnings") or [])[:SHOWN]:
        note(f"warning: {w['path']}: {'; '.join(w['warnings'])}")
