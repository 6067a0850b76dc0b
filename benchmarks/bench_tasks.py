"""Benchmark of task decomposition: the baseline city and a generated Jinan-scale city.

Run from the repository root::

    .venv/bin/python benchmarks/bench_tasks.py [--grids 16000] [--repeat 3]

For each city it times building the territory, the places and the task list
(best of ``--repeat``), measures the peak memory of one whole decomposition with
:mod:`tracemalloc`, and compares the decomposition with a reference measured in
the same run on the same machine: a bare pandas merge of as many rows as the task
list against a table of places. Targets: baseline < 2 s, 16,000 grids < 10 s and
< 2 GB. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from civsim.generate import city_files, write_city
from civsim.places import build_places, build_territory
from civsim.scenario import Scenario, load_scenario
from civsim.tasks import decompose

ROOT = Path(__file__).resolve().parents[1]


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``repeat`` calls of ``fn`` (seconds), and its last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def reference_merge(rows: int, places: int) -> Callable[[], pd.DataFrame]:
    """A bare pandas merge of ``rows`` keys against ``places`` rows of four columns."""
    rng = np.random.default_rng(0)
    left = pd.DataFrame({"key": rng.integers(0, places, rows), "x": rng.random(rows)})
    right = pd.DataFrame({"key": np.arange(places)} | {c: np.arange(places) for c in "abcd"})
    return lambda: left.merge(right, on="key", how="left")


def measure(name: str, scenario: Scenario, repeat: int) -> dict[str, object]:
    """Times, peak memory and the reference ratio for one scenario."""
    t_terr, territory = best_of(repeat, lambda: build_territory(scenario))
    t_places, places = best_of(repeat, lambda: build_places(scenario, territory))
    t_tasks, tasks = best_of(repeat, lambda: decompose(scenario, territory, places))
    t_all, _ = best_of(repeat, lambda: decompose(scenario))
    t_ref, _ = best_of(repeat, reference_merge(len(tasks), len(places)))
    tracemalloc.start()
    decompose(scenario)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "city": name,
        "grids": len(territory.grids),
        "places": len(places),
        "tasks": len(tasks),
        "territory_s": t_terr,
        "places_s": t_places,
        "decompose_s": t_tasks,
        "end_to_end_s": t_all,
        "merge_ref_s": t_ref,
        "decompose_over_merge": t_tasks / t_ref,
        "peak_mb": peak / 1e6,
        "table_mb": tasks.memory_usage(deep=True).sum() / 1e6,
    }


def main() -> None:
    """Measure the baseline and a generated city; print one row per city."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, default=16_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    rows = [measure("baseline", baseline, args.repeat)]
    with tempfile.TemporaryDirectory() as tmp:
        city = load_scenario(write_city(Path(tmp), city_files(baseline, args.grids, seed=3)))
        rows.append(measure(f"generated {args.grids:,}", city, args.repeat))
    table = pd.DataFrame(rows).set_index("city")
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(table.T.to_string())
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {maxrss_mb:,.0f} MB")


if __name__ == "__main__":
    main()
