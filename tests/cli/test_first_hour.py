"""Small things a newcomer meets in the first hour (issue 24): a mistyped --model refused before
anything is loaded, a removal matching no id writes nothing, a mute reported as a mute, and a
filler word that belongs to a descriptor of the catalog not reported as ignored."""

from __future__ import annotations

from types import SimpleNamespace

from click.testing import CliRunner

from nlrec.catalog import Catalog
from nlrec.cli import cli
from nlrec.cli.profile import _change_text
from nlrec.cli.query import _ignored_filler
from nlrec.index import build_index
from nlrec.index.store import Index


def test_mistyped_model_refused_before_loading(tmp_path, tiny_catalog_file, monkeypatch):
    import nlrec.index.build

    def boom(*a, **k):
        raise AssertionError("the sparse side was built (seconds) before --model was checked")

    monkeypatch.setattr(nlrec.index.build, "document_retrievers", boom)
    res = CliRunner().invoke(cli, ["index", "build", "--catalog", str(tiny_catalog_file), "--name", "x",
                                   "--model", "minlm"])
    assert res.exit_code == 1
    assert "did you mean 'minilm'" in res.output


def test_build_help_names_the_real_default():
    res = CliRunner().invoke(cli, ["index", "build", "--help"])
    assert "music-minilm" in res.output and "(packaged all-MiniLM-L6-v2)" not in res.output


def test_remove_matching_no_id_writes_no_generation(tiny_tracks, fake_encoder):
    build_index(Catalog.from_records(tiny_tracks), "r", encoder=fake_encoder, onnx=False)
    before = Index.open("r").generation
    res = CliRunner().invoke(cli, ["index", "remove", "r", "nope", "nada"])
    assert res.exit_code == 0, res.output
    assert "unchanged" in res.output and "nope" in res.output
    assert Index.open("r").generation == before


def test_mute_reported_as_a_mute():
    assert _change_text({"op": "mute", "descriptor": "metal", "before": 0.0, "after": 0.0}) == (
        "muted metal (it had no weight; tracks carrying it are demoted)")
    assert "weight 0.120 removed" in _change_text({"op": "mute", "descriptor": "jazz", "before": 0.12, "after": 0})
    assert _change_text({"op": "less", "descriptor": "female vocal", "before": 0.052, "after": 0.026}) == (
        "less female vocal 0.052 -> 0.026")


def test_filler_inside_a_catalog_descriptor_is_not_ignored():
    index = SimpleNamespace(documents=["new age, sleep music, drone", "rock, loud"])
    assert _ignored_filler(index, ("music",), "sleep music") == []
    assert _ignored_filler(index, ("music",), "calm music") == ["music"]
    assert _ignored_filler(index, ("any suggestions", "music"), "any suggestions sleep music") == ["any suggestions"]
