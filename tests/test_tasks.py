"""Task decomposition: every standard to a unit, a place and a person, and the four reports."""

from __future__ import annotations

import copy

import pytest
from conftest import SCENARIOS, TINY, TINY_FRAMEWORK, tiny_with_framework
from hypothesis import given, settings
from hypothesis import strategies as st

from civsim.errors import ScenarioError
from civsim.places import build_places, build_territory
from civsim.scenario import Scenario, load_scenario, override
from civsim.staffing import grid_staffing
from civsim.tasks import TASK_COLUMNS, conflicts, coverage, decompose, raci, workload


def tiny_scenario(**changes) -> Scenario:
    """The tiny scenario with its framework, after ``changes`` to the top-level keys."""
    data = tiny_with_framework()
    data.update(changes)
    return Scenario.model_validate(data)


def troubled_scenario() -> Scenario:
    """A tiny scenario with one of every gap and every conflict the reports know."""
    data = copy.deepcopy(TINY)
    data["organisation"]["units"].append({"id": "idle_unit", "name_zh": "空编单位", "staff": 0})
    data["territory"]["generator"]["grid_vacancy_rate"] = 0.5
    fw = copy.deepcopy(TINY_FRAMEWORK)
    fw["place_types"] += [
        {**fw["place_types"][0], "id": "kiosk", "name_zh": "报亭", "per_10k_residents": 0},
        {**fw["place_types"][0], "id": "stall", "name_zh": "摊点", "lead_unit": None},
    ]
    fw["standards"] += [
        {**fw["standards"][0], "id": "S6", "place_types": "kiosk"},
        {**fw["standards"][2], "id": "S7", "lead_unit": None},
        {**fw["standards"][2], "id": "S8", "lead_unit": "idle_unit"},
    ]
    fw["responsibilities"] = [{"standard": "S3", "lead_unit": "market_reg;urban_mgmt"}]
    data["framework"] = fw
    data["places"] = [
        {"id": "m1", "place_type": "market", "grid": "d1s1c1g1", "name_zh": "东市场"},
        {
            "id": "m2",
            "place_type": "market",
            "grid": "d2s1c1g1",
            "name_zh": "西市场",
            "claimed_by": "d2",
        },
        {
            "id": "a1",
            "place_type": "alley",
            "grid": "d1s1c1g2",
            "name_zh": "一巷",
            "claimed_by": "market_reg",
        },
        {"id": "k1", "place_type": "stall", "grid": "d1s2c1g1", "name_zh": "摊点一"},
    ]
    return Scenario.model_validate(data)


@pytest.fixture(scope="module", params=["baseline", "county_nominee"])
def shipped(request) -> tuple:
    """A shipped scenario with its territory, places and tasks."""
    scenario = load_scenario(SCENARIOS / f"{request.param}.yaml")
    territory = build_territory(scenario)
    places = build_places(scenario, territory)
    return scenario, territory, places, decompose(scenario, territory, places)


def _unreported(scenario, territory, tasks) -> tuple:
    """Tasks without an owner, and tasks without a person, that coverage does not explain."""
    gaps = coverage(scenario, tasks, territory)
    named = {g: set(gaps.loc[gaps["gap"] == g, "subject"]) for g in set(gaps["gap"])}
    no_owner = tasks["lead_unit"].isna() & ~tasks["standard"].isin(
        named.get("standard_without_lead", set())
    )
    explained = (
        tasks["grid"].isin(named.get("grid_without_worker", set()))
        | tasks["lead_unit"].isin(named.get("lead_without_staff", set()))
        | tasks["lead_unit"].isna()
    )
    return tasks[no_owner], tasks[tasks["person"].isna() & ~explained]


def test_shipped_scenarios_decompose_with_every_gap_reported(shipped) -> None:
    """Both shipped scenarios decompose; every task has an owner and a person or a gap names it."""
    scenario, territory, _, tasks = shipped
    assert list(tasks.columns) == list(TASK_COLUMNS)
    assert tasks["task_id"].is_unique
    no_owner, no_person = _unreported(scenario, territory, tasks)
    assert no_owner.empty and no_person.empty
    assert tasks["person"].notna().mean() > 0.95  # only vacant grids (a few %) leave gaps


def test_every_standard_is_decomposed(shipped) -> None:
    """Each unit standard gives one task; each field standard one per place of its types."""
    scenario, _, places, tasks = shipped
    per_standard = tasks["standard"].value_counts()
    per_type = places["place_type"].value_counts()
    for std in scenario.framework.standards:
        if std.method == "field" and not std.negative:
            expected = sum(int(per_type.get(t, 0)) for t in std.place_types)
        else:
            expected = 1
        assert per_standard.get(std.id, 0) == expected, std.id


def test_task_table_is_compact(shipped) -> None:
    """Categorical columns keep the task table under 150 bytes a row."""
    _, _, _, tasks = shipped
    assert tasks.memory_usage(deep=True).sum() / len(tasks) < 150


@settings(max_examples=30, deadline=None)
@given(
    populations=st.lists(st.integers(0, 200_000), min_size=1, max_size=3),
    market_rate=st.floats(0, 5),
    alley_rate=st.floats(0, 30),
    s1_types=st.sets(st.sampled_from(["market", "alley"]), min_size=1),
    seed=st.integers(0, 2**32),
)
def test_every_applicable_pair_appears_exactly_once(
    populations, market_rate, alley_rate, s1_types, seed
) -> None:
    """Whatever the city, each (field standard, place of a checked type) is one task."""
    data = tiny_with_framework()
    data["seed"] = seed
    data["territory"]["districts"] = [
        {"id": f"d{i}", "name_zh": f"区{i}", "population": p, "streets": 2}
        for i, p in enumerate(populations)
    ]
    fw = data["framework"]
    fw["place_types"][0]["per_10k_residents"] = market_rate
    fw["place_types"][1]["per_10k_residents"] = alley_rate
    fw["standards"][0]["place_types"] = ";".join(sorted(s1_types))
    scenario = Scenario.model_validate(data)
    territory = build_territory(scenario)
    places = build_places(scenario, territory)
    tasks = decompose(scenario, territory, places)
    expected = {
        (std.id, pid)
        for std in scenario.framework.standards
        if std.method == "field" and not std.negative
        for pid, ptype in zip(places["id"], places["place_type"], strict=True)
        if ptype in std.place_types
    }
    field = tasks[tasks["place"].notna()]
    got = list(zip(field["standard"].astype(str), field["place"].astype(str), strict=True))
    assert len(got) == len(set(got)) and set(got) == expected
    assert (tasks["place"].isna() == tasks["standard"].isin(["S3", "S4", "S5"])).all()


def test_field_tasks_go_to_the_grid_workers_of_their_place() -> None:
    """A field task's person is a worker of its grid; all tasks at one place share that keeper."""
    scenario = tiny_scenario()
    territory = build_territory(scenario)
    tasks = decompose(scenario, territory)
    field = tasks[tasks["place"].notna() & tasks["person"].notna()]
    workers = territory.grids.set_index("id")["grid_workers"]
    grid_of_person = field["person"].astype(str).str.rsplit("w", n=1)
    assert (grid_of_person.str[0] == field["grid"].astype(str)).all()
    assert (grid_of_person.str[1].astype(int) <= field["grid"].astype(str).map(workers)).all()
    assert (field.groupby("place", observed=True)["person"].nunique() == 1).all()


def test_unit_tasks_go_to_posts_of_the_lead_unit() -> None:
    """Material, survey and negative-list standards give one task for a post of the lead unit."""
    tasks = decompose(tiny_scenario()).set_index("task_id")
    assert tasks.loc["S3", "person"] == "market_reg:post1"
    assert tasks.loc["S4", "person"] == "urban_mgmt:post1"
    assert tasks.loc["S5", "person"] == "urban_mgmt:post2"
    assert bool(tasks.loc["S5", "negative"])


def test_hours_per_year_follow_the_cadence() -> None:
    """hours_per_year is hours_per_task times the cadence's executions (once: per cycle year)."""
    tasks = decompose(tiny_scenario()).drop_duplicates("standard").set_index("standard")
    assert tasks.loc["S1", "hours_per_year"] == pytest.approx(0.5 * 365)
    assert tasks.loc["S2", "hours_per_year"] == pytest.approx(1.0 * 52)
    assert tasks.loc["S3", "hours_per_year"] == pytest.approx(4 * 4)
    assert tasks.loc["S4", "hours_per_year"] == pytest.approx(8 / 3)


def test_reports_find_every_deliberate_gap() -> None:
    """The troubled scenario's gaps are each reported, and nothing else is."""
    scenario = troubled_scenario()
    territory = build_territory(scenario)
    tasks = decompose(scenario, territory)
    gaps = coverage(scenario, tasks, territory)
    found = set(zip(gaps["gap"], gaps["subject"], strict=True))
    vacant = set(territory.grids.loc[territory.grids["grid_workers"] == 0, "id"])
    assert vacant
    assert found == {
        ("standard_without_lead", "S7"),
        ("place_type_unserved", "stall"),
        ("standard_without_place", "S6"),
        ("lead_without_staff", "idle_unit"),
        *(("grid_without_worker", g) for g in vacant),
    }
    no_owner, no_person = _unreported(scenario, territory, tasks)
    assert no_owner.empty and no_person.empty


def test_reports_find_every_deliberate_conflict() -> None:
    """Two leads from a responsibility table and contested places are each reported."""
    scenario = troubled_scenario()
    found = conflicts(scenario, build_places(scenario))
    assert set(zip(found["conflict"], found["subject"], found["claimants"], strict=True)) == {
        ("two_leads", "S3", "market_reg;urban_mgmt"),
        ("department_and_district", "m2", "market_reg;d2"),
        ("two_departments", "a1", "urban_mgmt;market_reg"),
    }
    task = decompose(scenario).set_index("task_id").loc["S3"]
    assert task["lead_unit"] == "market_reg"  # the first lead owns it until settled


def test_workload_flags_against_capacity() -> None:
    """Loads are hours over capacity; lowering capacity flags more people."""
    scenario = tiny_scenario()
    tasks = decompose(scenario)
    w = workload(scenario, tasks).set_index("id")
    market = w.loc["market_reg"]
    assert market["tasks"] == 1 and market["hours_per_year"] == pytest.approx(16)
    assert market["load"] == pytest.approx(16 / (4 * scenario.workload.hours_per_staff_year))
    workers = w[w["level"] == "grid_worker"]
    assert workers["hours_per_year"].sum() == pytest.approx(
        tasks.loc[tasks["place"].notna() & tasks["person"].notna(), "hours_per_year"].sum()
    )
    tight = override(scenario, {"workload.grid_worker_hours_per_year": 1})
    assert workload(tight, tasks)["overloaded"].sum() > w["overloaded"].sum()


def test_raci_follows_the_documented_rule() -> None:
    """Lead = A, doers = R, cooperating = C, office = I."""
    scenario = tiny_scenario()
    r = raci(scenario, decompose(scenario)).set_index(["body", "item"])["role"]
    assert r["market_reg", "I1"] == "RA"  # leads S1, S3; its posts do S3
    assert r["urban_mgmt", "I1"] == "C"  # cooperates on S1
    assert r["urban_mgmt", "I2"] == "RA"
    assert r["office", "I1"] == "I" and r["office", "I2"] == "I"
    assert r["d1", "I1"] == "R" and r["d2", "I2"] == "R"


def test_decompose_needs_a_framework() -> None:
    """A scenario without a framework is refused with a clear message."""
    with pytest.raises(ScenarioError, match="no evaluation framework"):
        decompose(Scenario.model_validate(copy.deepcopy(TINY)))


def test_every_gap_and_conflict_reads_in_chinese_in_the_workbook() -> None:
    """The office's sheets: every kind and detail of a gap or conflict in Chinese, ids by name."""
    from civsim.sheets import names_of, office_table

    scenario = troubled_scenario()
    territory = build_territory(scenario)
    tasks = decompose(scenario, territory)
    names = names_of(scenario, territory)
    gaps = office_table(coverage(scenario, tasks, territory), names)
    found = office_table(conflicts(scenario, build_places(scenario)), names)
    for table, kind in ((gaps, "缺口类型"), (found, "冲突类型")):
        for text in (*table[kind], *table["说明"]):
            assert not any(c.isascii() and c.isalpha() for c in text), text
    assert "没有报亭类点位" in set(gaps["说明"])  # a place type's id shown by its name


def _fewest_workers(hours: float, per_worker: float) -> int:
    """The fewest workers n with hours / n within per_worker, counted up one by one."""
    n = 0
    while hours > n * per_worker * (1 + 1e-12):
        n += 1
    return n


@pytest.mark.parametrize("ratio", [1.0, 0.8])
def test_grid_staffing_counts_the_workers_each_grids_hours_need(ratio: float) -> None:
    """Each grid once: the fewest workers for its field hours, and what it lacks or spares.

    The fewest workers within the flagged load are counted up here, one by one.
    """
    scenario = override(
        troubled_scenario(),
        {"workload.grid_worker_hours_per_year": 60, "workload.overload_ratio": ratio},
    )
    territory = build_territory(scenario)
    tasks = decompose(scenario, territory)
    staffing = grid_staffing(scenario, tasks, territory).set_index("grid")
    assert sorted(staffing.index) == sorted(territory.grids["id"])
    field = tasks[tasks["place"].notna()]
    for grid in territory.grids.itertuples():
        row = staffing.loc[grid.id]
        hours = float(field.loc[field["grid"] == grid.id, "hours_per_year"].sum())
        needed = max(_fewest_workers(hours, 60 * ratio), 1)  # every grid has one
        assert row["hours_per_year"] == pytest.approx(hours)
        assert row["workers_needed"] == needed
        assert row["shortfall"] == max(needed - grid.grid_workers, 0)
        assert row["spare"] == max(grid.grid_workers - needed, 0)
    vacant = staffing[staffing["grid_workers"] == 0]
    assert len(vacant) and (vacant["shortfall"] == vacant["workers_needed"]).all()
    short = staffing["shortfall"].to_numpy()
    assert (short[:-1] >= short[1:]).all()  # the grids most short first


def test_a_grid_is_short_exactly_when_its_hours_shared_evenly_would_overload(shipped) -> None:
    """A short grid has an overloaded worker in the workload report.

    And a grid of one worker is short exactly when that worker is overloaded.
    """
    scenario, territory, _, tasks = shipped
    staffing = grid_staffing(scenario, tasks, territory).set_index("grid")
    load = workload(scenario, tasks)
    workers = load[load["level"] == "grid_worker"]
    any_over = workers.groupby("grid")["overloaded"].any()
    staffed = staffing[staffing["grid_workers"] > 0]
    short = staffed.index[staffed["shortfall"] > 0]
    assert len(short) and any_over.reindex(short, fill_value=False).all()
    alone = staffed[staffed["grid_workers"] == 1]
    over = any_over.reindex(alone.index, fill_value=False)
    assert ((alone["shortfall"] > 0) == over).all()
