"""The HTML report and `civsim compare`: self-contained, complete, all or nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS, variant, write_yaml

from civsim.cli import main
from civsim.experiments import compare
from civsim.report import assumptions_table, comparison_table, render_report
from civsim.sim import prepare


@pytest.fixture(scope="module")
def county_pair(county):
    """The county and a smart-platform copy of it."""
    return [county, variant(county, "smart", detection={"platform": True})]


@pytest.fixture(scope="module")
def county_cmp(county_pair, county_prep):
    """The comparison of the county pair, two replications each."""
    smart = prepare(county_pair[1], city=county_prep.city)
    return compare([county_prep, smart], 2, progress=False)


@pytest.fixture(scope="module")
def page(county_pair, county_prep, county_cmp) -> str:
    """The report of the county pair."""
    return render_report(county_cmp, county_pair, city=county_prep.city)


def test_report_is_self_contained(page: str) -> None:
    """Every figure is embedded; nothing is fetched from elsewhere."""
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 9
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:|//|/)', page)


def test_report_has_comparison_and_assumptions(page: str) -> None:
    """The comparison table names both scenarios; the assumptions table shows the switch."""
    assert "<h2>Comparison</h2>" in page and "<h2>Assumptions</h2>" in page
    assert "提名县" in page and ">smart<" in page
    assert "simulation.detection.platform" in page


def test_assumptions_list_changed_and_assumed_parameters(county_pair) -> None:
    """Changed parameters are listed per scenario; shared assumptions once, as 'all'."""
    table = assumptions_table(county_pair)
    assert list(table.columns) == ["scenario", "path", "value", "default", "unit", "source"]
    platform = table[table["path"] == "simulation.detection.platform"]
    assert platform[["scenario", "value", "default"]].values.tolist() == [
        ["smart", "True", "False"]
    ]
    upkeep = table[table["path"] == "simulation.dynamics.upkeep_rate"]
    assert upkeep["scenario"].tolist() == ["all"]
    workers = table[table["path"] == "territory.generator.grid_workers_per_grid"]
    assert workers["value"].tolist() == ["1.4"] and workers["default"].tolist() != ["1.4"]


def test_compare_command_writes_report_and_tables(tmp_path: Path, capsys) -> None:
    """`civsim compare` prints the comparison and writes report.html and the CSV tables."""
    out = tmp_path / "cmp"
    county = str(SCENARIOS / "county_nominee.yaml")
    code = main(["compare", county, "--reps", "2", "--out", str(out), "--executor", "serial"])
    assert code == 0
    text = capsys.readouterr().out
    assert "county_nominee" in text and f"report written   {out / 'report.html'}" in text
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison_replications.csv",
        "comparison_summary.csv",
        "report.html",
    ]
    summary = pd.read_csv(out / "comparison_summary.csv")
    assert summary["scenario"].tolist() == ["county_nominee"] and summary["reps"].tolist() == [2]


def test_compare_command_bad_input_writes_nothing(tmp_path: Path, tiny_dict: dict, capsys) -> None:
    """A bad second scenario: exit 2 naming it, before any run, and no folder."""
    tiny_dict["colour"] = "red"
    bad = write_yaml(tmp_path, "bad.yaml", tiny_dict)
    out = tmp_path / "cmp"
    county = str(SCENARIOS / "county_nominee.yaml")
    assert main(["compare", county, str(bad), "--reps", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "colour" in err and "Traceback" not in err
    assert not out.exists()


def test_comparison_table_writes_intervals(county_pair, county_prep) -> None:
    """Intervals are written low .. high, and the Chinese title is carried."""
    cmp = compare([county_prep], 2, progress=False)
    table = comparison_table(cmp, county_pair[:1])
    low, high = (float(x) for x in table.loc[0, "90% interval"].split(" .. "))
    assert low <= table.loc[0, "cycle score"] <= high
    assert table.loc[0, "title_zh"] == county_pair[0].title_zh


def test_compare_refuses_another_city_unless_allowed(tmp_path: Path, capsys) -> None:
    """The county is not the baseline's city: exit 2 before any run, naming it and the way out."""
    out = tmp_path / "cmp"
    files = [str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "county_nominee.yaml")]
    assert main(["compare", *files, "--reps", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "county_nominee is not the city of the baseline baseline" in err
    assert "--allow-different-cities" in err and "Traceback" not in err
    assert not out.exists()


def test_report_warns_when_a_scenario_is_another_city(county_pair, county_prep, county_cmp):
    """With another city allowed in, the report says its differences compare places."""
    page = render_report(county_cmp, county_pair, city=county_prep.city, other_cities=["smart"])
    assert '<p class="warning">smart: another city than the baseline' in page
    plain = render_report(county_cmp, county_pair, city=county_prep.city)
    assert 'class="warning"' not in plain
