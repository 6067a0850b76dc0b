"""The special fund: schema, policies, exact yuan, the optimiser, years and bad input."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import SCENARIOS, TINY, write_yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civsim.budget import (
    COLUMNS,
    POLICIES,
    BudgetInputs,
    allocate_cycle,
    budget_inputs,
    expected_gain,
    optimised,
    performance,
    summarise,
)
from civsim.cli import main
from civsim.errors import BudgetError, ScenarioError
from civsim.gains import line_gains
from civsim.scenario import Scenario, load_scenario

SHIPPED = ["baseline.yaml", "county_nominee.yaml"]
TINY_BUDGET = {
    "total_yuan": 1_000_003,
    "lines": [
        {
            "id": "grid_subsidy",
            "name_zh": "网格员补贴",
            "category": "regular_activity",
            "level": "district",
            "unit_cost_yuan": 60_000,
            "max_units": 5,
            "target_kind": "district",
            "effect": "staff_days",
            "effect_size": 250,
            "duration_days": 365,
            "source": "assumption",
        },
        {
            "id": "platform",
            "name_zh": "平台模块",
            "category": "key_project",
            "level": "city",
            "unit_cost_yuan": 170_001,
            "max_units": 2,
            "target_kind": "city",
            "effect": "detection",
            "effect_size": 0.02,
            "duration_days": 365,
            "source": "assumption",
        },
    ],
}


@cache
def _inputs(name: str) -> BudgetInputs:
    return budget_inputs(load_scenario(SCENARIOS / name))


def assert_adds_up(table: pd.DataFrame, inputs: BudgetInputs) -> None:
    """Yuan add up at every level; units cost exactly their yuan; minimums and caps hold."""
    assert list(table.columns) == COLUMNS
    assert (table["yuan"] >= 0).all() and (table["units"] >= 0).all()
    cost = inputs.options.set_index(["line", "holder"])["unit_cost_yuan"]
    bought = table[~table["line"].isin(["reserve", "unspent"])]
    expected = (
        bought["units"].to_numpy()
        * cost.loc[list(zip(bought["line"], bought["district"], strict=True))].to_numpy()
    )
    assert (bought["yuan"].to_numpy() == expected).all()
    limits = inputs.options.set_index(["line", "holder"])["max_units"]
    assert (
        bought.set_index(["line", "district"])["units"]
        <= limits.reindex(bought.set_index(["line", "district"]).index)
    ).all()
    d = inputs.districts.set_index("id")
    for _, year in table.groupby("year"):
        assert int(year["yuan"].sum()) == inputs.total_yuan
        levels = year.groupby("level")["yuan"].sum()
        city_share = inputs.city_share
        exact = [city_share * inputs.total_yuan, (1 - city_share) * inputs.total_yuan]
        assert abs(levels.get("city", 0) - exact[0]) <= 1
        assert int(levels.sum()) == inputs.total_yuan
        per_district = year[year["level"] == "district"].groupby("district")["yuan"].sum()
        per_district = per_district.reindex(d.index, fill_value=0)
        assert (per_district >= d["min_yuan"]).all() and (per_district <= d["cap_yuan"]).all()
        pools = year.groupby(["district", "category"])["yuan"].sum().unstack(fill_value=0)
        for holder, row in pools.iterrows():
            key_exact = inputs.key_project_share * row.sum()
            assert abs(row.get("key_project", 0) - key_exact) <= 0.5 + 1e-6, holder


# ------------------------------------------------------------------------- schema


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_budgets_load_with_sources(name: str) -> None:
    """Both scenarios carry a fund, lines with sources, and district conditions of their own."""
    s = load_scenario(SCENARIOS / name)
    assert s.budget is not None and all(line.source for line in s.budget.lines)
    ids = {d.id for d in s.territory.districts}
    assert {row.district for row in s.budget.district_condition} <= ids
    assert {line.level for line in s.budget.lines} == {"city", "district"}


def test_county_fund_is_smaller_than_the_city_fund() -> None:
    """The county overlay replaces the fund and the lines table, not just adds to them."""
    city, county = (load_scenario(SCENARIOS / n).budget for n in SHIPPED)
    assert county.total_yuan < city.total_yuan
    assert {x.id for x in county.lines} != {x.id for x in city.lines}


def test_scenario_without_budget_still_loads_but_cannot_allocate(tiny_path: Path) -> None:
    """A scenario with no budget section loads; allocating it says what is missing."""
    s = load_scenario(tiny_path)
    assert s.budget is None
    with pytest.raises(BudgetError, match="no budget section"):
        allocate_cycle(s, "equal")


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        (lambda b: b.update(total_yuan=0), "budget", "more than 0 yuan"),
        (lambda b: b["lines"][0].update(unit_cost_yuan=-5), "unit_cost_yuan", "above 0"),
        (lambda b: b["lines"][0].update(target_kind="standard"), "lines", "needs a target id"),
        (lambda b: b["lines"][1].update(effect_size=2.0), "lines", "0..1 scale"),
        (
            lambda b: b["lines"][0].update(
                effect="publicity", target_kind="place_type", target="x"
            ),
            "lines",
            "publicity works on survey standards",
        ),
        (
            lambda b: b.update(district_condition=[{"district": "d9", "condition": 0.5}]),
            "",
            "unknown district 'd9'",
        ),
    ],
    ids=[
        "zero-total",
        "negative-cost",
        "missing-target",
        "size-above-1",
        "publicity-on-places",
        "unknown-district",
    ],
)
def test_bad_budget_sections_are_refused(
    tmp_path: Path, tiny_dict: dict, change, where: str, words: str
) -> None:
    """Schema errors name the field and say what was expected."""
    tiny_dict["budget"] = copy.deepcopy(TINY_BUDGET)
    change(tiny_dict["budget"])
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_yaml(tmp_path, "s.yaml", tiny_dict))
    assert words in info.value.message and where in (info.value.where or "")


def test_unknown_place_type_in_a_lines_table_is_refused(tmp_path: Path) -> None:
    """A line targeting a place type the framework lacks is refused with a hint."""
    folder = tmp_path / "s"
    folder.mkdir()
    lines = (SCENARIOS / "baseline_tables/budget_lines.csv").read_text(encoding="utf-8")
    (folder / "lines.csv").write_text(lines.replace(",market,", ",markt,"), encoding="utf-8")
    (folder / "s.yaml").write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\nbudget: {{lines: lines.csv}}\n", encoding="utf-8"
    )
    with pytest.raises(ScenarioError, match=r"unknown place_type 'markt'.*did you mean 'market'"):
        load_scenario(folder / "s.yaml")


# ------------------------------------------------------------------------- policies


@pytest.mark.parametrize("name", SHIPPED)
@pytest.mark.parametrize("policy", list(POLICIES))
def test_every_policy_runs_and_adds_up(name: str, policy: str) -> None:
    """Every policy allocates every year of both scenarios, exactly to the yuan."""
    table = allocate_cycle(load_scenario(SCENARIOS / name), policy)
    assert sorted(table["year"].unique()) == [1, 2, 3]
    assert_adds_up(table, _inputs(name))


@pytest.mark.parametrize("name", SHIPPED)
def test_optimiser_scores_at_least_as_well_as_every_policy(name: str) -> None:
    """On its own objective the optimiser beats or equals every other policy."""
    inputs = _inputs(name)
    results = inputs.districts[["id"]].rename(columns={"id": "district"})
    results["score"] = np.linspace(60, 90, len(results))
    best = expected_gain(optimised(inputs, 2), inputs)
    for policy in POLICIES.values():
        other = expected_gain(policy(inputs, 2, results), inputs)
        assert best >= other - 1e-9
    assert best > expected_gain(POLICIES["equal"](inputs, 2), inputs)


def test_performance_moves_money_toward_better_results_by_the_link_strength() -> None:
    """A district scoring above the mean gains yuan in proportion to the link strength."""
    inputs = _inputs("county_nominee.yaml")
    results = pd.DataFrame({"district": ["c01", "c02"], "score": [80.0, 40.0]})
    base = performance(inputs, 1).groupby("district")["yuan"].sum()
    linked = performance(inputs, 2, results).groupby("district")["yuan"].sum()
    none = performance(inputs._replace(performance_link=0.0), 2, results)
    assert linked["c01"] > base["c01"] and linked["c02"] < base["c02"]
    assert none.groupby("district")["yuan"].sum().equals(base)


def _district_yuan(table: pd.DataFrame) -> list[int]:
    return table[table.level == "district"].groupby("district")["yuan"].sum().tolist()


def test_performance_weights_by_hand() -> None:
    """The county: 1,750,000 yuan for two districts, minimums 525,000, link 0.3.

    Equal base: 875,000 each, so 350,000 each above the minimum, b = (0.5, 0.5).
    Scores 80 and 40: the b-weighted mean is 60 and the spread 40, standings
    +0.5 and -0.5, weights 0.5 x 1.15 = 0.575 and 0.5 x 0.85 = 0.425 of the
    700,000 above the minimums: 402,500 and 297,500, so 927,500 and 822,500.
    Scores a tenth apart (90 and 89.9) rank alike and give the same split: money
    follows the ranking, not the size of the gap.
    """
    inputs = _inputs("county_nominee.yaml")._replace(first_year_policy="equal")
    for scores in ([80.0, 40.0], [90.0, 89.9]):
        results = pd.DataFrame({"district": ["c01", "c02"], "score": scores})
        assert _district_yuan(performance(inputs, 2, results)) == [927_500, 822_500]


def test_performance_weighs_the_mean_by_the_base_shares() -> None:
    """With the need policy as base, the mean score is weighted by each district's base share.

    Base yuan above the minimum a_1, a_2 (from the need policy's table), b = a / 700,000;
    mean m = b_1 x 80 + b_2 x 40; standing r_d = (score_d - m) / 40; weight
    w_d = b_d (1 + 0.3 r_d) (adding up to 1); 700,000 split by w in whole yuan, the
    left-over yuan to the larger fraction. Worked here step by step from a_1, a_2.
    """
    inputs = _inputs("county_nominee.yaml")
    base = _district_yuan(performance(inputs, 1))
    above = [y - 525_000 for y in base]
    assert sum(above) == 700_000 and above[0] != above[1]  # the premise: unequal shares
    b = [a / 700_000 for a in above]
    m = b[0] * 80.0 + b[1] * 40.0
    w = [b[0] * (1 + 0.3 * (80.0 - m) / 40.0), b[1] * (1 + 0.3 * (40.0 - m) / 40.0)]
    assert sum(w) == pytest.approx(1.0)
    quota = [700_000 * x for x in w]
    floors = [int(q) for q in quota]
    order = sorted(range(2), key=lambda i: -(quota[i] - floors[i]))
    expected = [f + (i in order[: 700_000 - sum(floors)]) for i, f in enumerate(floors)]
    results = pd.DataFrame({"district": ["c01", "c02"], "score": [80.0, 40.0]})
    got = _district_yuan(performance(inputs, 2, results))
    assert got == [525_000 + expected[0], 525_000 + expected[1]]


def test_performance_with_every_district_at_its_minimum_keeps_the_minimums() -> None:
    """Minimums of 875,000 use the whole 1,750,000: nothing is left to link to results."""
    inputs = _inputs("county_nominee.yaml")
    d = inputs.districts.assign(min_yuan=875_000)
    results = pd.DataFrame({"district": ["c01", "c02"], "score": [80.0, 40.0]})
    table = performance(inputs._replace(districts=d), 2, results)
    assert _district_yuan(table) == [875_000, 875_000]


def test_performance_with_equal_scores_keeps_the_base() -> None:
    """All districts scored alike (even all 0): no standing, so the first year's need split."""
    inputs = _inputs("county_nominee.yaml")
    for score in (70.0, 0.0):
        results = pd.DataFrame({"district": ["c01", "c02"], "score": [score, score]})
        linked = performance(inputs, 2, results)
        assert _district_yuan(linked) == _district_yuan(performance(inputs, 1))


def test_performance_keeps_a_district_the_base_gives_nothing_at_nothing() -> None:
    """A district with no minimum and no need gets nothing, linked or not.

    Without minimums, with caps of the whole 1,750,000 and no need in c02, the
    base gives c02 nothing; so does the link (its base share is 0 whatever its
    score); c01 gets the whole 1,750,000 (c02 has no row at all).
    """
    inputs = _inputs("county_nominee.yaml")
    d = inputs.districts.assign(min_yuan=0, cap_yuan=1_750_000, need=[1.0, 0.0])
    inputs = inputs._replace(districts=d)
    results = pd.DataFrame({"district": ["c01", "c02"], "score": [40.0, 90.0]})
    assert _district_yuan(performance(inputs, 1)) == [1_750_000]
    assert _district_yuan(performance(inputs, 2, results)) == [1_750_000]


def test_results_may_carry_other_columns() -> None:
    """A year or a note beside district and score is ignored."""
    inputs = _inputs("county_nominee.yaml")
    plain = pd.DataFrame({"district": ["c01", "c02"], "score": [80.0, 40.0]})
    more = plain.assign(year=1, note="")
    assert _district_yuan(performance(inputs, 2, more)) == _district_yuan(
        performance(inputs, 2, plain)
    )


def test_negative_scores_are_refused() -> None:
    """A score below 0, even by half a point, is refused."""
    inputs = _inputs("county_nominee.yaml")
    with pytest.raises(BudgetError, match="finite and >= 0"):
        performance(inputs, 2, pd.DataFrame({"district": ["c01", "c02"], "score": [-0.5, 60.0]}))


def test_summarise_sorts_each_yuan_by_what_it_is() -> None:
    """Lines named before "reserve" and after "unspent" are spent; the two are not.

    Pool d1 regular: a_line 300 + reserve 20 + zz_line 500 + unspent 7 = 827
    allocated, 800 spent, 20 in reserve, 7 unspent.
    """
    rows = [("a_line", 300), ("reserve", 20), ("zz_line", 500), ("unspent", 7)]
    table = pd.DataFrame(
        [(1, "district", "d1", "regular_activity", line, 1, yuan) for line, yuan in rows],
        columns=COLUMNS,
    )
    out = summarise(table)
    assert out[["yuan", "spent_yuan", "reserve_yuan", "unspent_yuan"]].values.tolist() == [
        [827, 800, 20, 7]
    ]


def test_expected_gain_is_units_times_gain_per_unit() -> None:
    """Three units of one line and two of another: 3 g_1 + 2 g_2; reserve and unspent count 0."""
    inputs = _inputs("county_nominee.yaml")
    (l1, h1, g1), (l2, h2, g2) = (
        inputs.options[["line", "holder", "gain_per_unit"]].iloc[[0, -1]].itertuples(index=False)
    )
    assert (l1, h1) != (l2, h2) and g1 > 0 and g2 > 0
    rows = [(l1, h1, 3, 3_000), (l2, h2, 2, 2_000), ("reserve", h1, 5, 500), ("unspent", h2, 9, 9)]
    table = pd.DataFrame(
        [(1, "district", h, "regular_activity", line, u, y) for line, h, u, y in rows],
        columns=COLUMNS,
    )
    assert expected_gain(table, inputs) == pytest.approx(3 * g1 + 2 * g2, rel=1e-12)


def test_cycle_feeds_each_year_the_previous_years_results() -> None:
    """Year y+1 of the performance policy uses the results of year y only."""
    s = load_scenario(SCENARIOS / "county_nominee.yaml")
    good_c02 = pd.DataFrame({"district": ["c01", "c02"], "score": [50.0, 95.0]})
    table = allocate_cycle(s, "performance", {2: good_c02})
    assert table.index.equals(pd.RangeIndex(len(table)))  # one table, rows numbered afresh
    by_year = table[table.level == "district"].groupby(["year", "district"])["yuan"].sum()
    assert by_year[(1, "c02")] == by_year[(2, "c02")] < by_year[(3, "c02")]
    # results of year 1 and of year 2: year 2 follows year 1's, year 3 year 2's
    good_c01 = pd.DataFrame({"district": ["c01", "c02"], "score": [95.0, 50.0]})
    table = allocate_cycle(s, "performance", {1: good_c01, 2: good_c02})
    by_year = table[table.level == "district"].groupby(["year", "district"])["yuan"].sum()
    assert by_year[(2, "c01")] > by_year[(1, "c01")] and by_year[(3, "c02")] > by_year[(1, "c02")]


def test_results_must_cover_every_district() -> None:
    """Last year's results without a district's score are refused, naming the district."""
    inputs = _inputs("county_nominee.yaml")
    with pytest.raises(BudgetError, match="no score for district c02"):
        performance(inputs, 2, pd.DataFrame({"district": ["c01"], "score": [70.0]}))


def test_gain_per_yuan_is_gain_per_unit_over_cost_and_headroom_caps_the_effect() -> None:
    """Gain per yuan = gain per unit / unit cost; a lift is capped by the district's headroom."""
    g = line_gains(load_scenario(SCENARIOS / "baseline.yaml")).set_index(["line", "holder"])
    row = g.loc[("market_renovation", "d01")]
    assert row["condition_gain"] == pytest.approx(0.25)  # effect 0.25 < headroom 0.28
    assert row["gain_per_unit"] == pytest.approx(
        row["points"] * row["condition_gain"] * row["time_share"]
    )
    assert row["gain_per_yuan"] == pytest.approx(row["gain_per_unit"] / 300_000)
    worse = g.loc[("toilet_upgrade", "d04"), "condition_gain"]
    assert worse == pytest.approx(0.3) and g.loc[("toilet_upgrade", "d06"), "condition_gain"] == (
        pytest.approx(0.2)  # headroom 1 - 0.8 caps the 0.3 effect
    )


# ---------------------------------------------------------------------- infeasible


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (dict(total_yuan=-10), "more than 0 yuan, got -10"),
        (dict(min_yuan=400_000), "district minimums add up to 800,000 yuan, 199,998 yuan more"),
        (dict(cap_yuan=250_000), "district caps add up to 500,000 yuan, 100,002 yuan less"),
        (dict(min_yuan=300_000, cap_yuan=200_000), "above its cap of 200,000 yuan by 100,000"),
        (dict(unit_cost_yuan=-3), "must cost more than 0 yuan, got -3"),
    ],
    ids=["total", "minimums", "caps", "min-above-cap", "negative-cost"],
)
@pytest.mark.parametrize("policy", ["equal", "optimised"])
def test_infeasible_budgets_say_which_constraint_and_by_how_many_yuan(change, words, policy):
    """Constraints that cannot be met raise BudgetError naming the constraint and the yuan."""
    inputs = _tiny_inputs(1_000_003, [2, 1], [1.0, 1.0], min_yuan=0, cap_yuan=10**9)
    if "total_yuan" in change:
        inputs = inputs._replace(total_yuan=change["total_yuan"])
    for column in ("min_yuan", "cap_yuan"):
        if column in change:
            inputs.districts[column] = change[column]
    if "unit_cost_yuan" in change:
        inputs.options.loc[0, "unit_cost_yuan"] = change["unit_cost_yuan"]
    with pytest.raises(BudgetError, match=words):
        POLICIES[policy](inputs, 1)


# ---------------------------------------------------------------------- properties


def _tiny_inputs(
    total, residents, need, min_yuan, cap_yuan, costs=(60_000, 170_001)
) -> BudgetInputs:
    data = copy.deepcopy(TINY)
    data["territory"]["districts"] = [
        {"id": f"d{i}", "name_zh": f"{i}区", "population": int(r), "streets": 1}
        for i, r in enumerate(residents)
    ]
    data["budget"] = copy.deepcopy(TINY_BUDGET)
    data["budget"]["total_yuan"] = max(total, 1)
    for line, cost in zip(data["budget"]["lines"], costs, strict=True):
        line["unit_cost_yuan"] = cost
    inputs = budget_inputs(Scenario.model_validate(data))
    districts = inputs.districts.assign(need=need, min_yuan=min_yuan, cap_yuan=cap_yuan)
    return inputs._replace(total_yuan=total, districts=districts)


PRIMES = st.sampled_from([2, 3, 999_983, 1_000_003, 11_999_989, 12_000_017])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    total=st.one_of(PRIMES, st.integers(1, 20_000_000)),
    data=st.data(),
    costs=st.tuples(st.integers(1, 500_000), st.integers(1, 3_000_000)),
    city_share=st.floats(0, 1),
    key_share=st.floats(0, 1),
    policy=st.sampled_from(list(POLICIES)),
)
def test_any_fund_adds_up_exactly(total, data, costs, city_share, key_share, policy) -> None:
    """Random totals (primes too), districts, weights (zeros too) and bounds: yuan add up."""
    n = data.draw(st.integers(1, 7), label="districts")
    residents = data.draw(st.lists(st.integers(0, 2_000_000), min_size=n, max_size=n))
    need = data.draw(st.lists(st.sampled_from([0.0, 0.5, 3.0, 1e6]), min_size=n, max_size=n))
    inputs = _tiny_inputs(total, residents, need, 0, 0, costs)._replace(
        city_share=city_share, key_project_share=key_share
    )
    pool = total - round(city_share * total)  # within a yuan of the district level
    low = data.draw(st.integers(0, max(pool // n - 1, 0)), label="min")
    high = data.draw(st.integers(-(-pool // n) + 1, pool + 2), label="cap")
    inputs.districts["min_yuan"], inputs.districts["cap_yuan"] = low, high
    scores = pd.DataFrame({"district": inputs.districts["id"], "score": need})
    table = POLICIES[policy](inputs, 2, scores)
    assert_adds_up(table, inputs)
    summary = summarise(table)
    left = summary["reserve_yuan"] + summary["unspent_yuan"]
    assert (summary["yuan"] == summary["spent_yuan"] + left).all()


@settings(max_examples=25, deadline=None)
@given(
    total=st.one_of(PRIMES, st.integers(1, 5_000_000)),
    population=st.lists(st.integers(0, 300_000), min_size=1, max_size=5),
)
def test_tiny_scenarios_allocate_every_year(total: int, population: list[int]) -> None:
    """Scenarios built from TINY, with empty districts too, allocate every year exactly."""
    data = copy.deepcopy(TINY)
    data["territory"]["districts"] = [
        {"id": f"d{i}", "name_zh": f"{i}区", "population": p, "streets": 1}
        for i, p in enumerate(population)
    ]
    data["budget"] = copy.deepcopy(TINY_BUDGET) | {"total_yuan": total}
    scenario = Scenario.model_validate(data)
    table = allocate_cycle(scenario, "need")
    assert_adds_up(table, budget_inputs(scenario))


# --------------------------------------------------------------------------- command


def test_budget_command_writes_tables_and_prints_a_summary(tmp_path: Path, capsys) -> None:
    """`civsim budget` writes the allocation and summary (CSV and XLSX) and prints totals."""
    out = tmp_path / "out"
    results = tmp_path / "results.csv"
    results.write_text("year,district,score\n1,c01,70\n1,c02,80\n", encoding="utf-8")
    argv = ["budget", str(SCENARIOS / "county_nominee.yaml"), "--results", str(results)]
    argv += ["--policy", "performance"]
    assert main([*argv, "--out", str(out)]) == 0
    for name in ("allocation.csv", "allocation_summary.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name  # a BOM, for Excel
    table = pd.read_csv(out / "allocation.csv")
    assert list(table.columns) == COLUMNS
    assert table.groupby("year")["yuan"].sum().tolist() == [3_500_000] * 3
    assert len(pd.read_excel(out / "allocation.xlsx", sheet_name="资金汇总")) > 0
    printed = capsys.readouterr().out
    assert "policy performance" in printed
    assert "1,750,000" in printed and "expected gain" in printed


def test_budget_workbook_is_in_chinese_with_names_beside_ids(tmp_path: Path) -> None:
    """allocation.xlsx: Chinese sheets and headers, district and line names beside their ids.

    The CSV files keep civsim's columns; the workbook's yuan equal theirs; --lang en
    gives the English workbook.
    """
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "zh"
    assert main(["budget", str(SCENARIOS / "county_nominee.yaml"), "--out", str(out)]) == 0
    book = pd.read_excel(out / "allocation.xlsx", sheet_name=None)
    assert list(book) == ["资金分配", "资金汇总"]
    sheet = book["资金分配"]
    assert list(sheet.columns) == [
        "年度", "层级", "区县", "区县编号", "类别", "资金项目", "资金项目编号", "份数", "金额（元）"
    ]  # fmt: skip
    table = pd.read_csv(out / "allocation.csv")
    assert sheet["金额（元）"].tolist() == table["yuan"].tolist()
    district = {d.id: d.name_zh for d in county.territory.districts} | {"city": "全市"}
    assert sheet["区县"].tolist() == table["district"].map(district).tolist()
    assert county.budget is not None
    line = {x.id: x.name_zh for x in county.budget.lines}
    funded = table["line"].isin(line)
    assert sheet.loc[funded, "资金项目"].tolist() == table.loc[funded, "line"].map(line).tolist()
    assert set(sheet["类别"]) == {"重点项目", "常态活动"}
    ws = openpyxl.load_workbook(out / "allocation.xlsx")["资金分配"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == ws.dimensions
    assert ws["I2"].number_format == "#,##0"
    en = tmp_path / "en"
    argv = ["budget", str(SCENARIOS / "county_nominee.yaml"), "--lang", "en", "--out", str(en)]
    assert main(argv) == 0
    assert list(pd.read_excel(en / "allocation.xlsx", sheet_name=None)) == ["allocation", "summary"]


def test_budget_json_agrees_with_the_written_tables(tmp_path: Path, capsys) -> None:
    """`civsim budget --json` prints JSON only: the yuan of the tables, the gains of the text."""
    argv = ["budget", str(SCENARIOS / "county_nominee.yaml"), "--out"]
    assert main([*argv, str(tmp_path / "a"), "--json"]) == 0
    printed = capsys.readouterr().out
    done = json.loads(printed)
    assert "\\u" not in printed and done["scenario"] == "county_nominee"
    summary = pd.read_csv(tmp_path / "a" / "allocation_summary.csv")
    by_year = summary.groupby("year")[["yuan", "spent_yuan", "reserve_yuan", "unspent_yuan"]].sum()
    assert [y["year"] for y in done["years"]] == by_year.index.tolist()
    for y in done["years"]:
        for col in by_year.columns:
            assert y[col] == by_year.loc[y["year"], col] and isinstance(y[col], int)
    assert pd.DataFrame(done["holders"]).equals(summary)
    assert main([*argv, str(tmp_path / "b")]) == 0  # the default is the human text
    text = capsys.readouterr().out
    for y in done["years"]:
        assert f"year {y['year']}: {y['spent_yuan']:,} yuan on units" in text
        assert f"expected gain {y['expected_gain']:.3f} points" in text


@pytest.mark.parametrize(
    ("budget", "words"),
    [
        ({"total_yuan": -1}, "more than 0 yuan, got -1"),
        ({"district_min_yuan": 1_300_000}, "minimums add up to 7,800,000 yuan, 600,000 yuan more"),
        ({"district_cap_yuan": 1_000_000}, "caps add up to 6,000,000 yuan, 1,200,000 yuan less"),
        ({"lines": "lines.csv"}, "whole number of yuan above 0, got -300000"),
    ],
    ids=["total", "minimums", "caps", "negative-cost"],
)
def test_budget_command_refuses_bad_funds_and_writes_nothing(
    tmp_path: Path, capsys, budget: dict, words: str
) -> None:
    """Bad funds exit 2 with one line saying which constraint fails by how many yuan."""
    lines = (SCENARIOS / "baseline_tables/budget_lines.csv").read_text(encoding="utf-8")
    (tmp_path / "lines.csv").write_text(lines.replace(",300000,", ",-300000,"), encoding="utf-8")
    path = write_yaml(
        tmp_path, "bad.yaml", {"extends": str(SCENARIOS / "baseline.yaml"), "budget": budget}
    )
    out = tmp_path / "out"
    assert main(["budget", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and err.count("\n") == 1
    assert not out.exists()


@pytest.mark.parametrize("policy", ["need", "optimised"])
def test_money_the_caps_leave_is_reported_as_unspent_at_48m(policy: str) -> None:
    """At 48M yuan a year the capped lines cannot take it all: the rest is shown, not kept."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    rich = scenario.model_copy(
        update={"budget": scenario.budget.model_copy(update={"total_yuan": 48_000_000})}
    )
    inputs = budget_inputs(rich)
    table = allocate_cycle(rich, policy)
    summary = summarise(table)
    caps = inputs.options.set_index(["line", "holder"])["max_units"]
    for year, rows in summary.groupby("year"):
        # every yuan of the year is on a line, in a reserve, or reported unspent
        assert rows["yuan"].sum() == 48_000_000
        assert (rows["spent_yuan"] + rows["reserve_yuan"] + rows["unspent_yuan"]).sum() == (
            48_000_000
        )
        assert rows["unspent_yuan"].sum() > 5_000_000  # the lines' caps bind
        # an unspent pool is one whose every line is at its cap (computed from the options)
        this = table[table["year"] == year]
        units = this[this["units"] > 0].set_index(["line", "district"])["units"]
        for row in this[this["line"] == "unspent"].itertuples():
            pool = inputs.options[
                (inputs.options["holder"] == row.district)
                & (inputs.options["category"] == row.category)
            ]
            keys = pd.MultiIndex.from_arrays([pool["line"], pool["holder"]])
            bought = units.reindex(keys).fillna(0).to_numpy()
            assert (bought == caps.reindex(keys).to_numpy()).all()
    at_12m = summarise(allocate_cycle(scenario, policy))
    assert at_12m["unspent_yuan"].sum() < summary["unspent_yuan"].sum()
