"""The API's routers, one per resource. :func:`routers` is what :func:`nlrec.server.app.create_app`
includes; a new resource adds its module here."""

from __future__ import annotations

from typing import Any


def routers() -> list[Any]:
    """Every router of the API, in the order of the docs."""
    from nlrec.server.routers import index, playlists, profiles, search, tracks

    return [search.router, tracks.router, profiles.router, playlists.router, index.router]
