"""The governance levers' progress in the report: the village plan's targets, the key projects."""

from __future__ import annotations

import html
import json
import math

import pandas as pd
import pytest
from conftest import SCENARIOS, variant

from civsim.cli import main
from civsim.experiments import compare
from civsim.findings import warnings
from civsim.governance_progress import lever_progress, project_progress, village_progress
from civsim.progress_section import governance_section
from civsim.report import render_report
from civsim.sim import prepare, simulate
from civsim.sim.tables import RunResult
from civsim.summary import report_text

META = {"created": "2026-01-02T03:04:05+00:00", "seed": 11, "executor": "serial"}


@pytest.fixture(scope="module")
def levers(county):
    """The county with the urban-village plan and the units' reviews on."""
    on = {"enabled": True}
    return variant(
        county,
        "levers",
        urban_villages=on,
        unit_reviews=on,
        creation=on,
        volunteer_teams=on,
        mobilisation=on,
    )


@pytest.fixture(scope="module")
def two_runs(levers):
    """Two replications of it, as one result."""
    runs = [simulate(levers, seed=5, replication=r) for r in range(2)]
    return RunResult(
        **{
            name: pd.concat([getattr(r, name) for r in runs], ignore_index=True)
            for name in RunResult.__dataclass_fields__
        }
    )


def test_the_plan_year_by_year_is_the_villages_counted(levers, two_runs) -> None:
    """Villages, those due and those covered are the coverage table's rows counted, per rep."""
    coverage = two_runs.village_coverage
    progress = village_progress(coverage, [levers]).set_index("year")
    targets = levers.simulation.urban_villages.coverage_targets
    for year, rows in coverage.groupby("year"):
        per_rep = rows.groupby("replication")[["due", "covered"]].sum()
        row = progress.loc[year]
        assert row["replications"] == 2
        assert row["villages"] == len(rows) / 2
        assert row["target"] == targets[year - 1]
        assert row["due"] == per_rep["due"].mean()
        assert row["covered"] == per_rep["covered"].mean()
        assert row["covered_share"] == pytest.approx(per_rep["covered"].mean() * 2 / len(rows))
    # the shipped plan is on schedule in the county: full coverage in the last year
    assert progress.loc[3, "covered_share"] == 1.0 and progress["behind"].sum() == 0


def test_a_plan_that_starts_too_late_names_every_district_behind(county) -> None:
    """Measures that take longer than a year to come in: no district meets year 1's target."""
    plan = {"enabled": True, "cover_days": 400.0, "cover_days_spread": 0.0}
    late = variant(county, "late", urban_villages=plan)
    result = simulate(late, seed=5)
    first = village_progress(result.village_coverage, [late]).set_index("year").loc[1]
    districts = sorted(result.village_coverage["district"].unique())
    assert first["covered"] == 0 and first["behind"] == first["districts"] == len(districts)
    assert first["behind_list"] == ", ".join(f"{d} 0%" for d in districts)


def test_each_key_project_is_counted_once(two_runs) -> None:
    """On time, late or not done: every project is one of them; the held are the table's."""
    reviews = two_runs.unit_reviews
    progress = project_progress(reviews)
    assert (
        progress["on_time"] + progress["done_late"] + progress["not_done"] == progress["projects"]
    ).all()
    for year, rows in reviews.groupby("year"):
        row = progress.set_index("year").loc[year]
        assert row["projects"] == rows["project"].sum() / 2
        assert row["held"] == rows["held"].sum() / 2
        assert row["units"] == len(rows) / 2
        carried = rows[rows["project"]]
        on_time = (carried["done_day"] >= 0) & (carried["done_day"] <= carried["deadline_day"])
        assert row["on_time"] == on_time.sum() / 2


def test_the_levers_yearly_outputs_are_their_events_counted(levers, two_runs) -> None:
    """Creations named, volunteers registered and residents aware: from the events, per year."""
    progress = lever_progress(two_runs, [levers]).set_index("year")
    ev, days = two_runs.events, levers.cycle.days_per_year
    residents = sum(d.population for d in levers.territory.districts)
    start = levers.simulation.volunteer_teams.registered_share_start * residents
    target = levers.simulation.volunteer_teams.target_share * residents
    for year in range(1, levers.cycle.years + 1):
        this_year = ev[(ev["day"] // days + 1) == year]
        for kind in ("unit", "village", "family", "campus"):
            named = this_year.loc[this_year["kind"] == f"created_{kind}", "count"].sum()
            assert progress.loc[year, f"created_{kind}"] == named / 2
        to_date = ev[ev["day"] < year * days]
        joined = to_date.loc[to_date["kind"] == "volunteer_registrations", "count"].sum()
        left = to_date.loc[to_date["kind"] == "volunteer_lapses", "count"].sum()
        registered = round(start) + (joined - left) / 2
        assert progress.loc[year, "registered"] == pytest.approx(registered)
        assert progress.loc[year, "registration_target"] == pytest.approx(target)
        census = this_year[this_year["kind"] == "residents_aware"]
        last = census[census["day"] == census["day"].max()]["count"].mean() / residents
        assert progress.loc[year, "awareness"] == pytest.approx(last)
    assert progress["created_family"].gt(0).all() and progress["attained"].gt(0).all()
    # spending what would just reach the target by a year's end registers the target then
    vt = levers.simulation.volunteer_teams
    assert (progress["recruitment_yuan"] == vt.recruitment_yuan_per_10k_year).all()
    for year, needed in progress["recruitment_needed"].items():
        enough = vt.model_copy(update={"recruitment_yuan_per_10k_year": needed})
        share = enough.registered_share(vt.registered_share_start, year * days, days)
        assert share == pytest.approx(vt.target_share, rel=1e-6)
    # and the simulated registrations pass the target where the spending is above it
    above = progress["recruitment_yuan"] > progress["recruitment_needed"] * 1.1
    assert (progress.loc[above, "attained"] > 1).all() and above.any()


def test_a_scenario_without_the_levers_has_no_row(county, two_runs) -> None:
    """The county alone runs none of them: nothing to report."""
    assert lever_progress(two_runs, [county]).empty


def test_the_report_shows_the_progress_only_where_a_scenario_runs_the_levers(
    county, county_prep, levers
) -> None:
    """A section (and its contents entry) in both languages; none for the county alone."""
    alone = compare([county_prep], 2, progress=False)
    assert governance_section(alone.results, [county]) is None
    assert 'id="governance"' not in render_report(alone, [county], county_prep.city, (), META)
    both = compare([county_prep, prepare(levers, city=county_prep.city)], 2, progress=False)
    for lang in ("zh", "en"):
        t = report_text(lang)
        page = render_report(both, [county, levers], county_prep.city, (), META, lang)
        assert f'<a href="#governance">{t["h_governance"]}</a>' in page
        start = page.index('id="governance"')
        section = page[start : page.index('id="assumptions"')]
        keys = ("gov_h_villages", "gov_h_projects", "gov_h_levers", "gov_col_held")
        for key in (*keys, "gov_col_awareness"):
            assert html.escape(t[key]) in section
        # a row a year in each of the three tables, under its header, for the one scenario
        assert section.count("<tr>") == 3 + 3 * levers.cycle.years


def test_a_project_done_on_its_deadline_day_is_on_time() -> None:
    """The deadline is the last day allowed (明确时间表): done that day is on time."""
    rows = pd.DataFrame(
        {
            "scenario": "s",
            "replication": 0,
            "year": 1,
            "unit": ["a", "b", "c"],
            "project": True,
            "deadline_day": 210,
            "done_day": [210, 211, -1],
            "late": [False, False, True],
            "held": [False, False, True],
        }
    )
    row = project_progress(rows).iloc[0]
    assert (row["on_time"], row["done_late"], row["not_done"]) == (1, 1, 1)
    assert (row["late_at_review"], row["held"], row["replications"]) == (1, 1, 1)


def test_a_target_above_the_willing_is_out_of_reach(county) -> None:
    """More registered than would ever register: no spending reaches it, and the report says so."""
    teams = {"enabled": True, "target_share": 0.3, "willing_share": 0.25}
    sc = variant(county, "too_many", volunteer_teams=teams)
    result = simulate(sc, seed=5)
    assert (lever_progress(result, [sc])["recruitment_needed"] == math.inf).all()
    section = governance_section(result, [sc], "zh")
    assert section is not None
    assert section.body.count(report_text("zh")["gov_unreachable"]) == sc.cycle.years


def test_a_plan_behind_and_overdue_projects_are_warned_of(county, county_prep) -> None:
    """The summary's warnings name the scenario and count the years short and projects overdue."""
    plan = {"enabled": True, "cover_days": 400.0, "cover_days_spread": 0.0}
    # units that may put no more than a tenth of their staff on a key project: the county's
    # worst kept need more to meet the deadline (urban management 400 / (15 * 180) = 0.15)
    reviews = {"enabled": True, "max_project_staff_share": 0.1}
    slow = variant(county, "slow", urban_villages=plan, unit_reviews=reviews)
    both = compare([county_prep, prepare(slow, city=county_prep.city)], 2, progress=False)
    found = warnings(both, (), [county, slow]).set_index("kind")
    behind = village_progress(both.results.village_coverage, [slow])
    assert found.loc["plan_behind", "scenario"] == "slow"
    assert found.loc["plan_behind", "value"] == (behind["behind"] > 0).sum() == 3
    overdue = both.results.unit_reviews["late"].sum() / 2
    assert found.loc["projects_overdue", "value"] == overdue > 0
    page = render_report(both, [county, slow], county_prep.city, (), META, "en")
    summary = page[page.index('id="summary"') : page.index('id="comparison"')]
    assert "the urban-village plan falls short of its yearly coverage target" in summary
    assert f"{overdue:.1f} key projects over the cycle" in summary
    # without the scenarios no lever is known to run: neither is judged
    assert not {"plan_behind", "projects_overdue"} & set(warnings(both)["kind"])


def test_civsim_run_says_the_levers_progress(tmp_path, capsys) -> None:
    """A line a lever on the command's output, and the tables in its JSON; none without them."""
    county = str(SCENARIOS / "county_nominee.yaml")
    levers = ["urban_villages", "unit_reviews", "creation", "volunteer_teams", "mobilisation"]
    sets = [a for lever in levers for a in ("--set", f"simulation.{lever}.enabled=true")]
    sets += ["--set", "simulation.volunteer_teams.target_share=0.3"]  # above the willing
    run = ["run", county, "--reps", "2", *sets]
    assert main([*run, "--out", str(tmp_path / "a")]) == 0
    said = capsys.readouterr().out
    for start in ("urban villages   year 1 ", "key projects     9 ", "creations        units "):
        assert start in said
    assert "of the target; recruitment 2,000 yuan" in said and "no spending would reach" in said
    assert "mobilisation     " in said
    assert main([*run, "--out", str(tmp_path / "b"), "--json"]) == 0
    progress = json.loads(capsys.readouterr().out)["progress"]
    assert set(progress) == {"villages", "projects", "levers"}
    assert [row["year"] for row in progress["villages"]] == [1, 2, 3]
    assert main(["run", county, "--reps", "1", "--out", str(tmp_path / "c")]) == 0
    alone = capsys.readouterr().out
    assert "urban villages" not in alone and "key projects" not in alone


def test_the_section_is_rebuilt_from_saved_runs_byte_for_byte(tmp_path, capsys) -> None:
    """`civsim report` on a comparison's folder gives its report again, progress included."""
    county = str(SCENARIOS / "county_nominee.yaml")
    levers = tmp_path / "levers.yaml"
    levers.write_text(
        f"extends: {county}\nname: levers\nsimulation:\n"
        "  urban_villages: {enabled: true}\n  unit_reviews: {enabled: true}\n"
        "  creation: {enabled: true}\n",
        encoding="utf-8",
    )
    first, again = tmp_path / "cmp", tmp_path / "again"
    assert main(["compare", county, str(levers), "--reps", "2", "--out", str(first)]) == 0
    assert main(["report", str(first), "--out", str(again)]) == 0
    capsys.readouterr()
    page = (first / "report.html").read_bytes()
    assert b'id="governance"' in page
    assert (again / "report.html").read_bytes() == page
