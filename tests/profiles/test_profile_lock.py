"""Concurrent profile writers never lose an adjustment (issue 14, item 4)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from click.testing import CliRunner

from nlrec.cli import cli
from nlrec.profiles import Profile, adjust_profile, load_profile, save_profile


def _seed() -> None:
    save_profile(Profile(name="p", index="nowhere", weights={"jazz": 0.1, "rock": 0.1}))


def test_two_processes_adjusting_one_profile_lose_nothing(nlrec_home):
    _seed()
    script = textwrap.dedent("""
        import sys
        from nlrec.profiles import adjust_profile
        for _ in range(10):
            adjust_profile("p", more=[sys.argv[1]])
    """)
    env = {**os.environ, "NLREC_HOME": str(nlrec_home)}
    procs = [subprocess.Popen([sys.executable, "-c", script, d], env=env, stderr=subprocess.PIPE, text=True)
             for d in ("jazz", "rock")]
    errs = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errs
    p = load_profile("p")
    assert round(p.weights["jazz"], 6) == round(0.1 + 10 * 0.2, 6)
    assert round(p.weights["rock"], 6) == round(0.1 + 10 * 0.2, 6)
    assert len(p.history) == 20


def test_cli_adjust_goes_through_the_lock(nlrec_home):
    _seed()
    result = CliRunner().invoke(cli, ["profile", "adjust", "p", "--more", "jazz", "--json"])
    assert result.exit_code == 0, result.output
    adjust_profile("p", less=["jazz"])
    assert round(load_profile("p").weights["jazz"], 6) == round((0.1 + 0.2) * 0.5, 6)
