"""The campaign profile: how routine effort is spread over the cycle.

Normal mode holds effort level. Campaign mode (运动式) ramps effort up over
the ``run_up_days`` before each year's expected inspection window to
``surge_multiplier`` times its base, holds it through the window, then drops
``overshoot`` below base and recovers with ``decay_half_life_days``. The
profile is scaled so the cycle's total effort equals normal mode's: the same
cost, spent differently. Parameters: ``simulation.campaign``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import WEEK
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "effort_profile"]


def effort_profile(scenario: Scenario) -> np.ndarray:
    """Routine effort per day of the cycle, as a multiple of normal effort (mean 1).

    Effort is planned per week: each week holds its first day's level.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> p = effort_profile(load_scenario("scenarios/campaign_mode.yaml"))
    >>> round(float(p.mean()), 6), bool(p.max() > 1.5 * p.min())
    (1.0, True)
    >>> bool((effort_profile(load_scenario("scenarios/baseline.yaml")) == 1).all())
    True
    """
    days = scenario.cycle.days
    camp = scenario.simulation.campaign
    if camp.mode == "normal":
        return np.ones(days)
    ev = scenario.simulation.evaluation
    t = np.arange(days, dtype=float)
    profile = np.ones(days)
    for year in range(scenario.cycle.years):
        w0 = year * scenario.cycle.days_per_year + ev.window_start_day
        w1 = w0 + ev.window_days
        ramp = (t >= w0 - camp.run_up_days) & (t < w0)
        profile[ramp] = 1 + (camp.surge_multiplier - 1) * (
            (t[ramp] - (w0 - camp.run_up_days)) / max(camp.run_up_days, 1)
        )
        profile[(t >= w0) & (t < w1)] = camp.surge_multiplier
        after = t >= w1
        dip = camp.overshoot * np.exp(-math.log(2) * (t[after] - w1) / camp.decay_half_life_days)
        profile[after] = np.minimum(profile[after], 1 - dip)
    weekly = profile[(np.arange(days) // WEEK) * WEEK]
    return weekly / weekly.mean()


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> np.ndarray:
    return effort_profile(scenario)


MECHANISM = Mechanism("campaign", prepare=_prepare)
