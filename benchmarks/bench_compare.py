"""Benchmark of a comparison's memory, as its replications grow.

Run from the repository root::

    .venv/bin/python benchmarks/bench_compare.py [--reps 10 40] [--tables 10] [--workers 2]

For each number of replications it runs, in a fresh process, a comparison (``compare``) of the
baseline against campaign mode with ``--tables`` (the full tables of the first K kept,
every replication's outcomes) and, as the reference in the same run, with every table
kept, and reports each one's wall time and peak resident memory: the parent's and the
largest pool worker's. Not a test: timings and memory depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

SCENARIOS = ("scenarios/baseline.yaml", "scenarios/campaign_mode.yaml")


def one_run(reps: int, tables: int | None, workers: int) -> dict:
    """Compare the scenarios in a child process; its wall time and peak memory (MB)."""
    code = (
        "import json, resource\n"
        "from civsim.experiments import compare\n"
        "from civsim.scenario import load_scenario\n"
        "from civsim.sim import prepare\n"
        f"preps = [prepare(load_scenario(p)) for p in {SCENARIOS!r}]\n"
        f"cmp = compare(preps, {reps}, executor='process', workers={workers}, "
        f"progress=False, tables={tables!r})\n"
        "own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps({'parent_mb': own, 'worker_mb': kids, "
        "'mean': float(cmp.summary['mean'].iloc[1])}))\n"
    )
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return {**figures, "seconds": time.perf_counter() - t}


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, nargs="+", default=[10, 40])
    ap.add_argument("--tables", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    for reps in args.reps:
        for tables in (args.tables, None):
            f = one_run(reps, tables, args.workers)
            kept = "all" if tables is None else tables
            print(
                f"{len(SCENARIOS)} scenarios x {reps} replications, tables kept {kept}: "
                f"{f['seconds']:.0f} s; peak RSS parent {f['parent_mb']:,.0f} MB, "
                f"largest worker {f['worker_mb']:,.0f} MB; campaign mean {f['mean']:.3f}"
            )


if __name__ == "__main__":
    main()
