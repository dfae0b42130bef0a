"""Moved: the Milvus translation of a filter tree is :mod:`nlrec.index.milvus.filters`; this module
keeps the old import path working."""

from __future__ import annotations

from nlrec.index.milvus.filters import COLUMNS, Untranslatable, to_milvus

__all__ = ["COLUMNS", "Untranslatable", "to_milvus"]
