"""Creation activities: yearly titles keep their places, fill dossiers, cost yuan and hours."""

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
from civsim.sim.mechanisms import creation
from civsim.statistics import STATISTICS
from tests.conftest import SCENARIOS

CR = "simulation.creation"
#: Replications of the paired comparison (the county: about a second each).
REPS = 2
#: A funded line of civilized campuses: one creation a unit for 10,000 yuan (assumption).
CAMPUSES = {
    "id": "civilized_campuses",
    "name_zh": "文明校园创建",
    "category": "regular_activity",
    "level": "district",
    "unit_cost_yuan": 10000,
    "max_units": 10,
    "target_kind": "place_type",
    "target": "school",
    "effect": "creation",
    "effect_size": 1,
    "duration_days": 1095,
    "source": "assumption",
}


_on = switch(CR)


_run_at = fresh_run


def test_the_years_creations_add_up_by_kind_district_and_month(county) -> None:
    """A kind's rate per 10,000 residents gives the year's count, split by residents, by months."""
    sc = _on(county)
    part = prepare(sc).parts["creation"]
    residents = sum(d.population for d in county.territory.districts)
    for k, settings in enumerate(sc.simulation.creation.kinds().values()):
        expected = round(settings.per_10k_residents_year * residents / 10_000)
        assert part.monthly[k].sum() == expected
    # the county's 450,000 residents: 4 units, 1 village, 90 families, 9 campuses a year
    assert part.monthly.sum(axis=(1, 2)).tolist() == [4, 1, 90, 9]
    assert part.monthly[3].sum(axis=1).tolist() == [5, 4]  # 260,000 and 190,000 residents


def test_guidance_costs_the_organising_units_routine_upkeep(county) -> None:
    """Setup scales the routine upkeep of the checkpoints 宣传部 leads by the review's rule."""
    off, on = _run_at(county), _run_at(_on(county))
    led = on.ckp.units[on.ckp.unit] == "propaganda"
    cr, rect = _on(county).simulation.creation, county.simulation.rectification
    hours = 4 * 16 + 1 * 16 + 90 * 1 + 9 * 16  # the county's yearly creations, hours each
    staff_hours = 6 * county.workload.hours_per_staff_year  # 宣传部's six staff
    factor = 1 - rect.routine_weight * (hours / staff_hours) / (1 - rect.staff_share)
    np.testing.assert_allclose(
        on["upkeep"].upkeep[led], off["upkeep"].upkeep[led] * factor, rtol=1e-6
    )
    np.testing.assert_array_equal(on["upkeep"].upkeep[~led], off["upkeep"].upkeep[~led])
    assert cr.campus.hours_per_creation == 16


def test_each_month_names_pays_cuts_and_records(county) -> None:
    """A month on: titles named, awards paid, the cut at titled places, the dossiers' records."""
    sc = _on(county)
    run = _run_at(sc)
    base_target = run["materials"].target.copy()
    keep0 = run["upkeep"].keep.copy()
    creation.MECHANISM.start(run.env, run)
    run.env.run(until=run.month_days + 1)  # two months named (days 0 and 30)
    cr, part, st = sc.simulation.creation, run.part("creation"), run["creation"]
    named = part.monthly[:, :, :2].sum(axis=2)
    np.testing.assert_array_equal(st.titles, named)
    # the campuses' cut in district 0: titles x one school each over its schools
    k, campus = 3, cr.campus
    cut = cr.decay_cut_titled * min(1.0, named[k, 0] * 1.0 / part.places[k, 0])
    assert st.cuts[k][0].cut == pytest.approx(cut)
    idx = part.at[k][0]
    np.testing.assert_allclose(run["upkeep"].keep[idx], 1 - run.ckp.decay[idx] * (1 - cut), 1e-6)
    untouched = np.setdiff1d(np.arange(run.ckp.n), np.concatenate([i for a in part.at for i in a]))
    np.testing.assert_array_equal(run["upkeep"].keep[untouched], keep0[untouched])
    # awards: the month's creations at their prices, by district
    paid = {(r[1], r[3]): r[4] for r in run.records.spend if r[2] == creation.LINE}
    yuan = np.array([s.yuan_per_creation for s in cr.kinds().values()])
    for d, district in enumerate(run.ckp.districts):
        assert paid[(2, district)] == round(float(yuan @ part.monthly[:, d, 1]))
    # records: r added to the creation content's dossiers, documentation_share of the hours
    hours = np.array([s.hours_per_creation for s in cr.kinds().values()])
    n = len(part.dossiers)
    assert n > 0
    added = cr.documentation_share * float(hours @ named.sum(axis=1))
    added /= sc.simulation.materials.hours_per_standard_year * n
    got = run["materials"].target[part.dossiers] - base_target[part.dossiers]
    np.testing.assert_allclose(got, added)
    assert campus.places_per_creation == 1.0
    events = {kind: run.counts(event).sum() for kind, event in creation.EVENTS.items()}
    assert events == dict(zip(creation.EVENTS, named.sum(axis=1).tolist(), strict=True))


def test_a_kind_fully_titled_gets_the_whole_cut() -> None:
    """Titles beyond the places saturate: every place kept, the cut at decay_cut_titled."""
    cr = _on(load_scenario(SCENARIOS / "county_nominee.yaml")).simulation.creation
    assert cr.cut(titles=10, places=5, places_per_creation=1.0) == cr.decay_cut_titled
    assert cr.cut(titles=100, places=5, places_per_creation=0.05) == cr.decay_cut_titled
    assert cr.cut(titles=2, places=0, places_per_creation=1.0) == 0.0
    # 40 families, each a twentieth of a compound, keep 2 of 100 compounds
    assert cr.cut(titles=40, places=100, places_per_creation=0.05) == pytest.approx(
        cr.decay_cut_titled * 0.02
    )


def test_titles_raise_condition_and_dossiers_fill(county) -> None:
    """On common random numbers: the titled places are kept better, the material points rise.

    The titled places in every replication; the material points on average (by three
    standard errors over 6 replications): a replication's path can part enough to
    hide the rise (replication 1 here, -0.03 against about +0.5 in the others).
    """
    on = _on(county)
    n = 3 * REPS
    base, created = (replicate(sc, n, seed=5, progress=False) for sc in (county, on))
    titled = STATISTICS["titled_condition"]
    assert (titled(created, on) > titled(base, on)).all()
    rise = STATISTICS["material_points"](created, on) - STATISTICS["material_points"](base, on)
    assert rise.mean() > 3 * rise.std() / np.sqrt(n)
    table = creation.creation_table(created, on)
    per_year = table.groupby(["replication", "kind"])["creations"].sum()
    assert (per_year.xs("campus", level="kind") == 3 * 9).all()
    spent = created.spend[created.spend["line"] == creation.LINE]["yuan"].sum()
    assert spent > 0 and (base.spend["line"] != creation.LINE).all()


def test_funded_creations_cut_decay_in_their_district_until_they_end(county) -> None:
    """A funded campus line names more campuses in its district, held for its duration."""
    lines = [*(ln.model_dump() for ln in county.budget.lines), CAMPUSES]
    sc = _on(override(county, {"budget.lines": lines}))
    run = _run_at(sc)
    part, st = run.part("creation"), run["creation"]

    class Line:  # the fields of a Delivery the handler reads
        line, size, district_index = "civilized_campuses", 1.0, np.array([0])

    creation.MECHANISM.effects["creation"](run, Line, np.empty(0), 3, 0, 70)
    cr = sc.simulation.creation
    assert st.cuts[3][0].cut == pytest.approx(cr.decay_cut_titled * 3 / part.places[3, 0])
    assert st.cuts[3][1].cut == 0.0
    assert run.counts(creation.EVENTS["campus"]).sum() == 3
    creation._settle(run, 70)  # the line has ended
    assert st.cuts[3][0].cut == 0.0


def test_the_gain_model_prices_creations_only_while_they_run(county) -> None:
    """A creation line gains nothing while the activities are off, more with a stronger cut."""
    lines = [*(ln.model_dump() for ln in county.budget.lines), CAMPUSES]
    sc = override(county, {"budget.lines": lines})

    def gain(s: Scenario) -> float:
        g = line_gains(s).set_index(["line", "holder"])
        return float(g.loc[("civilized_campuses", "c01"), "gain_per_unit"])

    assert gain(sc) == 0.0
    assert gain(_on(sc, decay_cut_titled=0.5)) > gain(_on(sc)) > 0
    # linear in the creations a unit names
    doubled = override(sc, {"budget.lines": [*lines[:-1], {**CAMPUSES, "effect_size": 2}]})
    assert gain(_on(doubled)) == pytest.approx(2 * gain(_on(sc)))


def test_a_funded_line_is_bought_and_delivered(county) -> None:
    """The fund buys the campus line; its deliveries name campuses (the event counts them)."""
    lines = [*(ln.model_dump() for ln in county.budget.lines), CAMPUSES]
    sc = _on(override(county, {"budget.lines": lines, "budget.policy": "optimised"}))
    prep = prepare(sc)
    bought = prep.allocation[prep.allocation["line"] == "civilized_campuses"]["units"].sum()
    assert bought > 0
    (r,) = [replicate(prep, 1, seed=1, progress=False)]
    funded = r.events[r.events["kind"] == "line_creation"]["count"].sum()
    assert funded == bought


def test_wrong_references_are_refused(county) -> None:
    """Place types, units and contents the scenario lacks are refused by name."""
    with pytest.raises(ScenarioError, match="no place type"):
        _on(county, **{"campus.place_types": ["kindergarten"]})
    with pytest.raises(ScenarioError, match=r"propoganda.*propaganda"):
        _on(county, organising_unit="propoganda")
    with pytest.raises(ScenarioError, match="no content"):
        _on(county, material_contents=["C999"])
    bad = {**CAMPUSES, "target": "market"}
    with pytest.raises(ScenarioError, match="no kind of creation keeps"):
        override(county, {"budget.lines": [*(ln.model_dump() for ln in county.budget.lines), bad]})
    assert override(county, {f"{CR}.organising_unit": "propoganda"})  # off: not checked


def test_overlay_experiment_and_assumptions_table(county) -> None:
    """The overlay switches them on; the experiment has them; the table lists their figures."""
    sc = load_scenario(SCENARIOS / "creation.yaml")
    base = load_scenario(SCENARIOS / "baseline.yaml")
    assert sc.simulation.creation.enabled and not base.simulation.creation.enabled
    assert override(sc, {f"{CR}.enabled": False}).simulation == base.simulation
    assert load_scenario(SCENARIOS / "governance_levers.yaml").simulation.creation.enabled
    rows = {r["path"]: r for r in parameter_table(county) if r["path"].startswith(CR)}
    assert len(rows) == 4 * 4 + 2
    assert all(r["unit"] and r["source"] and r["plausible"] for r in rows.values())
    experiment, county_sc = load_experiment(SCENARIOS / "experiments" / "governance_levers.yaml")
    levers = {lever.name: lever for lever in experiment.levers}
    doubled = variant(county_sc, levers["creation_campuses_doubled"], {})
    assert doubled.simulation.creation.campus.per_10k_residents_year == 0.4
    assert f"{CR}.decay_cut_titled" in {u.path for u in experiment.uncertainties}
