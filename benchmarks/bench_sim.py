"""Benchmark of the simulation: one replication, 100 replications, a Jinan-scale city.

Run from the repository root::

    .venv/bin/python benchmarks/bench_sim.py [--reps 100] [--grids 16000] [--repeat 3]
    .venv/bin/python benchmarks/bench_sim.py --breakdown [--repeat 3]
    .venv/bin/python benchmarks/bench_sim.py --mechanisms [--scenario scenarios/X.yaml] [--repeat 3]
    .venv/bin/python benchmarks/bench_sim.py --scenario scenarios/X.yaml ... [--reps 0] [--grids 0]

It prints the machine first (processor, data caches, load average: the floor is as fast
as the caches that hold its arrays, so ratios from two machines do not compare), then
measures, on this machine and in one run:

- the baseline: ``prepare`` (decomposition, allocation, arrays), one replication
  (best of ``--repeat``), and ``--reps`` replications in a process pool on every core;
- the same for the baseline with every governance lever on
  (``scenarios/governance_levers.yaml``), or for each ``--scenario`` given
  (``--reps 0`` and ``--grids 0`` leave out the pool and the large city);
- a generated city of ``--grids`` grids (seed 003's Jinan: 16,000+): one
  replication, and the peak resident memory of a process that prepares and runs it;
- the floor: a bare numpy loop advancing the same number of checkpoints for the
  same number of days (``c *= keep; c += restore``, float32, the least any daily
  model must do), and the ratio of one replication to it, timed in turn.

``--breakdown`` instead times each compiled kernel inside a replication of each scenario (the
module's functions wrapped with a timer, as the mechanisms call them) and reports the
kernels' total and the rest (the mechanisms' Python and SimPy) as multiples of the floor,
timed in the same run: where a replication's time goes, against the least a daily model costs.

``--mechanisms`` instead says what each mechanism costs inside a replication (default:
every mechanism on, ``scenarios/governance_levers.yaml``): the time of its processes, of
its setup, finish and year-end steps and of its delivery handlers, each exclusive of what
it hands to another mechanism's handler (a funded line's effect is its owner's, not the
deliveries'), compiled kernels included; the result tables; and the rest (SimPy and the
engine), as seconds and multiples of the floor timed in the same run (medians of
``--repeat`` replications). A process that calls into another mechanism's module
directly (detection opening orders in rectification's order book) counts for the caller.
Each mechanism's line also gives what a day of each kind costs it, and the event loop's
time is split by the kind of day (mean of the replications): the
days of the records (every ``record_every_days``: the shadow score, the open defects,
the weekly routine rounds and the backlog reviews) and the other days.

Targets (issue 5): baseline < 1 s, 100 replications < 60 s on 2 cores, 16,000 grids
< 5 s and < 2 GB, ratio to the floor < 5. Not a test: timings depend on the machine.

One replication is the best of ``--repeat`` runs in one process, after a first run
that leaves out numba compiling the kernels (once per machine, then cached beside the
module); each run is followed by the floor loop, and the ratio is the median of those
pairs' ratios (back-to-back timings share the machine's drift). The 100 replications
include starting the pool's workers, which import and load the kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from fingerprints import processor  # benchmarks/ is the script's folder

from civsim.experiments import replicate
from civsim.generate import city_files, write_city
from civsim.scenario import load_scenario
from civsim.sim import Prepared, prepare, simulate


def floor_loop(n: int, days: int):
    """A bare numpy loop: ``n`` checkpoints decayed and restored for ``days`` days."""
    rng = np.random.default_rng(0)
    c = rng.random(n, dtype=np.float32)
    keep = (1 - rng.random(n, dtype=np.float32) * 0.02).astype(np.float32)
    restore = (rng.random(n, dtype=np.float32) * 0.05).astype(np.float32)

    def loop() -> None:
        for _ in range(days):
            c.__imul__(keep)
            c.__iadd__(restore)

    return loop


def paired(repeat: int, fn, reference) -> tuple[float, float, list[float]]:
    """Best times of ``fn`` and ``reference``, run in turn, and each turn's ratio.

    Timing them back to back and taking the ratio of each pair cancels most of
    the machine's drift, which moves both alike.
    """
    times, refs = [], []
    for _ in range(repeat):
        for f, out in ((fn, times), (reference, refs)):
            t = time.perf_counter()
            f()
            out.append(time.perf_counter() - t)
    return min(times), min(refs), [a / b for a, b in zip(times, refs, strict=True)]


def peak_rss_mb() -> float:
    """Peak resident memory (VmHWM) of the running process, in MB.

    Read from /proc rather than ``getrusage``: on Linux ``ru_maxrss`` survives
    ``exec``, so a child started from a big parent would report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_city(path: str, repeat: int) -> dict:
    """Prepare and run one replication of a scenario file; report times and peak RSS."""
    scenario = load_scenario(path)
    t = time.perf_counter()
    prep = prepare(scenario)
    prep_s = time.perf_counter() - t
    simulate(prep, replication=0)  # numba loads (or compiles) the kernels on first use
    sim_s, floor_s, ratios = paired(
        repeat,
        lambda: simulate(prep, replication=0),
        floor_loop(prep.ckp.n, scenario.cycle.days),
    )
    peak_mb = peak_rss_mb()
    return {
        "checkpoints": prep.ckp.n,
        "prepare_s": prep_s,
        "simulate_s": sim_s,
        "floor_s": floor_s,
        "ratio": float(np.median(ratios)),
        "ratio_range": (min(ratios), max(ratios)),
        "peak_rss_mb": peak_mb,
    }


def breakdown(path: str, repeat: int) -> dict:
    """Time each compiled kernel inside replications of a scenario file, and the floor.

    Returns each kernel's median seconds per replication, the replication's, and the floor's.
    """
    from collections import Counter

    from civsim.sim import kernels

    prep = prepare(load_scenario(path))
    simulate(prep, replication=0)  # numba loads (or compiles) the kernels on first use
    spent: Counter[str] = Counter()
    saved = {name: getattr(kernels, name) for name in kernels.__all__}
    for name, compiled in saved.items():

        def timed(*args, _compiled=compiled, _name=name):
            t = time.perf_counter()
            out = _compiled(*args)
            spent[_name] += time.perf_counter() - t
            return out

        setattr(kernels, name, timed)
    try:
        return _timed_replications(prep, repeat, spent, "kernels")
    finally:
        for name, compiled in saved.items():
            setattr(kernels, name, compiled)


def _timed_replications(prep: Prepared, repeat: int, spent, key: str) -> dict:
    """Run ``repeat`` replications, each followed by the floor; the medians of each.

    ``spent`` is a Counter the caller's timers fill while a replication runs (cleared
    before each); returns the replication's and the floor's median seconds, and under
    ``key`` each counter's median, largest first.
    """
    floor = floor_loop(prep.ckp.n, prep.scenario.cycle.days)
    runs, floors, per_run = [], [], []
    for _ in range(repeat):
        spent.clear()
        t = time.perf_counter()
        simulate(prep, replication=0)
        runs.append(time.perf_counter() - t)
        per_run.append(dict(spent))
        t = time.perf_counter()
        floor()
        floors.append(time.perf_counter() - t)
    names = sorted(per_run[0], key=lambda k: -per_run[0][k])
    return {
        "simulate_s": float(np.median(runs)),
        "floor_s": float(np.median(floors)),
        key: {k: float(np.median([p.get(k, 0.0) for p in per_run])) for k in names},
    }


def print_breakdown(figures: dict) -> None:
    """Print :func:`breakdown`'s figures as seconds and multiples of the floor."""
    floor = figures["floor_s"]
    total = sum(figures["kernels"].values())
    rest = figures["simulate_s"] - total
    print(f"one replication {figures['simulate_s']:.3f} s; floor {floor:.3f} s")
    for name, secs in figures["kernels"].items():
        print(f"  {name:16s} {secs:7.3f} s  {secs / floor:5.2f}x the floor")
    print(f"  {'kernels':16s} {total:7.3f} s  {total / floor:5.2f}x the floor")
    print(f"  {'the rest':16s} {rest:7.3f} s  {rest / floor:5.2f}x the floor")


class _Attribution:
    """Exclusive seconds per owner, over nested timed regions (a stack of open regions).

    Each owner's seconds also go to ``(owner, kind)``, ``kind`` the kind of day the
    event loop is on (``self.kind``, set by the caller; ``"outside"`` the loop).
    """

    def __init__(self) -> None:
        from collections import Counter

        self.spent: Counter[str | tuple[str, str]] = Counter()
        self.stack: list[list] = []
        self.kind = "outside"  # before the first day and after the last (setup, tables)

    def region(self, owner: str, fn, *args, **kwargs):
        """Call ``fn`` timed for ``owner``; its time less its timed callees' is the owner's."""
        self.stack.append([owner, time.perf_counter(), 0.0])
        try:
            return fn(*args, **kwargs)
        finally:
            _, start, inner = self.stack.pop()
            elapsed = time.perf_counter() - start
            self.spent[owner] += elapsed - inner
            self.spent[owner, self.kind] += elapsed - inner
            if self.stack:
                self.stack[-1][2] += elapsed


class _TimedProcess:
    """A SimPy process's generator whose every step is timed for its mechanism."""

    def __init__(self, gen, owner: str, clock: _Attribution) -> None:
        self.gen, self.owner, self.clock = gen, owner, clock

    def send(self, value):
        return self.clock.region(self.owner, self.gen.send, value)

    def throw(self, *args):
        return self.clock.region(self.owner, self.gen.throw, *args)

    def close(self) -> None:
        self.gen.close()


def mechanism_costs(path: str, repeat: int) -> dict:
    """Seconds per replication of each mechanism of a scenario, the tables, the rest, the floor.

    Each mechanism's processes, setup, finish, year-end steps and delivery handlers are
    timed (exclusive of nested timed calls) while whole replications run; the registry's
    entries are swapped for timed copies in place (their order, the order of a day's
    processes, kept) and restored after.
    """
    import dataclasses
    from collections import Counter

    import simpy

    from civsim.sim import engine, registry

    prep = prepare(load_scenario(path))
    simulate(prep, replication=0)  # numba loads (or compiles) the kernels on first use
    clock = _Attribution()
    table = registry._registry  # swapped in place: registration order is the day's order
    saved = dict(table)
    module_of = {}
    for name, m in saved.items():
        hooks = {}
        for hook in ("setup", "finish", "year_end"):
            fn = getattr(m, hook)
            if fn is not None:
                hooks[hook] = lambda *a, _fn=fn, _n=name: clock.region(_n, _fn, *a)
        effects = {
            effect: (lambda *a, _fn=fn, _n=name: clock.region(_n, _fn, *a))
            for effect, fn in m.effects.items()
        }
        table[name] = dataclasses.replace(m, effects=effects, **hooks)
        for fn in (m.start, m.setup, m.prepare):
            if fn is not None:
                module_of[fn.__module__] = name
    original_process = simpy.Environment.process  # the Process class (a bound class's target)
    # restored as the descriptor itself: the class attribute read above is not the descriptor
    # (restoring it would break env.process for the next scenario in the same run)
    saved_process = next(
        vars(k)["process"] for k in simpy.Environment.__mro__ if "process" in vars(k)
    )
    original_step = simpy.Environment.step
    original_tables = engine.build_run_result
    every, days = prep.scenario.simulation.record_every_days, prep.scenario.cycle.days
    by_kind: Counter[str] = Counter()  # seconds in the event loop by kind of day

    def process(env, gen):
        owner = module_of.get(gen.gi_frame.f_globals["__name__"], "the rest")
        return original_process(env, _TimedProcess(gen, owner, clock))

    def step(env):
        # every step of the event loop, by the kind of day it falls on: the records'
        # days (shadow score, defects, weekly rounds and reviews) against the others
        kind = "record days" if int(env.peek()) % every == 0 else "other days"  # the event's day
        clock.kind = kind
        t = time.perf_counter()
        original_step(env)
        by_kind[kind] += time.perf_counter() - t

    simpy.Environment.process = process
    simpy.Environment.step = step

    def tables(*args):
        clock.kind = "outside"  # after the last day: the next replication's setup too
        return clock.region("result tables", original_tables, *args)

    engine.build_run_result = tables
    try:
        figures = _timed_replications(prep, repeat, clock.spent, "owners")
    finally:
        simpy.Environment.process = saved_process
        simpy.Environment.step = original_step
        engine.build_run_result = original_tables
        table.update(saved)
    n_record = len(range(0, days, every))  # the records' days: 0, every, 2 every, ...
    n_days = {"record days": n_record, "other days": days - n_record}
    figures["days"] = {k: (by_kind[k] / repeat, n) for k, n in n_days.items()}
    owners = figures["owners"]
    figures["owners"] = {k: v for k, v in owners.items() if isinstance(k, str)}
    figures["by_day"] = {k: v for k, v in owners.items() if isinstance(k, tuple)}
    return figures


def print_mechanism_costs(figures: dict) -> None:
    """Print :func:`mechanism_costs`'s figures as seconds and multiples of the floor."""
    floor, total = figures["floor_s"], figures["simulate_s"]
    print(f"one replication {total:.3f} s; floor {floor:.3f} s; {total / floor:.1f}x the floor")
    owners = dict(figures["owners"])
    owners["the rest"] = owners.get("the rest", 0.0) + total - sum(owners.values())
    n_days = {kind: n for kind, (_, n) in figures["days"].items()}
    by_day = figures["by_day"]
    for name, secs in sorted(owners.items(), key=lambda kv: -kv[1]):
        # what a record day and another day cost this mechanism, in microseconds
        a_day = "".join(
            f"  {by_day[name, kind] / max(n, 1) * 1e6:6.0f} us/{kind[:-5]} day"
            for kind, n in n_days.items()
            if (name, kind) in by_day  # none for work outside the days (the tables)
        )
        print(f"  {name:20s} {secs:7.3f} s  {secs / floor:5.2f}x the floor{a_day}")
    for kind, (secs, n) in figures["days"].items():
        print(
            f"  {kind} ({n:,}): {secs:.3f} s, {secs / floor:.2f}x the floor, "
            f"{secs / max(n, 1) * 1e3:.2f} ms a day (every mechanism's steps, timers included)"
        )


def in_child(path: str, repeat: int) -> dict:
    """Run :func:`one_city` in a fresh process, so its peak memory is its own."""
    code = (
        "import json, sys; sys.path.insert(0, 'benchmarks'); import bench_sim; "
        f"print(json.dumps(bench_sim.one_city({path!r}, {repeat})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    """The processor, its data caches and the load: what the ratio to the floor depends on.

    The floor runs as fast as the caches holding its arrays (a few MB of float32), so a
    ratio means little without the machine it was measured on.
    """
    sys_cpu = Path("/sys/devices/system/cpu/cpu0/cache")
    caches = []
    for index in sorted(sys_cpu.glob("index*")):
        kind = (index / "type").read_text().strip()
        if kind != "Instruction":
            caches.append(
                f"L{(index / 'level').read_text().strip()} {(index / 'size').read_text().strip()}"
            )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    held = " ".join(caches) or "caches unknown"
    return f"{processor()}; {os.cpu_count()} cores; {held}; load {load}"


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=100)
    ap.add_argument("--grids", type=int, default=16_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--breakdown", action="store_true", help="where a replication's time goes")
    ap.add_argument("--mechanisms", action="store_true", help="what each mechanism costs")
    ap.add_argument(
        "--scenario",
        action="append",
        help="scenario timed against the floor (repeatable; default: the baseline, then every "
        "governance lever on, scenarios/governance_levers.yaml)",
    )
    args = ap.parse_args()
    scenarios = args.scenario or ["scenarios/baseline.yaml", "scenarios/governance_levers.yaml"]
    print(f"machine: {machine()}")
    if args.mechanisms:
        for path in args.scenario or ["scenarios/governance_levers.yaml"]:
            print(path)
            print_mechanism_costs(mechanism_costs(path, args.repeat))
        return
    if args.breakdown:
        for path in scenarios:
            print(path)
            print_breakdown(breakdown(path, args.repeat))
        return

    for path in scenarios:
        one = in_child(path, args.repeat)
        print(
            f"{Path(path).stem}: {one['checkpoints']:,} checkpoints; prepare "
            f"{one['prepare_s']:.2f} s; one replication {one['simulate_s']:.2f} s; floor "
            f"{one['floor_s']:.3f} s; ratio {_ratio(one)}; peak RSS {one['peak_rss_mb']:,.0f} MB"
        )

    if args.reps:
        prep: Prepared = prepare(load_scenario("scenarios/baseline.yaml"))
        workers = os.cpu_count() or 1
        t = time.perf_counter()
        replicate(prep, args.reps, executor="process", workers=workers, progress=False)
        many = time.perf_counter() - t
        print(f"baseline: {args.reps} replications on {workers} cores {many:.1f} s")

    if args.grids:
        with tempfile.TemporaryDirectory() as tmp:
            files = city_files(load_scenario("scenarios/baseline.yaml"), args.grids, seed=3)
            city = write_city(Path(tmp) / "city", files)
            big = in_child(str(city), args.repeat)
        print(
            f"{args.grids:,}-grid city: {big['checkpoints']:,} checkpoints; prepare "
            f"{big['prepare_s']:.2f} s; one replication {big['simulate_s']:.2f} s; floor "
            f"{big['floor_s']:.3f} s; ratio {_ratio(big)}; peak RSS {big['peak_rss_mb']:,.0f} MB"
        )


def _ratio(figures: dict) -> str:
    low, high = figures["ratio_range"]
    return f"{figures['ratio']:.1f}x (median of pairs; {low:.1f}-{high:.1f})"


if __name__ == "__main__":
    main()
