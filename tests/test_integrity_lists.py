"""Red and black integrity lists: compliance at markets, shops and venues, and fewer incidents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lever_helpers import fresh_run, switch

from civsim.errors import ScenarioError
from civsim.experiment import load_experiment
from civsim.experiments import replicate
from civsim.inertness import listed_incidents_rare
from civsim.reality import Trial
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim import prepare
from civsim.sim.mechanisms import integrity_lists, negative_list
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

IL = "simulation.integrity_lists"
#: Replications of the paired comparisons (the county: about a second each).
REPS = 2


_on = switch(IL)


_run_at = fresh_run


def test_compiling_the_lists_costs_the_listing_units_routine_upkeep(county) -> None:
    """Setup scales the routine upkeep of the checkpoints 市场监管局 leads, and only those."""
    off, on = _run_at(county), _run_at(_on(county, hours_per_publication=400.0))
    led = on.ckp.units[on.ckp.unit] == "market_reg"
    # 400 hours 365/91 times a year of 10 staff's 16,000: 10% of their hours, 20% of routine's
    rect = county.simulation.rectification
    share = 400.0 * 365 / 91 / (10 * county.workload.hours_per_staff_year)
    factor = 1 - rect.routine_weight * share / (1 - rect.staff_share)
    expected = off["upkeep"].upkeep[led] * factor
    np.testing.assert_allclose(on["upkeep"].upkeep[led], expected, rtol=1e-6)
    np.testing.assert_array_equal(on["upkeep"].upkeep[~led], off["upkeep"].upkeep[~led])


def test_the_cut_follows_the_months_attention_at_the_listed_places(county) -> None:
    """Each month the listed places' decay is cut by the month's mean attention; others not."""
    sc = _on(county)
    run = _run_at(sc)
    keep0 = run["upkeep"].keep.copy()
    integrity_lists.MECHANISM.start(run.env, run)
    run.env.run(until=2 * run.month_days + 1)
    lists = sc.simulation.integrity_lists
    day = 2 * run.month_days
    cut = lists.decay_cut_max * lists.mean_attention(day, day + run.month_days)
    assert run["integrity_lists"].cut.cut == pytest.approx(cut)
    listed = run.part("integrity_lists").listed
    types = set(run.ckp.place_types[run.ckp.place_type[listed]])
    assert types == {"market", "commercial_street", "internet_cafe"}
    np.testing.assert_allclose(
        run["upkeep"].keep[listed], 1 - run.ckp.decay[listed] * (1 - cut), rtol=1e-6
    )
    rest = np.setdiff1d(np.arange(run.ckp.n), listed)
    np.testing.assert_array_equal(run["upkeep"].keep[rest], keep0[rest])


def test_the_negative_list_draws_from_the_years_cut_rates(county, monkeypatch) -> None:
    """The year's incidents are drawn at the listing unit's rates cut by the year's attention."""
    run = _run_at(_on(county))
    seen: list[pd.DataFrame] = []
    monkeypatch.setattr(
        negative_list.scoring,
        "negative_list",
        lambda table, risk, rng: seen.append(table) or (0.0, False, 0),
    )
    negative_list.year_incidents(run)
    lists = run.scenario.simulation.integrity_lists
    kept = 1 - lists.incident_cut_max * lists.mean_attention(0, run.days_per_year)
    before = run.part("negative_list")["incidents_per_year"]
    ratio = seen[0]["incidents_per_year"] / before
    ours = before.index[run.part("negative_list")["lead_unit"] == "market_reg"]
    assert len(ours) >= 1 and ratio[ours].tolist() == pytest.approx([kept] * len(ours))
    assert (ratio.drop(ours) == 1.0).all()


def test_lists_raise_condition_at_markets_shops_and_venues(county) -> None:
    """On common random numbers: the listed places in better condition, more so monthly."""
    quarterly, monthly = _on(county), _on(county, publish_every_days=30)
    runs = [replicate(sc, REPS, seed=5, progress=False) for sc in (county, quarterly, monthly)]
    listed = [STATISTICS["listed_condition"](r, quarterly).to_numpy() for r in runs]
    assert (listed[1] > listed[0]).all() and (listed[2] > listed[1]).all()
    c = runs[1].conditions
    mine = c[c["place_type"].isin(quarterly.simulation.integrity_lists.place_types)]
    own = (mine["condition"] * mine["checkpoints"]).groupby(mine["replication"]).sum()
    np.testing.assert_allclose(listed[1], own / mine.groupby("replication")["checkpoints"].sum())


def test_lists_avoid_food_safety_incidents(county) -> None:
    """With food-safety incidents frequent enough to count, the lists avoid some of them."""
    frequent = override(county, {"framework.standards.S123.incidents_per_year": 8.0})
    base, listed = (replicate(sc, REPS, seed=5, progress=False) for sc in (frequent, _on(frequent)))

    def incidents(r) -> np.ndarray:
        ev = r.events[r.events["kind"] == "negative_incident"]
        return ev.groupby("replication")["count"].sum().to_numpy()

    assert (incidents(listed) < incidents(base)).all()


def test_unknown_places_or_unit_are_refused(county) -> None:
    """Place types and units the scenario lacks are refused by name, with a hint."""
    with pytest.raises(ScenarioError, match=r"market_regg.*market_reg"):
        _on(county, listing_unit="market_regg")
    with pytest.raises(ScenarioError, match="no place type"):
        _on(county, place_types=["bazaar"])


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches the lists on; the experiment varies them; the table lists them."""
    sc = load_scenario(SCENARIOS / "integrity_lists.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.integrity_lists.enabled
    assert override(sc, {f"{IL}.enabled": False}).simulation == base.simulation
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(IL)}
    assert len(rows) == 5 and all(r["unit"] and r["plausible"] for r in rows.values())
    experiment, _ = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    assert "integrity_lists" in {lever.name for lever in experiment.levers}


def test_rare_incidents_explain_an_inert_incident_cut(county) -> None:
    """The check explains incident_cut_max where the lists avoid under one incident a cycle."""
    rare = _on(county)
    found = listed_incidents_rare(Trial(prepare(rare), 1, rare.seed))
    assert found is not None and "incidents a cycle avoided" in found
    frequent = override(rare, {"framework.standards.S123.incidents_per_year": 8.0})
    assert listed_incidents_rare(Trial(prepare(frequent), 1, rare.seed)) is None
    assert listed_incidents_rare(Trial(prepare(county), 1, county.seed)) is None  # lists off
