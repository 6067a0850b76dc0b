"""Variants of a scenario: validated overrides by dotted path, and no unvalidated copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS, write_yaml

import civsim
from civsim.cli import main
from civsim.errors import ScenarioError
from civsim.scenario import Cycle, Scenario, load_scenario, override, parse_set, scenario_hash


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.name)
def test_an_empty_override_and_a_copy_give_the_same_scenario(path: Path) -> None:
    """Dumped and validated again, every shipped scenario is unchanged (so are its results)."""
    scenario = load_scenario(path)
    same = override(scenario, {})
    assert same == scenario and scenario_hash(same) == scenario_hash(scenario)
    assert same.source_file == scenario.source_file
    renamed = scenario.model_copy(update={"name": "other"})
    assert renamed.model_dump(exclude={"name"}) == scenario.model_dump(exclude={"name"})
    assert renamed.source_file == scenario.source_file


def test_override_sets_values_at_their_paths(county: Scenario) -> None:
    """Mapping paths, row indices and row ids; the name; the folder is kept."""
    lines = [ln.id for ln in county.budget.lines]
    variant = civsim.override(
        county,
        {
            "name": "variant",
            "simulation.dynamics.upkeep_rate": 0.09,
            "budget.total_yuan": 24_000_000,
            f"budget.lines.{lines[1]}.duration_days": 90,
            "budget.lines.0.effect_size": 0.5,
            "simulation.campaign": {"mode": "campaign"},  # a mapping merges into the section
        },
    )
    assert variant.name == "variant" and variant.folder == county.folder
    assert variant.simulation.dynamics.upkeep_rate == 0.09
    assert variant.budget.total_yuan == 24_000_000
    assert variant.budget.lines[1].duration_days == 90
    assert variant.budget.lines[0].effect_size == 0.5
    assert variant.simulation.campaign.mode == "campaign"
    assert variant.simulation.campaign.model_dump(exclude={"mode"}) == (
        county.simulation.campaign.model_dump(exclude={"mode"})
    )
    assert variant.territory == county.territory and county.name == "county_nominee"


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("simulation.campaign.mode=campaign", ("simulation", "campaign", "mode"), "campaign"),
        ("budget.total_yuan=24000000", ("budget", "total_yuan"), 24_000_000),
        ("budget.total_yuan=24_000_000", ("budget", "total_yuan"), 24_000_000),
        ("cycle.year_weights=[0.2, 0.3, 0.5]", ("cycle", "year_weights"), (0.2, 0.3, 0.5)),
        (
            "simulation.rectification.joint_mechanism=true",
            ("simulation", "rectification", "joint_mechanism"),
            True,
        ),
        ("title_zh=2024", ("title_zh",), "2024"),  # a text field keeps its text
        ("budget=null", ("budget",), None),
    ],
)
def test_text_values_are_read_with_yaml_rules(county, text, path, expected) -> None:
    """What ``--set`` gives is read as YAML: numbers, lists, booleans, null; text stays text."""
    variant = override(county, dict([parse_set(text)]))
    value = variant
    for part in path:
        value = getattr(value, part)
    assert value == expected


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        (
            {"simulation.dynamics.upkeep_rate": -5},
            "simulation.dynamics.upkeep_rate",
            "greater than or equal to 0, got -5",
        ),
        (
            {"simulation.dynamics.upkeep_rate": "fast"},
            "simulation.dynamics.upkeep_rate",
            "valid number",
        ),
        (
            {"simulation.dynamics.upkeep_rat": 0.1},
            "simulation.dynamics.upkeep_rat",
            "did you mean 'upkeep_rate'",
        ),
        ({"simulaton.dynamics.upkeep_rate": 0.1}, "simulaton", "did you mean 'simulation'"),
        ({"cycle.survey_points": 90}, "cycle", "must add up to 100, got 170.0"),
        ({"cycle.years.count": 2}, "cycle.years.count", "is a value, not a section"),
        ({"budget.lines.99.effect_size": 0.5}, "budget.lines.99", "out of range"),
        ({"budget.lines.no_such.effect_size": 0.5}, "budget.lines.no_such", "no row with id"),
        (
            {"simulation.campaign": {"mdoe": "campaign"}},
            "simulation.campaign.mdoe",
            "did you mean 'mode'",
        ),
        ({"simulation.campaign.mode": "campain"}, "simulation.campaign.mode", "'campaign'"),
        ({"name": "two words"}, "name", "pattern"),
        ({"source_file": "elsewhere.yaml"}, "source_file", "unknown key"),
    ],
)
def test_a_bad_override_names_the_path_and_what_was_expected(
    county, changes, where, message
) -> None:
    """Errors name the dotted path as a loaded file's do, and say what was expected."""
    with pytest.raises(ScenarioError, match=message) as info:
        override(county, changes)
    assert info.value.where == where
    assert info.value.file == "override of county_nominee"


def test_rules_that_span_sections_run_again(county) -> None:
    """Renaming a district breaks the budget's references to it: refused, with the cause."""
    with pytest.raises(ScenarioError, match=r"unknown district .*after overriding territory"):
        override(county, {"territory.districts.0.id": "renamed"})
    with pytest.raises(ScenarioError, match="unknown standard"):
        override(county, {"framework.standards.S106.id": "renamed"})


def test_both_problems_of_the_issue_are_refused(county) -> None:
    """model_copy validated: a negative upkeep rate and a 90-point survey are refused."""
    dynamics = county.simulation.dynamics
    with pytest.raises(ScenarioError, match=r"upkeep_rate: .* equal to 0, got -5"):
        dynamics.model_copy(update={"upkeep_rate": -5})
    with pytest.raises(ScenarioError, match="must add up to 100, got 170"):
        county.cycle.model_copy(update={"survey_points": 90})
    with pytest.raises(ScenarioError, match=r"simulation\.dynamics\.upkeep_rate"):
        county.model_copy(update={"simulation": {"dynamics": {"upkeep_rate": -5}}})
    with pytest.raises(ScenarioError, match="cycle: material, field and survey points"):
        county.model_copy(update={"cycle": {"survey_points": 90}})
    with pytest.raises(ScenarioError, match="year_weights has 3 entries"):
        Cycle.model_construct(years=4)


def test_model_copy_runs_the_scenario_rules_and_keeps_its_file(county) -> None:
    """A copy's update is checked against the other sections; deep copies are validated too."""
    standards = tuple(s for s in county.framework.standards if s.id != "S106")
    framework = county.framework.model_copy(update={"standards": standards})
    with pytest.raises(ScenarioError, match=r"county_ads.*unknown standard 'S106'"):
        county.model_copy(update={"framework": framework})
    with pytest.raises(ScenarioError, match="unknown key 'colour'"):
        county.model_copy(update={"colour": "red"})
    deep = county.model_copy(update={"seed": 1}, deep=True)
    assert deep.seed == 1 and deep.source_file == county.source_file
    assert deep.cycle == county.cycle and deep.cycle is not county.cycle
    assert county.model_copy() == county


def test_run_with_set_saves_the_new_value_and_the_overrides(tmp_path: Path, capsys) -> None:
    """`civsim run --set` runs the variant; its metadata lists the overrides and the new hash."""
    path = str(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "run"
    sets = ["--set", "name=county_campaign", "--set", "simulation.campaign.mode=campaign"]
    args = ["run", path, "--reps", "1", "--executor", "serial", "--out", str(out)]
    assert main([*args, *sets]) == 0
    assert capsys.readouterr().out.startswith("county_campaign: 1 replications")
    meta = json.loads((out / "metadata.json").read_text(encoding="utf-8"))
    assert meta["scenario"] == "county_campaign"
    assert meta["overrides"] == {"name": "county_campaign", "simulation.campaign.mode": "campaign"}
    variant = override(
        load_scenario(path), {"name": "county_campaign", "simulation.campaign.mode": "campaign"}
    )
    assert meta["scenario_hash"] == scenario_hash(variant)
    assert set(pd.read_parquet(out / "cycle.parquet")["scenario"]) == {"county_campaign"}


@pytest.mark.parametrize(
    ("command", "bad", "expected"),
    [
        ("run", "simulation.dynamics.upkeep_rate=-5", "simulation.dynamics.upkeep_rate"),
        ("run", "simulation.dynamics.upkep_rate=0.1", "did you mean 'upkeep_rate'"),
        ("compare", "cycle.survey_points=90", "cycle: material, field and survey points"),
    ],
)
def test_a_bad_set_exits_2_with_the_path_and_no_traceback(
    tmp_path: Path, capsys, command, bad, expected
) -> None:
    """A bad ``--set``: exit 2, one line naming the path, nothing written."""
    path = str(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "out"
    args = [command, path, "--reps", "1", "--executor", "serial", "--out", str(out)]
    assert main([*args, "--set", bad]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()


def test_a_set_without_equals_is_a_usage_error(tmp_path: Path, capsys) -> None:
    """``--set PATH`` without a value is refused by the parser (exit 2, usage shown)."""
    with pytest.raises(SystemExit) as info:
        main(["run", str(SCENARIOS / "county_nominee.yaml"), "--out", str(tmp_path), "--set", "x"])
    assert info.value.code == 2
    assert "expected PATH=VALUE" in capsys.readouterr().err


def test_compare_applies_sets_to_every_scenario(tmp_path: Path, capsys) -> None:
    """`compare --set` changes every scenario of the command, the baseline too."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    overlay = {"extends": "county_nominee.yaml", "name": "county_campaign"}
    write_yaml(folder, "county_campaign.yaml", overlay)
    files = [str(folder / "county_nominee.yaml"), str(folder / "county_campaign.yaml")]
    out = tmp_path / "report"
    args = ["compare", *files, "--reps", "1", "--executor", "serial", "--out", str(out)]
    assert main([*args, "--set", "simulation.dynamics.upkeep_rate=0.123"]) == 0
    assert "2 scenarios, 1 replications each" in capsys.readouterr().out
    html = (out / "report.html").read_text(encoding="utf-8")
    rows = [r for r in html.split("<tr>") if "simulation.dynamics.upkeep_rate" in r]
    assert len(rows) == 1  # the same new value in both scenarios: one row, for all
    assert ">全部</td>" in rows[0] and ">0.123</td>" in rows[0]  # 全部: all scenarios
