"""Outcomes: what an experiment reads from each replication of a variant.

One row per replication, from the same per-replication table a comparison
builds (:func:`civsim.results.build_comparison`), so an experiment's cycle
score, title, spend, satisfaction and backlog mean what they mean in a report;
``above_quota`` adds whether the cycle score reached the quota line (the score
with a one-in-two chance of the title against the scenario's peers).
"""

from __future__ import annotations

import pandas as pd

from civsim.experiments import quota_score
from civsim.results import RunResult, build_comparison
from civsim.scenario import Scenario

__all__ = ["OUTCOMES", "replication_outcomes"]

#: The outcomes of a replication, in order.
OUTCOMES = (
    "cycle_score",
    "title",
    "above_quota",
    "disqualified",
    "yuan",
    "unspent_yuan",
    "satisfaction",
    "open_orders",
    "late_share",
)


def replication_outcomes(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """The outcomes of each replication in ``result``, a run of ``scenario``.

    Returns
    -------
    pandas.DataFrame
        ``replication`` and :data:`OUTCOMES`; ``title``, ``above_quota`` and
        ``disqualified`` as 0/1 floats, so means are shares.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> from civsim.sim import prepare, simulate
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> out = replication_outcomes(simulate(prepare(county), seed=1, replication=0), county)
    >>> out.columns.tolist()[:4], len(out)
    (['replication', 'cycle_score', 'title', 'above_quota'], 1)
    """
    line = quota_score(scenario.simulation.evaluation)
    per = build_comparison(result, {scenario.name: line}).replications
    per = per.assign(above_quota=per["cycle_score"] >= line)
    flags = {c: "float64" for c in ("title", "above_quota", "disqualified")}
    return per[["replication", *OUTCOMES]].astype(flags).reset_index(drop=True)
