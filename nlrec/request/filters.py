"""Metadata filters: a small expression language over catalog fields, parsed once into a tree.

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

:func:`parse_filter` reads an expression once into a :class:`Filter`: a tree of :data:`Node` s
(``And``, ``Or``, ``Not``, ``Compare``, ``In``, ``Contains``, ``IsNull``). Everything else is a
visitor over that tree: :func:`evaluate` tests a track here, :func:`to_text` writes it back, and
:func:`nlrec.index.milvus.filters.to_milvus` says it in Milvus' language. A request's years add
nodes (:func:`year_node`), never text.

Example:
    >>> f = parse_filter("year >= 1990 and year < 2000 and artist != 'Ragecore'")
    >>> f.matches({"year": 1994, "artist": "Portishead"}), f.matches({"year": 1991, "artist": "ragecore"})
    (True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nlrec.errors import NlrecError
from nlrec.limits import LIMITS

MAX_FILTER_CHARS = LIMITS.filter_chars


class FilterError(NlrecError):
    """A filter expression that cannot be parsed."""


Value = int | float | str | bool


@dataclass(frozen=True)
class Compare:
    """``field op value``."""

    field: str
    op: str
    value: Value


@dataclass(frozen=True)
class In:
    """``field [not] in (values)``."""

    field: str
    values: tuple[Value, ...]
    negated: bool = False


@dataclass(frozen=True)
class Contains:
    """``field [not] contains 'needle'`` (``needle`` case-folded)."""

    field: str
    needle: str
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    """``field is [not] null``."""

    field: str
    negated: bool = False


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class And:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Node, ...]


Node = And | Or | Not | Compare | In | Contains | IsNull


@dataclass(frozen=True)
class Filter:
    """A parsed filter: its text, its tree and the fields it reads.

    ``matches(record)`` tests a track's fields (see :func:`track_fields`). Two filters with the same
    tree are equal and hash alike, so a tree is a cache key.
    """

    expression: str = field(compare=False)
    tree: Node
    fields: frozenset[str] = field(compare=False, default=frozenset())

    def matches(self, record: Mapping[str, Any]) -> bool:
        return evaluate(self.tree, record)

    @property
    def predicate(self) -> Callable[[Mapping[str, Any]], bool]:
        return self.matches

    def and_(self, *others: Filter | None) -> Filter:
        """This filter and every other given one (``None`` entries skipped)."""
        return all_of(self, *others)  # type: ignore[return-value]


def all_of(*filters: Filter | None) -> Filter | None:
    """The conjunction of the given filters (None when none is given)."""
    given = [f for f in filters if f is not None]
    if len(given) <= 1:
        return given[0] if given else None
    tree = And(tuple(f.tree for f in given))
    return Filter(to_text(tree), tree, frozenset().union(*(f.fields for f in given)))


def year_node(lo: int | None, hi: int | None, negated: bool = False) -> Node | None:
    """A request's year range as a tree node: ``year is null or [not] (year >= lo and year <= hi)``
    (unknown years pass). None for a range open at both ends."""
    conds = ([Compare("year", ">=", lo)] if lo is not None else []) + ([Compare("year", "<=", hi)] if hi is not None else [])
    if not conds:
        return None
    inner: Node = conds[0] if len(conds) == 1 else And(tuple(conds))
    return Or((IsNull("year"), Not(inner) if negated else inner))


def node_filter(nodes: list[Node]) -> Filter | None:
    """A filter of the conjunction of ``nodes`` (None when empty)."""
    if not nodes:
        return None
    tree = nodes[0] if len(nodes) == 1 else And(tuple(nodes))
    return Filter(to_text(tree), tree, frozenset({"year"}))


def track_fields(track: Any) -> dict[str, Any]:
    """The fields a filter sees for a track: its metadata, then id, title, artist, year, descriptors."""
    out = dict(track.metadata or {})
    out.update(id=track.id, title=track.title, artist=track.artist, year=track.year,
               descriptors=list(track.descriptors))
    return out


# -- reading -----------------------------------------------------------------------------------
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


def _tokens(text: str) -> list[tuple[str, Any]]:
    pos, out = 0, []
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise FilterError(f"cannot read the filter at {text[pos:pos + 20]!r} (column {pos + 1})")
        pos = m.end()
        kind = m.lastgroup or ""
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

    def parse(self) -> Node:
        if not self.toks:
            raise FilterError("empty filter")
        node = self.or_expr(0)
        if self.i != len(self.toks):
            raise FilterError(f"unexpected {self.toks[self.i][1]!r} in filter {self.text!r}")
        return node

    def or_expr(self, depth: int) -> Node:
        parts = [self.and_expr(depth)]
        while self.peek("kw", "or"):
            self.i += 1
            parts.append(self.and_expr(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def and_expr(self, depth: int) -> Node:
        parts = [self.not_expr(depth)]
        while self.peek("kw", "and"):
            self.i += 1
            parts.append(self.not_expr(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def not_expr(self, depth: int) -> Node:
        if depth > 50:
            raise FilterError("filter nested too deeply")
        if self.peek("kw", "not"):
            self.i += 1
            return Not(self.not_expr(depth + 1))
        if self.peek("punct", "("):
            self.i += 1
            inner = self.or_expr(depth + 1)
            self.take("punct", ")", "')'")
            return inner
        return self.comparison()

    def comparison(self) -> Node:
        name = self.take("name", what="a field name")
        self.fields.add(name)
        if self.peek("op"):
            op = self.take("op")
            return Compare(name, op, self.take("value", what="a value"))
        if self.peek("kw", "is"):
            self.i += 1
            negate = self.peek("kw", "not")
            if negate:
                self.i += 1
            self.take("kw", "null", "null")
            return IsNull(name, negate)
        negate = self.peek("kw", "not")
        if negate:
            self.i += 1
        if self.peek("kw", "in"):
            self.i += 1
            self.take("punct", "(", "'('")
            values = [self.take("value", what="a value")]
            while self.peek("punct", ","):
                self.i += 1
                values.append(self.take("value", what="a value"))
            self.take("punct", ")", "')'")
            return In(name, tuple(values), negate)
        if self.peek("kw", "contains"):
            self.i += 1
            needle = self.take("value", what="a quoted string")
            if not isinstance(needle, str):
                raise FilterError(f"contains needs a quoted string in filter {self.text!r}")
            return Contains(name, needle.casefold(), negate)
        raise FilterError(f"expected a comparison after {name!r} in filter {self.text!r}")


def parse_filter(expression: str) -> Filter:
    """Read a ``--where`` expression into a :class:`Filter` (its tree).

    Raises:
        FilterError: with a one-line message naming what could not be read.
    """
    if not isinstance(expression, str):
        raise FilterError("a filter must be text")
    if len(expression) > MAX_FILTER_CHARS:
        raise FilterError(f"filter longer than {MAX_FILTER_CHARS} characters")
    parser = _Parser(expression)
    return Filter(expression=expression.strip(), tree=parser.parse(), fields=frozenset(parser.fields))


# -- the local visitor -------------------------------------------------------------------------
def evaluate(node: Node, record: Mapping[str, Any]) -> bool:
    """Whether a track's fields (:func:`track_fields`) satisfy ``node``."""
    if isinstance(node, And):
        return all(evaluate(p, record) for p in node.parts)
    if isinstance(node, Or):
        return any(evaluate(p, record) for p in node.parts)
    if isinstance(node, Not):
        return not evaluate(node.inner, record)
    if isinstance(node, Compare):
        return _compare(record, node.field, node.op, node.value)
    if isinstance(node, IsNull):
        return (_get(record, node.field) is not None) == node.negated
    if isinstance(node, In):
        hit = any(_compare(record, node.field, "=", v) for v in node.values)
    else:
        hit = _contains(record, node.field, node.needle)
    if node.negated:
        return _get(record, node.field) is not None and not hit
    return hit


def _get(record: Mapping[str, Any], name: str) -> Any:
    value = record.get(name)
    if value is None and name.lower() != name:
        value = record.get(name.lower())
    return value


def _compare(record: Mapping[str, Any], name: str, op: str, value: Value) -> bool:
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


def _contains(record: Mapping[str, Any], name: str, needle: str) -> bool:
    have = _get(record, name)
    if have is None:
        return False
    if isinstance(have, (list, tuple)):
        return any(needle in str(x).casefold() for x in have)
    return needle in str(have).casefold()


# -- the text visitor --------------------------------------------------------------------------
def _literal(v: Value) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return repr(v)


def to_text(node: Node) -> str:
    """The tree written back in the filter language (it reads back to a tree of the same meaning)."""
    if isinstance(node, And):
        return " and ".join(f"({to_text(p)})" if isinstance(p, Or) else to_text(p) for p in node.parts)
    if isinstance(node, Or):
        return " or ".join(f"({to_text(p)})" if isinstance(p, And) else to_text(p) for p in node.parts)
    if isinstance(node, Not):
        inner = to_text(node.inner)
        return f"not ({inner})" if isinstance(node.inner, (And, Or)) else f"not {inner}"
    if isinstance(node, Compare):
        return f"{node.field} {node.op} {_literal(node.value)}"
    if isinstance(node, IsNull):
        return f"{node.field} is {'not ' if node.negated else ''}null"
    neg = "not " if node.negated else ""
    if isinstance(node, In):
        return f"{node.field} {neg}in ({', '.join(_literal(v) for v in node.values)})"
    return f"{node.field} {neg}contains {_literal(node.needle)}"
