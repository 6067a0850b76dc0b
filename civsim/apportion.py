"""Split a whole number into whole parts that add up exactly (largest remainder).

Used wherever civsim divides something countable: yuan between districts and
project lines, residents between streets and grids. Nothing is lost to rounding.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from civsim.errors import CivsimError

__all__ = ["largest_remainder"]


#: Totals must fit an int64 part.
_MAX_TOTAL = 2**63 - 1


def largest_remainder(total: int, weights: ArrayLike) -> np.ndarray:
    """Apportion ``total`` in proportion to ``weights``, in whole numbers adding up to ``total``.

    Each part is the floor of its exact share; the units left over go to the
    largest fractional remainders, ties to the earlier part (so the result is
    deterministic). If every weight is zero the split is equal, by the same
    rule (10 over three zero weights is 4, 3, 3).

    The shares are computed in floating point while that is exact enough,
    that is while ``total * (len(weights) + 2) < 2**53`` (every part is then
    within one unit of its share, and no float error can push the floors'
    sum above the total); larger totals, and weights whose float sum
    overflows, are apportioned in exact integer arithmetic.

    Parameters
    ----------
    total : int
        The whole to split, ``0 <= total < 2**63``.
    weights : array_like of float
        Non-negative, finite weights, at least one. If all are zero the split is equal.

    Returns
    -------
    numpy.ndarray of int64
        The parts, ``parts.sum() == total``.

    Raises
    ------
    CivsimError
        If ``total`` is not a whole number in ``0 .. 2**63 - 1``, or the weights
        are empty, not one-dimensional, negative or not finite.

    Examples
    --------
    >>> largest_remainder(10, [1, 1, 1]).tolist()
    [4, 3, 3]
    >>> largest_remainder(7, [0, 2, 0]).tolist()
    [0, 7, 0]
    >>> largest_remainder(10, [0, 0, 0]).tolist()
    [4, 3, 3]
    """
    refused = f"cannot apportion {total!r}: expected a whole number from 0 to {_MAX_TOTAL}"
    try:
        whole = int(total)
    except (TypeError, ValueError, OverflowError) as exc:
        raise CivsimError(refused) from exc
    if whole != total or not 0 <= whole <= _MAX_TOTAL:
        raise CivsimError(refused)
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or w.size == 0:
        raise CivsimError(f"cannot apportion {whole}: expected a non-empty list of weights")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        i = int(np.argmax(bad))
        raise CivsimError(
            f"cannot apportion {whole}: weights must be finite and >= 0, weight {i} is {w[i]}"
        )
    if not w.any():
        w = np.ones_like(w)
    with np.errstate(over="ignore"):
        w_sum = w.sum()
    if not np.isfinite(w_sum) or whole * (w.size + 2) >= 2**53:
        return _exact(whole, w)
    exact = w / w_sum * whole
    parts = np.floor(exact).astype(np.int64)
    short = whole - int(parts.sum())
    order = np.lexsort((np.arange(w.size), -(exact - parts)))
    parts[order[:short]] += 1
    return parts


def _exact(total: int, w: np.ndarray) -> np.ndarray:
    """Largest remainder in exact integer arithmetic (weights finite, >= 0, not all zero).

    Every float is an integer times a power of two, so the weights scaled by
    their largest denominator are whole numbers with the same ratios.
    """
    ratios = [float(x).as_integer_ratio() for x in w]
    scale = max(den for _, den in ratios)
    ints = [num * (scale // den) for num, den in ratios]
    whole = sum(ints)
    quotients = [divmod(x * total, whole) for x in ints]
    parts = [q for q, _ in quotients]
    short = total - sum(parts)
    for i in sorted(range(len(ints)), key=lambda i: (-quotients[i][1], i))[:short]:
        parts[i] += 1
    return np.array(parts, dtype=np.int64)
