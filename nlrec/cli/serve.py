"""``nlrec serve``: the HTTP API and web page over an index."""

from __future__ import annotations

import os

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, note


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--index", "index_name", default="demo", show_default=True, help="Index to serve.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Server processes; each holds the index (searches also run concurrently within one).")
@click.option("--request-threads", type=click.IntRange(1, 256), default=1, show_default=True,
              help="Native threads one request may use (ONNX, BLAS, FAISS); 1 lets concurrent requests share "
                   "the cores.")
@click.option("--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), default="info",
              show_default=True)
def serve(index_name, host, port, workers, request_threads, log_level):
    """Serve an index over HTTP: JSON API (docs at /docs) and a web page at /.

    \b
    Writes (track upserts and removals, profile adjustments) need the header X-API-Key when the
    environment variable NLREC_API_KEY is set.
    """
    from nlrec.errors import NlrecError

    try:
        import uvicorn

        from nlrec.server.app import (
            INDEX_ENV,
            THREADS_ENV,
            create_app,
            limit_native_threads,
            server_options,
        )
    except ImportError as e:
        raise NlrecError(f"the server needs the serve extra: pip install 'nlrec[serve]' ({e.name} is missing)") from None
    if index_name == "demo":
        from nlrec.index.demo import ensure_demo_index

        ensure_demo_index(notify=note)
    limit_native_threads(request_threads)
    os.environ[THREADS_ENV] = str(request_threads)  # for worker processes
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"warning: serving on {host}, reachable from other machines; set NLREC_API_KEY to guard writes")
    if workers > 1:  # each worker process opens (and warms) the index itself
        from nlrec.index import Index

        Index.open(index_name).close()  # a bad name fails here, once, with a one-line error
        os.environ[INDEX_ENV] = index_name
        note(f"nlrec serving index {index_name!r} on http://{host}:{port}/ with {workers} workers (API docs: /docs)")
        uvicorn.run("nlrec.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                    log_level=log_level, **server_options())
        return
    app = create_app(index_name)
    note(f"nlrec serving index {index_name!r} on http://{host}:{port}/ (API docs: /docs)")
    uvicorn.run(app, host=host, port=port, log_level=log_level, **server_options())
