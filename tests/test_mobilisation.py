"""Mobilisation: activities and publicity raise awareness and participation, fading without them.

Residents aware report more, those taking part volunteer more and like their city more.
"""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim.experiment import load_experiment, variant
from civsim.experiments import replicate
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim.mechanisms import mobilisation
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

MOB = "simulation.mobilisation"
#: Replications of the paired comparison (the county: about a second each).
REPS = 2


_on = switch(MOB)


_run_at = fresh_run


def test_a_month_of_activities_and_publicity_worked_out() -> None:
    """The step formula by hand: activities reach residents, publicity adds, only the aware join."""
    mob = _on(load_scenario(SCENARIOS / "county_nominee.yaml")).simulation.mobilisation
    x = 1.0 * 200 / 10_000  # one activity per 10,000 residents, 200 reached each
    assert mob.reached() == pytest.approx(x)
    k = 0.5 ** (30 / 180)
    a0, p0 = 0.5, 0.05
    a, p = mob.step(0.6, 0.1, 30, publicity=0.01)
    kept_a = a0 + 0.1 * k
    assert a == pytest.approx(kept_a + (1 - kept_a) * (1 - np.exp(-(x + 10 * 0.01))))
    kept_p = p0 + 0.05 * k
    assert p == pytest.approx(kept_p + (a - kept_p) * (1 - np.exp(-0.5 * x)))
    # publicity alone raises awareness, not participation (no activity to join)
    a1, p1 = mob.step(a0, p0, 30, publicity=0.02, reached=0.0)
    assert a1 > a0 and p1 == p0


def test_without_activities_both_fall_back_to_what_routine_work_holds() -> None:
    """Above their initial levels, awareness and participation halve every half-life."""
    mob = _on(load_scenario(SCENARIOS / "county_nominee.yaml")).simulation.mobilisation
    a, p = mob.step(0.9, 0.3, mob.half_life_days, publicity=0.0, reached=0.0)
    assert a == pytest.approx(0.5 + 0.4 / 2) and p == pytest.approx(0.05 + 0.25 / 2)
    a, p = mob.step(0.5, 0.05, 3000, publicity=0.0, reached=0.0)
    assert (a, p) == (pytest.approx(0.5), pytest.approx(0.05))


def test_a_month_sets_reports_volunteers_satisfaction_and_pays(county) -> None:
    """After the first month's step: report factor, volunteer hours and lift from tomorrow, yuan."""
    sc = _on(county)
    run = _run_at(sc)
    hours0 = run["volunteers"].hours.copy()
    mobilisation.MECHANISM.start(run.env, run)
    run.env.run(until=1)
    mob, st = sc.simulation.mobilisation, run["mobilisation"]
    a, p = mob.step(0.5, 0.05, run.month_days, publicity=0.0)  # no publicity on day 0
    np.testing.assert_allclose(st.awareness, a)
    np.testing.assert_allclose(st.participation, p)
    assert run["detection"].report_factor == pytest.approx(1 + (a / 0.5 - 1))
    residents = run.ckp.district_population.astype(float)
    added = run["volunteers"].hours - hours0
    np.testing.assert_allclose(added[:, 0], 0.0)  # today untouched
    np.testing.assert_allclose(added[:, 1], 0.002 * (p - 0.05) * residents)
    m = run.month_days
    np.testing.assert_allclose(run["satisfaction"].boost[:, 1 : m + 1], 0.1 * (p - 0.05))
    np.testing.assert_allclose(run["satisfaction"].boost[:, 0], 0.0)
    paid = {r[3]: r[4] for r in run.records.spend if r[2] == mobilisation.LINE}
    for d, n in zip(run.ckp.districts, residents, strict=True):
        assert paid[d] == round(n / 10_000 * mob.activities_per_10k_month * 1000.0)
    assert run.counts(mobilisation.AWARE)[0] == round(float(st.awareness @ residents))


def test_publicity_bought_raises_awareness_but_not_its_own_lift(county) -> None:
    """The month's publicity lift in the boost reaches residents; the mechanism's own does not."""
    sc = _on(county)
    run = _run_at(sc)
    run["satisfaction"].boost[0, :] += 0.02  # a publicity line in district 0
    mobilisation.MECHANISM.start(run.env, run)
    run.env.run(until=run.month_days + 1)  # two months: the second reads the first's lift
    st = run["mobilisation"]
    assert st.awareness[0] > st.awareness[1]
    # own lift subtracted: what the second month read as publicity was the line's alone
    mob = sc.simulation.mobilisation
    a, p = mob.step(0.5, 0.05, run.month_days, publicity=0.02)
    a, _ = mob.step(a, p, run.month_days, publicity=0.02)
    assert st.awareness[0] == pytest.approx(a)


def test_mobilisation_raises_awareness_reports_and_satisfaction(county) -> None:
    """On common random numbers: more aware, more reports, shorter volunteer waits, happier."""
    on = _on(county)
    base, mobilised = (replicate(sc, REPS, seed=5, progress=False) for sc in (county, on))
    for name, higher in (("awareness", True), ("satisfaction", True), ("volunteer_wait", False)):
        stat = STATISTICS[name]
        diff = stat(mobilised, county) - stat(base, county)
        assert ((diff > 0) if higher else (diff < 0)).all(), name

    def reports(r) -> np.ndarray:
        ev = r.events[r.events["kind"] == "problem_citizen_report"]
        return ev.groupby("replication")["count"].sum().to_numpy()

    assert (reports(mobilised) > reports(base)).all()
    table = mobilisation.mobilisation_table(mobilised, on)
    assert len(table) == REPS * 37 and table["participation"].lt(table["awareness"]).all()
    assert (base.spend["line"] != mobilisation.LINE).all()


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches it on; the experiment has it; the table lists its figures."""
    sc = load_scenario(SCENARIOS / "mobilisation.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.mobilisation.enabled and not base.simulation.mobilisation.enabled
    assert override(sc, {f"{MOB}.enabled": False}).simulation == base.simulation
    assert load_scenario(SCENARIOS / "governance_levers.yaml").simulation.mobilisation.enabled
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(MOB)}
    assert len(rows) == 11
    assert all(r["unit"] and r["source"] and r["plausible"] for r in rows.values())
    experiment, county_sc = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    levers = {lever.name: lever for lever in experiment.levers}
    tripled = variant(county_sc, levers["mobilisation_tripled"], {})
    assert tripled.simulation.mobilisation.activities_per_10k_month == 3.0
    assert f"{MOB}.half_life_days" in {u.path for u in experiment.uncertainties}
