"""Limits enforced before a route runs: the request line's length and the body's size.

The body is counted while it streams, so a chunked upload without ``Content-Length`` is cut at
:attr:`~nlrec.limits.Limits.body_bytes` like any other; a ``Content-Length`` over the limit is
refused before a byte is read.
"""

from __future__ import annotations

import json
from typing import Any

from nlrec.limits import LIMITS


class RequestLimits:
    """Pure ASGI middleware: 414 for a request line over ``url_chars``, 413 for a body over
    ``body_bytes`` (buffered up to that size, then handed to the application)."""

    def __init__(self, app: Any, *, body_bytes: int | None = None, url_chars: int | None = None) -> None:
        self.app = app
        self.body_bytes = LIMITS.body_bytes if body_bytes is None else body_bytes
        self.url_chars = LIMITS.url_chars if url_chars is None else url_chars

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        line = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(scope.get("query_string") or b"")
        if line > self.url_chars:
            await _refuse(send, 414, f"request line over {self.url_chars:,} characters ({line:,})")
            return
        headers = dict(scope.get("headers") or [])
        size = headers.get(b"content-length")
        if size is not None and (not size.isdigit() or int(size) > self.body_bytes):
            await _refuse(send, 413, f"request body over {self.body_bytes:,} bytes")
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            total += len(message.get("body", b""))
            if total > self.body_bytes:
                await _refuse(send, 413, f"request body over {self.body_bytes:,} bytes")
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Any, status: int, message: str) -> None:
    payload = json.dumps({"error": {"status": status, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": payload})
