"""The simulation's processes: SimPy generator functions, ``env`` first.

Organisational events (rounds of upkeep, self-checks, covert visits, citizen
reports, rectification, volunteer dispatch, evaluations, budget deliveries)
are processes here; the condition of every checkpoint is a numpy array that
they read and change (:mod:`civsim.sim.state`). One process serves all units'
queues or all districts' dispatch centres each day, vectorised over them,
because a process per unit or per checkpoint would cost far more events for
no difference in the model (DESIGN rule 1).

Within a day, processes run in the order :func:`civsim.sim.model.simulate`
starts them: upkeep, detection, rectification, volunteers, then evaluations.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

import numpy as np
import simpy

from civsim import scoring
from civsim.sim import kernels
from civsim.sim.state import EVENT_INDEX

if TYPE_CHECKING:
    from civsim.sim.model import Run

__all__ = [
    "budget_line",
    "covert_visits",
    "daily_reports",
    "evaluation",
    "rectification",
    "self_checks",
    "upkeep",
    "volunteer_dispatch",
]

Process = Generator[simpy.Event, None, None]
#: Effort levels and volunteer rosters are set per week (weekly work plans, 周计划).
WEEK = 7


def upkeep(env: simpy.Environment, run: Run) -> Process:
    """Advance every checkpoint one day: decay, then routine effort restores.

    ``c <- c * keep + k * u * (1 - c)`` with ``keep = 1 - decay * decay_mult``,
    ``u`` the checkpoint's upkeep at normal effort, and ``k`` the district's
    effort level: the campaign or normal profile (mean 1 over the cycle) times
    one plus the effort spare volunteers add (both set weekly: a weekly work
    plan). A day is one compiled pass, ``c <- c * (keep - k u) + k u``
    (:func:`civsim.sim.kernels.advance`). The shadow score is recorded every
    ``record_every_days``.
    """
    c = run.state.condition
    u = run.ckp.upkeep
    slices = [*run.ckp.district_slices, run.ckp.city_slice]
    bounds = np.array([sl.start for sl in slices] + [run.ckp.n], dtype=np.int64)
    while env.now < run.days:
        day = int(env.now)
        if day % run.record_every == 0:
            run.record_shadow(day)
        kernels.advance(c, run.keep, u, run.effort[day] * (1.0 + run.volunteer_effort), bounds)
        yield env.timeout(1)
    run.record_shadow(run.days)


def _new_problems(run: Run, found: np.ndarray, source: str) -> np.ndarray:
    """The found checkpoints (distinct) without an open order, in order; counted by source."""
    found = np.sort(found[~run.state.has_order[found]])
    run.count(source, len(found))
    return found


def _open_orders(run: Run, found: np.ndarray, source: str) -> None:
    """Open a rectification order for each newly found problem checkpoint."""
    found = _new_problems(run, found, source)
    if len(found):
        run.orders.open(found, int(run.env.now), run)


def _problems(run: Run, candidates: np.ndarray) -> np.ndarray:
    """The candidates whose condition is below the compliance threshold.

    A funded lift only raises the condition, so candidates already above the
    threshold unlifted are dropped before the lift is looked up.
    """
    candidates = candidates[run.state.condition[candidates] < run.threshold]
    return candidates[run.effective(candidates) < run.threshold]


def self_checks(env: simpy.Environment, run: Run) -> Process:
    """Mock tests (模拟测评): sample places, and review every material checkpoint."""
    det = run.params.detection
    rng = run.rngs["self_checks"]
    material = np.flatnonzero(~run.ckp.field)
    while True:
        yield env.timeout(det.self_check_interval_days)
        run.count("self_check", 1)
        sampled = run.sample_places(rng, det.self_check_places)
        _open_orders(run, _problems(run, sampled), "problem_self_check")
        _open_orders(run, _problems(run, material), "problem_material_review")


def covert_visits(env: simpy.Environment, run: Run) -> Process:
    """Covert visits (暗访) by supervisors: a smaller sample, at the same cadence all cycle."""
    det = run.params.detection
    rng = run.rngs["covert_visits"]
    while True:
        yield env.timeout(det.covert_visit_interval_days)
        run.count("covert_visit", 1)
        sampled = run.sample_places(rng, det.covert_visit_places)
        _open_orders(run, _problems(run, sampled), "problem_covert_visit")


def _looked_at(run: Run, stream: str, n_field: int, p: float) -> np.ndarray:
    """Field checkpoints looked at today, each with chance ``p`` (picked with replacement).

    Rather than a draw per checkpoint, draw how many are looked at (Binomial)
    and pick them at random: a cost proportional to the looks, not to the
    city's size. Returns 32-bit random words w, each picking checkpoint
    ``w * n_field >> 32`` (field checkpoints come first: ``0 .. n_field - 1``).
    """
    if p <= 0 or not n_field:
        return np.empty(0, dtype=np.uint32)
    return run.draws[stream].take(run.rngs[stream].binomial(n_field, p))


def daily_reports(env: simpy.Environment, run: Run) -> Process:
    """Problems found every day, each opening an order.

    Residents report problems they see (市民随手拍), each problem checkpoint
    with chance ``citizen_report_rate`` a day; a smart platform (一网统管) flags
    problems where it runs, as funded or switched on, with each checkpoint's
    own rate. Each source draws from its own stream; a problem both find is
    counted for the residents (:func:`civsim.sim.kernels.find_problems`), and
    the day's orders are opened together.
    """
    rate = run.params.detection.citizen_report_rate
    coins = run.draws["platform_thinning"]
    n_field = run.ckp.n_field
    while True:
        reported = _looked_at(run, "citizen_reports", n_field, rate)
        flagged = _looked_at(run, "platform", n_field, run.detect_max)
        coins.ensure(len(flagged))
        found, n_reported, coins.pos = kernels.find_problems(
            reported,
            flagged,
            n_field,
            coins.values,
            coins.pos,
            run.detect_max,
            run.state.detect_extra,
            run.state.condition,
            run.threshold,
            run.state.has_order,
            run.lift_size,
            run.lift_start,
            run.lift_days,
            run.is_lifted,
            int(env.now),
        )
        run.count("problem_citizen_report", n_reported)
        run.count("problem_platform", len(found) - n_reported)
        if len(found):
            run.orders.open(found, int(env.now), run)
        yield env.timeout(1)


def rectification(env: simpy.Environment, run: Run) -> Process:
    """Every lead unit works its queue: ready orders, first come first served, up to capacity.

    A unit's daily capacity is its staff x ``staff_share`` x
    ``orders_per_staff_day`` plus funded staff-days; a fraction carries over to
    the next day, but unused capacity is not banked beyond a day. Orders that
    wait for cooperating units are served from their ready day, ahead of the
    orders opened that day. A closed order restores its checkpoint to
    ``fixed_condition``.
    """
    rect = run.params.rectification
    base = run.ckp.holder_staff * rect.staff_share * rect.orders_per_staff_day
    credit = np.zeros_like(base)
    # unused capacity carries over, up to a day's worth
    capacity = (base + 1.0, base, run.extra_staff_days, rect.orders_per_staff_day)
    book = run.orders
    while True:
        day = int(env.now)
        book.work(credit, capacity, day, run)
        run.record_units(day, credit)
        yield env.timeout(1)


def volunteer_dispatch(env: simpy.Environment, run: Run) -> Process:
    """群众点单、中心派单、志愿者接单: requests queue at each district's centre, served by hours.

    Requests are served oldest first (:func:`civsim.sim.kernels.serve_requests`).
    Spare volunteer-hours go to civility work (文明劝导) that adds to the
    district's routine effort the next day.
    """
    vol = run.params.volunteers
    pop10k = run.ckp.district_population / 10_000
    # requests per day and district, drawn for the whole cycle at once (the same draws)
    arrivals = run.rngs["volunteers"].poisson(
        vol.requests_per_10k_per_day * pop10k, size=(run.days + 1, len(pop10k))
    )
    run.events[EVENT_INDEX["volunteer_request"], : run.days] = arrivals[: run.days].sum(axis=1)
    served_today = run.events[EVENT_INDEX["volunteer_served"]]
    pending = np.zeros((len(pop10k), run.days + 1), dtype=np.int64)
    head = np.zeros(len(pop10k), dtype=np.int64)
    field_count = np.array([sl.stop - sl.start for sl in run.ckp.district_slices], dtype=float)
    spare = np.zeros_like(field_count)
    while True:
        day = int(env.now)
        kernels.serve_requests(
            day,
            arrivals,
            run.volunteer_hours,
            vol.hours_per_request,
            pending,
            head,
            run.served,
            run.wait_sum,
            spare,
            served_today,
        )
        if (day + 1) % WEEK == 0:  # the week's spare hours set next week's effort
            run.volunteer_effort[:-1] = np.divide(
                vol.effort_per_hour * spare / WEEK,
                field_count,
                out=np.zeros_like(field_count),
                where=field_count > 0,
            )
            spare[:] = 0
        yield env.timeout(1)


def budget_line(env: simpy.Environment, run: Run, delivery) -> Process:
    """Deliver one funded project line in one district and year, month by month.

    Parameters
    ----------
    env : simpy.Environment
    run : Run
    delivery : civsim.sim.model.Delivery
        The line, its covered checkpoints and its monthly units and yuan.
    """
    yield env.timeout(delivery.start_day - env.now)
    for month, (units, yuan) in enumerate(zip(delivery.units, delivery.yuan, strict=True)):
        run.spend(delivery, month, int(yuan))
        if units:
            run.apply_effect(delivery, int(units))
        yield env.timeout(run.month_days)


def evaluation(env: simpy.Environment, run: Run) -> Process:
    """Evaluate each year: questionnaire, field inspection, material review, negative list.

    The covert field inspection comes on a date the city does not know; the
    negative list is drawn at year end.

    The inspection date is drawn uniformly inside the evaluation window; the
    city's campaign profile knows only the window.
    """
    ev = run.params.evaluation
    cyc = run.prep.scenario.cycle
    rng = run.rngs["evaluation"]
    negatives = run.ckp.points[run.ckp.points["negative"].astype(bool)]
    material = run.ckp.weights.get("material:city")
    for year in range(cyc.years):
        start = year * run.days_per_year
        visit = start + ev.window_start_day + int(rng.integers(0, ev.window_days))
        visit = min(visit, start + run.days_per_year - 1)
        moments = sorted(
            [
                (start + ev.survey_day, "survey"),
                (visit, "field"),
                (start + ev.material_review_day, "material"),
            ]
        )
        result: dict = {"year": year + 1, "visit_day": visit}
        for day, what in moments:
            yield env.timeout(max(0, min(day, start + run.days_per_year - 1) - env.now))
            if what == "field":
                run.count("evaluation_visit", 1)
                seen = run.sample_places(rng, ev.inspection_places)
                result["field"] = scoring.field_inspection(
                    run.effective(),
                    seen,
                    run.ckp.observations,
                    run.ckp.standard,
                    run.ckp.standard_points,
                    cyc.field_points,
                    rng,
                )
            elif what == "survey":
                sat = run.satisfaction(int(env.now))
                result["survey"], result["satisfaction"] = scoring.survey_score(
                    sat,
                    run.ckp.district_population,
                    run.params.survey.households,
                    cyc.survey_points,
                    run.rngs["survey"],
                )
            else:
                result["material"] = (
                    float((material[0] @ run.effective()).sum()) if (material is not None) else 0.0
                )
        yield env.timeout(max(0, start + run.days_per_year - 1 - env.now))
        field_mean = float(run.effective()[: run.ckp.n_field].mean())
        ref = run.params.survey.reference_condition
        risk = (1 - field_mean) / (1 - ref) if ref < 1 else 1.0
        deducted, disqualified, incidents = scoring.negative_list(
            negatives, risk, run.rngs["negative_list"]
        )
        run.count("negative_incident", incidents)
        total = result["material"] + result["field"] + result["survey"]
        result.update(
            deductions=deducted,
            disqualified=disqualified,
            incidents=incidents,
            score=max(0.0, total - deducted),
        )
        run.annual.append(result)
        run.close_year(year + 1)
        yield env.timeout(1)
