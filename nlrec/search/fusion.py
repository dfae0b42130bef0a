"""Fusing rankings moved to :mod:`nlrec.encoders.fusion` (beside :class:`~nlrec.encoders.base.Ranking`,
so audio similarity can fuse without importing search); this module keeps the old import path."""

from __future__ import annotations

from nlrec.encoders.fusion import RRF_K, FusionMethod, fuse, rrf, weighted

__all__ = ["RRF_K", "FusionMethod", "fuse", "rrf", "weighted"]
