"""The math of profiles: attention from likes to prototype weights, scores, and reasons.

Building (after Oncel et al. 2025): every liked item ``i`` attends over the vocabulary's
prototypes, ``att(i) = softmax(a(i, :) / temperature)``; the listener's attention is the
play-weighted mean ``m = sum_i c(i) att(i) / sum_i c(i)`` (``c = log1p(plays)`` by default). To
name what is distinctive about a taste rather than what every item carries ("favorites",
"rock"), it is divided by the catalog's mean attention ``prior`` raised to ``specificity``:
``w ∝ m / prior ** specificity`` (0 = raw attention, 1 = lift over the average item). ``w`` is cut
to its ``top_m`` largest entries and renormalised to sum to 1.

Scoring: an item's score is the weighted mean affinity to the profile's prototypes, less a
penalty for each **muted** descriptor it carries,
``s(i) = sum_p w(p) a(i, p) / sum_p w(p) - mute_penalty * sum_{m muted} carries(i, m)``; its
**reasons** are the prototypes with the largest contributions ``w(p) a(i, p) / sum w``, followed
by the muted descriptors it carries (contribution ``-mute_penalty`` each).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlrec.profiles.prototypes import ItemSpace, Prototypes, affinity


def play_weights(plays: Sequence[float] | np.ndarray, weighting: str = "log1p") -> np.ndarray:
    """Item weights from play counts: ``log1p`` (default), ``binary`` (all 1) or ``linear``.

    A liked item with zero plays still counts (weight of one play), so a plain list of ids works.
    """
    p = np.maximum(np.asarray(plays, dtype=np.float64), 1.0)
    if weighting == "binary":
        return np.ones_like(p)
    if weighting == "linear":
        return p
    return np.log1p(p)


def attend(affinities: np.ndarray, item_weights: np.ndarray, *, temperature: float) -> np.ndarray:
    """Play-weighted mean of each liked item's softmax attention over the prototypes.

    Args:
        affinities: ``(n_liked, P)`` item-prototype affinities.
        item_weights: ``(n_liked,)`` non-negative weights.
        temperature: softmax temperature (> 0); lower is peakier.

    Returns:
        ``(P,)`` attention mass, summing to 1.
    """
    z = affinities.astype(np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    att = np.exp(z)
    att /= att.sum(axis=1, keepdims=True)
    w = np.asarray(item_weights, dtype=np.float64)
    return (w[:, None] * att).sum(axis=0) / max(w.sum(), 1e-12)


def sparsify(mass: np.ndarray, names: Sequence[str], top_m: int) -> dict[str, float]:
    """The ``top_m`` largest entries (ties by name) renormalised to sum to 1, rounded to 6 places."""
    order = sorted(range(len(names)), key=lambda j: (-mass[j], names[j]))[:top_m]
    order = [j for j in order if mass[j] > 0]
    total = float(sum(mass[j] for j in order)) or 1.0
    return {names[j]: round(float(mass[j]) / total, 6) for j in order}


def catalog_prior(space: ItemSpace, prototypes: Prototypes, *, temperature: float, lexical: float,
                  chunk: int = 8192) -> np.ndarray:
    """The mean attention of every item of ``space`` (weighted by multiplicity), ``(P,)``."""
    assert space.multiplicity is not None
    total = np.zeros(len(prototypes))
    for start in range(0, len(space), chunk):
        rows = np.arange(start, min(start + chunk, len(space)))
        a = affinity(space, prototypes, rows, lexical=lexical)
        total += attend(a, space.multiplicity[rows], temperature=temperature) * space.multiplicity[rows].sum()
    return total / max(float(space.multiplicity.sum()), 1.0)


def lift(mass: np.ndarray, prior: np.ndarray | None, specificity: float) -> np.ndarray:
    """``mass / prior ** specificity`` (``mass`` unchanged when ``specificity`` is 0)."""
    if not specificity or prior is None:
        return mass
    return mass / np.power(np.maximum(prior, 1e-12), specificity)


def profile_weights(
    space: ItemSpace,
    prototypes: Prototypes,
    rows: np.ndarray,
    item_weights: np.ndarray,
    *,
    temperature: float,
    top_m: int,
    lexical: float,
    specificity: float = 0.0,
    prior: np.ndarray | None = None,
) -> dict[str, float]:
    """A sparse profile from liked rows of ``space`` (see the module docstring).

    ``prior`` (from :func:`catalog_prior`) is computed when ``specificity > 0`` and none is given.
    """
    a = affinity(space, prototypes, np.asarray(rows, dtype=np.int64), lexical=lexical)
    mass = attend(a, item_weights, temperature=temperature)
    if specificity and prior is None:
        prior = catalog_prior(space, prototypes, temperature=temperature, lexical=lexical)
    return sparsify(lift(mass, prior, specificity), prototypes.names, top_m)


@dataclass(frozen=True)
class Reason:
    """Why a prototype pushed an item up.

    Attributes:
        descriptor: the prototype.
        contribution: ``w(p) a(i, p) / sum w``: its part of the item's profile score.
        carried: whether the item carries the descriptor itself.
    """

    descriptor: str
    contribution: float
    carried: bool


class ProfileScorer:
    """Scores every row of an item space with fixed prototype weights and muted descriptors.

    Args:
        space: the items.
        prototypes: the prototypes of the weighted descriptors.
        weights: descriptor -> weight (> 0) for each of ``prototypes.names``.
        lexical: the affinity's lexical weight.
        muted: descriptors whose carriers are demoted (no prototype needed: the evidence is the
            items' own descriptor sets).
        mute_penalty: what each muted descriptor an item carries subtracts from its score.
    """

    def __init__(
        self,
        space: ItemSpace,
        prototypes: Prototypes,
        weights: Mapping[str, float],
        *,
        lexical: float,
        muted: Sequence[str] = (),
        mute_penalty: float = 0.0,
    ) -> None:
        self.space = space
        self.names = list(prototypes.names)
        self.weights = np.array([float(weights[n]) for n in self.names], dtype=np.float64)
        self.total = float(self.weights.sum())
        self.affinity = affinity(space, prototypes, lexical=lexical) if self.names else np.zeros((len(space), 0), np.float32)
        self._carried = space.carries(self.names) if self.names else self.affinity
        self.muted = list(dict.fromkeys(muted))
        self.mute_penalty = float(mute_penalty)
        self._muted_carried = space.carries(self.muted).astype(bool) if self.muted else np.zeros((len(space), 0), bool)

    def base_scores(self) -> np.ndarray:
        """``(N,)`` weighted mean affinities, before the mute penalty; zeros for no weight."""
        if self.total <= 0:
            return np.zeros(len(self.space), dtype=np.float64)
        return self.affinity.astype(np.float64) @ self.weights / self.total

    def penalties(self) -> np.ndarray:
        """``(N,)`` what the muted descriptors take off each item: ``mute_penalty`` per carried one."""
        return self.mute_penalty * self._muted_carried.sum(axis=1).astype(np.float64)

    def scores(self) -> np.ndarray:
        """``(N,)`` profile scores: :meth:`base_scores` less :meth:`penalties`."""
        return self.base_scores() - self.penalties()

    def reasons(self, row: int, top: int = 3) -> list[Reason]:
        """The ``top`` prototypes contributing most to ``row``'s score (positive ones only), then
        every muted descriptor ``row`` carries (negative contributions, when the penalty is > 0)."""
        out: list[Reason] = []
        if self.total > 0:
            contrib = self.affinity[row].astype(np.float64) * self.weights / self.total
            order = sorted(range(len(self.names)), key=lambda j: (-contrib[j], self.names[j]))[:top]
            out = [Reason(self.names[j], round(float(contrib[j]), 6), bool(self._carried[row, j]))
                   for j in order if contrib[j] > 0]
        if self.mute_penalty > 0:
            out += [Reason(m, round(-self.mute_penalty, 6), True)
                    for j, m in enumerate(self.muted) if self._muted_carried[row, j]]
        return out


def minmax(x: np.ndarray, by: np.ndarray | None = None) -> np.ndarray:
    """``x`` scaled so that ``by`` (default ``x``) spans [0, 1]."""
    if len(x) == 0:
        return x
    by = x if by is None else by
    lo, hi = float(by.min()), float(by.max())
    return (x - lo) / (hi - lo) if hi > lo else x - lo
