"""Every parameter at the edges its schema allows: refused clearly, or run and scored sanely.

A planner moves any parameter with ``--set``, the explorer or an experiment, and the
compiled loops check no bounds: a value the schema lets through must not crash a
replication, leave a score outside its points or a table with holes the unmoved scenario
does not have. Each numeric parameter of the county with every mechanism on (the
governance levers' overlay, ``scenarios/governance_levers.yaml``, and the options of the
core's overlays, :data:`OPTIONS`) is set to its lowest and
its highest allowed value (where the schema sets no bound: ten times below zero, twenty
times above its value) and either refused with a :class:`CivsimError` before the run (a
cross-field rule, a fund whose district minimums exceed their caps) or run once.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from conftest import SCENARIOS, variant
from pydantic import BaseModel

from civsim.errors import CivsimError
from civsim.scenario import Scenario, load_scenario, override, parameter_table
from civsim.sim import prepare, simulate

#: The simulation sections the governance levers' overlay sets.
LEVERS = yaml.safe_load((SCENARIOS / "governance_levers.yaml").read_text(encoding="utf-8"))
#: The options the county leaves off, on as their overlays set them (campaign_mode,
#: smart_platform, joint_mechanism, title_holder, public_index with one of the county's two
#: districts raised, performance_linked_budget), and the year-round covert visits.
OPTIONS = {
    "simulation.campaign.mode": "campaign",
    "simulation.detection.platform": True,
    "simulation.rectification.joint_mechanism": True,
    "simulation.evaluation.third_party.enabled": True,
    "simulation.evaluation.title_holder.enabled": True,
    "simulation.evaluation.minors.enabled": True,
    "simulation.evaluation.civilization_index.enabled": True,
    "simulation.evaluation.civilization_index.feedback.enabled": True,
    "simulation.evaluation.civilization_index.feedback.bottom_districts": 1,
    "budget.policy": "performance",
    "budget.performance_link": 0.3,
}
#: A margin inside a strict bound (gt, lt).
INSIDE = 1e-6


def _scenario() -> Scenario:
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    return override(variant(county, "edges", **LEVERS["simulation"]), OPTIONS)


def _field(model: BaseModel, path: str) -> tuple[Any, Any]:
    *parents, name = path.split(".")
    for part in parents:
        model = getattr(model, part)
    return type(model).model_fields[name], getattr(model, name)


def _edges(info: Any, value: float) -> list[float]:
    """The lowest and highest value the field allows (or far out, where it sets no bound)."""
    step = 1 if isinstance(value, int) else INSIDE
    low = high = None
    for rule in info.metadata:
        if getattr(rule, "ge", None) is not None:
            low = rule.ge
        if getattr(rule, "gt", None) is not None:
            low = rule.gt + step
        if getattr(rule, "le", None) is not None:
            high = rule.le
        if getattr(rule, "lt", None) is not None:
            high = rule.lt - step
    low = -10 * abs(value) - 1 if low is None else low
    high = 20 * value + 20 if high is None else high
    return [int(v) if isinstance(value, int) else float(v) for v in (low, high)]


def _cases() -> list[tuple[str, float]]:
    scenario = _scenario()
    cases = []
    for row in parameter_table(scenario):
        info, value = _field(scenario, row["path"])
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        cases += [(row["path"], edge) for edge in _edges(info, value)]
    return cases


CASES = _cases()


@pytest.fixture(scope="module")
def unmoved() -> set[str]:
    """The annual table's columns with missing values in the unmoved scenario."""
    annual = simulate(_scenario(), seed=3).annual.select_dtypes("number")
    return set(annual.columns[annual.isna().any()])


def test_the_edges_cover_every_numeric_parameter_with_every_mechanism_on() -> None:
    """Two edges for each of the scenario's numeric parameters, some hundreds in all."""
    paths = {path for path, _ in CASES}
    assert len(CASES) == 2 * len(paths) > 400
    assert "simulation.unit_reviews.project_staff_days" in paths
    on = prepare(_scenario()).mechanisms
    assert {"title_holder", "minors", "civilization_index", "unit_reviews"} <= set(on)


@pytest.mark.parametrize(("path", "value"), CASES, ids=[f"{p}={v}" for p, v in CASES])
def test_a_parameter_at_its_edge_is_refused_or_runs_sanely(path, value, unmoved) -> None:
    """A clear refusal before the run, or a replication whose scores lie within their points."""
    try:  # the scenario's rules, and the fund's allocation
        prepared = prepare(override(_scenario(), {path: value}))
    except CivsimError as refused:
        assert str(refused)  # said in words; anything else would fail the test
        return
    result = simulate(prepared, seed=3)  # once prepared, a run must not fail
    cycle = result.cycle["cycle_score"].iloc[0]
    assert math.isfinite(cycle) and 0 <= cycle <= 100
    assert result.annual["score"].between(0, 100).all()
    annual = result.annual.select_dtypes("number")
    assert set(annual.columns[annual.isna().any()]) <= unmoved
