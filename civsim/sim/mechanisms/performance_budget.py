"""The performance-linked budget (评估结果与财政投入挂钩): next year's money follows results.

When the scenario's budget policy is ``performance``, each year's district
results (expected field points plus residents' satisfaction times the survey
points) re-allocate the next year's fund (:func:`civsim.budget.performance`);
:mod:`.deliveries` then delivers that allocation instead of the plan.
Parameters: ``budget.policy``, ``budget.performance_link``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from civsim.budget import performance
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "PerformanceState"]


@dataclass
class PerformanceState:
    """Each re-allocated year's allocation table, by year."""

    next: dict[int, pd.DataFrame] = field(default_factory=dict)


def _on(scenario: Scenario) -> bool:
    return scenario.budget is not None and scenario.budget.policy == "performance"


def _setup(run: Run) -> PerformanceState:
    return PerformanceState()


def _reallocate(run: Run, year: int) -> None:
    """Re-allocate next year's fund from this year's district results."""
    if year >= run.scenario.cycle.years or run.prep.budget_inputs is None:
        return
    results = pd.DataFrame([r for r in run.records.districts if r["year"] == year])
    # a district's result: its expected field points plus its residents' satisfaction points
    results["score"] = results["field"] + results["satisfaction"] * run.scenario.cycle.survey_points
    run["performance_budget"].next[year + 1] = performance(
        run.prep.budget_inputs, year + 1, previous=results[["district", "score"]]
    )


MECHANISM = Mechanism("performance_budget", enabled=_on, setup=_setup, year_end=_reallocate)
