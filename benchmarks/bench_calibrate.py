"""Benchmark of calibration: recover known parameter values of the county from a simulated record.

Run from the repository root::

    .venv/bin/python benchmarks/bench_calibrate.py [--samples 48] [--reps 3] [--waves 3]
    .venv/bin/python benchmarks/bench_calibrate.py --write-targets TARGETS.yaml

It sets three parameters of ``scenarios/county_nominee.yaml`` to known values
(:data:`TRUTH`), simulates one replication with a seed of its own
(:data:`RECORD_SEED`) and reads the six targets of :data:`TEMPLATE` from it: a
synthetic record, one realisation as a city's record is. It then calibrates the
three parameters to that record over their ranges (:data:`RANGES`) on a process
pool, and prints each parameter's true value, the fitted value, the range not
ruled out, the verdict (identified, flat, ridged) and whether the truth was
recovered (inside the range not ruled out), with the wall time.

``peer_sd`` (the peers' spread) moves only the title, which no target reads:
it should come out ``flat``, its range nearly the whole prior. Not a test:
timings depend on the machine and what else runs on it; ``tests/test_calibrate.py``
holds the small recovery test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
import yaml

from civsim.calibrate import Settings, calibrate, parse_parameters
from civsim.scenario import load_scenario
from civsim.synthetic import synthetic_targets
from civsim.targets import Targets, as_mapping

COUNTY = Path("scenarios/county_nominee.yaml")
#: The known values the record is simulated at.
TRUTH = {
    "simulation.dynamics.upkeep_rate": 0.07,
    "simulation.survey.base_satisfaction": 0.8,
    "simulation.evaluation.peer_sd": 2.5,
}
#: The ranges calibrated over (upkeep_rate has no plausible range in the scenario; the others do).
RANGES = [
    "simulation.dynamics.upkeep_rate=0.02:0.12",
    "simulation.survey.base_satisfaction",
    "simulation.evaluation.peer_sd",
]
#: The record's seed: not the calibration's (the scenario's), so the record is another draw.
RECORD_SEED = 1001
#: The outputs read and their uncertainty: what a county's office could report.
TEMPLATE = Targets(
    name="county",
    targets=[
        {"name": "field_1", "output": "field", "year": 1, "observed": 0, "se": 0.5,
         "source": "-"},
        {"name": "material_2", "output": "material", "year": 2, "observed": 0, "se": 0.5,
         "source": "-"},
        {"name": "satisfaction_3", "output": "satisfaction", "year": 3, "observed": 0,
         "se": 0.01, "source": "-"},
        {"name": "mock_test_1_6", "output": "mock_test", "year": 1, "month": 6, "observed": 0,
         "se": 0.01, "source": "-"},
        {"name": "closed_in_10_days", "output": "closed_within", "year": 1, "within_days": 10,
         "observed": 0, "se": 0.03, "source": "-"},
        {"name": "score_3", "output": "score", "year": 3, "observed": 0, "se": 1.0,
         "source": "-"},
    ],
)  # fmt: skip


def record() -> Targets:
    """The synthetic record of the county at :data:`TRUTH`."""
    return synthetic_targets(load_scenario(COUNTY), TRUTH, TEMPLATE, seed=RECORD_SEED)


def write_targets(path: Path) -> None:
    """Write the synthetic record as a targets file, with a header saying how it was made."""
    header = (
        "# Synthetic targets for scenarios/county_nominee.yaml, simulated at known values by\n"
        f"#   python benchmarks/bench_calibrate.py --write-targets {path}\n"
        "# truth: " + ", ".join(f"{k}={v}" for k, v in TRUTH.items()) + "\n"
        f"# one replication, seed {RECORD_SEED}; uncertainties as a county's office might state.\n"
    )
    body = yaml.safe_dump(as_mapping(record()), allow_unicode=True, sort_keys=False)
    path.write_text(header + body, encoding="utf-8")


def main() -> None:
    """Calibrate to the synthetic record and print the recovered-versus-true table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=48)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--waves", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, help="the run store (default: a temporary folder)")
    parser.add_argument("--write-targets", type=Path, metavar="YAML")
    args = parser.parse_args()
    if args.write_targets:
        write_targets(args.write_targets)
        print(f"written {args.write_targets}")
        return
    county = load_scenario(COUNTY)
    params = parse_parameters(county, RANGES)
    settings = Settings(samples=args.samples, replications=args.reps, waves=args.waves)
    out = args.out or Path(tempfile.mkdtemp()) / "calibration"
    start = time.perf_counter()
    targets = record()
    fit = calibrate(county, targets, params, out, settings, "process", args.workers, progress=True)
    wall = time.perf_counter() - start
    table = fit.parameters[["parameter", "low", "high", "fitted", "status"]].copy()
    table.insert(1, "true", [TRUTH[p] for p in table["parameter"]])
    table["recovered"] = (table["low"] <= table["true"]) & (table["true"] <= table["high"])
    table["parameter"] = table["parameter"].str.rsplit(".", n=1).str[-1]
    runs = len(fit.points) * settings.replications + settings.replications + 1
    print(
        f"county_nominee, {len(targets.targets)} synthetic targets, {len(params)} parameters: "
        f"{args.waves} waves x {args.samples} points x {args.reps} replications "
        f"({runs} runs) on {args.workers} workers"
    )
    with pd.option_context("display.width", 160):
        print(table.to_string(index=False, float_format="{:.4g}".format))
    print(f"{len(fit.standing)} of {len(fit.points)} points not ruled out")
    print(f"wall time {wall:.0f} s")


if __name__ == "__main__":
    main()
