"""What the compiled kernels cost with nothing between them: a replication's calls replayed.

Run from the repository root::

    .venv/bin/python benchmarks/bench_replay.py [--scenario scenarios/X.yaml ...] [--repeat 3]

The ratio of a replication to the floor (``bench_sim.py``) is the kernels plus the
Python between them (the mechanisms' steps, SimPy). Would a replication with no Python
at all, the daily chain compiled across days, reach the target of under 5 floors? It
could if the kernels cost less back to back than inside the run, where the Python
between two calls may evict their arrays from the caches. This measures that, on this
machine, for each scenario (default: the baseline and every mechanism on):

- one replication runs with every function of :mod:`civsim.sim.kernels` wrapped: each
  call's arguments are kept (the arrays by reference) and each writable array is
  copied the first time a call sees it, and each call is timed (``in the run``);
- the calls are then replayed in their order, in one loop, from those copies (restored
  untimed before each replay): the same kernels on the same data, with nothing between
  them but the loop and numba's dispatch (about a microsecond a call,
  ``bench_kernel_args.py``); the best of ``--repeat`` replays;
- the floor (``c *= keep; c += restore`` over the same checkpoints and days) is timed
  after each replay; figures are multiples of its median.

Then, to say what the daily pass's cost depends on, it times compiled passes over one to
four float32 arrays of the baseline's size (one array changed in place, the others read)
for the cycle's days, against the same floor: a pass costs what its arrays' bytes cost
beyond the caches that hold them, not its arithmetic (``advance`` reads four).

The replay is not the replication: what the mechanisms' Python changes between the
calls (a renovation's repairs, the weekly reassignment of orders) is not replayed, so
the state drifts a little from the run's; the work each call is given (its looks,
picks and orders) is the run's. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np
from bench_sim import floor_loop, machine  # benchmarks/ is the script's folder
from numba import njit

from civsim.scenario import load_scenario
from civsim.sim import kernels, prepare, simulate


def record(path: str) -> tuple[list, list, Counter, float, int]:
    """One replication's kernel calls: ``(calls, copies, in_run, seconds, checkpoints)``."""
    prep = prepare(load_scenario(path))
    simulate(prep, replication=0)  # numba loads (or compiles) the kernels on first use
    calls: list = []
    copies: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    in_run: Counter[str] = Counter()
    saved = {name: getattr(kernels, name) for name in kernels.__all__}

    def recorded(name, compiled):
        def call(*args):
            for a in args:
                if isinstance(a, np.ndarray) and a.flags.writeable and id(a) not in copies:
                    copies[id(a)] = (a, a.copy())  # kept alive by ``calls``: ids stay unique
            calls.append((name, compiled, args))
            t = time.perf_counter()
            out = compiled(*args)
            in_run[name] += time.perf_counter() - t
            return out

        return call

    for name, compiled in saved.items():
        setattr(kernels, name, recorded(name, compiled))
    try:
        t = time.perf_counter()
        simulate(prep, replication=0)
        seconds = time.perf_counter() - t
    finally:
        for name, compiled in saved.items():
            setattr(kernels, name, compiled)
    return calls, list(copies.values()), in_run, seconds, prep.ckp.n


def replay(calls: list, copies: list) -> float:
    """Seconds to make every call in order, from the first state each array was seen in."""
    for array, copy in copies:
        np.copyto(array, copy)
    t = time.perf_counter()
    for _, compiled, args in calls:
        compiled(*args)
    return time.perf_counter() - t


def replay_each(calls: list, copies: list) -> Counter:
    """Seconds of each kernel's calls, replayed in order and timed one by one."""
    for array, copy in copies:
        np.copyto(array, copy)
    spent: Counter[str] = Counter()
    for name, compiled, args in calls:
        t = time.perf_counter()
        compiled(*args)
        spent[name] += time.perf_counter() - t
    return spent


def measure(path: str, repeat: int) -> None:
    """Print one scenario's kernels in the run and replayed, against the floor."""
    calls, copies, in_run, seconds, n = record(path)
    floor = floor_loop(n, load_scenario(path).cycle.days)
    replays, floors = [], []
    for _ in range(repeat):
        replays.append(replay(calls, copies))
        t = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - t)
    each = replay_each(calls, copies)
    f = float(np.median(floors))
    print(f"{path}: {len(calls):,} kernel calls; the replication {seconds:.3f} s; floor {f:.3f} s")
    ran = sum(in_run.values())
    print(f"  kernels in the run       {ran:.3f} s  {ran / f:5.2f} floors")
    print(f"  replayed back to back    {min(replays):.3f} s  {min(replays) / f:5.2f} floors")
    for name in sorted(each, key=lambda k: -each[k]):
        print(
            f"    {name:20s} in the run {in_run[name] / f:5.2f}  replayed one by one "
            f"{each[name] / f:5.2f} floors"
        )


@njit(cache=True)
def _pass(c: np.ndarray, others: tuple, days: int) -> None:
    one = np.float32(1.0)
    for _ in range(days):
        if len(others) == 0:
            for i in range(len(c)):
                c[i] = c[i] * np.float32(0.999)
        elif len(others) == 1:
            (a,) = others
            for i in range(len(c)):
                c[i] = c[i] * a[i]
        elif len(others) == 2:
            a, b = others
            for i in range(len(c)):
                c[i] = c[i] * a[i] + b[i]
        else:
            a, b, d = others[0], others[1], others[2]
            for i in range(len(c)):
                c[i] = c[i] * (a[i] - b[i]) + b[i] * (one - d[i])


def passes(n: int, days: int, repeat: int) -> None:
    """Print compiled daily passes over 1-4 float32 arrays of ``n`` against the floor."""
    rng = np.random.default_rng(0)
    arrays = [rng.random(n, dtype=np.float32) * np.float32(0.01) for _ in range(4)]
    floor = floor_loop(n, days)
    print(f"compiled passes over {n:,} checkpoints for {days} days:")
    for k in range(1, 5):
        others = tuple(arrays[1:k])
        _pass(arrays[0], others, 1)  # compiled for this arity before timing
        runs, floors = [], []
        for _ in range(repeat):
            t = time.perf_counter()
            _pass(arrays[0], others, days)
            runs.append(time.perf_counter() - t)
            t = time.perf_counter()
            floor()
            floors.append(time.perf_counter() - t)
        mb = k * n * 4 / 1e6
        print(f"  {k} array(s), {mb:.1f} MB  {min(runs) / float(np.median(floors)):5.2f} floors")


def main() -> None:
    """Measure each scenario given (default: the baseline and every mechanism on)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", action="append", help="scenario file (repeatable)")
    ap.add_argument("--repeat", type=int, default=3, help="replays (the best is kept)")
    args = ap.parse_args()
    print(machine())
    for path in args.scenario or ["scenarios/baseline.yaml", "scenarios/governance_levers.yaml"]:
        measure(path, args.repeat)
    baseline = load_scenario("scenarios/baseline.yaml")
    passes(prepare(baseline).ckp.n, baseline.cycle.days, args.repeat)


if __name__ == "__main__":
    main()
