"""Targets: each output read from a run as defined, and targets the scenario cannot meet refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from civsim.errors import CivsimError
from civsim.results import RunResult
from civsim.scenario import load_scenario, override
from civsim.sim import prepare, simulate
from civsim.targets import Target, Targets, load_targets, observe
from tests.conftest import SCENARIOS, write_yaml


def _target(**fields) -> dict:
    return {"name": "x", "observed": 0.5, "se": 0.1, "source": "test", **fields}


@pytest.fixture(scope="module")
def run():
    """The county and one replication of it."""
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    return county, simulate(prepare(county), seed=3, replication=0)


def test_each_output_is_read_as_defined(run: tuple) -> None:
    """A year's field points, one month's mock tests, the share closed within 10 days of a year."""
    county, result = run
    assert isinstance(result, RunResult)
    targets = Targets(
        name="t",
        targets=[
            _target(name="field_2", output="field", year=2, observed=30),
            _target(name="mock_2_3", output="mock_test", year=2, month=3),
            _target(name="closed_1", output="closed_within", year=1, within_days=10),
            _target(name="closed_all", output="closed_within", within_days=3),
            _target(name="satisfaction", output="satisfaction"),
        ],
    )
    got = observe(result, county, targets).iloc[0]
    annual = result.annual.set_index("year")
    assert got["field_2"] == annual.loc[2, "field"]
    days = county.cycle.days_per_year
    start, end = days + 2 * days / 12, days + 3 * days / 12
    tests = result.mock_tests
    inside = tests[(tests["day"] >= start) & (tests["day"] < end)]
    assert len(inside) >= 1
    assert got["mock_2_3"] == pytest.approx(inside["score"].mean())
    orders = result.orders
    first = orders[orders["opened"] < days]
    fast = (first["closed"] >= 0) & (first["closed"] - first["opened"] <= 10)
    assert got["closed_1"] == pytest.approx(fast.mean())
    quick = (orders["closed"] >= 0) & (orders["closed"] - orders["opened"] <= 3)
    assert got["closed_all"] == pytest.approx(quick.mean())
    assert 0 < got["closed_all"] < got["closed_1"] < 1
    assert np.isfinite(got["satisfaction"])


def test_a_range_is_a_95_percent_interval() -> None:
    """A range of observed ± 1.96 sd has that sd; the discrepancy adds its variance."""
    t = Target.model_validate(_target(output="cycle_score", se=None, range=(80 - 3.92, 80 + 3.92),
                                      observed=80, discrepancy_sd=1.5))  # fmt: skip
    assert t.variance == pytest.approx(2.0**2 + 1.5**2)
    assert t.interval() == pytest.approx((76.08, 83.92))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"output": "field"}, "output field needs a year"),
        ({"output": "title", "year": 1}, "it takes no year"),
        ({"output": "field", "year": 1, "month": 2}, "only mock_test takes a month"),
        ({"output": "closed_within"}, "closed_within needs it"),
        ({"output": "cycle_score", "range": [0.1, 0.9]}, "as se or as range, one of them"),
        ({"output": "cycle_score", "se": None}, "as se or as range, one of them"),
        ({"output": "mock_test", "year": 1, "month": 13}, "less than or equal to 12"),
    ],
)
def test_malformed_targets_are_named(tmp_path: Path, fields: dict, message: str) -> None:
    """Each malformed target is refused, naming the file and the target."""
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    path = write_yaml(tmp_path, "t.yaml", {"name": "t", "targets": [_target(**fields)]})
    with pytest.raises(CivsimError, match="target x") as info:
        load_targets(path, county)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_a_month_without_a_mock_test_is_refused(tmp_path: Path) -> None:
    """Mock tests every 90 days: the first month of the year has none."""
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    sparse = override(county, {"simulation.detection.self_check_interval_days": 90})
    path = write_yaml(tmp_path, "t.yaml", {"name": "t", "targets": [
        _target(output="mock_test", year=1, month=1)]})  # fmt: skip
    with pytest.raises(CivsimError, match="no mock test falls in month 1 of year 1"):
        load_targets(path, sparse)
    ok = write_yaml(tmp_path, "ok.yaml", {"name": "t", "targets": [
        _target(output="mock_test", year=1, month=3)]})  # fmt: skip
    assert load_targets(ok, sparse).targets[0].month == 3
