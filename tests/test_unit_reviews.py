"""Unit reviews: projects take staff, then lift; a unit held to account works harder, then tires."""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim import inertness
from civsim.errors import ScenarioError
from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.reality import Trial, no_inert_parameter
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim import prepare
from civsim.sim.mechanisms import unit_reviews
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

UR = "simulation.unit_reviews"
#: Replications of the paired comparison (the county: about a second each).
REPS = 3


_on = switch(UR)


_run_at = fresh_run


def test_effort_rises_when_held_less_each_year_and_falls_below_normal_after(county) -> None:
    """Held: 1 + gain, halved for each year in a row; released: 1 - fatigue * gain; else 1."""
    ur = _on(county, effort_gain=0.2, fatigue=0.5).simulation.unit_reviews
    assert ur.effort_after(True, 0) == pytest.approx(1.2)
    assert ur.effort_after(True, 1) == pytest.approx(1.1)
    assert ur.effort_after(True, 2) == pytest.approx(1.05)
    assert ur.effort_after(False, 1) == ur.effort_after(False, 3) == pytest.approx(0.9)
    assert ur.effort_after(False, 0) == 1.0
    assert ur.project_days(0, 400.0) == float("inf")


def test_a_project_is_as_large_as_its_places_and_staffed_to_its_deadline(county) -> None:
    """Work: 0.5 staff-days a checkpoint up to 400; staff: what meets 180 days, 0.1 .. 0.3."""
    ur = _on(county).simulation.unit_reviews
    assert ur.project_work(14) == (14, 7.0)  # the county's commerce bureau: all its 14
    assert ur.project_work(69_504) == (800, 400.0)  # urban management: its 800 worst
    # 40 staff need 400 / (40 * 180) = 0.056 of themselves: the least share, 0.1, done in 100
    assert ur.project_share(40, 400.0) == 0.1 and ur.project_days(40, 400.0) == 100.0
    # 20 staff need 0.111: exactly the deadline
    assert ur.project_share(20, 400.0) == pytest.approx(1 / 9)
    assert ur.project_days(20, 400.0) == 180.0
    # 5 staff would need 0.44: at most 0.3, 1.5 a day, 267 days, late
    assert ur.project_share(5, 400.0) == 0.3 and ur.project_days(5, 400.0) == 267.0
    with pytest.raises(ScenarioError, match="must not exceed max_project_staff_share"):
        _on(county, project_staff_share=0.4)


def test_a_key_project_takes_routine_staff_then_lifts_the_unit_s_places(county) -> None:
    """While it runs, the unit's upkeep is scaled by the routine factor; done: restored, lifted.

    The lift goes to the unit's worst-kept led field checkpoints, as many as the work covers.
    """
    sc = _on(county, projects_per_year=1, project_staff_days=200.0)
    ur = sc.simulation.unit_reviews
    run = _run_at(sc)
    part = run.part(unit_reviews.NAME)
    before = run["upkeep"].upkeep.copy()
    u = max(range(len(part.led_field)), key=lambda i: len(part.led_field[i]))
    field = part.led_field[u]
    n, work = ur.project_work(len(field))
    assert 0 < n < len(field)  # a project too small for all its places
    # give the unit its n worst places, unmistakably
    run.state.condition[field] = 0.9
    worst = np.sort(np.random.default_rng(1).choice(field, n, replace=False))
    run.state.condition[worst] = 0.2
    p = unit_reviews.Project(unit=u, assigned=0, deadline=180)
    run.env.process(unit_reviews.project(run.env, run, p))
    run.env.run(until=1)
    led = part.led[u]
    rect = sc.simulation.rectification
    staff = float(part.staff[u])
    share = work / (staff * ur.deadline_days)  # what meets the deadline, if in bounds
    share = min(max(share, ur.project_staff_share), ur.max_project_staff_share)
    assert share > ur.project_staff_share  # the deadline asks more than the least share
    # the rectification review's rule: share s of staff, of which only staff_share work orders
    routine = 1 - rect.routine_weight * share / (1 - rect.staff_share)
    np.testing.assert_allclose(run["upkeep"].upkeep[led], before[led] * routine, rtol=1e-6)
    days = ur.project_days(staff, work)
    run.env.run(until=days + 1)
    assert p.done == days
    np.testing.assert_allclose(run["upkeep"].upkeep[led], before[led], rtol=1e-5)
    assert (
        np.flatnonzero(run.state.is_lifted[field]).tolist()
        == np.searchsorted(field, worst).tolist()
    )
    assert run.state.lift_size[worst] == pytest.approx(ur.project_lift)


def test_the_review_holds_to_account_by_backlog_score_and_late_project(county) -> None:
    """A bar of condition 1.0 holds every unit; a bar of 0 and no backlog bar holds none."""
    for bar, expect in ((1.0, True), (0.0, False)):
        sc = _on(county, condition_bar=bar, backlog_bar_days=1e9, projects_per_year=0)
        run = _run_at(sc)
        before = run["upkeep"].upkeep.copy()
        run.env.run(until=1)
        unit_reviews.review(run, 1)
        st = run[unit_reviews.NAME]
        has_field = np.array([len(i) > 0 for i in run.part(unit_reviews.NAME).led_field])
        assert ((st.streak[has_field] == 1) == expect).all()
        part = run.part(unit_reviews.NAME)
        u = int(np.flatnonzero(has_field)[0])
        gain = 1 + sc.simulation.unit_reviews.effort_gain if expect else 1.0
        np.testing.assert_allclose(
            run["upkeep"].upkeep[part.led[u]], before[part.led[u]] * gain, rtol=1e-5
        )
    # a project past its deadline and not done holds its unit, whatever its places
    sc = _on(county, condition_bar=0.0, backlog_bar_days=1e9, projects_per_year=0)
    run = _run_at(sc)
    run[unit_reviews.NAME].projects.append(unit_reviews.Project(unit=2, assigned=0, deadline=5))
    run.env.run(until=10)
    unit_reviews.review(run, 1)
    held = run[unit_reviews.NAME].streak == 1
    assert held.tolist() == [u == 2 for u in range(len(run.ckp.units))]


def test_reviews_raise_condition_at_the_units_places(county) -> None:
    """On common random numbers: the field condition rises; the table tells who was held."""
    on = _on(county)
    base, reviewed = (replicate(sc, REPS, seed=5, progress=False) for sc in (county, on))
    stat = STATISTICS["field_condition"]
    assert (stat(reviewed, on).to_numpy() > stat(base, on).to_numpy()).all()
    t = reviewed.unit_reviews
    n_units = len(county.organisation.units)
    assert len(t) == REPS * 3 * n_units and base.unit_reviews.empty
    per_year = t[t["project"]].groupby(["replication", "year"]).size()
    assert (per_year == on.simulation.unit_reviews.projects_per_year).all()
    done = t[t["project"] & (t["done_day"] >= 0)]
    assert (done["done_day"] > done["assigned_day"]).all()
    assert t["held"].any() and (t.loc[t["held"], "effort"] > 1).all()
    # a unit held two years running gains less the second year
    again = t[t["held"]].merge(t[t["held"]], on=["replication", "unit"], suffixes=("", "_next"))
    again = again[again["year_next"] == again["year"] + 1]
    assert len(again) and (again["effort_next"] < again["effort"]).all()


def test_bad_settings_are_refused(county) -> None:
    """Fatigue that would leave no upkeep, or projects assigned after the review, are refused."""
    with pytest.raises(ScenarioError, match="fatigue"):
        _on(county, effort_gain=2.0, fatigue=0.6)
    with pytest.raises(ScenarioError, match="assign_day 200 must come before review_day 150"):
        _on(county, assign_day=200, review_day=150)


def test_a_shorter_year_holds_its_reviews_on_its_last_day(county) -> None:
    """A review day past a shorter year's end falls on its last day: each year runs in turn."""
    sc = override(_on(county, review_day=350), {"cycle.days_per_year": 274})
    t = replicate(sc, 1, seed=3).unit_reviews
    assert sorted(t["year"].unique()) == [1, 2, 3]  # a review in each year, none skipped
    assigned = t.loc[t["project"], "assigned_day"]
    assert sorted(assigned.unique()) == [30, 274 + 30, 2 * 274 + 30]


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the reviews on; the experiment has them; the table lists the figures."""
    sc = load_scenario(SCENARIOS / "unit_reviews.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.unit_reviews.enabled
    assert override(sc, {f"{UR}.enabled": False}).simulation == base.simulation
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(UR)}
    assert len(rows) == 13 and all(r["unit"] and r["plausible"] for r in rows.values())
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    assert "unit_reviews" in {lever.name for lever in experiment.levers}
    assert load_scenario(SCENARIOS / "governance_levers.yaml").simulation.unit_reviews.enabled


def test_the_most_staff_a_project_takes_is_inert_only_where_no_project_needs_more(county) -> None:
    """The check explains an inert ``max_project_staff_share`` only where it cannot bind.

    The county's small units need more than a tenth of their staff for a 400-staff-day
    project (urban management: 400 / (15 * 180) = 0.148): no explanation, and moving the
    most moves the tables. At 50 staff-days no unit needs a tenth (the most, commerce's
    7 staff-days, or 50 over 5 staff): explained, and moving it moves nothing.
    """
    path = f"{UR}.max_project_staff_share"
    for days, explained in ((400.0, False), (50.0, True)):
        sc = _on(county, project_staff_days=days)
        trial = Trial(prepare(sc), 1, sc.seed)
        found = inertness.projects_within_least_share(trial)
        assert (found is not None) == explained, found
        (rec,) = no_inert_parameter(trial, [path])
        assert rec["passed"]
        assert ("inert here, explained" in rec["note"]) == explained, rec["note"]
