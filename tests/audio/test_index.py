"""Indexing an audio folder: audio-derived descriptors marked as such, 'sounds like' embeddings
stored in the index and verified, similar --by audio | both."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from nlrec.cli import cli


def test_index_build_from_an_audio_folder(audio_folder, tiny_model):
    runner = CliRunner()
    r = runner.invoke(cli, ["index", "build", "--audio-dir", str(audio_folder), "--name", "tunes",
                            "--model", str(tiny_model), "--windows", "2", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] >= 2 and report["files_per_second"] > 0
    from nlrec.index import Index, verify_files

    idx = Index.open("tunes")
    assert any(rel.startswith("audio/") for rel in idx.manifest.files)
    verify_files(idx.path, idx.manifest, full=True)
    audio_made = [t for t in idx.tracks if t.metadata.get("descriptor_source") == "audio"]
    assert audio_made and all(t.metadata["audio"]["descriptors"] for t in audio_made)
    first = idx.tracks[0].id
    for by in ("audio", "both", "descriptors"):
        r = runner.invoke(cli, ["similar", first, "--index", "tunes", "--by", by, "-k", "2", "--json"])
        assert r.exit_code == 0, r.output
        out = json.loads(r.stdout)
        assert out["reference"]["by"] == by and first not in [h["id"] for h in out["hits"]]


def test_audio_similarity_needs_audio_embeddings(tiny_tracks, tiny_model):
    from nlrec.catalog import Catalog
    from nlrec.errors import NlrecError
    from nlrec.index import build_index
    from nlrec.search.similar import similar

    idx = build_index(Catalog.from_records(tiny_tracks), "plain", model=str(tiny_model))
    with pytest.raises(NlrecError, match="no audio embeddings"):
        similar(idx, "t1", by="audio")


def test_index_add_new_audio_files(audio_folder, tiny_model, synth):
    runner = CliRunner()
    r = runner.invoke(cli, ["index", "build", "--audio-dir", str(audio_folder), "--name", "tunes",
                            "--model", str(tiny_model), "--windows", "2", "--json"])
    assert r.exit_code == 0, r.output
    before = json.loads(r.stdout)["tagged"]
    synth.write(audio_folder / "late.wav", synth.tone(4.0, freq=880.0))
    r = runner.invoke(cli, ["index", "add", "tunes", "--audio-dir", str(audio_folder), "--windows", "2", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    assert report["tagged"] == 1 and report["already_indexed"] >= before and report["added"] == 1
    from nlrec.audio.embeddings import AudioEmbeddings
    from nlrec.index import Index, verify_files

    with Index.open("tunes") as idx:
        verify_files(idx.path, idx.manifest, full=True)
        emb = AudioEmbeddings.load(idx.path)
        assert len(emb.ids) == before + 1 and all(idx.row_of(i) is not None for i in emb.ids)
    r = runner.invoke(cli, ["index", "add", "tunes", "--audio-dir", str(audio_folder)])
    assert r.exit_code == 1 and "no readable new audio file" in r.output  # only the skipped files are left
