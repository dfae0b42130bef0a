"""Errors of the HTTP API: one class per kind, each mapped to one status (never by its text).

Every error answers ``{"error": {"status", "message"}}``. Library errors keep their classes
(:class:`~nlrec.search.similar.UnknownTrackError` is a 404 wherever it is raised); the table
:data:`STATUS` maps each class to its status, the most specific class first.
"""

from __future__ import annotations

from typing import Any

from nlrec.errors import NlrecError


class ApiError(NlrecError):
    """Base class of the errors the API raises itself; ``status`` is its HTTP status."""

    status = 400


class BadRequest(ApiError):
    """The request cannot be served as asked (an empty request, a bad filter)."""

    status = 400


class Unauthorized(ApiError):
    """A write without the right API key."""

    status = 401


class NotFound(ApiError):
    """No such track, profile or file."""

    status = 404


class Conflict(ApiError):
    """The index or a profile is being written by someone else."""

    status = 409


class TooLarge(ApiError):
    """A request body over the limit."""

    status = 413


class UriTooLong(ApiError):
    """A request line (path and query string) over the limit."""

    status = 414


class RangeNotSatisfiable(ApiError):
    """A ``Range`` header outside the file."""

    status = 416


class Unprocessable(ApiError):
    """A field outside its bounds (``k``, the number of exclusions, a weight)."""

    status = 422


class OverBudget(ApiError):
    """A request that ran past the server's time budget (it was stopped)."""

    status = 503


def _status_table() -> list[tuple[type[BaseException], int]]:
    from nlrec.errors import IndexFileError, QueryError
    from nlrec.limits import LimitError, TimeBudgetExceeded
    from nlrec.locks import LockTimeout
    from nlrec.profiles.profile import ProfileError
    from nlrec.request.filters import FilterError
    from nlrec.search.similar import UnknownTrackError

    return [
        (ApiError, 0),  # its own status
        (UnknownTrackError, 404),
        (LimitError, 422),
        (TimeBudgetExceeded, 503),
        (LockTimeout, 409),
        (FilterError, 400),
        (QueryError, 400),
        (ProfileError, 400),
        (IndexFileError, 500),
        (NlrecError, 400),
    ]


def status_of(exc: BaseException) -> int:
    """The HTTP status of an error, by its class."""
    for cls, status in _status_table():
        if isinstance(exc, cls):
            return status or getattr(exc, "status", 400)
    return 500


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    """The JSON answer of an error."""
    from fastapi.responses import JSONResponse

    return JSONResponse(status_code=status, content={"error": {"status": status, "message": message}},
                        headers=headers)


def install_handlers(app: Any) -> None:
    """Map every error to its status on ``app``: library errors, validation errors, HTTP errors,
    and anything unexpected (a 500 without a stack trace)."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(NlrecError)
    async def nlrec_error(request: Request, exc: NlrecError) -> Any:
        status = status_of(exc)
        return error_response(status, str(exc), {"Retry-After": "1"} if status == 503 else None)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Any:
        errors = exc.errors()
        first = errors[0] if errors else {}
        where = ".".join(str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path"))
        msg = str(first.get("msg", "bad value"))
        return error_response(422, f"invalid request: {where}: {msg}" if where else f"invalid request: {msg}")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Any:  # never a stack trace
        return error_response(500, f"internal error ({type(exc).__name__})")
