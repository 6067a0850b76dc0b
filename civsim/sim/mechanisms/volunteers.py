"""Volunteer service: 群众点单、中心派单、志愿者接单.

Residents' requests arrive at each district's centre (Poisson, per 10,000
residents a day) and are served oldest first by the day's volunteer-hours
(:func:`civsim.sim.kernels.serve_requests`); waits feed satisfaction
(:mod:`.satisfaction`). Spare volunteer-hours go to civility work (文明劝导),
which adds to the district's routine effort the next week (:mod:`.upkeep`).
Fundable effect: ``volunteer_hours`` (hours spread over the line's duration,
by residents). Parameters: ``simulation.volunteers``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import simpy

from civsim.sim import kernels
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "VolunteerState"]


@dataclass
class VolunteerState:
    """Hours, waits and services per district and day, and the effort spare hours add.

    ``effort`` has one entry per district and a last one for the city's
    material checkpoints (always 0).
    """

    hours: np.ndarray
    wait_sum: np.ndarray
    served: np.ndarray
    effort: np.ndarray


def _setup(run: Run) -> VolunteerState:
    nd, horizon = len(run.ckp.districts), run.days + 1
    pop10k = run.ckp.district_population / 10_000
    base_hours = run.params.volunteers.base_hours_per_10k_per_day * pop10k
    return VolunteerState(
        hours=np.repeat(base_hours[:, None], horizon, axis=1),
        wait_sum=np.zeros((nd, horizon)),
        served=np.zeros((nd, horizon)),
        effort=np.zeros(nd + 1),
    )


def volunteer_dispatch(env: simpy.Environment, run: Run) -> Process:
    """Serve each district's requests by the day's hours; spare hours set next week's effort."""
    vol = run.params.volunteers
    st: VolunteerState = run["volunteers"]
    pop10k = run.ckp.district_population / 10_000
    # requests per day and district, drawn for the whole cycle at once (the same draws)
    arrivals = run.rng("volunteers").poisson(
        vol.requests_per_10k_per_day * pop10k, size=(run.days + 1, len(pop10k))
    )
    run.counts("volunteer_request")[: run.days] = arrivals[: run.days].sum(axis=1)
    served_today = run.counts("volunteer_served")
    pending = np.zeros((len(pop10k), run.days + 1), dtype=np.int64)
    head = np.zeros(len(pop10k), dtype=np.int64)
    field_count = np.array([sl.stop - sl.start for sl in run.ckp.district_slices], dtype=float)
    spare = np.zeros_like(field_count)
    while True:
        day = int(env.now)
        kernels.serve_requests(
            day,
            arrivals,
            st.hours,
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


def _hours(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``volunteer_hours`` line adds its hours until ``end``, shared by residents."""
    w = run.ckp.district_population[d.district_index].astype(float)
    w = w / w.sum() if w.sum() else np.full(len(w), 1 / len(w))
    per_day = units * d.size / max(end - day, 1)
    run["volunteers"].hours[d.district_index, day:end] += (w * per_day)[:, None]


MECHANISM = Mechanism(
    "volunteers",
    setup=_setup,
    start=_start,
    streams=("volunteers",),
    events=("volunteer_request", "volunteer_served"),
    effects={"volunteer_hours": _hours},
    enabled=lambda scenario: scenario.simulation.volunteers.enabled,
)
