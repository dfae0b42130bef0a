from __future__ import annotations

import pytest

from nlrec.errors import NlrecError
from nlrec.training.config import GPLConfig, apply_overrides, load_config, parse_set_options


def test_defaults_without_file():
    c = load_config(None)
    assert isinstance(c, GPLConfig) and c.student.base == "default" and c.negatives.retrievers == ["dense", "bm25"]


def test_toml_then_overrides(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('run_dir = "x"\nseed = 3\n[student]\nsteps = 7\nlr = 1e-5\n[queries]\nwhole_captions = false\n'
                    '[negatives]\nretrievers = ["bm25"]\n')
    c = load_config(path, {"student.steps": "11", "seed": 5, "queries.whole_captions": "true",
                           "negatives.retrievers": "dense,bm25"})
    assert (c.run_dir, c.seed, c.student.steps, c.student.lr) == ("x", 5, 11, 1e-5)
    assert c.queries.whole_captions is True and c.negatives.retrievers == ["dense", "bm25"]


def test_the_shipped_recipe_loads():
    from nlrec.paths import repo_root

    c = load_config(repo_root() / "gpl" / "configs" / "musiccaps.toml")
    assert c.data.dataset == "musiccaps" and c.student.steps > 0 and c.teacher.steps > 0
    assert c.student.base == "music-minilm"  # GPL adapts the shipped supervised model
    for name in ("musiccaps-from-scratch.toml", "finetune.toml"):
        c = load_config(repo_root() / "gpl" / "configs" / name)
        assert c.student.base == "default" and c.student.lr == 5e-5


@pytest.mark.parametrize("bad", [{"student.stepz": 1}, {"nope.steps": 1}, {"student.steps": "many"},
                                 {"queries.captions": "maybe"}, {"student": 1}])
def test_bad_overrides_are_refused(bad):
    with pytest.raises(NlrecError):
        apply_overrides(GPLConfig(), bad)


def test_bad_files(tmp_path):
    with pytest.raises(NlrecError, match="not found"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "a.toml").write_text("[studnet]\nsteps = 1\n")
    with pytest.raises(NlrecError, match="unknown section"):
        load_config(tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text("steps = = 1\n")
    with pytest.raises(NlrecError, match="cannot read"):
        load_config(tmp_path / "b.toml")


def test_parse_set_options():
    assert parse_set_options(["a.b=1", "c = x=y"]) == {"a.b": "1", "c": "x=y"}
    with pytest.raises(NlrecError):
        parse_set_options(["novalue"])
