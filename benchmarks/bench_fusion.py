"""What fusing the daily chain into one compiled loop could save: a measurement for the design.

Run from the repository root::

    .venv/bin/python benchmarks/bench_fusion.py [--lookups 6400 11400] [--repeat 5]

A replication's kernels spend most of their time reading memory: ``advance``
streams four arrays of every checkpoint a day, and detection looks up the
condition and defect of thousands of checkpoints a day at random (the
platform's flags and residents' reports: about 6,400 a day on the baseline and
11,400 with every governance lever on, counted in ``find_problems``'s input).
A compiled pass over many days would remove the Python between the kernels;
whether it also makes the memory cheaper is what this measures, on the
baseline's own arrays (decay, upkeep, district bounds) and this machine:

- ``advance`` alone, a day at a time from Python;
- ``advance`` then the day's lookups, a day at a time from Python (today's shape);
- the same two, all days in one compiled loop (the fused shape);
- the lookups alone;

each as a multiple of the floor of ``bench_sim.py`` (``c *= keep; c += restore``
over the same checkpoints and days), timed in turn with it. The lookups here
read only the condition and the defect; ``find_problems`` also reads, for each
checkpoint below the threshold or with a defect, its lift, its order and the
platform's rate. Not a test: timings depend on the machine.

It first says whether numba's ``Generator`` draws numpy's own numbers here
(``binomial`` at the defects' sizes, ``random``, ``integers``): a compiled pass
that draws in today's order would then reproduce today's results.
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_sim import floor_loop, paired  # benchmarks/ is the script's folder
from fingerprints import processor
from numba import njit

from civsim.scenario import load_scenario
from civsim.sim import prepare
from civsim.sim.kernels import advance


@njit(cache=True)
def _draws(gen, n, p, k):
    counts = np.empty(k, dtype=np.int64)
    for j in range(k):
        counts[j] = gen.binomial(n, p)
    return counts, gen.random(k), gen.integers(0, 2**32, k)


def same_draws(k: int = 2000) -> bool:
    """Whether numba's Generator gives numpy's numbers, draw for draw, at the defects' sizes."""
    for n, p in [(253197, 2e-4), (253197, 0.01), (1000, 0.3), (50, 0.02)]:
        ours = _draws(np.random.default_rng(7), n, p, k)
        gen = np.random.default_rng(7)
        theirs = (
            np.array([gen.binomial(n, p) for _ in range(k)]),
            gen.random(k),
            gen.integers(0, 2**32, k),
        )
        if not all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True)):
            return False
    return True


@njit(cache=True)
def lookups(words, a, b, n_field, condition, defect, threshold):
    """How many of the checkpoints ``words[a:b]`` pick are below ``threshold`` or flawed."""
    m = 0
    for j in range(a, b):
        i = (np.uint64(words[j]) * np.uint64(n_field)) >> np.uint64(32)
        if condition[i] < threshold or defect[i] > 0:
            m += 1
    return m


@njit(cache=True)
def fused(days, condition, keep, upkeep, defect, levels, bounds, words, per_day, n_field, limit):
    """Every day's ``advance`` and lookups in one compiled loop."""
    m = 0
    for day in range(days):
        advance(condition, keep, upkeep, defect, levels, bounds)
        m += lookups(words, day * per_day, (day + 1) * per_day, n_field, condition, defect, limit)
    return m


def main() -> None:
    """Time the four cases for each number of lookups a day, each against the floor."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--lookups", type=int, nargs="+", default=[6400, 11400])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"machine: {processor()}")
    print(f"numba's Generator draws numpy's numbers: {same_draws()}")
    prep = prepare(load_scenario(args.scenario))
    ckp, sc = prep.ckp, prep.scenario
    days, n, n_field = sc.cycle.days, ckp.n, ckp.n_field
    rng = np.random.default_rng(0)
    f32 = np.float32
    condition = rng.uniform(0.5, 1.0, n).astype(f32)
    keep = (1.0 - ckp.decay).astype(f32)
    upkeep = np.full(n, sc.simulation.dynamics.upkeep_rate, dtype=f32)
    # about the share of checkpoints with an open defect in a baseline run
    defect = np.where(rng.random(n) < 0.05, f32(0.2), f32(0.0)).astype(f32)
    slices = [*ckp.district_slices, ckp.city_slice]
    bounds = np.array([sl.start for sl in slices] + [n], dtype=np.int64)
    levels = np.ones(len(slices))
    limit = f32(sc.simulation.dynamics.compliance_threshold)
    floor = floor_loop(n, days)

    def advance_only() -> None:
        for _ in range(days):
            advance(condition, keep, upkeep, defect, levels, bounds)

    print(f"{args.scenario}: {n:,} checkpoints, {days} days")
    for per_day in args.lookups:
        words = rng.integers(0, 2**32, per_day * days, dtype=np.uint32)

        def split(words=words, per_day=per_day) -> None:
            for day in range(days):
                advance(condition, keep, upkeep, defect, levels, bounds)
                a, b = day * per_day, (day + 1) * per_day
                lookups(words, a, b, n_field, condition, defect, limit)

        def one_loop(words=words, per_day=per_day) -> None:
            fused(days, condition, keep, upkeep, defect, levels, bounds, words, per_day, n_field,
                  limit)  # fmt: skip

        def lookups_only(words=words, per_day=per_day) -> None:
            for day in range(days):
                a, b = day * per_day, (day + 1) * per_day
                lookups(words, a, b, n_field, condition, defect, limit)

        print(f"  {per_day:,} lookups a day")
        cases = [("advance alone", advance_only), ("advance, then lookups", split)]
        cases += [("both in one compiled loop", one_loop), ("lookups alone", lookups_only)]
        for name, fn in cases:
            fn()  # compiled (or loaded) before timing
            best, floor_s, ratios = paired(args.repeat, fn, floor)
            print(
                f"    {name:26s} {best:.3f} s  {np.median(ratios):.2f}x the floor "
                f"({min(ratios):.2f}-{max(ratios):.2f}; floor {floor_s:.3f} s)"
            )


if __name__ == "__main__":
    main()
