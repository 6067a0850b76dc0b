"""Civilized-behaviour regulations: enforcement slows decay at public places, at a cost."""

from __future__ import annotations

import numpy as np
import pytest
from lever_helpers import fresh_run, switch

from civsim.errors import ScenarioError
from civsim.experiment import load_experiment, variant
from civsim.experiments import replicate
from civsim.gains import line_gains
from civsim.scenario import Scenario, load_scenario, override, parameter_table
from civsim.sim import prepare
from civsim.sim.draws import replication_seed
from civsim.sim.engine import WEEK, Run
from civsim.sim.mechanisms import regulations
from civsim.sim.registry import effect_handlers, mechanisms
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

REG = "simulation.regulations"
#: Replications of the paired comparison (the county: about a second each).
REPS = 2
#: A funded enforcement line: 1,000 hours a year for 50,000 yuan (assumption, as in the README).
PATROLS = {
    "id": "enforcement_patrols",
    "name_zh": "文明行为劝导执法",
    "category": "regular_activity",
    "level": "district",
    "unit_cost_yuan": 50000,
    "max_units": 6,
    "target_kind": "district",
    "effect": "enforcement",
    "effect_size": 1000,
    "duration_days": 365,
    "source": "assumption",
}


_on = switch(REG)


_run_at = fresh_run


def _public(run: Run) -> np.ndarray:
    part = run.part("regulations")
    return np.concatenate(part.public)


def test_enforcement_costs_the_enforcing_units_routine_upkeep(county) -> None:
    """Setup scales the routine upkeep of the checkpoints 城管 and 交警 lead, and only those."""
    off, on = _run_at(county), _run_at(_on(county))
    led = np.isin(on.ckp.units[on.ckp.unit], ["urban_mgmt", "traffic_police"])
    rect = county.simulation.rectification
    factor = 1 - rect.routine_weight * 0.1 / (1 - rect.staff_share)
    np.testing.assert_allclose(on["upkeep"].upkeep[led], off["upkeep"].upkeep[led] * factor, 1e-6)
    np.testing.assert_array_equal(on["upkeep"].upkeep[~led], off["upkeep"].upkeep[~led])


def test_the_cut_builds_up_at_public_places_only(county) -> None:
    """After one habit half-life, public places keep ``1 - decay (1 - cut)``; the rest as before."""
    sc = _on(county)
    run = _run_at(sc)
    keep0 = run["upkeep"].keep.copy()
    regulations.MECHANISM.start(run.env, run)
    half_life = int(sc.simulation.regulations.habit_half_life_days)
    run.env.run(until=half_life + 1)  # the monthly update on the last month's day
    day = run.month_days * (half_life // run.month_days)
    reg = sc.simulation.regulations
    cut = run["regulations"].cut
    x = regulations.intensity(run, day)
    assert cut == pytest.approx([reg.decay_cut(v, reg.habit(day)) for v in x])
    assert (cut > 0).all() and (cut < reg.decay_cut_max).all()
    public = _public(run)
    d = run.ckp.district[public]
    expected = 1 - run.ckp.decay[public] * (1 - cut[d])
    np.testing.assert_allclose(run["upkeep"].keep[public], expected, rtol=1e-6)
    rest = np.setdiff1d(np.arange(run.ckp.n), public)
    np.testing.assert_array_equal(run["upkeep"].keep[rest], keep0[rest])


def test_regulations_raise_public_condition_and_the_score(county) -> None:
    """On common random numbers: public places in better condition, a higher expected score."""
    on = _on(county)
    base, enforced = (replicate(sc, REPS, seed=5, progress=False) for sc in (county, on))
    types = list(on.simulation.regulations.place_types)

    def public_condition(r) -> np.ndarray:
        c = r.conditions[r.conditions["place_type"].isin(types)]
        weights = c["condition"] * c["checkpoints"]
        return (
            weights.groupby(c["replication"]).sum() / c.groupby("replication")["checkpoints"].sum()
        ).to_numpy()

    assert (public_condition(enforced) > public_condition(base)).all()
    # civsim check reads the same statistic (civsim/data/reality.yaml)
    stat = STATISTICS["public_condition"](enforced, county).to_numpy()
    np.testing.assert_allclose(stat, public_condition(enforced))
    expected = STATISTICS["expected_score"]
    gain = expected(enforced, county) - expected(base, county)
    assert (gain > 0).all()


def test_funded_hours_raise_the_intensity_in_their_district(county) -> None:
    """A funded enforcement line adds its hours a week, by public places, until it ends."""
    run = _run_at(_on(county))
    before = regulations.intensity(run, 0)

    class Line:  # the fields of a Delivery the handler reads
        size, duration_days, district_index = 700.0, 70, np.array([0])

    regulations.MECHANISM.effects["enforcement"](run, Line, np.empty(0), 2, 0, 70)
    part = run.part("regulations")
    after = regulations.intensity(run, 0)
    added = 2 * 700.0 * WEEK / 70 / (part.places[0] / 1000)
    assert after[0] - before[0] == pytest.approx(added)
    assert after[1] == pytest.approx(before[1])
    assert regulations.intensity(run, 70)[0] == pytest.approx(before[0])


def test_the_gain_model_prices_enforcement_only_while_enforced(county) -> None:
    """An enforcement line gains nothing without the regulations, and less on more enforcement."""
    lines = [*(ln.model_dump() for ln in county.budget.lines), PATROLS]
    sc = override(county, {"budget.lines": lines})

    def gain(s: Scenario) -> float:
        g = line_gains(s).set_index(["line", "holder"])
        return float(g.loc[("enforcement_patrols", "c01"), "gain_per_unit"])

    assert gain(sc) == 0.0
    assert gain(_on(sc)) > gain(_on(sc, enforcement_share=0.3)) > 0  # saturation


def test_unknown_places_or_units_are_refused(county) -> None:
    """Place types and units the scenario lacks are refused by name, with a hint."""
    with pytest.raises(ScenarioError, match=r"urban_mgmnt.*urban_mgmt"):
        _on(county, enforcing_units=["urban_mgmnt"])
    with pytest.raises(ScenarioError, match="no place type"):
        _on(county, place_types=["harbour"])
    assert override(county, {f"{REG}.place_types": ["harbour"]})  # off: not checked


def test_the_overlay_switches_the_regulations_on() -> None:
    """scenarios/behaviour_regulations.yaml extends the baseline and enforces the regulations."""
    sc = load_scenario(SCENARIOS / "behaviour_regulations.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.regulations.enabled and not base.simulation.regulations.enabled
    assert override(sc, {f"{REG}.enabled": False}).simulation == base.simulation


def test_a_funded_decay_line_ending_keeps_the_cut(county) -> None:
    """A funded ``decay`` line at public places starts and ends; the regulations' cut stays."""
    run = _run_at(_on(county))
    regulations.MECHANISM.start(run.env, run)
    run.env.run(until=run.month_days * 6 + 1)
    # public places a funded decay line can reach (the county's waste-sorting guides)
    idx = run.part("regulations").reached[0][:50]
    assert len(idx) == 50

    class Line:  # the field of a Delivery the upkeep's handler reads
        size = 0.5

    cut = run["regulations"].cut[0]
    effect_handlers()["decay"](run, Line, idx, 1, int(run.env.now), int(run.env.now) + 3)
    decay = run.ckp.decay[idx]
    np.testing.assert_allclose(run["upkeep"].keep[idx], 1 - decay * 0.5 * (1 - cut), rtol=1e-6)
    run.env.run(until=run.env.now + 4)  # the line has ended, the month not
    assert run["regulations"].cut[0] == cut
    np.testing.assert_allclose(run["upkeep"].keep[idx], 1 - decay * (1 - cut), rtol=1e-6)


def test_the_regulations_are_an_exploration_lever() -> None:
    """The governance experiment switches the regulations on and varies their assumptions."""
    experiment, county = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    levers = {lever.name: lever for lever in experiment.levers}
    on = variant(county, levers["regulations"], {f"{REG}.decay_cut_max": 0.2})
    assert on.simulation.regulations.enabled and on.simulation.regulations.decay_cut_max == 0.2
    paths = {u.path for u in experiment.uncertainties}
    assert {f"{REG}.decay_cut_max", f"{REG}.half_effect_hours"} <= paths


def test_the_assumptions_table_lists_every_parameter_with_its_range(county) -> None:
    """Each numeric parameter reaches the report's assumptions table, with unit and range."""
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(REG)}
    names = ("enforcement_share", "decay_cut_max", "half_effect_hours", "habit_half_life_days")
    assert set(rows) == {f"{REG}.{name}" for name in names}
    assert all(r["unit"] and r["source"] and r["plausible"] for r in rows.values())


def test_a_funded_enforcement_line_is_delivered_to_the_regulations(county) -> None:
    """The fund buys an enforcement line; its delivery adds hours to the districts' intensity."""
    lines = [*(ln.model_dump() for ln in county.budget.lines), PATROLS]
    sc = _on(override(county, {"budget.lines": lines}))
    prep = prepare(sc)
    bought = prep.allocation[prep.allocation["line"] == "enforcement_patrols"]
    assert bought["units"].sum() > 0
    run = Run(prep, replication_seed(sc.seed, 0))
    base = regulations.intensity(run, 0)
    for name in prep.mechanisms:
        start = mechanisms()[name].start
        if start is not None:
            start(run.env, run)
    run.env.run(until=2)  # the grant is paid on its start day, 0
    units = bought[bought["year"] == 1].set_index("district")["units"]
    part = run.part("regulations")
    added = units.to_numpy() * PATROLS["effect_size"] * WEEK / 365 / (part.places / 1000)
    np.testing.assert_allclose(regulations.intensity(run, 1) - base, added)
