"""Benchmark of the kernels' argument layout: a few bundles against 15-25 positional arrays.

Run from the repository root::

    PYTHONPATH=. .venv/bin/python benchmarks/bench_kernel_args.py [--blocks 41]

For the two widest kernels (:func:`civsim.sim.kernels.open_orders` and
:func:`~civsim.sim.kernels.work_queues`; :func:`~civsim.sim.kernels.find_problems`
was the third until it came to take each day's sources as tuples, one call a day)
it times, in one run on this machine, the kernel as it is (positional) and the
same kernel reached through a grouped layout: an ``@njit`` function taking a few
bundles, unpacking them and calling the real kernel (numba calls it natively, so
the loop body is shared). The candidate bundles are

- ``tuple``: plain tuples of arrays (and of fixed scalars), unpacked by position;
- ``namedtuple``: ``typing.NamedTuple`` classes, read by attribute;
- ``structref``: ``numba.experimental.structref`` types, read by attribute;
- ``jitclass``: ``numba.experimental.jitclass`` classes, read by attribute.

The bundles are built once, as a refactor would hold them (the order book's
arrays only change when it grows); the per-call inputs (the day, the day's draws,
counters) stay positional.

Two workloads:

- ``real``: the arguments of real calls, captured while one replication of
  ``scenarios/baseline.yaml`` runs (a call in every ``--every``, arrays copied);
  each timed call starts from the captured state (restored untimed before it);
- ``tiny``: the same arrays with no work (no orders, no units, nothing looked at):
  what is left is the call's dispatch from Python, timed as ``--calls`` calls in a loop.

Last, a dispatch probe: 20 small arrays passed to a trivial ``@njit`` function
positional, as tuples, as one jitclass, as one structref (best of 7 x 20,000 calls).

Each block times every variant once on the same calls, in a rotating order, and
the ratio grouped / positional is taken within the block (back-to-back timings
share the machine's drift); the table gives the median ratio over ``--blocks``
blocks and its range (min - max). Everything is compiled, and checked to give the
positional kernel's results, before timing. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import copy
import time
from typing import NamedTuple

import numpy as np
from numba import njit, typeof
from numba.core import types
from numba.experimental import jitclass, structref

from civsim.scenario import load_scenario
from civsim.sim import kernels, prepare, simulate

KERNELS = ("open_orders", "work_queues")

# ---------------------------------------------------------------------------
# bundles: which arrays travel together
# ---------------------------------------------------------------------------

#: Arrays of each bundle, by name (the same names for every kind of bundle).
FIELDS = {
    # the order book (civsim.sim.mechanisms.rectification.OrderBook): both order kernels use it
    "Book": (
        "ckpt",
        "unit",
        "opened",
        "ready",
        "deadline",
        "closed",
        "slots",
        "head",
        "tail",
        "waiting",
    ),
    # what a checkpoint is (fixed for the run): where its orders go
    "Routing": ("is_field", "district", "lead_unit", "has_coop"),
    # the checkpoints' changing state
    "Ckstate": ("condition", "defect", "has_order"),
    # funded lifts (Run.lift_*)
    "Lifts": ("lift_size", "lift_group", "share", "is_lifted"),
    # a unit's daily capacity (the rectification process's ``capacity``)
    "Capacity": ("most", "base", "extra", "per_staff_day"),
    # rows of Run.events a kernel counts into
    "Counts": ("first", "second"),
}


class Book(NamedTuple):
    """The order book's arrays."""

    ckpt: np.ndarray
    unit: np.ndarray
    opened: np.ndarray
    ready: np.ndarray
    deadline: np.ndarray
    closed: np.ndarray
    slots: np.ndarray
    head: np.ndarray
    tail: np.ndarray
    waiting: np.ndarray


class Routing(NamedTuple):
    """Where a checkpoint's orders go."""

    is_field: np.ndarray
    district: np.ndarray
    lead_unit: np.ndarray
    has_coop: np.ndarray


class Ckstate(NamedTuple):
    """The checkpoints' changing state."""

    condition: np.ndarray
    defect: np.ndarray
    has_order: np.ndarray


class Lifts(NamedTuple):
    """Funded lifts."""

    lift_size: np.ndarray
    lift_group: np.ndarray
    share: np.ndarray
    is_lifted: np.ndarray


class Capacity(NamedTuple):
    """A unit's daily capacity."""

    most: np.ndarray
    base: np.ndarray
    extra: np.ndarray
    per_staff_day: float


class Counts(NamedTuple):
    """Two rows of event counts."""

    first: np.ndarray
    second: np.ndarray


NAMEDTUPLES = {c.__name__: c for c in (Book, Routing, Ckstate, Lifts, Capacity, Counts)}


def _structref_class(name: str, fields: tuple[str, ...]):
    """A structref proxy class with ``fields``, typed by the values it is built with."""

    class _Type(types.StructRef):
        def preprocess_fields(self, fields):
            return tuple((n, types.unliteral(t)) for n, t in fields)

    _Type.__name__ = f"{name}Type"
    structref.register(_Type)

    class _Proxy(structref.StructRefProxy):
        pass

    _Proxy.__name__ = name
    structref.define_proxy(_Proxy, _Type, list(fields))
    return _Proxy


def _jitclass_class(name: str, fields: tuple[str, ...], values: tuple):
    """A jitclass with ``fields``, typed as ``values``."""
    args = ", ".join(fields)
    body = "\n".join(f"        self.{f} = {f}" for f in fields)
    src = f"class {name}:\n    def __init__(self, {args}):\n{body}\n"
    scope: dict = {}
    exec(src, scope)  # a class per bundle, as one would write it by hand
    spec = [(f, typeof(v)) for f, v in zip(fields, values, strict=True)]
    return jitclass(spec)(scope[name])


STRUCTREFS = {name: _structref_class(name, f) for name, f in FIELDS.items()}


def make_bundle(kind: str, name: str, values: tuple):
    """Bundle ``values`` (the fields of ``FIELDS[name]`` in order) as ``kind``."""
    if kind == "tuple":
        return tuple(values)
    if kind == "namedtuple":
        return NAMEDTUPLES[name](*values)
    if kind == "structref":
        return STRUCTREFS[name](*values)
    if kind == "jitclass":
        if (name, kind) not in _JITCLASSES:
            _JITCLASSES[name, kind] = _jitclass_class(name, FIELDS[name], values)
        return _JITCLASSES[name, kind](*values)
    raise ValueError(kind)


_JITCLASSES: dict = {}

# ---------------------------------------------------------------------------
# grouped kernels: unpack the bundles, call the real kernel
# ---------------------------------------------------------------------------


def open_orders_tuple(shares, waits, ckpts, first_id, day, n_waiting, mean_wait, book, routing,
                      rect, state, counts):  # fmt: skip
    """``open_orders`` with tuple bundles, unpacked by position."""
    ckpt, unit, opened, ready, deadline, _closed, slots, _head, tail, waiting = book
    is_field, district, lead_unit, has_coop = routing
    territorial_share, n_units, deadline_days = rect
    _condition, _defect, has_order = state
    opened_today, waiting_today = counts
    return kernels.open_orders(
        shares, waits, ckpts, first_id, day, ckpt, unit, opened, ready, deadline, slots, tail,
        waiting, is_field, district, lead_unit, has_coop, territorial_share, n_units,
        deadline_days, mean_wait, n_waiting, has_order, opened_today, waiting_today,
    )  # fmt: skip


def open_orders_attr(shares, waits, ckpts, first_id, day, n_waiting, mean_wait, book, routing,
                     rect, state, counts):  # fmt: skip
    """``open_orders`` with bundles read by attribute (the fixed scalars stay a tuple)."""
    territorial_share, n_units, deadline_days = rect
    return kernels.open_orders(
        shares, waits, ckpts, first_id, day, book.ckpt, book.unit, book.opened, book.ready,
        book.deadline, book.slots, book.tail, book.waiting, routing.is_field, routing.district,
        routing.lead_unit, routing.has_coop, territorial_share, n_units, deadline_days,
        mean_wait, n_waiting, state.has_order, counts.first, counts.second,
    )  # fmt: skip


def work_queues_tuple(day, credit, capacity, book, n_waiting, state, fixed_condition, counts,
                      defect_fixed_today):  # fmt: skip
    """``work_queues`` with tuple bundles, unpacked by position."""
    most, base, extra, per_staff_day = capacity
    ckpt, unit, _opened, ready, deadline, closed, slots, head, tail, waiting = book
    condition, defect, has_order = state
    closed_today, late_today = counts
    return kernels.work_queues(
        day, credit, most, base, extra, per_staff_day, ckpt, unit, ready, deadline, closed,
        slots, head, tail, waiting, n_waiting, condition, defect, has_order, fixed_condition,
        closed_today, late_today, defect_fixed_today,
    )  # fmt: skip


def work_queues_attr(day, credit, capacity, book, n_waiting, state, fixed_condition, counts,
                     defect_fixed_today):  # fmt: skip
    """``work_queues`` with bundles read by attribute."""
    return kernels.work_queues(
        day, credit, capacity.most, capacity.base, capacity.extra, capacity.per_staff_day,
        book.ckpt, book.unit, book.ready, book.deadline, book.closed, book.slots, book.head,
        book.tail, book.waiting, n_waiting, state.condition, state.defect, state.has_order,
        fixed_condition,
        counts.first, counts.second, defect_fixed_today,
    )  # fmt: skip


GROUPED = {
    "open_orders": (open_orders_tuple, open_orders_attr),
    "work_queues": (work_queues_tuple, work_queues_attr),
}


def grouped_args(name: str, a: tuple, kind: str) -> tuple:
    """The positional arguments ``a`` of kernel ``name``, as its grouped variant takes them."""

    def b(bundle, *values):
        return make_bundle(kind, bundle, values)

    if name == "open_orders":
        (shares, waits, ckpts, first_id, day, ckpt, unit, opened, ready, deadline, slots, tail,
         waiting, is_field, district, lead_unit, has_coop, territorial_share, n_units,
         deadline_days, mean_wait, n_waiting, has_order, opened_today,
         waiting_today) = a  # fmt: skip
        # closed, head, condition and defect are not this kernel's: stand-ins of their type
        closed, head = np.empty(0, ckpt.dtype), np.empty(0, tail.dtype)
        condition = defect = np.empty(0, np.float32)
        return (
            shares, waits, ckpts, first_id, day, n_waiting, mean_wait,
            b("Book", ckpt, unit, opened, ready, deadline, closed, slots, head, tail, waiting),
            b("Routing", is_field, district, lead_unit, has_coop),
            (territorial_share, n_units, deadline_days),
            b("Ckstate", condition, defect, has_order),
            b("Counts", opened_today, waiting_today),
        )  # fmt: skip
    if name == "work_queues":
        (day, credit, most, base, extra, per_staff_day, ckpt, unit, ready, deadline, closed,
         slots, head, tail, waiting, n_waiting, condition, defect, has_order, fixed_condition,
         closed_today, late_today, defect_fixed_today) = a  # fmt: skip
        opened = np.empty(0, ckpt.dtype)
        return (
            day, credit, b("Capacity", most, base, extra, per_staff_day),
            b("Book", ckpt, unit, opened, ready, deadline, closed, slots, head, tail, waiting),
            n_waiting, b("Ckstate", condition, defect, has_order), fixed_condition,
            b("Counts", closed_today, late_today), defect_fixed_today,
        )  # fmt: skip
    raise ValueError(f"no grouped layout for {name!r}")


#: Arguments each kernel changes (restored before each timed call of the real workload).
MUTATED = {
    "open_orders": (5, 6, 7, 8, 9, 10, 11, 12, 22, 23, 24),
    "work_queues": (1, 10, 11, 12, 13, 14, 16, 17, 18, 20, 21, 22),
}

#: Arguments to empty for the ``tiny`` workload (and scalars to zero).
EMPTIED = {
    "open_orders": ((0, 1, 2), (21,)),  # no orders, no waiting
    "work_queues": ((1, 12, 13), (15,)),  # no units (credit, head, tail), no waiting
}

# ---------------------------------------------------------------------------
# capture, check, time
# ---------------------------------------------------------------------------


def capture(every: int) -> dict[str, list[tuple]]:
    """Arguments of every ``every``-th call of each kernel in one baseline replication."""
    prep = prepare(load_scenario("scenarios/baseline.yaml"))
    simulate(prep)  # compile (or load) the kernels, untimed
    calls: dict[str, list[tuple]] = {k: [] for k in KERNELS}
    seen = dict.fromkeys(KERNELS, 0)
    originals = {k: getattr(kernels, k) for k in KERNELS}

    def spy(name):
        fn = originals[name]

        def call(*args):
            if seen[name] % every == every // 2:
                calls[name].append(copy.deepcopy(args))  # aliasing kept (one memo)
            seen[name] += 1
            return fn(*args)

        return call

    try:
        for k in KERNELS:
            setattr(kernels, k, spy(k))
        simulate(prep)
    finally:
        for k in KERNELS:
            setattr(kernels, k, originals[k])
    print("calls in one replication:", seen, "captured:", {k: len(v) for k, v in calls.items()})
    return calls


def tiny(name: str, a: tuple) -> tuple:
    """``a`` with nothing to do: the call's dispatch and little else."""
    arrays, scalars = EMPTIED[name]
    a = list(a)
    for i in arrays:
        a[i] = a[i][:0]
    for i in scalars:
        a[i] = 0
    return tuple(a)


def _same(x, y) -> bool:
    if isinstance(x, tuple):
        return all(_same(p, q) for p, q in zip(x, y, strict=True))
    return np.array_equal(x, y)


class Case:
    """One captured call of a kernel, with its pristine state and each variant's arguments."""

    def __init__(self, name: str, args: tuple, kinds: tuple[str, ...], grouped: dict):
        self.name = name
        self.args = args
        self.pristine = {i: args[i].copy() for i in MUTATED[name]}
        self.variants = {"positional": (getattr(kernels, name), args)}
        for kind in kinds:
            fn = grouped[kind]
            self.variants[kind] = (fn, grouped_args(name, args, kind))

    def restore(self) -> None:
        """Put back the state the call was captured with."""
        for i, saved in self.pristine.items():
            np.copyto(self.args[i], saved)

    def check(self) -> None:
        """Compile every variant and check it leaves what the positional kernel leaves."""
        ref = None
        for kind, (fn, args) in self.variants.items():
            self.restore()
            out = fn(*args)
            state = (out, *(self.args[i].copy() for i in MUTATED[self.name]))
            if ref is None:
                ref = state
            elif not _same(ref, state):
                raise AssertionError(f"{self.name}: {kind} differs from positional")
        self.restore()


def time_real(cases: list[Case], kinds: list[str], blocks: int, per_case: int) -> dict:
    """Per block: each variant's total time over every case ``per_case`` times."""
    out = {k: [] for k in kinds}
    clock = time.perf_counter
    for b in range(blocks):
        tot = dict.fromkeys(kinds, 0.0)
        for r in range(per_case):
            for case in cases:
                s = (b + r) % len(kinds)
                for kind in kinds[s:] + kinds[:s]:  # rotate who goes first
                    fn, args = case.variants[kind]
                    case.restore()
                    t = clock()
                    fn(*args)
                    tot[kind] += clock() - t
        for cases_done in cases:
            cases_done.restore()
        for k in kinds:
            out[k].append(tot[k] / (per_case * len(cases)))
    return out


def time_tiny(case: Case, kinds: list[str], blocks: int, calls: int) -> dict:
    """Per block: each variant's mean time over ``calls`` calls in a loop."""
    out = {k: [] for k in kinds}
    clock = time.perf_counter
    loop = range(calls)
    for b in range(blocks):
        s = b % len(kinds)
        for kind in kinds[s:] + kinds[:s]:
            fn, args = case.variants[kind]
            t = clock()
            for _ in loop:
                fn(*args)
            out[kind].append((clock() - t) / calls)
    return out


def report(title: str, name: str, times: dict) -> list[str]:
    """Rows: time per call of the positional kernel, and each grouped variant's ratio to it."""
    pos = np.array(times["positional"])
    rows = [f"{name:14s} {title:5s} positional  {np.median(pos) * 1e6:9.2f} us/call"]
    for kind, t in times.items():
        if kind == "positional":
            continue
        r = np.array(t) / pos
        rows.append(
            f"{'':14s} {'':5s} {kind:11s} ratio {np.median(r):.3f} "
            f"(range {r.min():.3f} - {r.max():.3f}; {np.median(t) * 1e6:.2f} us/call)"
        )
    return rows


def dispatch_probe(n_arrays: int = 20, calls: int = 20_000, repeat: int = 7) -> list[str]:
    """Dispatch cost of ``n_arrays`` small arrays, by how they are passed (best of ``repeat``).

    An ``@njit`` function reading two of them, called with the arrays positional,
    as one tuple, as four tuples, as one jitclass and as one structref: what a
    call costs per array, and what a bundle costs whatever it holds.
    """
    arrays = [np.zeros(20) for _ in range(n_arrays)]
    names = tuple(f"a{i}" for i in range(n_arrays))
    params = ", ".join(names)
    scope = {"njit": njit}
    exec(f"def positional({params}):\n    return a0[0] + a{n_arrays - 1}[0]\n", scope)
    one = njit(lambda t: t[0][0] + t[-1][0])
    four = njit(lambda p, q, r, s: p[0][0] + s[-1][0])
    attr = njit(lambda b: b.a0[0] + b.a1[0])
    jc = _jitclass_class("Probe", names, tuple(arrays))
    sr = _structref_class("ProbeRef", names)
    q = n_arrays // 4
    variants = {
        f"{n_arrays} positional": (njit(scope["positional"]), arrays),
        "1 tuple": (one, (tuple(arrays),)),
        "4 tuples": (four, tuple(tuple(arrays[i : i + q]) for i in range(0, n_arrays, q))),
        "1 jitclass": (attr, (jc(*arrays),)),
        "1 structref": (njit(lambda b: b.a0[0] + b.a1[0]), (sr(*arrays),)),
        "no argument": (njit(lambda: 0.0), ()),
    }
    rows = []
    for label, (fn, args) in variants.items():
        fn(*args)
        best = np.inf
        for _ in range(repeat):
            t = time.perf_counter()
            for _ in range(calls):
                fn(*args)
            best = min(best, (time.perf_counter() - t) / calls)
        rows.append(f"dispatch probe: {n_arrays} arrays as {label:14s} {best * 1e9:6.0f} ns/call")
    return rows


def main() -> None:
    """Capture real calls, compile and check every variant, time them, print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blocks", type=int, default=41, help="interleaved repeats")
    ap.add_argument("--every", type=int, default=100, help="capture one call in so many")
    ap.add_argument("--per-case", type=int, default=10, help="calls per captured call per block")
    ap.add_argument("--calls", type=int, default=2000, help="calls per block, tiny workload")
    ap.add_argument("--kinds", default="tuple,namedtuple,structref,jitclass")
    opts = ap.parse_args()
    kinds = opts.kinds.split(",")

    t0 = time.perf_counter()
    calls = capture(opts.every)
    print(f"captured in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    table = []
    for name in KERNELS:
        tup, attr = GROUPED[name]
        # a dispatcher per kind, so each holds one signature (as a refactor's would)
        grouped = {k: njit(nogil=True)(tup if k == "tuple" else attr) for k in kinds}
        cases = [Case(name, a, kinds, grouped) for a in calls[name]]
        for c in cases:
            c.check()
        small = Case(name, tiny(name, cases[len(cases) // 2].args), kinds, grouped)
        small.check()
        print(f"{name}: compiled and checked ({time.perf_counter() - t0:.1f} s)")
        order = ["positional", *kinds]
        table += report("real", name, time_real(cases, order, opts.blocks, opts.per_case))
        table += report("tiny", name, time_tiny(small, order, opts.blocks, opts.calls))
    table += dispatch_probe()
    print(f"timed in {time.perf_counter() - t0:.1f} s")
    print("\n".join(table))


if __name__ == "__main__":
    main()
