"""Grid workers redeployed by hours: each group keeps its workers, the top load is the lowest."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from hypothesis import given, settings
from hypothesis import strategies as st

from civsim import findings, report
from civsim.city import build_city
from civsim.experiments import compare, replicate
from civsim.findings import warnings
from civsim.places import build_territory
from civsim.report import render_report
from civsim.scenario import load_scenario, override
from civsim.sim import prepare
from civsim.staffing import deal_by_hours, deploy_by_hours, grid_staffing
from civsim.tasks import decompose

COUNTY = SCENARIOS / "county_nominee.yaml"
META = {"created": "2026-01-02T03:04:05+00:00", "seed": 11, "executor": "serial"}


def _top_load(hours: np.ndarray, workers: np.ndarray) -> float:
    """The highest hours per worker; infinite where a grid with hours has none."""
    with np.errstate(divide="ignore", invalid="ignore"):
        load = np.where(hours > 0, hours / workers, 0.0)
    return float(load.max(initial=0.0))


def _lowest_top_load(hours: np.ndarray, total: int) -> float:
    """Every way of dealing ``total`` workers, one at least each, tried: the lowest top load."""
    n = len(hours)
    best = np.inf
    for cut in itertools.combinations(range(1, total), n - 1):
        parts = np.diff([0, *cut, total])
        best = min(best, _top_load(hours, parts))
    return best


groups_of_grids = st.lists(
    st.tuples(
        st.lists(st.floats(0, 1000, allow_nan=False), min_size=1, max_size=4),
        st.lists(st.integers(0, 3), min_size=4, max_size=4),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=150, deadline=None)
@given(groups_of_grids)
def test_deploy_by_hours_keeps_each_groups_workers_and_lowers_the_top_load_most(groups) -> None:
    """Each group keeps its workers, and no other dealing of them has a lower top load.

    One each where the group has enough; every such dealing is tried.
    """
    hours = np.concatenate([np.array(h) for h, _ in groups])
    group = np.concatenate([np.full(len(h), g) for g, (h, _) in enumerate(groups)])
    workers = np.concatenate([np.array(w[: len(h)]) for h, w in groups])
    out = deploy_by_hours(hours, group, workers)
    for g in range(len(groups)):
        mine = group == g
        total = int(workers[mine].sum())
        assert out[mine].sum() == total
        if total >= mine.sum():
            assert (out[mine] >= 1).all()
            assert _top_load(hours[mine], out[mine]) == pytest.approx(
                _lowest_top_load(hours[mine], total)
            )
        else:  # too few for one each: the grids with the most hours have one
            assert set(out[mine]) <= {0, 1}
            kept = hours[mine][out[mine] == 1]
            left = hours[mine][out[mine] == 0]
            assert kept.min(initial=np.inf) >= left.max(initial=-np.inf)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.floats(0, 500, allow_nan=False)), min_size=1, max_size=30
    ),
    st.lists(st.integers(0, 4), min_size=4, max_size=4),
)
def test_deal_by_hours_gives_each_place_one_keeper_and_evens_their_hours(places, per_grid) -> None:
    """Each place gets a keeper of its grid, and the keepers' hours are even to a place.

    None where the grid has no worker; no worker is more than one place's hours above
    the least loaded of its grid.
    """
    grid = np.array([g for g, _ in places])
    hours = np.array([h for _, h in places])
    workers = np.array(per_grid)[grid]
    keeper = deal_by_hours(grid, hours, workers)
    assert ((keeper >= 1) & (keeper <= workers) | (workers == 0) & (keeper == 0)).all()
    for g in np.unique(grid):
        n = per_grid[g]
        if n == 0:
            continue
        mine = grid == g
        loads = np.bincount(keeper[mine], weights=hours[mine], minlength=n + 1)[1:]
        assert loads.max() - loads.min() <= hours[mine].max() + 1e-9
        # the rule itself: most hours first (ties in order), each to a least loaded worker
        so_far = np.zeros(n + 1)
        so_far[0] = np.inf
        for p in sorted(np.flatnonzero(mine), key=lambda p: (-hours[p], p)):
            assert so_far[keeper[p]] == so_far.min()
            so_far[keeper[p]] += hours[p]


@pytest.fixture(scope="module")
def county_redeployed():
    """The county, and the county with its grid workers moved within each street."""
    county = load_scenario(COUNTY)
    moved = override(county, {"territory.redeploy_grid_workers": "street"})
    return county, moved


def test_a_redeployed_city_keeps_each_streets_workers_and_deals_its_places_to_them(
    county_redeployed,
) -> None:
    """A redeployed city: the same workers per street, every grid staffed, fewer short.

    The places' keepers are among their grid's workers.
    """
    county, moved = county_redeployed
    before, after = build_city(county), build_city(moved)
    per_street = before.territory.grids.groupby("street")["grid_workers"].sum()
    pd_after = after.territory.grids.groupby("street")["grid_workers"].sum()
    assert (pd_after == per_street).all()
    assert (after.territory.grids["grid_workers"] >= 1).all()
    field = after.tasks[after.tasks["place"].notna()]
    keepers = field.groupby("grid", observed=True)["person"].nunique()
    has = after.territory.grids.set_index("id")["grid_workers"]
    assert (keepers <= has.reindex(keepers.index)).all()
    short_before = grid_staffing(county, before.tasks, before.territory)["shortfall"].sum()
    short_after = grid_staffing(moved, after.tasks, after.territory)["shortfall"].sum()
    assert short_after < short_before
    # nothing moves where the switch is off: the tasks are decompose's own
    t = build_territory(county)
    assert before.tasks["person"].equals(decompose(county, t)["person"])
    # decompose alone moves them as the city does (the same grid hours, the same dealing)
    alone = decompose(moved, build_territory(moved))
    assert (alone["person"].astype(str) == after.tasks["person"].astype(str)).all()


def test_redeploying_grid_workers_raises_the_score(county_redeployed) -> None:
    """The same workers where the hours are keep more places up: the score rises.

    Paired replications (common random numbers): higher in each pair.
    """
    county, moved = county_redeployed
    a = replicate(county, 3).cycle["cycle_score"].to_numpy()
    b = replicate(moved, 3).cycle["cycle_score"].to_numpy()
    assert (b > a).all(), (a, b)


def test_the_report_warns_of_grid_workers_where_the_work_is_not(county, county_prep) -> None:
    """The summary names the workers short and spare, as the grid staffing table counts them.

    A baseline whose workers are moved city-wide has none short: no warning.
    """
    city = county_prep.city
    staffing = grid_staffing(county, city.tasks, city.territory)
    short, spare = int(staffing["shortfall"].sum()), int(staffing["spare"].sum())
    alone = compare([county_prep], 2, progress=False)
    found = warnings(alone, (), [county]).set_index("kind")
    assert found.loc["grid_workers_misplaced", "scenario"] == "county_nominee"
    assert (found.loc["grid_workers_misplaced", ["value", "limit"]] == [short, spare]).all()
    page = render_report(alone, [county], city, (), META, "en")
    summary = page[page.index('id="summary"') : page.index('id="comparison"')]
    said = f"some grids lack {short:,} grid workers in all while others have {spare:,} more"
    assert said in summary
    everywhere = override(county, {"territory.redeploy_grid_workers": "city"})
    assert "grid_workers_misplaced" not in set(warnings(alone, (), [everywhere])["kind"])


def test_the_warnings_use_the_city_at_hand(county, county_prep, monkeypatch) -> None:
    """Given the baseline's city, the warnings and the report do not build it again (seconds)."""
    alone = compare([county_prep], 2, progress=False)
    expected = warnings(alone, (), [county])

    def refuse(*args, **kwargs):
        raise AssertionError("the city was built again")

    monkeypatch.setattr(findings, "build_city", refuse)
    monkeypatch.setattr(report, "build_city", refuse)
    pd.testing.assert_frame_equal(warnings(alone, (), [county], county_prep.city), expected)
    page = render_report(alone, [county], county_prep.city, (), META, "en")
    assert "grid workers in all while others have" in page


def test_the_report_counts_the_people_a_scenario_adds_outside_the_fund(county, county_prep) -> None:
    """More grid workers are not free: the summary says how many more the fund leaves out.

    A scenario that only moves them adds nobody.
    """
    more = override(county, {"name": "more", "territory.generator.grid_workers_per_grid": 3.9})
    moved = override(county, {"name": "moved", "territory.redeploy_grid_workers": "street"})
    grids = [build_territory(s).grids["grid_workers"].sum() for s in (county, more)]
    extra = int(grids[1] - grids[0])
    assert extra > 0
    both = compare([county_prep, prepare(more), prepare(moved)], 2, progress=False)
    found = warnings(both, (), [county, more, moved])
    added = found[found["kind"] == "staff_not_in_fund"]
    assert added["scenario"].tolist() == ["more"] and added["value"].tolist() == [extra]
    page = render_report(both, [county, more, moved], county_prep.city, (), META, "en")
    summary = page[page.index('id="summary"') : page.index('id="comparison"')]
    assert f"{extra:,} more people on campaign work than the baseline" in summary
