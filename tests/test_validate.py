"""`civsim validate`: a file that validates, runs; each file run refuses, validate refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SCENARIOS, tiny_with_framework, write_yaml

from civsim.budget import allocate_cycle
from civsim.city import build_city
from civsim.cli import main
from civsim.errors import BudgetError, CivsimError
from civsim.readiness import BYTES_PER_CHECKPOINT, check_ready, estimate_checkpoints
from civsim.scenario import load_scenario

BASELINE = SCENARIOS / "baseline.yaml"


def _overlay(tmp_path: Path, budget: dict) -> Path:
    """A file extending the baseline with ``budget`` settings."""
    data = {"extends": str(BASELINE), "name": "bad_budget", "budget": budget}
    return write_yaml(tmp_path, "bad_budget.yaml", data)


def _refused(argv: list[str], capsys, *words: str) -> str:
    """Run the command, expect exit 2 and one line naming every word; return it."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    for word in words:
        assert word in err, (word, err)
    return err


def test_shipped_scenarios_validate_and_estimates_are_exact(capsys) -> None:
    """Every shipped scenario validates; the checkpoint estimate is the built city's count."""
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert main(["validate", *map(str, files)]) == 0
    out = capsys.readouterr().out
    assert out.count("ok  ") == len(files) and "checkpoints" in out
    county = check_ready(load_scenario(SCENARIOS / "county_nominee.yaml"))
    assert county.city is not None
    assert county.estimated_checkpoints == county.city.checkpoints.n


@pytest.mark.parametrize(
    ("budget", "expected"),
    [
        ({"district_min_share": 0.2, "district_cap_share": 0.1}, "is above its cap"),
        ({"district_min_share": 0.2}, "district minimums add up to"),
        ({"district_cap_share": 0.1}, "district caps add up to"),
        ({"district_min_share": 0.0, "district_min_yuan": 2_000_000}, "minimums add up to"),
        ({"district_min_share": 0.0, "district_cap_yuan": 100_000}, "district caps add up to"),
    ],
    ids=["min-above-cap", "minimums-over-fund", "caps-under-fund", "yuan-floor", "yuan-cap"],
)
def test_a_budget_run_cannot_allocate_is_refused(
    tmp_path: Path, capsys, budget: dict, expected: str
) -> None:
    """Minimums and caps that cannot fit: run and budget refuse, and so does validate."""
    path = _overlay(tmp_path, budget)
    scenario = load_scenario(path)
    with pytest.raises(BudgetError, match=expected):
        allocate_cycle(scenario)
    _refused(["validate", str(path)], capsys, "bad_budget.yaml", "budget:", expected)


def test_optimised_policy_is_checked_without_its_solve(tmp_path: Path) -> None:
    """The optimised policy's inputs are checked; the note says its solve was not run."""
    ready = check_ready(load_scenario(_overlay(tmp_path, {"policy": "optimised"})), build=False)
    assert any("optimised" in note for note in ready.notes)
    with pytest.raises(BudgetError, match="budget: district caps"):
        check_ready(
            load_scenario(_overlay(tmp_path, {"policy": "optimised", "district_cap_share": 0.1})),
            build=False,
        )


def test_a_scenario_without_framework_is_refused(tmp_path: Path, tiny_path: Path, capsys) -> None:
    """Run needs the framework: without one, validate names the section."""
    with pytest.raises(CivsimError):
        build_city(load_scenario(tiny_path))
    _refused(["validate", str(tiny_path)], capsys, "tiny.yaml", "framework", "no framework")


def test_a_place_in_an_unknown_grid_is_refused(tmp_path: Path, capsys) -> None:
    """A places table naming a grid the generator does not make: refused before any run."""
    data = tiny_with_framework()
    data["places"] = [{"id": "p1", "place_type": "market", "grid": "g404", "name_zh": "市场"}]
    path = write_yaml(tmp_path, "places.yaml", data)
    with pytest.raises(CivsimError, match="unknown grid"):
        build_city(load_scenario(path))
    _refused(["validate", str(path)], capsys, "places.yaml", "unknown grid 'g404'")


def test_a_framework_without_checkpoints_is_refused(tmp_path: Path, capsys) -> None:
    """Only survey standards: nothing to simulate, and validate says so with the file."""
    data = tiny_with_framework()
    fw = data["framework"]
    fw["standards"] = [s for s in fw["standards"] if s["method"] == "survey"]
    path = write_yaml(tmp_path, "survey_only.yaml", data)
    with pytest.raises(CivsimError, match="no field or material checkpoints"):
        build_city(load_scenario(path))
    _refused(["validate", str(path)], capsys, "survey_only.yaml: framework:", "no field")


def test_a_city_too_big_for_memory_is_refused_before_it_is_built(capsys) -> None:
    """The estimate times the bytes per checkpoint against the limit, both stated."""
    n = estimate_checkpoints(load_scenario(BASELINE))
    limit_gb = n * BYTES_PER_CHECKPOINT / 2 / 2**30
    err = _refused(
        ["validate", str(BASELINE), "--memory-gb", str(limit_gb)],
        capsys,
        "baseline.yaml: territory:",
        f"about {n:,} checkpoints",
        f"limit of {limit_gb:,.1f} GiB",
    )
    assert f"{BYTES_PER_CHECKPOINT:,} bytes each" in err
