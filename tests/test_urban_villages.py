"""Urban-village governance: crowded villages decay faster; the plan covers them, densest first."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lever_helpers import fresh_run, switch

from civsim.errors import ScenarioError
from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim.mechanisms import urban_villages
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

UV = "simulation.urban_villages"
#: Replications of the paired comparison (the county: about a second each).
REPS = 3


_on = switch(UV)


_run_at = fresh_run


def test_the_plan_takes_the_densest_first_and_meets_each_year_s_target(county) -> None:
    """Two districts of 5 and 2 villages: 2/4/5 and 1/2/2 due, densest first, starts in time."""
    uv = _on(county, cover_days_spread=0.0).simulation.urban_villages
    tenants = np.array([3.0, 9.0, 1.0, 5.0, 7.0, 2.0, 6.0])
    district = np.array([0, 0, 0, 0, 0, 1, 1])
    rng = np.random.default_rng(0)
    due, start, cover = urban_villages.plan(tenants, district, uv, 3, 364, rng)
    # district 0: 0.4 * 5 = 2 due in year 1 (9 and 7), 4 by year 2 (then 5 and 3), all by year 3
    assert due.tolist() == [2, 1, 3, 2, 1, 2, 1]
    # each year's new villages start evenly over the first 182 days of that year
    assert start.tolist() == [364 + 91, 0, 728, 364, 91, 364, 0]
    assert (cover - start == 90).all()
    spread = _on(county, cover_days_spread=0.5).simulation.urban_villages
    _, start2, cover2 = urban_villages.plan(tenants, district, spread, 3, 364, rng)
    assert (start2 == start).all()
    assert ((cover2 - start2 >= 45) & (cover2 - start2 <= 135)).all()


def test_crowded_villages_decay_faster_and_others_are_untouched(county) -> None:
    """At setup each village's decay is scaled by its rental factor; nothing else moves."""
    sc = _on(county)
    run, off = _run_at(sc), _run_at(county)
    uv, part = sc.simulation.urban_villages, run.part(urban_villages.NAME)
    st = run[urban_villages.NAME]
    assert len(part.villages) == 9  # the county's urban villages
    keep = run["upkeep"].keep
    for v, idx in enumerate(part.checkpoints):
        factor = uv.rental_factor(float(st.tenants[v]))
        np.testing.assert_allclose(keep[idx], 1 - run.ckp.decay[idx] * factor, rtol=1e-6)
    villages = np.concatenate(part.checkpoints)
    rest = np.setdiff1d(np.arange(run.ckp.n), villages)
    np.testing.assert_array_equal(keep[rest], off["upkeep"].keep[rest])
    assert (
        (st.tenants >= uv.tenants_per_villager_low) & (st.tenants <= uv.tenants_per_villager_high)
    ).all()


def test_a_covered_village_gets_its_three_measures_and_the_city_pays(county) -> None:
    """From its cover day: its grid team's looks, 大物业's upkeep, the reform's decay cut."""
    sc = _on(county)
    run = _run_at(sc)
    uv, part = sc.simulation.urban_villages, run.part(urban_villages.NAME)
    st = run[urban_villages.NAME]
    before_upkeep = run["upkeep"].upkeep.copy()
    before_detect = run["detection"].detect_extra.copy()
    first = int(np.argmin(np.where(st.cover_day >= 0, st.cover_day, 10**9)))
    urban_villages.MECHANISM.start(run.env, run)
    run.env.run(until=int(st.cover_day[first]) + 1)
    idx = part.checkpoints[first]
    assert st.covered[first] == st.cover_day[first]
    np.testing.assert_allclose(
        run["upkeep"].upkeep[idx], before_upkeep[idx] * (1 + uv.property_upkeep_gain), rtol=1e-6
    )
    det = run["detection"]
    np.testing.assert_allclose(det.grid_rate[idx], uv.grid_detection_rate, rtol=1e-6)
    assert det.grid_max == pytest.approx(uv.grid_detection_rate)
    # the grid team looks apart from the platform: the platform's rates, and so its looks, stay
    np.testing.assert_array_equal(det.detect_extra, before_detect)
    np.testing.assert_array_equal(det.grid_targets, np.unique(np.concatenate(part.checkpoints)))
    tenants = float(st.tenants[first])
    factor = uv.rental_factor(tenants) * uv.reform_factor(tenants)
    np.testing.assert_allclose(run["upkeep"].keep[idx], 1 - run.ckp.decay[idx] * factor, rtol=1e-6)
    paid = [r for r in run.records.spend if r[2] == urban_villages.LINE]
    started = int((st.started >= 0).sum())
    assert started >= 1 and len(paid) == started
    assert all(r[4] == uv.yuan_per_village for r in paid)


def test_district_progress_counts_due_and_covered_against_the_target(county) -> None:
    """A worked table: 3 villages due by year 1, 2 covered: a shortfall of 1."""
    sc = _on(county)
    rows = [
        ("s", 0, 1, "c01", f"v{i}", 5.0, due, due == 1, 0, 0, covered)
        for i, (due, covered) in enumerate(
            [(1, True), (1, True), (1, False), (2, False), (2, False), (3, False), (3, False)]
        )
    ]
    table = pd.DataFrame(rows, columns=["scenario", "replication", *urban_villages.COLUMNS])
    p = urban_villages.district_progress(table, sc).iloc[0]
    assert (p["villages"], p["target"], p["due"], p["covered"], p["shortfall"]) == (
        7,
        0.4,
        3,
        2,
        1,
    )
    assert p["covered_share"] == pytest.approx(2 / 7)


def test_a_late_start_leaves_the_year_short(county) -> None:
    """Work started as late as day 330 with half a year to cover misses the year's target."""
    sc = _on(county, start_within_days=330, cover_days=180.0, cover_days_spread=0.0)
    r = replicate(sc, 1, seed=5, progress=False)
    p = urban_villages.district_progress(r.village_coverage, sc)
    assert p[p["year"] == 1]["shortfall"].sum() > 0
    on_time = _on(county)
    q = urban_villages.district_progress(
        replicate(on_time, 1, seed=5, progress=False).village_coverage, on_time
    )
    assert q["shortfall"].sum() == 0 and (q["due"] >= q["target"] * q["villages"] - 1e-9).all()


def test_the_plan_raises_condition_at_the_villages(county) -> None:
    """On common random numbers: the urban villages are in better condition, and it is paid for."""
    on = _on(county)
    base, plan = (replicate(sc, REPS, seed=5, progress=False) for sc in (county, on))
    stat = STATISTICS["village_condition"]
    assert (stat(plan, on).to_numpy() > stat(base, on).to_numpy()).all()
    c = plan.conditions[plan.conditions["place_type"] == "urban_village"]
    by_hand = (c["condition"] * c["checkpoints"]).groupby(c["replication"]).sum()
    np.testing.assert_allclose(
        stat(plan, on).to_numpy(), (by_hand / c.groupby("replication")["checkpoints"].sum())
    )
    spent = plan.spend[plan.spend["line"] == urban_villages.LINE]["yuan"]
    uv = on.simulation.urban_villages
    assert spent.sum() == REPS * 9 * uv.yuan_per_village  # all nine started within the cycle
    assert base.village_coverage.empty and (base.spend["line"] != urban_villages.LINE).all()
    assert len(plan.village_coverage) == REPS * 3 * 9


def test_bad_settings_are_refused(county) -> None:
    """An unknown place type, falling targets and a range upside down are refused by name."""
    with pytest.raises(ScenarioError, match="no place type"):
        _on(county, place_type="hamlet")
    with pytest.raises(ScenarioError, match="may not fall"):
        _on(county, coverage_targets=[0.5, 0.4, 1.0])
    with pytest.raises(ScenarioError, match="tenants_per_villager_low"):
        _on(county, tenants_per_villager_low=9.0)


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the plan on; the experiment has it; the table lists its figures."""
    sc = load_scenario(SCENARIOS / "urban_villages.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.urban_villages.enabled
    assert override(sc, {f"{UV}.enabled": False}).simulation == base.simulation
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(UV)}
    assert len(rows) == 11 and all(r["unit"] for r in rows.values())
    assumed = [r for r in rows.values() if str(r["source"]).startswith("assumption")]
    assert len(assumed) == 10 and all(r["plausible"] for r in assumed)
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    assert "urban_villages" in {lever.name for lever in experiment.levers}
    assert load_scenario(SCENARIOS / "governance_levers.yaml").simulation.urban_villages.enabled
