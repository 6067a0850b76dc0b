"""Benchmark of exploration: a Sobol experiment on the baseline, its memory, a warm re-run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_explore.py [--samples 4] [--reps 2] [--workers 2]

It measures, in one run on this machine:

- the reference: one baseline replication (best of two, kernels compiled) and one
  ``prepare`` of a variant whose city is reused;
- a Sobol experiment of 6 uncertainties (every assumption of the baseline's
  ``simulation`` section that carries a plausible range, the first six), ``--samples``
  base points (Saltelli: N x (D + 2) points), ``--reps`` replications each, on a
  process pool of ``--workers``: wall time, the ratio to the reference work
  (runs x replication + variants x prepare, over the workers), and the time the
  issue's N = 64 would take at the same rate;
- peak memory: the resident set of the parent and of all its children together,
  sampled every 0.2 s, and the parent's growth from the first to the last task
  stored (flat when runs stream to the store);
- a warm re-run: in this process, one parameter changed, the variant prepared (its
  city reused) and one replication run.

Targets (issue 13): Sobol of 6 uncertainties at N = 64 with 2 replications under
30 minutes on 2 cores; one warm re-run under 1 s. Not a test: timings depend on the
machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from pathlib import Path

from civsim.experiment import Experiment, load_experiment
from civsim.explore import explore
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim import prepare, simulate

BASELINE = Path("scenarios/baseline.yaml")
#: The issue's Sobol base sample.
TARGET_SAMPLES = 64


def rss_tree(pid: int) -> int:
    """Resident bytes of ``pid`` and every descendant (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def rss_self() -> int:
    """Resident bytes of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=4, help="Sobol base sample (power of 2)")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    base = load_scenario(BASELINE)
    prep = prepare(base)
    simulate(prep, seed=1, replication=0)  # kernels compiled or loaded
    rep_s = min(_timed(lambda r=r: simulate(prep, seed=1, replication=r)) for r in (1, 2))
    ranged = [
        r
        for r in parameter_table(base)
        if r["path"].startswith("simulation.") and r["plausible"] is not None
    ][:6]
    first = ranged[0]
    prep_s = _timed(lambda: prepare(override(base, {first["path"]: first["plausible"][1]})))

    experiment = Experiment(
        name="bench_sobol",
        scenario=str(BASELINE.resolve()),
        sampler="sobol",
        samples=args.samples,
        replications=args.reps,
        uncertainties=[
            {"path": r["path"], "low": r["plausible"][0], "high": r["plausible"][1]} for r in ranged
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.yaml"
        path.write_text(json.dumps(experiment.model_dump(mode="json", exclude_none=True)))
        experiment, scenario = load_experiment(path)
        peak = {"tree": 0}
        growth: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak["tree"] = max(peak["tree"], rss_tree(os.getpid()))
                if any((Path(tmp) / "store" / "runs").glob("*.parquet")):
                    growth.append(rss_self())
                time.sleep(0.2)

        watcher = threading.Thread(target=sample, daemon=True)
        watcher.start()
        start = time.perf_counter()
        results = explore(
            experiment, scenario, Path(tmp) / "store", "process", args.workers, progress=False
        )
        wall = time.perf_counter() - start
        stop.set()
        watcher.join()

    points = results["point"].nunique()
    runs = len(results)
    work = (runs * rep_s + points * prep_s) / args.workers
    scale = TARGET_SAMPLES / args.samples
    warm_s = _timed(
        lambda: simulate(prepare(override(base, {first["path"]: first["plausible"][0]})), seed=1)
    )
    print(f"reference: one replication {rep_s:.2f} s, one variant's prepare {prep_s:.2f} s")
    print(
        f"sobol, 6 uncertainties, N={args.samples}: {points} points x {args.reps} reps = "
        f"{runs} runs on {args.workers} workers in {wall:.0f} s; "
        f"ratio to the reference work {wall / work:.2f}"
    )
    print(
        f"at N={TARGET_SAMPLES} (x{scale:.0f} the runs, same rate): {wall * scale / 60:.0f} min "
        "(target 30)"
    )
    print(
        f"peak resident memory, parent and children: {peak['tree'] / 2**30:.2f} GiB; "
        f"parent from first to last stored task: {(growth[-1] - growth[0]) / 2**20:+.0f} MiB"
        if growth
        else f"peak resident memory, parent and children: {peak['tree'] / 2**30:.2f} GiB"
    )
    print(f"warm re-run (one parameter changed, city reused, one replication): {warm_s:.2f} s")


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
