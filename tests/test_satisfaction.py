"""Residents' satisfaction as experienced: memory, service, volunteer waits, the survey period."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import variant

from civsim.sim import prepare, simulate
from civsim.sim.draws import replication_seed
from civsim.sim.engine import Run, _switched_on
from civsim.sim.mechanisms.satisfaction import remembered, satisfaction, survey_satisfaction


def _run(prep, until: int = 0, start: tuple[str, ...] | None = None) -> Run:
    """Replication 0 run up to ``until`` with the processes of ``start`` (all when not given)."""
    run = Run(prep, replication_seed(prep.scenario.seed, 0))
    for mechanism in _switched_on(prep):
        if mechanism.start is not None and (start is None or mechanism.name in start):
            mechanism.start(run.env, run)
    if until > 0:
        run.env.run(until=until)
    return run


def _survey(run: Run):
    """The run's survey parameters."""
    return run.params.survey


def test_satisfaction_remembers_the_condition_with_its_half_life(county_prep) -> None:
    """A jump in condition moves satisfaction halfway in one half-life; days between interpolate."""
    run = _run(county_prep)
    sv = _survey(run)
    nd = len(run.ckp.districts)
    low, high = np.full(nd, 0.6), np.full(nd, 0.9)
    h = int(sv.memory_half_life_days)
    assert h == sv.memory_half_life_days  # the check below lands on the half-life exactly
    first = satisfaction(run, 0, low)
    later = satisfaction(run, h, high)

    def level(condition: float) -> float:
        # no report, no request, no publicity: service at its reference, no wait
        return sv.base_satisfaction + sv.condition_weight * (condition - sv.reference_condition)

    np.testing.assert_allclose(first, level(0.6))
    np.testing.assert_allclose(later, level((0.6 + 0.9) / 2))  # not the day's 0.9
    np.testing.assert_allclose(satisfaction(run, h // 2), (first + later) / 2)
    np.testing.assert_allclose(satisfaction(run, h, low), later)  # a day is remembered once


def test_service_is_the_share_of_reported_problems_acted_on_in_time(county_prep) -> None:
    """Closed within the patience: acted on; late or never: not; counted once the patience ends."""
    run = _run(county_prep)
    sv = _survey(run)
    patience = sv.report_patience_days
    nd = len(run.ckp.districts)
    ref = np.full(nd, sv.reference_condition)
    reported = np.arange(run.ckp.district_slices[0].start, run.ckp.district_slices[0].start + 4)
    book = run["rectification"].orders
    book.n = 4
    run["detection"].reports.append((0, reported, 0, 4))
    satisfaction(run, 0, ref)
    book.closed[0] = 3  # on time
    satisfaction(run, patience, ref)  # their last day: not counted yet
    np.testing.assert_allclose(remembered(run)["resolved"], sv.reference_resolved_share)
    book.closed[1], book.closed[3] = patience + 1, patience  # late; on its last day
    sat = satisfaction(run, patience + 1, ref)  # the third was never closed
    share = 2 / 4
    expected = sv.base_satisfaction + sv.service_weight * (share - sv.reference_resolved_share)
    np.testing.assert_allclose(sat[0], expected)
    np.testing.assert_allclose(sat[1:], sv.base_satisfaction)  # nothing reported there


def test_without_rectification_no_report_is_acted_on_and_residents_are_less_satisfied(
    county,
) -> None:
    """Rectification off: the remembered resolved share is 0 and every year's satisfaction falls."""
    off = variant(county, "no_rectification", rectification={"enabled": False})
    run = _run(prepare(off), until=off.cycle.days)
    assert (remembered(run)["resolved"] == 0).all()
    on = simulate(prepare(county), replication=0)
    without = simulate(prepare(off), replication=0)
    assert (
        without.annual["satisfaction"].to_numpy() < on.annual["satisfaction"].to_numpy() - 0.05
    ).all()


def test_shipped_service_and_waits_reach_satisfaction(county_prep) -> None:
    """In the shipped county both service terms move: some orders late, some requests wait."""
    run = _run(county_prep, until=county_prep.scenario.cycle.days)
    memory = remembered(run)
    assert ((memory["resolved"] > 0.3) & (memory["resolved"] < 1.0)).all()
    assert (memory["wait"] > 0.05).all()


def _volunteer_run(county, **volunteers) -> Run:
    """The county's volunteer dispatch alone (base hours, no funded ones) over the cycle."""
    sc = variant(county, "volunteers", volunteers=volunteers)
    return _run(prepare(sc), until=sc.cycle.days, start=("volunteers",))


def _mean_wait(run: Run) -> float:
    """Mean days a request waited, served or dropped."""
    vol = run["volunteers"]
    return float(vol.wait_sum.sum() / (vol.served.sum() + vol.dropped.sum()))


def test_requests_wait_because_volunteers_come_at_weekends(county) -> None:
    """Hours and requests spread evenly leave almost no wait; weekend hours and a season do.

    Dispatch is instant here, so the waits are the queue's alone.
    """
    even = _volunteer_run(
        county, weekend_hours_share=2 / 7, request_seasonality=0.0, dispatch_days=0
    )
    clustered = _volunteer_run(county, dispatch_days=0)
    assert _mean_wait(even) < 0.05  # a day's Poisson surplus, cleared the next day
    assert _mean_wait(clustered) > 10 * _mean_wait(even)
    # the same requests (one stream) and the same hours a week: only their timing differs
    assert even["volunteers"].offered.sum() == pytest.approx(
        clustered["volunteers"].offered.sum(), rel=0.01
    )


def test_requests_past_the_residents_patience_are_dropped(county) -> None:
    """Too few hours: the backlog stays bounded, no request waits longer than the patience."""
    base = county.simulation.volunteers
    run = _volunteer_run(county, base_hours_per_10k_per_day=base.base_hours_per_10k_per_day / 4)
    vol, patience = run["volunteers"], base.request_patience_days
    requests = run.counts("volunteer_request")[: run.days].sum()
    assert vol.dropped.sum() > 0.2 * requests
    assert vol.served.sum() + vol.dropped.sum() <= requests
    # what is left at the end was made within the last `patience` days and the dispatch's
    within = patience + base.dispatch_days
    left = requests - vol.served.sum() - vol.dropped.sum()
    assert left <= run.counts("volunteer_request")[run.days - within : run.days].sum()
    assert _mean_wait(run) <= within
    assert run.counts("volunteer_request_dropped").sum() == vol.dropped.sum()


def test_the_questionnaire_averages_satisfaction_over_its_period(county) -> None:
    """Households interviewed across the period: the survey reads the period's mean, not one day."""
    sc = variant(
        county,
        "survey_period",
        campaign={"mode": "campaign"},
        survey={"memory_half_life_days": 7.0, "households": 1_000_000, "period_days": 42},
    )
    run = _run(prepare(sc), until=sc.cycle.days_per_year)
    # the questionnaire's first day, as the protocol drew it
    first, days = run.records.annual[0]["survey_day"], sc.simulation.survey.period_days
    # the recorded (weekly) satisfaction, interpolated over the period, by population
    pop = run.ckp.district_population / run.ckp.district_population.sum()
    recorded = np.array([day for day, _, _ in run.records.shadow])
    city = np.array([sat @ pop for _, _, sat in run.records.shadow])
    period = np.arange(first, first + days)
    expected = np.interp(period, recorded, city).mean()
    surveyed = run.records.annual[0]["satisfaction"]
    assert surveyed == pytest.approx(expected, abs=0.002)
    # scored on the period's last day, which reads otherwise
    assert abs(np.interp(first + days - 1, recorded, city) - expected) > 0.01
    np.testing.assert_allclose(
        survey_satisfaction(run, first, days) @ pop, expected, atol=1e-3
    )  # interpolated between the same looks
