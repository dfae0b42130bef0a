from __future__ import annotations

import json

import pytest

from nlrec.profiles import (
    Profile,
    ProfileError,
    ProfileSettings,
    list_profiles,
    load_profile,
    profile_path,
    remove_profile,
    resolve_descriptor,
    save_profile,
)
from nlrec.profiles.profile import LESS_FACTOR, MORE_STEP
from nlrec.profiles.store import update_profile


def make_profile(**kw) -> Profile:
    base = dict(name="alice", index="tiny", weights={"jazz": 0.5, "piano": 0.3, "calm": 0.2},
                vocabulary=["jazz", "piano", "calm", "metal", "female vocal", "solo piano"],
                likes={"t2": 2.0, "t7": 1.0}, created_at="2025-01-01T00:00:00+00:00",
                updated_at="2025-01-01T00:00:00+00:00")
    base.update(kw)
    return Profile(**base)


def test_json_round_trip_is_exact():
    p = make_profile(muted=["metal"], settings=ProfileSettings(top_m=7, temperature=0.05))
    p2, _, _ = p.adjusted(more=["calm"], set_={"piano": 0.4})
    for prof in (p, p2):
        text = prof.to_json()
        back = Profile.from_json(text)
        assert back == prof
        assert back.to_json() == text


def test_save_load_round_trip_and_never_overwrite(nlrec_home):
    p = make_profile()
    path = save_profile(p)
    assert path == nlrec_home / "profiles" / "alice.json"
    assert load_profile("alice") == p
    before = path.read_text()
    with pytest.raises(ProfileError, match="already exists.*--force"):
        save_profile(make_profile(weights={"metal": 1.0}))
    assert path.read_text() == before
    save_profile(make_profile(weights={"metal": 1.0}), overwrite=True)
    assert load_profile("alice").weights == {"metal": 1.0}
    assert not list(path.parent.glob(".*.tmp"))  # atomic write left no temporary file


@pytest.mark.parametrize("edit, message", [
    (lambda d: "{not json", r"not valid JSON \(.* at line 1, column 2\)"),
    (lambda d: {**d, "format": "other"}, r'"format" must be'),
    (lambda d: {**d, "version": 9}, r'"version" 9 is not supported'),
    (lambda d: {**d, "wieghts": {}}, r"unknown key\(s\) 'wieghts'"),
    (lambda d: {k: v for k, v in d.items() if k != "weights"}, r"missing 'weights'"),
    (lambda d: {**d, "weights": {"jazz": -1}}, r"weights\['jazz'\] must be a finite number >= 0, got -1"),
    (lambda d: {**d, "weights": {"jazz": "lots"}}, r"weights\['jazz'\] must be a finite number"),
    (lambda d: {**d, "weights": {"jazz": 0.5, "Jazz": 0.1}}, r"'Jazz' appears twice"),
    (lambda d: {**d, "weights": [1, 2]}, r'"weights" must be an object'),
    (lambda d: {**d, "muted": ["jazz"]}, r"'jazz' both muted and weighted"),
    (lambda d: {**d, "settings": {"top_m": 0}}, r"top_m must be an integer >= 1"),
    (lambda d: {**d, "settings": {"lexical": 2}}, r"lexical must be a number in \[0, 1\]"),
    (lambda d: {**d, "settings": {"speed": 1}}, r"unknown setting\(s\) 'speed'"),
    (lambda d: {**d, "likes": {"t1": -3}}, r'"likes" must map'),
    (lambda d: {**d, "name": "bob"}, r"names itself 'bob'"),
    (lambda d: [1, 2], r"expected a JSON object"),
])
def test_malformed_files_get_a_clear_error_and_stay_untouched(nlrec_home, edit, message):
    path = save_profile(make_profile())
    broken = edit(json.loads(path.read_text()))
    text = broken if isinstance(broken, str) else json.dumps(broken)
    path.write_text(text)
    with pytest.raises(ProfileError, match=message) as e:
        load_profile("alice")
    assert str(path) in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(ProfileError, match="already exists"):
        save_profile(make_profile())
    assert path.read_text() == text
    listed = list_profiles()
    assert listed[0]["name"] == "alice" and "error" in listed[0]


def test_duplicate_json_keys_are_refused(nlrec_home):
    path = save_profile(make_profile())
    path.write_text(path.read_text().replace('"index": "tiny"', '"index": "tiny", "index": "other"'))
    with pytest.raises(ProfileError, match="key 'index' appears twice"):
        load_profile("alice")


def test_missing_profile_lists_known_ones(nlrec_home):
    save_profile(make_profile())
    with pytest.raises(ProfileError, match="no profile named 'bob'.*known profiles: alice"):
        load_profile("bob")
    with pytest.raises(ProfileError, match="invalid profile name"):
        load_profile("../etc/passwd")


def test_update_refuses_a_file_changed_meanwhile(nlrec_home):
    path = save_profile(make_profile())
    original = path.read_text()
    new, _, _ = load_profile("alice").adjusted(more=["jazz"])
    path.write_text(original.replace("0.5", "0.55"))
    with pytest.raises(ProfileError, match="changed on disk"):
        update_profile(new, expected_text=original)
    update_profile(new, expected_text=path.read_text())
    assert load_profile("alice").weights["jazz"] == pytest.approx(0.5 + MORE_STEP)


def test_adjust_more_less_mute_set():
    p = make_profile()
    new, changes, notes = p.adjusted(more=["Jazz", "metal"], less=["piano"], mute=["calm"], set_={"solo piano": 0.4})
    assert new.weights == {"jazz": 0.5 + MORE_STEP, "metal": MORE_STEP, "piano": 0.3 * LESS_FACTOR, "solo piano": 0.4}
    assert new.muted == ["calm"] and not notes
    assert [(c["op"], c["descriptor"]) for c in changes] == [
        ("set", "solo piano"), ("more", "jazz"), ("more", "metal"), ("less", "piano"), ("mute", "calm")]
    assert new.history[-5:] == changes and p.weights["jazz"] == 0.5  # the original is untouched
    again, _, _ = new.adjusted(more=["calm"])
    assert again.muted == [] and again.weights["calm"] == MORE_STEP
    zero, _, _ = new.adjusted(set_={"jazz": 0})
    assert "jazz" not in zero.weights and "jazz" not in zero.muted
    _, _, notes = p.adjusted(less=["metal"], mute=["female vocal"])
    assert any("--less changed nothing" in n for n in notes) and any("recorded as muted" in n for n in notes)


def test_adjust_errors():
    p = make_profile()
    with pytest.raises(ProfileError, match=r"unknown descriptor 'jaz'; close matches: 'jazz'"):
        p.adjusted(more=["jaz"])
    with pytest.raises(ProfileError, match=r"unknown descriptor 'female vocals'; close matches: 'female vocal'"):
        p.adjusted(less=["female vocals"])
    with pytest.raises(ProfileError, match="no close match"):
        p.adjusted(mute=["zydeco"])
    with pytest.raises(ProfileError, match="both --more and --mute"):
        p.adjusted(more=["jazz"], mute=["jazz"])
    with pytest.raises(ProfileError, match=r"a number in \[0, 10\]"):
        p.adjusted(set_={"jazz": -0.1})
    with pytest.raises(ProfileError, match=r"a number in \[0, 10\]"):
        p.adjusted(set_={"jazz": 1e9})  # bounded (issue 22)
    assert resolve_descriptor("  Solo   PIANO ", {"solo piano"}) == "solo piano"


def test_list_and_remove(nlrec_home):
    assert list_profiles() == []
    save_profile(make_profile())
    save_profile(make_profile(name="bob", weights={"metal": 1.0}))
    listed = list_profiles()
    assert [p["name"] for p in listed] == ["alice", "bob"] and listed[0]["top"] == ["jazz", "piano", "calm"]
    remove_profile("bob")
    assert not profile_path("bob").exists()
    with pytest.raises(ProfileError, match="no profile named 'bob'"):
        remove_profile("bob")
