"""A filter tree said in Milvus' language, so a ``--where`` filter runs inside Milvus.

The translation is a visitor over :mod:`nlrec.request.filters`' tree and keeps its meaning
exactly, over the case-folded fields of the tracks collection (:mod:`nlrec.index.milvus.store`):

* every comparison also requires its field to be present (``year is not null and year >= 1990``),
  so ``not`` means what it means locally: a track without the field matches ``not (year > 1990)``;
* string values are case-folded like the stored fields, so ``=`` ignores case as it does locally;
* ``descriptors`` is stored as ``|a|b|``: ``= 'x'`` is ``like "%|x|%"``, ``contains 'x'`` is
  ``like "%x%"``; other catalog fields are ``metadata["field"]``;
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

from nlrec.index.milvus.client import number_like as _number
from nlrec.index.milvus.store import NUM_KEY
from nlrec.request.filters import (
    And,
    Compare,
    Contains,
    Filter,
    FilterError,
    In,
    IsNull,
    Node,
    Not,
    Or,
    Value,
    parse_filter,
)

COLUMNS = {"id": "str", "title": "str", "artist": "str", "year": "num"}
_OPS = {"=": "==", "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Untranslatable(FilterError):
    """A filter Milvus cannot evaluate with nlrec's exact meaning (filter locally instead)."""


def to_milvus(expression: str | Filter, *, list_fields: frozenset[str] = frozenset(), meta_format: int = 2) -> str:
    """The Milvus expression for a ``--where`` filter (text, read here, or an already read tree).

    Args:
        list_fields: metadata fields holding lists (their comparisons are not translated).
        meta_format: how the index stores metadata (the manifest's ``backend.meta_format``; 1 for
            indexes built before text and numbers were stored apart).

    Raises:
        FilterError: the expression does not parse (as locally).
        Untranslatable: it parses, but Milvus cannot evaluate it with the same meaning.
    """
    f = expression if isinstance(expression, Filter) else parse_filter(expression)
    return _Translator(list_fields, meta_format).visit(f.tree)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Translator:
    def __init__(self, list_fields: frozenset[str], meta_format: int = 2) -> None:
        self.list_fields = list_fields
        self.meta_format = meta_format

    def visit(self, node: Node) -> str:
        if isinstance(node, (And, Or)):
            parts = [self.visit(p) for p in node.parts]
            word = " and " if isinstance(node, And) else " or "
            return "(" + word.join(parts) + ")"
        if isinstance(node, Not):
            return f"(not {self.visit(node.inner)})"
        col, kind = self.field(node.field)
        present = f"{col} is not null" if kind != "descriptors" else "true"
        if isinstance(node, Compare):
            return f"({present} and {self.compare(col, kind, node.op, node.value)})"
        if isinstance(node, IsNull):
            if kind == "descriptors":
                return "true" if node.negated else "false"
            return f"({col} is not null)" if node.negated else f"({col} is null)"
        if isinstance(node, In):
            body = "(" + " or ".join(self.compare(col, kind, "=", v) for v in node.values) + ")"
        else:
            body = self.contains(col, kind, node)
        return f"({present} and not ({body}))" if node.negated else f"({present} and {body})"

    def field(self, name: str) -> tuple[str, str]:
        """(Milvus field, kind): kind is str, num, descriptors, meta (text and number stored apart)
        or meta1 (an index storing number-like texts as numbers)."""
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

    def contains(self, col: str, kind: str, node: Contains) -> str:
        needle = node.needle.casefold()
        if any(c in needle for c in "%_\\|") or kind == "num" or \
                (kind == "meta1" and not needle.strip("-.0123456789 ")):  # may be stored as a number
            raise Untranslatable("contains with a pattern character, or on a number")
        return f'{col} like {_quote("%" + needle + "%")}'

    def compare(self, col: str, kind: str, op: str, value: Value) -> str:
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
