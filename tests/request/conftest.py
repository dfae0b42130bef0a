"""Fixtures for request understanding: a small name index, and the shared data directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlrec.request.names import NameIndex

NAMES = [
    {"id": "a1", "artist": "Portishead", "title": "Glory Box", "album": "Dummy"},
    {"id": "a2", "artist": "Daft Punk", "title": "Digital Love", "album": "Discovery"},
    {"id": "a3", "artist": "Johnny Cash", "title": "Wayfaring Stranger", "album": "American III"},
    {"id": "a4", "artist": "Asking Alexandria", "title": "Into the Fire"},
    {"id": "a5", "artist": "Led Zeppelin", "title": "No Quarter", "album": "Houses of the Holy"},
    {"id": "a6", "artist": "Cold", "title": "Stupid Girl"},
    {"id": "a7", "artist": "Ghost", "title": "Square Hammer"},
    {"id": "a8", "artist": "Beyoncé", "title": "Halo"},
    {"id": "a9", "artist": "The Beatles", "title": "Yesterday"},
    {"id": "a10", "artist": "Lush", "title": "Ladykillers"},
    {"id": "a11", "artist": "Radiohead", "title": "No Surprises", "album": "OK Computer"},
    {"id": "a12", "artist": "AC/DC", "title": "Thunderstruck"},
    {"id": "a13", "artist": "Drake", "title": "Sneakin'"},
    {"id": "a14", "artist": "Radiohead", "title": "Creep", "album": "Pablo Honey"},
    {"id": "a15", "artist": "Massive Attack", "title": "Teardrop", "album": "Mezzanine"},
]
VOCAB = ["ambient", "rock", "electronic", "punk", "trip hop", "portugues"]


@pytest.fixture(scope="session")
def names() -> NameIndex:
    return NameIndex.build(NAMES, vocabulary=VOCAB)


@pytest.fixture(scope="session")
def more_names() -> NameIndex:
    """:data:`NAMES` and names holding cue words and commas, and a title after "play"."""
    extra = [
        {"id": "b1", "artist": "Boys Like Girls", "title": "Love Drunk"},
        {"id": "b2", "artist": "Bob Marley", "title": "No Woman, No Cry"},
        {"id": "b3", "artist": "Seafret", "title": "Paper Crowns"},
    ]
    return NameIndex.build(NAMES + extra, vocabulary=VOCAB)


@pytest.fixture(scope="session")
def data_dir(shared_data) -> Path:
    """The shared data directory (tests using it are marked ``data``)."""
    return shared_data
