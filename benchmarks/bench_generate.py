"""Benchmark of generated cities from 1,000 to 200,000 grids: build, validate, simulate.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_generate.py [--grids 1000 5000 30000 200000]
        [--simulate 1000 5000 30000] [--scenario scenarios/baseline.yaml]

Each size runs in a fresh process (so its peak memory is its own): it
generates the city (:func:`civsim.generate.city_files`), times the readiness
checks ``civsim validate`` makes, the city's build (territory, places, tasks,
checkpoints) and, for the sizes in ``--simulate``, the preparation and one
replication; it prints checkpoints, seconds and the process's peak resident
memory (``ru_maxrss``), and the peak bytes per checkpoint above the bare
interpreter with civsim imported. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(grids: int, simulate: bool, scenario: str | None) -> dict[str, float]:
    """Measure one city in this process (``grids`` 0: the ``scenario`` file as it is)."""
    import civsim.sim  # noqa: F401  (imported before the baseline memory is read)
    from civsim.city import build_city
    from civsim.generate import city_files, write_city
    from civsim.readiness import check_ready
    from civsim.scenario import load_scenario
    from civsim.sim import prepare
    from civsim.sim import simulate as run_one

    rss0 = _peak_mb()
    out: dict[str, float] = {"grids": grids, "rss_import_mb": rss0}
    with tempfile.TemporaryDirectory() as tmp:
        if grids:
            base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
            path = write_city(Path(tmp), city_files(base, grids, seed=3))
        else:
            path = Path(scenario or ROOT / "scenarios" / "baseline.yaml")
        start = time.perf_counter()
        sc = load_scenario(path)
        out["load_s"] = time.perf_counter() - start
        start = time.perf_counter()
        report = check_ready(sc, build=False)
        out["checks_s"] = time.perf_counter() - start
        out["estimated_checkpoints"] = report.estimated_checkpoints
        start = time.perf_counter()
        city = build_city(sc)
        out["build_s"] = time.perf_counter() - start
        out["districts"] = len(city.territory.districts)
        out["real_grids"] = len(city.territory.grids)
        out["places"] = len(city.places)
        out["tasks"] = len(city.tasks)
        out["checkpoints"] = city.checkpoints.n
        out["rss_build_mb"] = _peak_mb()
        if simulate:
            start = time.perf_counter()
            prep = prepare(sc, city=city)
            out["prepare_s"] = time.perf_counter() - start
            start = time.perf_counter()
            run_one(prep, replication=0)
            out["replication_s"] = time.perf_counter() - start
        out["rss_peak_mb"] = _peak_mb()
        out["bytes_per_checkpoint"] = (out["rss_peak_mb"] - rss0) * 2**20 / out["checkpoints"]
    return out


def main() -> None:
    """Measure each size in a process of its own and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grids", type=int, nargs="*", default=[1000, 5000, 30000, 200000])
    parser.add_argument("--simulate", type=int, nargs="*", default=[1000, 5000, 30000])
    parser.add_argument("--scenario", help="also measure this scenario file (simulated)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--sim", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one(args.one, args.sim, args.scenario)))
        return
    jobs = [(g, g in args.simulate) for g in args.grids]
    if args.scenario:
        jobs.insert(0, (0, True))
    for grids, sim in jobs:
        cmd = [sys.executable, __file__, "--one", str(grids)] + (["--sim"] if sim else [])
        if args.scenario:
            cmd += ["--scenario", args.scenario]
        line = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        row = json.loads(line.strip().splitlines()[-1])
        print(
            ", ".join(
                f"{k} {v:,.2f}" if isinstance(v, float) else f"{k} {v:,}" for k, v in row.items()
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
