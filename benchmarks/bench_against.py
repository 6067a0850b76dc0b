"""One replication's time, this checkout against another commit, in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_against.py 1df8937 [--rounds 5] [--reps 5]

It checks out the other commit into a temporary git worktree and, in alternating
rounds, starts a fresh Python process in each tree that prepares the baseline, runs
one replication untimed (numba compiles or loads its kernels), then times ``--reps``
replications back to back and reports their median. The ratio this/other is taken
per round (back-to-back rounds share the machine's drift); the median ratio and its
range are printed. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Runs inside each tree: the median time of one baseline replication.
PROBE = """
import json, statistics, time
from civsim.scenario import load_scenario
try:
    from civsim.sim import prepare, simulate
except ImportError:
    from civsim.sim.model import prepare, simulate
prep = prepare(load_scenario("scenarios/baseline.yaml"))
simulate(prep, seed=1, replication=0)
times = []
for i in range({reps}):
    t = time.perf_counter()
    simulate(prep, seed=1, replication=i)
    times.append(time.perf_counter() - t)
print(json.dumps(statistics.median(times)))
"""


def _time(tree: Path, reps: int) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(reps=reps)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> int:
    """Time both trees in alternating rounds and print the ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rev", help="the commit to compare against")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--reps", type=int, default=5)
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="civsim-against-") as tmp:
        other = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(other), args.rev],
            cwd=ROOT,
            check=True,
        )
        try:
            ratios, ours, theirs = [], [], []
            for _ in range(args.rounds):
                a, b = _time(ROOT, args.reps), _time(other, args.reps)
                ours.append(a)
                theirs.append(b)
                ratios.append(a / b)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT)
    print(f"this checkout: one replication {statistics.median(ours):.3f} s (median of rounds)")
    print(f"{args.rev}: one replication {statistics.median(theirs):.3f} s")
    print(
        f"ratio this/{args.rev}: {statistics.median(ratios):.3f} "
        f"(rounds {min(ratios):.3f} .. {max(ratios):.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
