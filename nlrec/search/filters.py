"""Metadata filters: a small expression language over catalog fields, parsed safely (no ``eval``).

Grammar (case-insensitive keywords)::

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" expr ")" | comparison
    comparison := FIELD OP VALUE
                | FIELD ["not"] "in" "(" VALUE ("," VALUE)* ")"
                | FIELD ["not"] "contains" STRING      (substring, case-insensitive; for lists: an element)
                | FIELD "is" ["not"] "null"
    OP         := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
    VALUE      := NUMBER | 'single-quoted' | "double-quoted" | true | false

``FIELD`` is ``id``, ``title``, ``artist``, ``year``, ``descriptors`` or any other column of the
catalog (kept as track metadata), e.g. ``year >= 1990 and year < 2000``, ``artist = 'Portishead'``,
``label in ('Warp', 'Ninja Tune')``, ``duration < 240``, ``descriptors contains 'jazz'``. String
comparisons with ``=`` / ``!=`` ignore case. A track without the field never matches a comparison
(only ``is null``). Comparing a number with a string is false, never an error.

Example:
    >>> f = parse_filter("year >= 1990 and year < 2000 and artist != 'Ragecore'")
    >>> f.matches({"year": 1994, "artist": "Portishead"}), f.matches({"year": 1991, "artist": "ragecore"})
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nlrec.errors import NlrecError
from nlrec.limits import LIMITS

MAX_FILTER_CHARS = LIMITS.filter_chars


class FilterError(NlrecError):
    """A filter expression that cannot be parsed."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<num>-?\d+(?:\.\d+)?(?![\w.]))
      | (?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<op>==|!=|<=|>=|=|<|>)
      | (?P<punct>[(),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "contains", "is", "null", "true", "false"}

Predicate = Callable[[Mapping[str, Any]], bool]


@dataclass(frozen=True)
class Filter:
    """A parsed filter: ``matches(record)`` for a track's fields (see :func:`track_fields`)."""

    expression: str
    predicate: Predicate
    fields: frozenset[str]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return bool(self.predicate(record))


def track_fields(track: Any) -> dict[str, Any]:
    """The fields a filter sees for a track: its metadata, then id, title, artist, year, descriptors."""
    out = dict(track.metadata or {})
    out.update(id=track.id, title=track.title, artist=track.artist, year=track.year,
               descriptors=list(track.descriptors))
    return out


def _tokens(text: str) -> list[tuple[str, Any]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot read the filter at {text[pos:pos + 20]!r} (column {pos + 1})")
        pos = m.end()
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "num":
            out.append(("value", float(value) if "." in value else int(value)))
        elif kind == "str":
            out.append(("value", re.sub(r"\\(.)", r"\1", value[1:-1])))
        elif kind == "name" and value.lower() in _KEYWORDS:
            low = value.lower()
            out.append(("value", low == "true") if low in ("true", "false") else ("kw", low))
        else:
            out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.fields: set[str] = set()

    def peek(self, kind: str, value: Any = None) -> bool:
        if self.i >= len(self.toks):
            return False
        k, v = self.toks[self.i]
        return k == kind and (value is None or v == value)

    def take(self, kind: str, value: Any = None, what: str = "") -> Any:
        if not self.peek(kind, value):
            got = self.toks[self.i][1] if self.i < len(self.toks) else "the end"
            raise FilterError(f"expected {what or value or kind} in filter {self.text!r}, got {got!r}")
        self.i += 1
        return self.toks[self.i - 1][1]

    def parse(self) -> Predicate:
        if not self.toks:
            raise FilterError("empty filter")
        p = self.or_expr(0)
        if self.i != len(self.toks):
            raise FilterError(f"unexpected {self.toks[self.i][1]!r} in filter {self.text!r}")
        return p

    def or_expr(self, depth: int) -> Predicate:
        parts = [self.and_expr(depth)]
        while self.peek("kw", "or"):
            self.i += 1
            parts.append(self.and_expr(depth))
        return parts[0] if len(parts) == 1 else (lambda r, ps=tuple(parts): any(p(r) for p in ps))

    def and_expr(self, depth: int) -> Predicate:
        parts = [self.not_expr(depth)]
        while self.peek("kw", "and"):
            self.i += 1
            parts.append(self.not_expr(depth))
        return parts[0] if len(parts) == 1 else (lambda r, ps=tuple(parts): all(p(r) for p in ps))

    def not_expr(self, depth: int) -> Predicate:
        if depth > 50:
            raise FilterError("filter nested too deeply")
        if self.peek("kw", "not"):
            self.i += 1
            inner = self.not_expr(depth + 1)
            return lambda r: not inner(r)
        if self.peek("punct", "("):
            self.i += 1
            inner = self.or_expr(depth + 1)
            self.take("punct", ")", "')'")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        name = self.take("name", what="a field name")
        self.fields.add(name)
        if self.peek("op"):
            op = self.take("op")
            value = self.take("value", what="a value")
            return _compare(name, op, value)
        negate = False
        if self.peek("kw", "is"):
            self.i += 1
            if self.peek("kw", "not"):
                self.i += 1
                negate = True
            self.take("kw", "null", "null")
            return (lambda r: _get(r, name) is not None) if negate else (lambda r: _get(r, name) is None)
        if self.peek("kw", "not"):
            self.i += 1
            negate = True
        if self.peek("kw", "in"):
            self.i += 1
            self.take("punct", "(", "'('")
            values = [self.take("value", what="a value")]
            while self.peek("punct", ","):
                self.i += 1
                values.append(self.take("value", what="a value"))
            self.take("punct", ")", "')'")
            tests = [_compare(name, "=", v) for v in values]
            p: Predicate = lambda r: any(t(r) for t in tests)  # noqa: E731
        elif self.peek("kw", "contains"):
            self.i += 1
            needle = self.take("value", what="a quoted string")
            if not isinstance(needle, str):
                raise FilterError(f"contains needs a quoted string in filter {self.text!r}")
            p = _contains(name, needle.casefold())
        else:
            raise FilterError(f"expected a comparison after {name!r} in filter {self.text!r}")
        if negate:
            return lambda r: _get(r, name) is not None and not p(r)
        return p


def _get(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    if value is None and name.lower() != name:
        value = record.get(name.lower())
    return value


def _compare(name: str, op: str, value: Any) -> Predicate:
    def test(record: Mapping[str, Any]) -> bool:
        have = _get(record, name)
        if have is None:
            return False
        if isinstance(value, bool) or isinstance(have, bool):
            a, b = have, value
        elif isinstance(value, (int, float)):
            if isinstance(have, str):
                try:
                    have = float(have)
                except ValueError:
                    return False
            if not isinstance(have, (int, float)):
                return False
            a, b = have, value
        else:
            if not isinstance(have, str):
                if isinstance(have, (list, tuple)):
                    return op in ("=", "==") and any(str(x).casefold() == value.casefold() for x in have)
                have = str(have)
            a, b = have.casefold(), value.casefold()
        try:
            return {"=": a == b, "==": a == b, "!=": a != b, "<": a < b, "<=": a <= b,
                    ">": a > b, ">=": a >= b}[op]
        except TypeError:
            return False

    return test


def _contains(name: str, needle: str) -> Predicate:
    def test(record: Mapping[str, Any]) -> bool:
        have = _get(record, name)
        if have is None:
            return False
        if isinstance(have, (list, tuple)):
            return any(needle in str(x).casefold() for x in have)
        return needle in str(have).casefold()

    return test


def parse_filter(expression: str) -> Filter:
    """Parse a ``--where`` expression.

    Raises:
        FilterError: with a one-line message naming what could not be read.
    """
    if not isinstance(expression, str):
        raise FilterError("a filter must be text")
    if len(expression) > MAX_FILTER_CHARS:
        raise FilterError(f"filter longer than {MAX_FILTER_CHARS} characters")
    parser = _Parser(expression)
    return Filter(expression=expression.strip(), predicate=parser.parse(), fields=frozenset(parser.fields))
