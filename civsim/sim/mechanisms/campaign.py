"""The campaign profile: how routine effort is spread over the cycle, and what a surge costs.

Normal mode holds effort level. Campaign mode (运动式) ramps effort up over
the ``run_up_days`` before each year's *believed* inspection window to
``surge_multiplier`` times its base, holds it through the window, then drops
``overshoot`` below base and recovers with ``decay_half_life_days``. The
window is the evaluator's when the city knows the protocol (dates leak,
docs/domain.md §5): the window of the office inspecting that year, unless
that office does not announce it; else the city's own belief; with ``belief_error_days``
each year's believed opening is off by a normal error drawn per replication.
The profile is planned so the cycle's total effort equals normal mode's: the
same cost, spent differently.

A surge costs twice more. Fatigue: effort above normal builds a stock
(effort-days above normal) that recovers with a half-life and lowers the
effort delivered, ``planned x exp(-loss x stock)``, into the next year too.
Rushed work: each year's mean planned effort above normal raises the
negative list's incident rate (:mod:`.negative_list`). Parameters:
``simulation.campaign``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import WEEK, Run
from civsim.sim.registry import Mechanism

__all__ = [
    "MECHANISM",
    "CampaignPlan",
    "believed_windows",
    "effort_profile",
    "fatigue_stock",
    "plan",
]


@dataclass(frozen=True)
class CampaignPlan:
    """A campaign's effort over the cycle and what it costs in incidents.

    Attributes
    ----------
    planned : numpy.ndarray
        Planned routine effort per day, a multiple of normal (mean 1).
    effort : numpy.ndarray
        Effort delivered per day: the planned, less fatigue.
    rushed : numpy.ndarray
        Per year, the relative rise of negative-list incidents from rushed work.
    """

    planned: np.ndarray
    effort: np.ndarray
    rushed: np.ndarray


def believed_windows(scenario: Scenario) -> np.ndarray:
    """The day of year the city believes each year's inspection window opens (no error).

    The city believes the window of the office inspecting the year where it knows the
    protocol and the office announces its window, else its own belief.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> camp = load_scenario("scenarios/campaign_mode.yaml")
    >>> believed_windows(camp).tolist()
    [240, 240, 240]
    >>> blind = override(camp, {"simulation.campaign.knows_protocol": False,
    ...                         "simulation.campaign.belief_window_start_day": 100})
    >>> believed_windows(blind).tolist()
    [100, 100, 100]
    >>> central = override(camp, {"simulation.evaluation.central.window_shift_days": -40})
    >>> believed_windows(central).tolist()
    [240, 240, 200]
    """
    return np.array([w[0] for w in _believed(scenario)], dtype=np.int64)


def _believed(scenario: Scenario) -> list[tuple[int, int]]:
    """Each year's believed window: its first day of year and its length in days."""
    camp = scenario.simulation.campaign
    ev = scenario.simulation.evaluation
    own = (camp.belief_window_start_day, camp.belief_window_days)
    return [
        ev.window(year) if camp.knows_protocol and ev.office(year).announced else own
        for year in range(1, scenario.cycle.years + 1)
    ]


def effort_profile(scenario: Scenario, opens: np.ndarray | None = None) -> np.ndarray:
    """Planned routine effort per day of the cycle, as a multiple of normal effort (mean 1).

    Effort is planned per week: each week holds its first day's level.

    Parameters
    ----------
    scenario : Scenario
    opens : numpy.ndarray of int, optional
        The day of year each year's believed window opens
        (default :func:`believed_windows`).

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
    opens = believed_windows(scenario) if opens is None else opens
    lengths = [length for _, length in _believed(scenario)]
    t = np.arange(days, dtype=float)
    profile = np.ones(days)
    for year in range(scenario.cycle.years):
        w0 = year * scenario.cycle.days_per_year + int(opens[year])
        w1 = w0 + lengths[year]
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


def fatigue_stock(planned: np.ndarray, half_life_days: float) -> np.ndarray:
    """Effort-days above normal still unrecovered, per day.

    ``stock[t] = stock[t - 1] * 2 ** (-1 / half_life_days) + max(0, planned[t] - 1)``.

    Examples
    --------
    >>> fatigue_stock(np.array([1.0, 2.0, 2.0, 1.0, 0.5]), 1.0).tolist()
    [0.0, 1.0, 1.5, 0.75, 0.375]
    """
    keep = 2.0 ** (-1.0 / half_life_days)
    return lfilter([1.0], [1.0, -keep], np.maximum(planned - 1.0, 0.0))


def plan(scenario: Scenario, opens: np.ndarray | None = None) -> CampaignPlan:
    """The campaign's planned and delivered effort, and its rushed-work incident rise.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> camp = load_scenario("scenarios/campaign_mode.yaml")
    >>> p = plan(camp)
    >>> bool(p.effort.sum() < p.planned.sum()), bool((p.rushed > 0).all())
    (True, True)
    >>> rested = plan(override(camp, {"simulation.campaign.fatigue.enabled": False}))
    >>> bool((rested.effort == rested.planned).all())
    True
    """
    camp = scenario.simulation.campaign
    planned = effort_profile(scenario, opens)
    effort = planned
    if camp.fatigue.enabled:
        stock = fatigue_stock(planned, camp.fatigue.recovery_half_life_days)
        effort = planned * np.exp(-camp.fatigue.loss_per_surge_day * stock)
    years, per = scenario.cycle.years, scenario.cycle.days_per_year
    rushed = np.zeros(years)
    if camp.rushed_work.enabled:
        per_year = np.maximum(planned[: years * per] - 1.0, 0.0).reshape(years, per).mean(axis=1)
        rushed = camp.rushed_work.incident_rise * per_year
    return CampaignPlan(planned=planned, effort=effort, rushed=rushed)


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> CampaignPlan:
    return plan(scenario)


def _setup(run: Run) -> CampaignPlan:
    """The replication's plan: the prepared one, or one aimed at this replication's guesses."""
    camp = run.params.campaign
    if camp.mode == "normal" or camp.belief_error_days == 0:
        return run.part("campaign")
    sc = run.scenario
    error = run.rng("campaign_belief").normal(0.0, camp.belief_error_days, sc.cycle.years)
    opens = np.clip(np.rint(believed_windows(sc) + error), 0, sc.cycle.days_per_year - 1)
    return plan(sc, opens.astype(np.int64))


MECHANISM = Mechanism("campaign", prepare=_prepare, setup=_setup, streams=("campaign_belief",))
