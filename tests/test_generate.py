"""Generated cities from 1,000 to 200,000 grids validate; the smallest runs; 0 workers is 0."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SCENARIOS

from civsim.city import build_city
from civsim.generate import CitySpec, city_files, write_city
from civsim.readiness import check_ready
from civsim.scenario import MAX_GRIDS, load_scenario
from civsim.sim import simulate


@pytest.fixture(scope="module")
def base():
    """The baseline, whose chain and framework the generated cities copy."""
    return load_scenario(SCENARIOS / "baseline.yaml")


def _city(base, folder: Path, grids: int, spec: CitySpec | None = None):
    return load_scenario(write_city(folder, city_files(base, grids, seed=3, spec=spec)))


@pytest.mark.parametrize(
    ("grids", "districts"), [(1_000, 1), (5_000, 4), (30_000, 23), (200_000, 40)]
)
def test_cities_of_any_size_pass_the_cheap_checks(base, tmp_path, grids, districts) -> None:
    """Districts scale with the streets; the fund's minimums and caps fit at every size."""
    city = _city(base, tmp_path, grids)
    assert len(city.territory.districts) == districts
    assert city.budget is not None
    assert city.budget.district_min_share * districts == pytest.approx(0.08 * 6)
    assert city.budget.district_cap_share * districts == pytest.approx(min(districts, 0.3 * 6))
    ready = check_ready(city, build=False)  # framework, memory, budget
    assert 25 * grids < ready.estimated_checkpoints < 40 * grids


@pytest.mark.parametrize("grids", [1_000])
def test_small_cities_build_and_validate(base, tmp_path, grids) -> None:
    """The whole of validate: the built city has the estimated checkpoints."""
    city = _city(base, tmp_path, grids)
    ready = check_ready(city)
    assert ready.city is not None
    assert ready.city.checkpoints.n == ready.estimated_checkpoints
    assert 0.85 * grids < len(ready.city.territory.grids) < 1.15 * grids


def test_the_smallest_city_runs_a_replication(base, tmp_path) -> None:
    """1,000 grids in one district: a whole cycle, scored."""
    city = _city(base, tmp_path, 1_000)
    start = time.perf_counter()
    result = simulate(city, replication=0)
    assert 0 <= float(result.cycle.cycle_score.iloc[0]) <= 100
    assert time.perf_counter() - start < 60


def test_max_grids_covers_200_000_with_margin() -> None:
    """The size limit is above the largest city the generator is documented for."""
    assert MAX_GRIDS >= 1.2 * 200_000


def test_zero_grid_workers_staff_no_grid(base, tmp_path) -> None:
    """grid_workers_per_grid 0: no grid has a worker, field tasks have no person, still runs.

    Every field checkpoint is then unstaffed: the simulation gives it the
    ``unstaffed_effort`` of routine upkeep instead of a keeper's.
    """
    city = _city(base, tmp_path, 1_000, CitySpec(grid_workers_per_grid=0))
    assert city.territory.generator.grid_workers_per_grid == 0
    built = build_city(city)
    assert int(built.territory.grids["grid_workers"].sum()) == 0
    field = built.tasks[built.tasks["method"] == "field"]
    assert field["person"].isna().all()
    ckp = built.checkpoints
    assert np.all(ckp.unstaffed[ckp.field]) and not np.any(ckp.unstaffed[~ckp.field])
    staffed = build_city(_city(base, tmp_path / "staffed", 1_000))
    unstaffed_score = float(simulate(city, replication=0).cycle.cycle_score.iloc[0])
    staffed_score = float(
        simulate(
            load_scenario(tmp_path / "staffed" / "city.yaml"), replication=0
        ).cycle.cycle_score.iloc[0]
    )
    assert staffed.checkpoints.n == ckp.n
    assert unstaffed_score < staffed_score


def test_fewer_than_one_worker_per_grid_keeps_the_mean(base, tmp_path) -> None:
    """A mean below one staffs that share of the grids with one worker each."""
    city = _city(base, tmp_path, 2_000, CitySpec(grid_workers_per_grid=0.4))
    workers = build_city(city).territory.grids["grid_workers"]
    assert int(workers.max()) == 1 and 0.35 < float(workers.mean()) < 0.45


def test_district_offices_keep_the_base_staff_per_street(base) -> None:
    """Each generated district office has the base's staff per street times its streets."""
    districts = city_files(base, 16_000, seed=3)["tables/districts.csv"]
    rows = base.territory.districts
    per_street = sum(d.staff for d in rows) / sum(d.streets for d in rows)  # 61 / 60
    quota = per_street * districts["streets"]
    assert int(districts["staff"].sum()) == round(per_street * districts["streets"].sum())
    assert np.all(np.abs(districts["staff"] - quota) < 1)
    assert districts["staff"].nunique() > 1  # sizes differ, and so do the offices
