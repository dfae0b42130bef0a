"""``nlrec serve``: an HTTP JSON API and a web page over one index (FastAPI + uvicorn).

Install with ``pip install 'nlrec[serve]'``. See :func:`nlrec.server.app.create_app`.
"""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):  # noqa: ANN002, ANN003 - thin lazy re-export
    from nlrec.server.app import create_app as _create

    return _create(*args, **kwargs)
