"""Identifiability: whether a calibration's targets pin each parameter down, or only a range.

From the points a calibration left standing (not ruled out), each parameter
gets the range not ruled out and one of three verdicts. The standing points
are a sample of that range, so its ends lie beyond the outermost points:
:func:`standing_range` widens their span by one spacing at each end,
``span / (n - 1)`` for ``n`` points (the unbiased estimate of a uniform
distribution's ends), within the prior range. The verdicts:

``ridged``
    its standing values move with another parameter's (a Spearman rank
    correlation at or above a threshold, and not chance: its p-value below a
    level): the targets pin a combination of the two, not each;
``flat``
    otherwise, they span at least a given share of its prior range: the
    targets hardly constrain it;
``identified``
    otherwise: the targets confine it to the range given.

A ridged or flat parameter is reported as a range, never as a point.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

__all__ = ["COLUMNS", "MIN_POINTS", "identify", "standing_range"]

#: Standing points needed before a rank correlation is read as a ridge.
MIN_POINTS = 4
#: Columns of :func:`identify`'s table.
COLUMNS = (
    "parameter",
    "prior_low",
    "prior_high",
    "low",
    "high",
    "share",
    "fitted",
    "status",
    "partner",
    "correlation",
    "note",
)


class Ranged(Protocol):
    """A parameter with a prior range (:class:`civsim.calibrate.Parameter`)."""

    @property
    def path(self) -> str:
        """The dotted path."""

    @property
    def low(self) -> float:
        """The low end of the prior range."""

    @property
    def high(self) -> float:
        """The high end of the prior range."""


def standing_range(values: pd.Series, low: float, high: float) -> tuple[float, float]:
    """The range not ruled out, from the standing points' ``values``, within ``[low, high]``.

    Examples
    --------
    >>> standing_range(pd.Series([0.2, 0.3, 0.4]), 0.0, 1.0)
    (0.1, 0.5)
    >>> standing_range(pd.Series([0.05, 0.5, 0.95]), 0.0, 1.0)
    (0.0, 1.0)
    """
    n = int(values.count())
    lo, hi = float(values.min()), float(values.max())
    step = (hi - lo) / (n - 1) if n > 1 else 0.0
    return round(max(low, lo - step), 12), round(min(high, hi + step), 12)


def identify(
    standing: pd.DataFrame,
    parameters: Sequence[Ranged],
    fitted: pd.Series | dict[str, Any],
    flat_share: float,
    ridge_correlation: float,
    ridge_p: float,
) -> pd.DataFrame:
    """Each parameter's standing range and verdict (``identified``, ``flat`` or ``ridged``).

    Parameters
    ----------
    standing : pandas.DataFrame
        The points not ruled out, one column per parameter (its path).
    parameters : sequence
        Each with ``path``, ``low`` and ``high`` (its prior range).
    fitted : mapping
        The fitted point's value of each parameter.
    flat_share : float
        A standing range covering at least this share of the prior range is flat.
    ridge_correlation : float
        A |Spearman correlation| at least this large between two parameters'
        standing values is a ridge (with :data:`MIN_POINTS` points at least)...
    ridge_p : float
        ...when its p-value is below this level (few points correlate by chance).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per parameter.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> x = np.linspace(0, 1, 9)
    >>> pts = pd.DataFrame({"a": x, "b": 1 - x, "c": 0.4 + 0.1 * np.sin(7 * x)})
    >>> ps = [P(path=n, low=0.0, high=1.0) for n in "abc"]
    >>> t = identify(pts, ps, {"a": 0.5, "b": 0.5, "c": 0.45}, 0.8, 0.7, 0.01)
    >>> t[["parameter", "status", "partner"]].values.tolist()
    [['a', 'ridged', 'b'], ['b', 'ridged', 'a'], ['c', 'identified', '']]
    >>> wide = pd.DataFrame({"a": [0.02, 0.5, 0.97]})
    >>> identify(wide, ps[:1], {"a": 0.5}, 0.8, 0.7, 0.01)["status"][0]
    'flat'
    """
    paths = [p.path for p in parameters]
    enough = len(standing) >= MIN_POINTS
    rows = []
    for p in parameters:
        low, high = standing_range(standing[p.path], p.low, p.high)
        share = (high - low) / (p.high - p.low)
        partner, rho, chance = "", np.nan, 1.0
        for other in paths:
            if other == p.path or not enough:
                continue
            r, pvalue = spearmanr(standing[p.path], standing[other])
            if np.isfinite(r) and (np.isnan(rho) or abs(r) > abs(rho)):
                partner, rho, chance = other, float(r), float(pvalue)
        if abs(rho) >= ridge_correlation and chance < ridge_p:
            status = "ridged"
            note = (
                f"ridged with {partner} (rank correlation {rho:+.2f}, p {chance:.2g}): the "
                f"targets pin a combination, not each; not ruled out over [{low:.4g}, {high:.4g}]"
            )
        elif share >= flat_share:
            status, partner = "flat", ""
            note = (
                f"flat: not ruled out over {share:.0%} of its range [{low:.4g}, {high:.4g}]; "
                "the targets hardly constrain it"
            )
        else:
            status, partner = "identified", ""
            note = (
                f"identified: not ruled out over [{low:.4g}, {high:.4g}], {share:.0%} of its range"
            )
        rows.append(
            (
                p.path,
                p.low,
                p.high,
                low,
                high,
                share,
                float(fitted[p.path]),
                status,
                partner,
                rho,
                note,
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
