from __future__ import annotations

import pytest

from nlrec.profiles import LikesError, read_likes


def test_plain_ids(tmp_path):
    p = tmp_path / "likes.txt"
    p.write_text("\ufefft1\n\n# comment\n t2 \nt1\n", encoding="utf-8")
    assert read_likes(p) == {"t1": 2.0, "t2": 1.0}


def test_history_csv_with_play_counts(tmp_path):
    p = tmp_path / "history.csv"
    p.write_text("Track_ID,Plays,title\nt1,12,a\nt2,3,b\nt1,1,a\n", encoding="utf-8")
    assert read_likes(p) == {"t1": 13.0, "t2": 3.0}
    p2 = tmp_path / "history.tsv"
    p2.write_text("song\tn\nt9\t4\n", encoding="utf-8")
    assert read_likes(p2, id_col="song", plays_col="n") == {"t9": 4.0}


def test_scrobble_log_counts_rows(tmp_path):
    p = tmp_path / "scrobbles.csv"
    p.write_text("id,timestamp\nt1,1\nt1,2\nt3,3\n", encoding="utf-8")
    assert read_likes(p) == {"t1": 2.0, "t3": 1.0}


@pytest.mark.parametrize("name, text, kwargs, message", [
    ("a.csv", "name,plays\nx,1\n", {}, "no track-id column"),
    ("a.csv", "id,plays\nx,many\n", {}, r"line 2: play count 'many' is not a number"),
    ("a.csv", "id,plays\nx,-2\n", {}, "must be a finite number >= 0"),
    ("a.csv", "id\nx\n", {"id_col": "track"}, r"no column 'track' \(--id-col\)"),
    ("a.txt", "# only a comment\n", {}, "no track id"),
    ("a.txt", "x\n", {"plays_col": "n"}, "apply to .csv and .tsv"),
])
def test_errors(tmp_path, name, text, kwargs, message):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    with pytest.raises(LikesError, match=message):
        read_likes(p, **kwargs)


def test_missing_and_binary(tmp_path):
    with pytest.raises(LikesError, match="not found"):
        read_likes(tmp_path / "nope.txt")
    p = tmp_path / "bin.txt"
    p.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(LikesError, match="not valid UTF-8"):
        read_likes(p)
