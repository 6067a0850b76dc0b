"""Split a whole number into whole parts that add up exactly (largest remainder).

Used wherever civsim divides something countable: yuan between districts and
project lines, residents between streets and grids. Nothing is lost to rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from civsim.errors import CivsimError

__all__ = ["largest_remainder"]


def largest_remainder(total: int, weights: ArrayLike) -> np.ndarray:
    """Apportion ``total`` in proportion to ``weights``, in whole numbers adding up to ``total``.

    Each part is the floor of its exact share; the units left over go to the
    largest fractional remainders, ties to the earlier part (so the result is
    deterministic).

    Parameters
    ----------
    total : int
        The whole to split, >= 0.
    weights : array_like of float
        Non-negative weights, at least one. If all are zero the split is equal.

    Returns
    -------
    numpy.ndarray of int64
        The parts, ``parts.sum() == total``.

    Raises
    ------
    CivsimError
        If ``total`` is negative, or a weight is negative or not finite.

    Examples
    --------
    >>> largest_remainder(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    >>> largest_remainder(7, [0, 2, 0]).tolist()
    [0, 7, 0]
    """
    w = np.asarray(weights, dtype=float)
    if total < 0 or int(total) != total:
        raise CivsimError(f"cannot apportion {total}: expected a whole number >= 0")
    if w.ndim != 1 or w.size == 0:
        raise CivsimError("cannot apportion: expected a non-empty list of weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise CivsimError("cannot apportion: weights must be finite and >= 0")
    total = int(total)
    if w.sum() == 0:
        w = np.ones_like(w)
    # Float shares are exact enough below 2**53; the corrections below make the sum exact anyway.
    exact = w / w.sum() * total
    parts = np.floor(exact).astype(np.int64)
    short = total - int(parts.sum())
    if short > 0:
        order = np.lexsort((np.arange(w.size), -(exact - parts)))
        parts[order[:short]] += 1
    elif short < 0:  # float error rounded a share up: take back from the smallest remainders
        order = np.lexsort((np.arange(w.size), exact - parts))
        parts[order[:-short]] -= 1
    return parts
