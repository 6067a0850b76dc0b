r"""The governance levers measured: each overlay against its base, paired (README, issue 16).

Run from the repository root::

    .venv/bin/python benchmarks/governance_levers.py scenarios/baseline.yaml \
        scenarios/behaviour_regulations.yaml --reps 10 \
        --statistics cycle_score expected_score satisfaction public_condition open_defects

Both scenarios run replications ``0..reps-1`` from the base's seed (common random
numbers); for each statistic of :data:`civsim.statistics.STATISTICS` it prints the
mean paired difference with its 90% interval (Student's t, as ``civsim check``), and
the share of replications that won the title in each. Not a speed benchmark.
"""

from __future__ import annotations

import argparse

from civsim.experiments import replicate
from civsim.reality import interval
from civsim.scenario import load_scenario
from civsim.statistics import STATISTICS


def main() -> None:
    """Print the paired differences."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base")
    ap.add_argument("overlay")
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--statistics", nargs="+", default=["cycle_score", "expected_score"])
    args = ap.parse_args()
    base, over = load_scenario(args.base), load_scenario(args.overlay)
    runs = [replicate(sc, args.reps, seed=base.seed, progress=False) for sc in (base, over)]
    for name in args.statistics:
        stat = STATISTICS[name]
        mean, low, high = interval((stat(runs[1], base) - stat(runs[0], base)).dropna())
        print(f"{name}: {mean:+.4f} (90% interval {low:+.4f} .. {high:+.4f})")
    titles = [float(r.cycle["title"].mean()) for r in runs]
    print(f"title chance: {titles[0]:.2f} -> {titles[1]:.2f}")


if __name__ == "__main__":
    main()
