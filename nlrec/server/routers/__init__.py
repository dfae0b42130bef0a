"""The API's routers, one per resource. :data:`ROUTERS` is what :func:`nlrec.server.app.create_app`
includes; a new resource adds its module here (e.g. ``playlists``)."""

from __future__ import annotations

from typing import Any


def routers() -> list[Any]:
    """Every router of the API, in the order of the docs."""
    from nlrec.server.routers import index, profiles, search, tracks

    return [search.router, tracks.router, profiles.router, index.router]
