"""Member units' yearly reviews (述职), accountability (问责) and key projects (重点工程交办).

One SimPy process a year: on ``assign_day`` the member units whose led field
checkpoints are in the worst condition (as inspectors would see them) are
each given a key project with a deadline; each project is its own process.
It picks the unit's worst-kept led field checkpoints it has the staff-days
for, takes the share of the unit's staff that meets its deadline out of its
routine upkeep (the rectification review's rule,
:func:`.regulations.routine_factor`) until it is done, and then lifts those
checkpoints, the lift fading over a year. On ``review_day`` every member unit reports: its open
orders in days of its normal rectification capacity (the order book of
:mod:`.rectification` and the capacity of :mod:`.backlog`), the mean
condition of its led field checkpoints, and its key project. A unit over the
backlog bar, under the condition bar, or with a project past its deadline and
not done is held to account: the routine upkeep of every checkpoint it leads
is scaled by
:meth:`~civsim.scenario.schema.unit_reviews.UnitReviews.effort_after` until
the next review (more effort, less for each year held in a row, then
fatigue). All of it is paid in staff effort.

It records the ``unit_reviews`` table, one row per year and member unit. It
draws no random numbers. Parameters: ``simulation.unit_reviews``; off by
default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.mechanisms.regulations import routine_factor
from civsim.sim.registry import Mechanism, Process

__all__ = ["MECHANISM", "NAME", "Project", "ReviewPart", "ReviewState", "reviews"]

#: The mechanism's name and its state's key.
NAME = "unit_reviews"


@dataclass(frozen=True)
class ReviewPart:
    """What every replication shares.

    Attributes
    ----------
    led : list of numpy.ndarray
        Every checkpoint each member unit leads (its routine upkeep).
    led_field : list of numpy.ndarray
        Its led field checkpoints (its condition, its project's lift).
    staff : numpy.ndarray
        Each member unit's campaign staff.
    """

    led: list[np.ndarray]
    led_field: list[np.ndarray]
    staff: np.ndarray


@dataclass
class Project:
    """A key project: its unit, the days it was assigned and is due, and the day it was done."""

    unit: int
    assigned: int
    deadline: int
    done: int = -1


@dataclass
class ReviewState:
    """One replication's effort factors, reviews in a row each unit was held, projects, rows."""

    effort: np.ndarray
    streak: np.ndarray
    projects: list[Project] = field(default_factory=list)
    rows: list[dict] = field(default_factory=list)


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.unit_reviews.enabled


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> ReviewPart:
    ckp = city.checkpoints
    units = range(len(ckp.units))
    return ReviewPart(
        led=[np.flatnonzero(ckp.unit == u) for u in units],
        led_field=[np.flatnonzero(ckp.field & (ckp.unit == u)) for u in units],
        staff=ckp.holder_staff[: len(ckp.units)].astype(float),
    )


def _setup(run: Run) -> ReviewState:
    n = len(run.ckp.units)
    return ReviewState(effort=np.ones(n), streak=np.zeros(n, dtype=np.int64))


def _scale(run: Run, u: int, factor: float) -> None:
    """Multiply the routine upkeep of every checkpoint unit ``u`` leads by ``factor``."""
    part: ReviewPart = run.part(NAME)
    run["upkeep"].upkeep[part.led[u]] *= np.float32(factor)


def led_condition(run: Run) -> np.ndarray:
    """Mean condition of each unit's led field checkpoints, as inspectors see it (NaN: none)."""
    part: ReviewPart = run.part(NAME)
    seen = run.state.effective()
    return np.array([seen[i].mean() if len(i) else np.nan for i in part.led_field])


def project(env: simpy.Environment, run: Run, p: Project) -> Process:
    """A key project: its staff leave routine work until it is done, then its places are lifted.

    It renovates the unit's worst-kept led field checkpoints as inspectors see them
    on the day it is assigned, as many as its staff-days cover
    (:meth:`~civsim.scenario.schema.unit_reviews.UnitReviews.project_work`), with the
    share of the unit's staff that meets its deadline (``project_share``).
    """
    ur = run.params.unit_reviews
    part: ReviewPart = run.part(NAME)
    led = part.led_field[p.unit]
    n, work = ur.project_work(len(led))
    places = led[np.argsort(run.state.effective(led), kind="stable")[:n]]
    staff = float(part.staff[p.unit])
    rect = run.params.rectification
    routine = routine_factor(ur.project_share(staff, work), rect.routine_weight, rect.staff_share)
    days = ur.project_days(staff, work)
    _scale(run, p.unit, routine)
    if math.isinf(days) or env.now + days >= run.days:
        return  # not done within the cycle: its staff stay on it
    yield env.timeout(days)
    _scale(run, p.unit, 1.0 / routine)
    p.done = int(env.now)
    run.state.add_lift(np.sort(places), ur.project_lift, run.days_per_year, p.done)


def reviews(env: simpy.Environment, run: Run) -> Process:
    """Each year: assign the key projects, then review every member unit."""
    ur = run.params.unit_reviews
    st: ReviewState = run[NAME]
    # days of a shorter year than the days name fall on its last day, as the survey's end does
    last = run.days_per_year - 1
    assign_day, review_day = min(ur.assign_day, last), min(ur.review_day, last)
    for year in range(1, run.scenario.cycle.years + 1):
        start = (year - 1) * run.days_per_year
        yield env.timeout(start + assign_day - env.now)
        cond = led_condition(run)
        worst = [int(u) for u in np.argsort(np.nan_to_num(cond, nan=np.inf), kind="stable")]
        for u in [u for u in worst if not np.isnan(cond[u])][: ur.projects_per_year]:
            p = Project(unit=u, assigned=int(env.now), deadline=int(env.now) + ur.deadline_days)
            st.projects.append(p)
            env.process(project(env, run, p))
        yield env.timeout(start + review_day - env.now)
        review(run, year)


def review(run: Run, year: int) -> None:
    """The year's review (述职): who is held to account, and their effort until the next one."""
    ur = run.params.unit_reviews
    st: ReviewState = run[NAME]
    n = len(st.effort)
    day = int(run.env.now)
    open_orders, normal = np.zeros(n), np.ones(n)
    if "rectification" in run:
        rect = run["rectification"]
        open_orders = rect.orders.open_count()[:n].astype(float)
        normal = rect.backlog.normal[:n]
    backlog = np.divide(
        open_orders, normal, out=np.where(open_orders > 0, np.inf, 0.0), where=normal > 0
    )
    cond = led_condition(run)
    late = np.zeros(n, dtype=bool)
    mine: dict[int, Project] = {}
    for p in st.projects:
        if p.assigned // run.days_per_year == year - 1:
            mine[p.unit] = p
            late[p.unit] = p.done < 0 and day > p.deadline
    low = ~np.isnan(cond) & (cond < ur.condition_bar)
    held = (backlog > ur.backlog_bar_days) | low | late
    for u in range(n):
        factor = ur.effort_after(bool(held[u]), int(st.streak[u]))
        if factor != st.effort[u]:
            _scale(run, u, factor / st.effort[u])
            st.effort[u] = factor
        st.rows.append(
            {
                "year": year,
                "unit": str(run.ckp.units[u]),
                "open_orders": int(open_orders[u]),
                "backlog_days": float(backlog[u]),
                "condition": float(cond[u]),
                "project": u in mine,
                "late": bool(late[u]),
                "held": bool(held[u]),
                "effort": float(st.effort[u]),
            }
        )
    st.streak[:] = np.where(held, st.streak + 1, 0)


def _finish(run: Run) -> None:
    """Each review's rows, with the key project's days (-1: none, or not done)."""
    st: ReviewState = run[NAME]
    projects = {
        (p.assigned // run.days_per_year + 1, str(run.ckp.units[p.unit])): p for p in st.projects
    }
    for row in st.rows:
        p = projects.get((row["year"], row["unit"]))
        days = (p.assigned, p.deadline, p.done) if p is not None else (-1, -1, -1)
        run.records.unit_reviews.append(
            (
                row["year"],
                row["unit"],
                row["open_orders"],
                row["backlog_days"],
                row["condition"],
                row["project"],
                *days,
                row["late"],
                row["held"],
                row["effort"],
            )
        )


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(reviews(env, run))


MECHANISM = Mechanism(
    NAME, prepare=_prepare, setup=_setup, start=_start, finish=_finish, enabled=_on
)
