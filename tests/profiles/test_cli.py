from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import run, run_json


def assert_one_line_error(result, pattern, code=1):
    import re

    assert result.exit_code == code, (result.exit_code, result.output, result.stderr)
    err = result.stderr.strip()
    assert "Traceback" not in result.output + result.stderr
    if code == 1:
        assert len(err.splitlines()) == 1 and err.startswith("Error: "), err
    assert re.search(pattern, err), err


@pytest.fixture
def built(tiny_index, likes_file):
    return run_json("profile", "build", "me", "--index", "tiny", "--likes", str(likes_file), "--top-m", "4")


def test_build_show_list(built, nlrec_home, likes_file):
    p = built["profile"]
    assert built["report"]["matched"] == 2 and built["report"]["path"] == str(nlrec_home / "profiles" / "me.json")
    assert p["name"] == "me" and p["index"] == "tiny" and len(p["weights"]) == 4
    assert p["likes"] == {"t2": 2.0, "t7": 1.0} and p["settings"]["top_m"] == 4
    assert run_json("profile", "show", "me") == p
    shown = run("profile", "show", "me")
    assert shown.exit_code == 0 and "█" in shown.stderr and list(p["weights"])[0] in shown.stderr
    listed = run_json("profile", "list")
    assert [x["name"] for x in listed] == ["me"] and listed[0]["prototypes"] == 4
    again = run("profile", "build", "me", "--index", "tiny", "--likes", str(likes_file))
    assert_one_line_error(again, "already exists.*--force")
    forced = run_json("profile", "build", "me", "--index", "tiny", "--likes", str(likes_file), "--force")
    assert forced["profile"]["settings"]["top_m"] == 12  # the defaults again
    assert run_json("profile", "show", "me") == forced["profile"]


def test_build_from_history_csv_and_errors(tiny_index, tmp_path):
    csv = tmp_path / "history.csv"
    csv.write_text("track_id,plays\nt3,40\nt8,2\nghost,5\n", encoding="utf-8")
    r = run("profile", "build", "loud", "--index", "tiny", "--likes", str(csv), "--json")
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["report"]["unknown_ids"] == ["ghost"] and "1 of 3 liked id(s) are not tracks" in r.stderr
    assert set(out["profile"]["likes"]) == {"t3", "t8"}
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("heavy metal\nsynth\n", encoding="utf-8")
    v = run_json("profile", "build", "v", "--index", "tiny", "--likes", str(csv), "--vocabulary", str(vocab))
    assert v["profile"]["vocabulary"] == ["heavy metal", "synth"]
    assert_one_line_error(run("profile", "build", "x", "--index", "nope", "--likes", str(csv)), "no index named 'nope'")
    ghosts = tmp_path / "ghosts.txt"
    ghosts.write_text("g1\ng2\n")
    assert_one_line_error(run("profile", "build", "x", "--index", "tiny", "--likes", str(ghosts)), "none of the 2 liked id")
    assert_one_line_error(run("profile", "build", "bad/name", "--index", "tiny", "--likes", str(csv)), "invalid profile name")
    assert_one_line_error(run("profile", "build", "x", "--index", "tiny", "--likes", str(tmp_path / "no.txt")), "likes file not found")


def test_adjust(built):
    top = list(built["profile"]["weights"])[0]
    out = run_json("profile", "adjust", "me", "--more", "jazz", "--less", top, "--mute", "Heavy Metal",
                   "--set", "synth=0.4")
    w = out["profile"]["weights"]
    assert w["jazz"] == pytest.approx(built["profile"]["weights"].get("jazz", 0) + 0.2)
    assert w[top] == pytest.approx(built["profile"]["weights"][top] / 2, abs=1e-6) and w["synth"] == 0.4
    assert out["profile"]["muted"] == ["heavy metal"] and "heavy metal" not in w
    assert [c["op"] for c in out["changes"]] == ["set", "more", "less", "mute"]
    assert run_json("profile", "show", "me") == out["profile"]
    table = run("profile", "adjust", "me", "--more", "synth")
    assert table.exit_code == 0 and "more synth 0.400 -> 0.600" in table.stderr and "muted: heavy metal" in table.stderr


def test_adjust_errors_leave_the_file_untouched(built, nlrec_home):
    path = nlrec_home / "profiles" / "me.json"
    before = path.read_text()
    r = run("profile", "adjust", "me", "--more", "jaz")
    assert_one_line_error(r, r"unknown descriptor 'jaz'; close matches: 'jazz'")
    r = run("profile", "adjust", "me", "--mute", "solo pianos")
    assert_one_line_error(r, r"close matches: 'solo piano'")
    assert_one_line_error(run("profile", "adjust", "me", "--set", "jazz=lots"), r"'lots' is not a number", code=2)
    assert_one_line_error(run("profile", "adjust", "me", "--set", "jazz"), "DESCRIPTOR=WEIGHT", code=2)
    assert_one_line_error(run("profile", "adjust", "me"), "at least one of --more", code=2)
    assert_one_line_error(run("profile", "adjust", "me", "--more", "jazz", "--mute", "jazz"), "both --more and --mute")
    assert_one_line_error(run("profile", "adjust", "nobody", "--more", "jazz"), "no profile named 'nobody'.*known profiles: me")
    assert path.read_text() == before
    path.write_text(before.replace('"weights": {', '"weights": {"jazz": -2, '))
    broken = path.read_text()
    r = run("profile", "adjust", "me", "--more", "jazz")
    assert_one_line_error(r, r"profile 'me' .* is malformed: weights\['jazz'\] must be a finite number >= 0")
    assert path.read_text() == broken
    assert_one_line_error(run("profile", "show", "me"), "is malformed")
    assert_one_line_error(run("profile", "recommend", "me"), "is malformed")
    assert "malformed" in run_json("profile", "list")[0]["error"]
    path.write_text("{oops")
    assert_one_line_error(run("profile", "show", "me"), r"not valid JSON \(.*line 1, column 2\)")
    assert path.read_text() == "{oops"


def test_recommend(built):
    hits = run_json("profile", "recommend", "me", "-k", "3")
    assert [h["rank"] for h in hits] == [1, 2, 3] and not {"t2", "t7"} & {h["id"] for h in hits}
    for h in hits:
        assert h["because"] and all(set(b) == {"descriptor", "contribution", "carried"} for b in h["because"])
        assert h["because"][0]["descriptor"] in built["profile"]["weights"]
    assert "t2" in {h["id"] for h in run_json("profile", "recommend", "me", "-k", "8", "--include-liked")}
    table = run("profile", "recommend", "me", "-k", "2")
    assert table.exit_code == 0 and "because" in table.stderr
    assert len(table.stdout.strip().splitlines()) == 2  # TSV when stdout is not a terminal
    assert_one_line_error(run("profile", "recommend", "ghost"), "no profile named 'ghost'")
    run_json("profile", "adjust", "me", *[x for d in built["profile"]["weights"] for x in ("--mute", d)])
    assert_one_line_error(run("profile", "recommend", "me"), "no weight left")


def test_query_with_profile(built):
    plain = run_json("query", "calm piano", "--index", "tiny", "--mode", "dense", "-k", "8")["hits"]
    zero = run_json("query", "calm piano", "--index", "tiny", "--mode", "dense", "-k", "8",
                    "--profile", "me", "--profile-weight", "0")["hits"]
    assert [h["id"] for h in zero] == [h["id"] for h in plain]
    blended = run_json("query", "calm piano", "--profile", "me", "-k", "3")["hits"]  # the profile's index by default
    assert len(blended) == 3 and all("because" in h and "query_score" in h for h in blended)
    table = run("query", "calm piano", "--profile", "me", "-k", "2")
    assert table.exit_code == 0 and "profile me" in table.stderr
    assert_one_line_error(run("query", "calm", "--index", "tiny", "--profile-weight", "0.5"), "needs --profile", code=2)
    assert_one_line_error(run("query", "calm", "--profile", "me", "--profile-weight", "2"), "profile-weight", code=2)
    assert_one_line_error(run("query", "calm", "--profile", "nobody"), "no profile named 'nobody'")


def test_rm(built, nlrec_home):
    assert_one_line_error(run("profile", "rm", "ghost", "-y"), "no profile named 'ghost'")
    r = run("profile", "rm", "me", input="n\n")
    assert r.exit_code == 1 and (nlrec_home / "profiles" / "me.json").exists()
    r = run("profile", "rm", "me", "-y")
    assert r.exit_code == 0 and not (nlrec_home / "profiles" / "me.json").exists()
    assert run_json("profile", "list") == []


@pytest.mark.parametrize("args", [["profile", "--help"], ["profile", "list"], ["eval", "profiles", "--help"]])
def test_light_profile_commands_do_not_import_torch(args, nlrec_home):
    code = (
        "import sys\nfrom nlrec.cli import cli\n"
        f"try:\n    cli({args!r})\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'faiss', 'sklearn', 'transformers') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "HEAVY=\n" in out.stdout, out.stdout + out.stderr
