"""The negative list (负面清单): incidents that deduct points or disqualify the city.

At each year's end, every negative standard has incidents at its
``incidents_per_year`` rate, scaled by how far the field condition has fallen
below the reference condition and raised by the year's rushed surge work
(:mod:`.campaign`; :func:`civsim.scoring.incident_risk`,
:func:`civsim.scoring.negative_list`), and, where the integrity lists are
published, lowered for the listing unit's standards (:mod:`.integrity_lists`). The
evaluation (:mod:`.evaluation`) calls :func:`year_incidents`.
"""

from __future__ import annotations

import pandas as pd

from civsim import scoring
from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "year_incidents"]


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> pd.DataFrame:
    points = city.checkpoints.points
    return points[points["negative"].astype(bool)]


def year_incidents(run: Run) -> tuple[float, bool, int]:
    """The year's deductions, whether the city is disqualified, and the incidents."""
    field_mean = float(run.state.effective()[: run.ckp.n_field].mean())
    year = min(int(run.env.now) // run.days_per_year, run.scenario.cycle.years - 1)
    # a surge's rushed work raises the year's incidents (:mod:`.campaign`)
    rushed = float(run["campaign"].rushed[year]) if "campaign" in run else 0.0
    risk = scoring.incident_risk(field_mean, run.params.survey.reference_condition, rushed)
    standards = run.part("negative_list")
    if "integrity_lists" in run:  # published credit lists avoid some (:mod:`.integrity_lists`)
        standards = run.part("integrity_lists").negative[year]
    deducted, disqualified, incidents = scoring.negative_list(
        standards, risk, run.rng("negative_list")
    )
    run.count("negative_incident", incidents)
    return deducted, disqualified, incidents


MECHANISM = Mechanism(
    "negative_list", prepare=_prepare, streams=("negative_list",), events=("negative_incident",)
)
