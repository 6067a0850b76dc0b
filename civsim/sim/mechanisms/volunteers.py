"""Volunteer service: 群众点单、中心派单、志愿者接单.

Residents' requests arrive at each district's centre (Poisson, per 10,000
residents a day, swinging over the year by ``request_seasonality`` around a
peak on ``request_peak_day``) and are served oldest first by the day's
volunteer-hours (:func:`civsim.sim.kernels.serve_requests`). Volunteers give
their hours mostly on weekends (``weekend_hours_share`` of a week's hours on
its two weekend days; day 0 is a Monday), so weekday requests wait for the
weekend, and more so in the busy season. A request not served within
``request_patience_days`` is dropped: the resident gives up, having waited
that long. Waits feed satisfaction (:mod:`.satisfaction`); the days waited by
the requests served or given up each day are the event ``volunteer_wait_days``. Spare
volunteer-hours go to civility work (文明劝导), which adds to the district's
routine effort the next week (:mod:`.upkeep`). Where the practice network
runs (:mod:`.practice_network`), requests reach the queue through its
levels, after each level's response time, and its sites' staff add
``steady`` hours every day of the week; without it the district dispatches
every request, which reaches the queue ``dispatch_days`` later. Fundable effect:
``volunteer_hours`` (hours spread over the line's duration, by residents).
Parameters: ``simulation.volunteers``.

Why: with the hours spread evenly over every day and a flat request rate,
the centres had a third more hours than their requests needed every day
(0.8 requests per 10,000 residents at 3 hours each, against 3 hours plus
funded ones), a day's Poisson surplus of requests was rare and cleared the
next day: waits averaged 0.0002 days and the wait penalty was inert. And
with dispatch taking no time without the network, wherever volunteers
answered within a day the network's response days could only add to the
wait (mobilisation: +0.046 days a request with the network on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim import kernels
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms import practice_network
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "VolunteerPart", "VolunteerState", "request_profile", "week_profile"]

#: Days of the week (0 = Monday) volunteers give their weekend hours on.
WEEKEND = (5, 6)


@dataclass(frozen=True)
class VolunteerPart:
    """What every replication shares: the weekly profile of hours, the yearly one of requests."""

    week: np.ndarray
    requests: np.ndarray


@dataclass
class VolunteerState:
    """Hours, waits and services per district and day, and the effort spare hours add.

    ``hours`` is each day's planned mean (base plus funded), before the weekly
    profile. ``wait_sum`` holds the days waited by the requests served or
    dropped that day; ``dropped`` the requests given up. ``effort`` has one
    entry per district and a last one for the city's material checkpoints
    (always 0). ``steady`` holds each district's hours a day given every day
    of the week alike, outside the weekly profile (the practice sites' staff;
    0 without them).
    """

    hours: np.ndarray
    offered: np.ndarray
    wait_sum: np.ndarray
    served: np.ndarray
    dropped: np.ndarray
    effort: np.ndarray
    steady: np.ndarray


def week_profile(weekend_share: float) -> np.ndarray:
    """Each weekday's volunteer-hours as a multiple of the week's daily mean (day 0 a Monday).

    Examples
    --------
    >>> week_profile(0.5).round(3).tolist()
    [0.7, 0.7, 0.7, 0.7, 0.7, 1.75, 1.75]
    >>> bool(np.allclose(week_profile(2 / 7), 1.0))
    True
    """
    weekend = np.isin(np.arange(WEEK), WEEKEND)
    share = np.where(weekend, weekend_share / len(WEEKEND), (1 - weekend_share) / (WEEK - 2))
    return share * WEEK


def request_profile(days: int, days_per_year: int, amplitude: float, peak_day: int) -> np.ndarray:
    """Residents' requests per day as a multiple of the yearly mean: a yearly swing.

    Examples
    --------
    >>> p = request_profile(730, 365, 0.2, 30)
    >>> round(float(p[30]), 3), round(float(p[30 + 182]), 3), round(float(p.mean()), 3)
    (1.2, 0.8, 1.0)
    """
    phase = 2 * np.pi * (np.arange(days) % days_per_year - peak_day) / days_per_year
    return 1 + amplitude * np.cos(phase)


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> VolunteerPart:
    vol = scenario.simulation.volunteers
    cyc = scenario.cycle
    return VolunteerPart(
        week=week_profile(vol.weekend_hours_share),
        requests=request_profile(
            cyc.days + 1, cyc.days_per_year, vol.request_seasonality, vol.request_peak_day
        ),
    )


def _setup(run: Run) -> VolunteerState:
    nd, horizon = len(run.ckp.districts), run.days + 1
    pop10k = run.ckp.district_population / 10_000
    base_hours = run.params.volunteers.base_hours_per_10k_per_day * pop10k
    return VolunteerState(
        hours=np.repeat(base_hours[:, None], horizon, axis=1),
        offered=np.zeros((nd, horizon)),
        wait_sum=np.zeros((nd, horizon)),
        served=np.zeros((nd, horizon)),
        dropped=np.zeros((nd, horizon)),
        effort=np.zeros(nd + 1),
        steady=np.zeros(nd),
    )


def volunteer_dispatch(env: simpy.Environment, run: Run) -> Process:
    """Serve each district's requests by the day's hours; spare hours set next week's effort.

    Requests older than the residents' patience are dropped before the day's
    service, each counted as waiting ``request_patience_days``.
    """
    vol = run.params.volunteers
    part: VolunteerPart = run.part("volunteers")
    st: VolunteerState = run["volunteers"]
    pop10k = run.ckp.district_population / 10_000
    # requests per day and district, drawn for the whole cycle at once (the same draws)
    arrivals = run.rng("volunteers").poisson(
        vol.requests_per_10k_per_day * pop10k[None, :] * part.requests[:, None],
        size=(run.days + 1, len(pop10k)),
    )
    patience = vol.request_patience_days
    run.counts("volunteer_request")[: run.days] = arrivals[: run.days].sum(axis=1)
    arrivals = practice_network.route(run, arrivals)  # through the network, or the district
    served_today = run.counts("volunteer_served")
    pending = np.zeros((len(pop10k), run.days + 1), dtype=np.int64)
    head = np.zeros(len(pop10k), dtype=np.int64)
    field_count = np.array([sl.stop - sl.start for sl in run.ckp.district_slices], dtype=float)
    spare = np.zeros_like(field_count)
    while True:
        day = int(env.now)
        if day >= patience:  # the requests of `patience` days ago are given up unserved
            gone = pending[:, day - patience]
            st.dropped[:, day] = gone
            st.wait_sum[:, day] += gone * patience  # beside days waited for the network
            run.count("volunteer_request_dropped", int(gone.sum()))
            gone[:] = 0
        st.offered[:, day] = st.hours[:, day] * part.week[day % WEEK] + st.steady
        kernels.serve_requests(
            day,
            arrivals,
            st.offered,
            vol.hours_per_request,
            pending,
            head,
            st.served,
            st.wait_sum,
            spare,
            served_today,
        )
        if (day + 1) % WEEK == 0:  # the week's spare hours set next week's effort
            st.effort[:-1] = np.divide(
                vol.effort_per_hour * spare / WEEK,
                field_count,
                out=np.zeros_like(field_count),
                where=field_count > 0,
            )
            spare[:] = 0
        yield env.timeout(1)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(volunteer_dispatch(env, run))


def _finish(run: Run) -> None:
    """Count the days waited by the requests served or given up each day (an event tally)."""
    waited = run["volunteers"].wait_sum[:, : run.days].sum(axis=0)
    run.counts("volunteer_wait_days")[: run.days] += np.rint(waited).astype(np.int64)


def _hours(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``volunteer_hours`` line adds its hours until ``end``, shared by residents."""
    w = run.ckp.district_population[d.district_index].astype(float)
    w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    per_day = units * d.size / max(end - day, 1)
    run["volunteers"].hours[d.district_index, day:end] += (w * per_day)[:, None]


MECHANISM = Mechanism(
    "volunteers",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    finish=_finish,
    streams=("volunteers",),
    events=(
        "volunteer_request",
        "volunteer_served",
        "volunteer_request_dropped",
        "volunteer_wait_days",
    ),
    effects={"volunteer_hours": _hours},
    enabled=lambda scenario: scenario.simulation.volunteers.enabled,
)
