"""What a replication records for its result tables, as plain lists.

The mechanisms append to these as the run goes;
:func:`civsim.sim.tables.build_run_result` turns them into tidy tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from civsim.checkpoints import Checkpoints

__all__ = ["Records"]


@dataclass
class Records:
    """The recorders of one replication.

    Attributes
    ----------
    shadow : list of (day, group scores, satisfaction by district)
        The weekly shadow record (see :meth:`Checkpoints.record`).
    cond_sum, cond_records
        Running sum and count of the weekly condition means of this year.
    conditions : list of tuple
        ``(year, district, place_type, mean, end, checkpoints)`` per year.
    units : list of (day, open orders, spare capacity)
        Each holder's queue on recording days.
    defects : list of (day, open, minor, severity)
        Open defects per district on recording days: how many, how many of
        them minor, and their summed severity.
    spend : list of tuple
        ``(year, month, line, district, yuan)`` paid.
    allocated : list of DataFrame
        Each year's allocation rows as funded.
    annual : list of dict
        Each year's evaluation result.
    districts : list of dict
        Each district's year-end result (``year, district, satisfaction, field``).
    cycle : dict
        The cycle's outcome (:func:`civsim.scoring.cycle_outcome`).
    orders : DataFrame or None
        Every rectification order and its status at the end of the cycle.
    survey_item_shares : Series
        Each survey item's share of the survey points (to split the survey's shadow).
    mock_tests : list of (day, checkpoints sampled, score)
        Every mock test's sample scored as the field inspection would (0..1).
    civilization_index : list of tuple
        ``(day, district, dimension, score, rank, raised)`` per publication of
        the civilization index (:mod:`civsim.sim.mechanisms.civilization_index`).
    village_coverage : list of tuple
        Each plan year's and urban village's coverage
        (:data:`civsim.sim.mechanisms.urban_villages.COLUMNS`).
    unit_reviews : list of tuple
        Each year's review of each member unit (:data:`civsim.sim.tables.REVIEW_COLUMNS`).
    """

    cond_sum: np.ndarray
    cond_records: int = 0
    shadow: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    conditions: list[tuple[Any, ...]] = field(default_factory=list)
    units: list[tuple[int, np.ndarray, np.ndarray]] = field(default_factory=list)
    defects: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    spend: list[tuple[Any, ...]] = field(default_factory=list)
    allocated: list[pd.DataFrame] = field(default_factory=list)
    annual: list[dict[str, Any]] = field(default_factory=list)
    districts: list[dict[str, Any]] = field(default_factory=list)
    cycle: dict[str, Any] = field(default_factory=dict)
    orders: pd.DataFrame | None = None
    survey_item_shares: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    mock_tests: list[tuple[int, int, float]] = field(default_factory=list)
    civilization_index: list[tuple[Any, ...]] = field(default_factory=list)
    village_coverage: list[tuple[Any, ...]] = field(default_factory=list)
    unit_reviews: list[tuple[Any, ...]] = field(default_factory=list)

    @classmethod
    def empty(cls, ckp: Checkpoints) -> Records:
        """Recorders with nothing recorded yet."""
        return cls(cond_sum=np.zeros(len(ckp.condition_count)))
