"""Materials from work: documentation kept up by lead units, submitted, and reviewed by sampling."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy import stats

from civsim.errors import ScenarioError
from civsim.scenario import Scenario, override
from civsim.scoring import material_review
from civsim.sim import prepare, simulate

#: Detection and rectification off: nothing but documentation work moves a dossier.
ALONE = {"simulation.detection.enabled": False, "simulation.rectification.enabled": False}


def _doubled_staff(scenario: Scenario) -> Scenario:
    """The scenario with every member unit's campaign staff doubled."""
    units = tuple(u.model_copy(update={"staff": 2 * u.staff}) for u in scenario.organisation.units)
    org = scenario.organisation.model_copy(update={"units": units})
    return scenario.model_copy(update={"organisation": org, "name": f"{scenario.name}_staff2"})


def _targets(scenario: Scenario) -> np.ndarray:
    """Each material standard's hours from its lead unit over the hours it needs (inputs)."""
    mat = scenario.simulation.materials
    staff = {u.id: u.staff for u in scenario.organisation.units}
    material = [
        s for s in scenario.framework.standards if s.method == "material" and not s.negative
    ]
    led = Counter(s.lead_unit for s in material)
    hours = scenario.workload.hours_per_staff_year * mat.documentation_share
    return np.array(
        [
            staff[s.lead_unit] / led[s.lead_unit] * hours / mat.hours_per_standard_year
            for s in material
        ]
    )


def _closed_form(scenario: Scenario, day: int) -> np.ndarray:
    """Every dossier on ``day`` of the cycle, after weekly steps: ``min(1, r + (c0-r) s^n)``."""
    mat = scenario.simulation.materials
    r = _targets(scenario)
    steps = day // 7 + 1
    stay = 2.0 ** (-7 * steps / mat.stale_half_life_days)
    return np.minimum(1.0, r + (scenario.simulation.dynamics.initial_condition - r) * stay)


@pytest.fixture(scope="module")
def alone(county):
    """The county with documentation work alone moving the dossiers."""
    return override(county, ALONE)


@pytest.fixture(scope="module")
def alone_runs(alone):
    """Three replications of the county with documentation work alone."""
    prep = prepare(alone)
    return [simulate(prep, replication=i) for i in range(3)]


def test_a_dossier_is_reviewed_as_its_units_work_left_it_at_its_deadline(alone, alone_runs) -> None:
    """The completeness read each year is the weekly recursion on the deadline."""
    mat = alone.simulation.materials
    assert mat.deadline_day < mat.review_days[0]
    annual = alone_runs[0].annual.set_index("year")
    for year in annual.index:
        day = (year - 1) * alone.cycle.days_per_year + mat.deadline_day
        expected = _closed_form(alone, day)
        assert annual.loc[year, "material_completeness"] == pytest.approx(expected.mean(), abs=1e-5)
    # some dossiers fall short of complete, so the figures above test the work, not the cap
    assert (_targets(alone) < 1).any()


def test_the_review_samples_so_the_score_varies_by_year_and_replication(alone, alone_runs) -> None:
    """The same dossiers reviewed in other replications score differently; so do the years."""
    material = np.array([r.annual["material"].to_numpy() for r in alone_runs])
    completeness = np.array([r.annual["material_completeness"].to_numpy() for r in alone_runs])
    assert (completeness == completeness[0]).all()  # the dossiers are the same in every replication
    assert len(np.unique(material[:, 0])) == len(alone_runs)
    assert len(np.unique(material[0])) == material.shape[1]
    assert ((material > 0) & (material <= alone.cycle.material_points)).all()


def test_more_staff_raises_the_dossiers_submitted(alone, alone_runs) -> None:
    """With every unit's staff doubled, every year's dossiers are more complete."""
    doubled = simulate(_doubled_staff(alone), replication=0).annual["material_completeness"]
    base = alone_runs[0].annual["material_completeness"]
    assert (doubled.to_numpy() >= base.to_numpy() - 1e-6).all()
    assert (doubled.to_numpy() > base.to_numpy() + 0.01).all()


def test_a_campaign_surge_before_the_deadline_fills_the_dossiers(alone, alone_runs) -> None:
    """Campaign mode spends the same effort, more just before the deadline: fuller dossiers."""
    campaign = simulate(
        override(alone, {"simulation.campaign.mode": "campaign"}), replication=0
    ).annual["material_completeness"]
    base = alone_runs[0].annual["material_completeness"]
    assert (campaign.to_numpy() > base.to_numpy()).all()


def test_mock_tests_still_order_incomplete_dossiers_fixed(county) -> None:
    """Without documentation work, mock tests find decayed dossiers; closed orders refill them."""
    idle = override(county, {"simulation.materials.documentation_share": 0.0})
    run = simulate(idle, replication=0)
    assert run.events.query("kind == 'problem_material_review'")["count"].sum() > 0
    material_orders = run.orders[run.orders["district"] == "city"]
    assert (material_orders["status"] == "closed").any()
    # with no work and no orders, a dossier would only decay from its first value
    mat = idle.simulation.materials
    day = mat.deadline_day
    decayed = idle.simulation.dynamics.initial_condition * 2.0 ** (
        -7 * (day // 7 + 1) / mat.stale_half_life_days
    )
    assert run.annual["material_completeness"].iloc[0] > decayed + 0.05


def test_deadlines_by_standard_then_item_then_default(county) -> None:
    """A standard's own deadline wins over its item's, which wins over the default."""
    fw = county.framework
    item_of = {c.id: c.item for c in fw.contents}
    material = [s for s in fw.standards if s.method == "material" and not s.negative]
    item = Counter(item_of[s.content] for s in material).most_common(1)[0][0]
    in_item = [s.id for s in material if item_of[s.content] == item]
    assert len(in_item) > 1
    own = in_item[0]
    sc = override(county, {"simulation.materials.deadlines": {item: 200, own: 250}})
    part = prepare(sc).parts["materials"]
    ckp = prepare(sc).ckp
    due = dict(zip(ckp.standards[ckp.standard[part.idx]], part.deadline, strict=True))
    assert due[own] == 250
    assert all(due[s] == 200 for s in in_item[1:])
    others = set(due) - set(in_item)
    assert others and all(due[s] == sc.simulation.materials.deadline_day for s in others)
    with pytest.raises(ScenarioError, match="no standard or item"):
        override(county, {"simulation.materials.deadlines": {"S9999": 200}})


def test_the_bar_rule_passes_the_documents_a_beta_puts_above_the_bar() -> None:
    """Under the bar rule a document passes with the Beta survival at the bar; stricter is lower."""
    rng = np.random.default_rng(5)
    x, spread, bar, docs = np.array([0.6, 0.85]), 10.0, 0.8, 20
    scores = [
        material_review(x, np.array([1.0, 1.0]), docs, rng, pass_bar=bar, spread=spread)
        for _ in range(3000)
    ]
    expected = stats.beta.sf(bar, x * spread, (1 - x) * spread).sum()
    assert np.mean(scores) == pytest.approx(expected, abs=0.01)
    stricter = [
        material_review(x, np.array([1.0, 1.0]), docs, rng, pass_bar=0.95, spread=spread)
        for _ in range(300)
    ]
    assert np.mean(stricter) < np.mean(scores)
