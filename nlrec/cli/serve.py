"""``nlrec serve``: the HTTP API and web page over an index."""

from __future__ import annotations

import click

from nlrec.cli.ui import CONTEXT_SETTINGS, note


@click.command("serve", context_settings=CONTEXT_SETTINGS)
@click.option("--index", "index_name", default="demo", show_default=True, help="Index to serve.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (localhost by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Search processes, each holding the index (up to one per core): /search and /similar run in "
                   "them, queued to the first free one; 1 searches in the server process.")
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

        from nlrec.server.app import create_app, limit_native_threads, server_options
    except ImportError as e:
        raise NlrecError(f"the server needs the serve extra: pip install 'nlrec[serve]' ({e.name} is missing)") from None
    if index_name == "demo":
        from nlrec.index.demo import ensure_demo_index

        ensure_demo_index(notify=note)
    limit_native_threads(request_threads)
    if host not in ("127.0.0.1", "localhost", "::1"):
        note(f"warning: serving on {host}, reachable from other machines; set NLREC_API_KEY to guard writes")
    app = create_app(index_name, workers=workers, request_threads=request_threads)
    with_workers = f" with {workers} search processes" if workers > 1 else ""
    note(f"nlrec serving index {index_name!r} on http://{host}:{port}/{with_workers} (API docs: /docs)")
    uvicorn.run(app, host=host, port=port, log_level=log_level, **server_options())
