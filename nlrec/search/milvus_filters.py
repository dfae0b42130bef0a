"""``--where`` expressions as Milvus boolean expressions, so a filter runs inside Milvus.

The translation keeps :mod:`nlrec.search.filters`' meaning exactly, over the case-folded fields of
the tracks collection (:mod:`nlrec.index.milvus.store`):

* every comparison also requires its field to be present (``year is not null and year >= 1990``),
  so ``not`` means what it means locally: a track without the field matches ``not (year > 1990)``;
* string values are case-folded like the stored fields, so ``=`` ignores case as it does locally;
* ``descriptors`` is stored as ``|a|b|``: ``= 'x'`` is ``like "%|x|%"``, ``contains 'x'`` is
  ``like "%x%"``; other catalog fields are ``metadata["field"]``.

* metadata (``meta_format`` 2, :data:`nlrec.index.milvus.store.META_FORMAT`) is stored as the text
  a local filter compares, plus the number it compares in ``metadata["#num"]``: a text value is
  compared with the text (``label = '007'`` never matches "7"), a number with the number;
* a number outside what Milvus can write (``year > 99999999999999999999``) is decided here for the
  integer ``year`` column (no year is that large), and filtered locally elsewhere.

What cannot be said exactly in Milvus' language (a number compared with a string, ``contains`` on a
number, a pattern character in a ``contains`` string, a list-valued metadata field) raises
:class:`Untranslatable`; the caller then filters locally, which is slower but gives the same answer.

Example:
    >>> to_milvus("year >= 1990 and artist = 'Portishead'")
    '((year is not null and year >= 1990) and (artist is not null and artist == "portishead"))'
"""

from __future__ import annotations

import json
from typing import Any

from nlrec.index.milvus.client import number_like as _number
from nlrec.index.milvus.store import NUM_KEY
from nlrec.search.filters import FilterError, _tokens, parse_filter

COLUMNS = {"id": "str", "title": "str", "artist": "str", "year": "num"}
_OPS = {"=": "==", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Untranslatable(FilterError):
    """A filter Milvus cannot evaluate with nlrec's exact meaning (filter locally instead)."""


def to_milvus(expression: str, *, list_fields: frozenset[str] = frozenset(), meta_format: int = 2) -> str:
    """The Milvus expression for a ``--where`` filter.

    Args:
        list_fields: metadata fields holding lists (their comparisons are not translated).
        meta_format: how the index stores metadata (the manifest's ``backend.meta_format``; 1 for
            indexes built before text and numbers were stored apart).

    Raises:
        FilterError: the expression does not parse (as locally).
        Untranslatable: it parses, but Milvus cannot evaluate it with the same meaning.
    """
    parse_filter(expression)  # the same errors as a local filter, first
    t = _Translator(_tokens(expression), list_fields, meta_format)
    out = t.or_expr()
    return out


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Translator:
    def __init__(self, toks: list[tuple[str, Any]], list_fields: frozenset[str], meta_format: int = 2) -> None:
        self.toks = toks
        self.i = 0
        self.list_fields = list_fields
        self.meta_format = meta_format

    def peek(self, kind: str, value: Any = None) -> bool:
        if self.i >= len(self.toks):
            return False
        k, v = self.toks[self.i]
        return k == kind and (value is None or v == value)

    def take(self) -> Any:
        self.i += 1
        return self.toks[self.i - 1][1]

    def or_expr(self) -> str:
        parts = [self.and_expr()]
        while self.peek("kw", "or"):
            self.i += 1
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"

    def and_expr(self) -> str:
        parts = [self.not_expr()]
        while self.peek("kw", "and"):
            self.i += 1
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else "(" + " and ".join(parts) + ")"

    def not_expr(self) -> str:
        if self.peek("kw", "not"):
            self.i += 1
            return f"(not {self.not_expr()})"
        if self.peek("punct", "("):
            self.i += 1
            inner = self.or_expr()
            self.take()  # ")"
            return inner
        return self.comparison()

    def field(self, name: str) -> tuple[str, str]:
        """(Milvus field, kind): kind is str, num, descriptors or meta."""
        low = name.lower()
        if low == "descriptors":
            return "descriptors", "descriptors"
        if low in COLUMNS:
            return low, COLUMNS[low]
        if name in self.list_fields or name != low:
            raise Untranslatable(f"field {name!r} holds lists, or is not lower case")
        if not name.replace("_", "").replace("-", "").replace(".", "").isalnum() or not name.isascii():
            raise Untranslatable(f"field {name!r}")
        return f"metadata[{_quote(name)}]", "meta" if self.meta_format >= 2 else "meta1"

    def comparison(self) -> str:
        name = self.take()
        col, kind = self.field(name)
        present = f"{col} is not null" if kind != "descriptors" else "true"
        if self.peek("op"):
            op = self.take()
            value = self.take()
            return f"({present} and {self.compare(col, kind, op, value)})"
        if self.peek("kw", "is"):
            self.i += 1
            negate = self.peek("kw", "not")
            if negate:
                self.i += 1
            self.take()  # null
            if kind == "descriptors":
                return "true" if negate else "false"
            return f"({col} is not null)" if negate else f"({col} is null)"
        negate = False
        if self.peek("kw", "not"):
            self.i += 1
            negate = True
        if self.peek("kw", "in"):
            self.i += 1
            self.take()  # (
            values = [self.take()]
            while self.peek("punct", ","):
                self.i += 1
                values.append(self.take())
            self.take()  # )
            body = "(" + " or ".join(self.compare(col, kind, "=", v) for v in values) + ")"
        else:  # contains
            self.i += 1
            needle = self.take().casefold()
            if any(c in needle for c in "%_\\|") or kind == "num" or \
                    (kind == "meta1" and not needle.strip("-.0123456789 ")):  # may be stored as a number
                raise Untranslatable("contains with a pattern character, or on a number")
            body = f'{col} like {_quote("%" + needle + "%")}'
        expr = f"({present} and {body})"
        return f"({present} and not ({body}))" if negate else expr

    def compare(self, col: str, kind: str, op: str, value: Any) -> str:
        mop = _OPS[op]
        if isinstance(value, bool):
            if kind != "meta1" or mop not in ("==", "!="):
                raise Untranslatable("a boolean compared with a text or number field")
            return f"{col} {mop} {'true' if value else 'false'}"
        if kind == "meta":  # the text in metadata["f"], the number in metadata["#num"]["f"]
            if isinstance(value, (int, float)):
                if not _writable(value):
                    raise Untranslatable("a number Milvus cannot write exactly")
                num = f"metadata[{_quote(NUM_KEY)}][{col[len('metadata['):-1]}]"
                return f"({num} is not null and {num} {mop} {_literal(value)})"
            return f"{col} {mop} {_quote(value.casefold())}"
        if kind == "descriptors":  # a list: only = can match (an element equal to the value)
            if mop != "==":
                return "false"
            if isinstance(value, str) and not any(c in value for c in "%_\\|"):
                return f'descriptors like {_quote("%|" + value.casefold() + "|%")}'
            raise Untranslatable("descriptors compared with a number or a pattern character")
        if isinstance(value, (int, float)):
            if kind == "str":
                raise Untranslatable("a text field compared with a number")
            if kind == "num" and not _writable(value):  # year is an INT64: decided here
                return _decide_int64(mop, value)
            if not _writable(value):
                raise Untranslatable("a number Milvus cannot write exactly")
            return f"{col} {mop} {_literal(value)}"
        if kind == "num":
            raise Untranslatable("a number field compared with text")
        text = _quote(value.casefold())
        if kind == "meta1" and _number(value) is not None:  # stored as a number: "007" and "7" are one
            raise Untranslatable("a number-like text on an index storing such texts as numbers")
        return f"{col} {mop} {text}"


_EXACT = 2**53


def _writable(value: int | float) -> bool:
    """Whether Milvus' expression parser takes ``value`` and compares it exactly (finite, and
    within the integers a double holds exactly)."""
    return value == value and -_EXACT <= value <= _EXACT


def _literal(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return repr(int(value)) + ".0"
    return repr(value)


def _decide_int64(op: str, value: int | float) -> str:
    """``year OP value`` for a value beyond any stored year (or NaN): true or false for every
    track with a year, as the local filter decides it."""
    if value != value:
        return "false"
    big = value > 0
    holds = {"==": False, "!=": True, "<": big, "<=": big, ">": not big, ">=": not big}[op]
    return "true" if holds else "false"
