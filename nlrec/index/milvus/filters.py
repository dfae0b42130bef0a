"""A filter tree said in Milvus' language, so a ``--where`` filter runs inside Milvus.

The translation is a visitor over :mod:`nlrec.request.filters`' tree and keeps its meaning
exactly, over the case-folded fields of the tracks collection (:mod:`nlrec.index.milvus.store`):

* every comparison also requires its field to be present (``year is not null and year >= 1990``),
  so ``not`` means what it means locally: a track without the field matches ``not (year > 1990)``;
* string values are case-folded like the stored fields, so ``=`` ignores case as it does locally;
* ``descriptors`` is stored as ``|a|b|``: ``= 'x'`` is ``like "%|x|%"``, ``contains 'x'`` is
  ``like "%x%"``; other catalog fields are ``metadata["field"]``.

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


def to_milvus(expression: str | Filter, *, list_fields: frozenset[str] = frozenset()) -> str:
    """The Milvus expression for a ``--where`` filter (text, read here, or an already read tree).

    Args:
        list_fields: metadata fields holding lists (their comparisons are not translated).

    Raises:
        FilterError: the expression does not parse (as locally).
        Untranslatable: it parses, but Milvus cannot evaluate it with the same meaning.
    """
    f = expression if isinstance(expression, Filter) else parse_filter(expression)
    return _Translator(list_fields).visit(f.tree)


def _quote(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


class _Translator:
    def __init__(self, list_fields: frozenset[str]) -> None:
        self.list_fields = list_fields

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
        """(Milvus field, kind): kind is str, num, descriptors or meta."""
        low = name.lower()
        if low == "descriptors":
            return "descriptors", "descriptors"
        if low in COLUMNS:
            return low, COLUMNS[low]
        if name in self.list_fields or name != low:
            raise Untranslatable(f"field {name!r} holds lists, or is not lower case")
        if not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise Untranslatable(f"field {name!r}")
        return f"metadata[{_quote(name)}]", "meta"

    @staticmethod
    def contains(col: str, kind: str, node: Contains) -> str:
        needle = node.needle.casefold()
        if any(c in needle for c in "%_\\|") or kind == "num" or \
                (kind == "meta" and not needle.strip("-.0123456789 ")):  # may be stored as a number
            raise Untranslatable("contains with a pattern character, or on a number")
        return f'{col} like {_quote("%" + needle + "%")}'

    @staticmethod
    def compare(col: str, kind: str, op: str, value: Value) -> str:
        mop = _OPS[op]
        if isinstance(value, bool):
            if kind != "meta" or mop not in ("==", "!="):
                raise Untranslatable("a boolean compared with a text or number field")
            return f"{col} {mop} {'true' if value else 'false'}"
        if kind == "descriptors":  # a list: only = can match (an element equal to the value)
            if mop != "==":
                return "false"
            if isinstance(value, str) and not any(c in value for c in "%_\\|"):
                return f'descriptors like {_quote("%|" + value.casefold() + "|%")}'
            raise Untranslatable("descriptors compared with a number or a pattern character")
        if isinstance(value, (int, float)):
            if kind == "str":
                raise Untranslatable("a text field compared with a number")
            return f"{col} {mop} {value!r}"
        if kind == "num":
            raise Untranslatable("a number field compared with text")
        text = _quote(value.casefold())
        if kind == "meta" and _number(value) is not None:  # stored as a number when it looks like one
            if mop not in ("==", "!="):
                raise Untranslatable("a text field compared in order with a number-like text")
            either = f"({col} == {text} or {col} == {_number(value)!r})"
            return either if mop == "==" else f"not {either}"
        return f"{col} {mop} {text}"
