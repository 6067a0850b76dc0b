"""Mutation testing of the modules whose rules the tests must pin down (cosmic-ray).

Run from the repository root, after ``pip install -e '.[mutation]'``::

    .venv/bin/python benchmarks/mutation.py [--only scoring apportion] [--timeout 120] [--workers 2]

For each target it:

1. copies the repository into a temporary folder per worker (cosmic-ray mutates files
   in place, so the working tree is never touched);
2. runs the target's tests once under coverage, recording which test ran each line of
   the module (a context per pytest node id, switched by a small plugin);
3. asks cosmic-ray for every mutant of the module (``cosmic-ray init``);
4. tests each mutant with cosmic-ray's own ``mutate_and_test`` on ``--workers``
   processes, each in its own copy, running only the tests that ran the mutated line
   (all the target's tests for a line run at import or by no test), so a mutant
   costs one start of pytest and the tests that can see it;
5. prints how many mutants the tests killed and which survived (line, operator and
   the mutated line).

A surviving mutant is either a missing test or an equivalent mutant (one that cannot
change behaviour); the closing note of a change says which. Selecting tests by
coverage cannot hide a killer: a test that never runs a line cannot tell a mutant of
it from the original.

Targets: scoring and apportionment (goal: no non-equivalent survivor), the budget
policies, the allocation in exact yuan, the numpy references of the compiled
kernels and the scenario's checks across rows (goal: under 10% survivors). Not a test: it
takes minutes, and its figures go in notes.
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import multiprocessing
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: module under mutation -> the tests that guard it (space-separated)
TARGETS = {
    "scoring": ("civsim/scoring.py", "tests/test_scoring.py tests/test_title_holder.py"),
    "apportion": ("civsim/apportion.py", "tests/test_apportion.py"),
    "budget": ("civsim/budget.py", "tests/test_budget.py"),
    "allocation": ("civsim/allocation.py", "tests/test_budget.py"),
    "kernel_reference": ("tests/kernel_reference.py", "tests/test_kernel_reference.py"),
    "scenario_checks": ("civsim/scenario/checks.py", "tests/test_inputs.py tests/test_scenario.py"),
}

#: seed of ``--sample``'s choice of mutants
SAMPLE_SEED = 20261129

#: pytest without the notebook plugin (5 s of start-up a mutant) or the project's addopts,
#: with this script's plugin (:data:`PLUGIN`, on ``PYTHONPATH``)
PYTEST = [
    "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:nbval", "-o", "addopts=",
    "-p", "mutation_plugin",
]  # fmt: skip

CONFIG = """[cosmic-ray]
module-path = "{module}"
timeout = {timeout}
excluded-modules = []
test-command = "{command}"

[cosmic-ray.distributor]
name = "local"
"""

#: a pytest plugin, loaded for every run here: hypothesis reports a failing example
#: without shrinking it (a killed mutant needs no minimal example, and shrinking one
#: can take minutes); under coverage the context is the running test's node id; and
#: with MUTATION_SECONDS set it writes each test's seconds there
PLUGIN = """
import json
import os

import coverage
import pytest
from hypothesis import Phase, settings

SECONDS = {}

settings.register_profile(
    "mutation", phases=[Phase.explicit, Phase.reuse, Phase.generate], print_blob=False
)
settings.load_profile("mutation")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.switch_context(item.nodeid)
    yield
    if cov is not None:
        cov.switch_context("")


def pytest_runtest_logreport(report):
    SECONDS[report.nodeid] = SECONDS.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    path = os.environ.get("MUTATION_SECONDS")
    if path:
        with open(path, "w") as out:
            json.dump(SECONDS, out)
"""


def _copy_repo(dest: Path) -> None:
    """The tracked files and the working tree's changes, without .venv or git.

    ``__pycache__`` is kept: numba's cached kernels are valid in the copy (their index
    checks the source's time stamp, which ``copytree`` keeps), so no worker compiles.
    """
    ignore = shutil.ignore_patterns(".venv", ".git", "out", ".hypothesis", ".mypy_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)


def _install_plugin(tmp: Path) -> None:
    """Write :data:`PLUGIN` and put its folder on ``PYTHONPATH`` for every run from here."""
    folder = tmp / "plugin"
    folder.mkdir(exist_ok=True)
    (folder / "mutation_plugin.py").write_text(PLUGIN, encoding="utf-8")
    os.environ["PYTHONPATH"] = str(folder)


def _baseline_seconds(copy: Path, tests: str) -> float:
    """Seconds the target's tests take on the unmutated copy.

    They must pass there, or every mutant would count as killed.
    """
    started = time.perf_counter()
    run = subprocess.run(
        [sys.executable, *PYTEST, *tests.split()], cwd=copy, capture_output=True, text=True
    )
    if run.returncode != 0:
        raise RuntimeError(f"{tests} fail before any mutation:\n{run.stdout[-2000:]}")
    return time.perf_counter() - started


def _covering_tests(
    copy: Path, module: str, tests: str
) -> tuple[dict[int, set[str]], dict[str, float]]:
    """Which tests ran each line of ``module``, and how long each test took.

    Returns line -> node ids (none: run at import time only) and node id -> seconds
    (under coverage).
    """
    import coverage  # the mutation extra's; imported here so --help needs nothing

    data_file = copy.parent / f"{copy.name}.coverage"
    seconds_file = copy.parent / f"{copy.name}.seconds.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--data-file={data_file}",
         f"--include={module}", *PYTEST, *tests.split()],
        cwd=copy, check=True, capture_output=True, text=True,
        env={**os.environ, "MUTATION_SECONDS": str(seconds_file)},
    )  # fmt: skip
    seconds = json.loads(seconds_file.read_text(encoding="utf-8"))
    data = coverage.CoverageData(basename=str(data_file))
    data.read()
    by_line = data.contexts_by_lineno(str((copy / module).resolve()))
    covering = {line: {n for n in names if n} for line, names in by_line.items()}
    # a node id pytest would not find again would fail the run and count as a kill
    every = sorted(set().union(*covering.values()))
    listed = subprocess.run(
        [sys.executable, *PYTEST, "--collect-only", *every],
        cwd=copy, capture_output=True, text=True,
    )  # fmt: skip
    if listed.returncode != 0:
        raise RuntimeError(f"the covering tests of {module} do not collect:\n{listed.stdout}")
    return covering, seconds


def _command(tests: Iterable[str], seconds: dict[str, float] | None = None) -> str:
    """The pytest command for ``tests``, fastest first.

    With ``-x`` a kill ends the run at its first failing test, so the quick ones
    get their chance first (pytest runs node ids in the order given).
    """
    took = seconds or {}
    ordered = sorted(tests, key=lambda t: (took.get(t, float("inf")), t))
    return shlex.join([sys.executable, *PYTEST, "-x", *ordered])


def _enter(copies: Any) -> None:
    """A pool worker's start: work in a copy of its own (mutants are made in place)."""
    os.chdir(copies.get())


def _test_one(item: Any, command: str, timeout: float) -> Any:
    from cosmic_ray.mutating import mutate_and_test  # type: ignore[import-untyped]

    return mutate_and_test(item.mutations, command, timeout)


def _mutate(
    name: str,
    module: str,
    tests: str,
    timeout: float | None,
    workers: int,
    sample: int | None = None,
) -> dict:
    from cosmic_ray.work_db import WorkDB, use_db  # type: ignore[import-untyped]
    from cosmic_ray.work_item import WorkerOutcome, WorkResult  # type: ignore[import-untyped]

    with tempfile.TemporaryDirectory(prefix=f"civsim-mut-{name}-") as tmp:
        _install_plugin(Path(tmp))
        copies = [Path(tmp) / f"worker{i}" for i in range(workers)]
        for copy in copies:
            _copy_repo(copy)
        baseline = _baseline_seconds(copies[0], tests)
        # a mutant that loops for ever is killed by the timeout; an honest run of every
        # test takes ``baseline``, so a few times that cannot time out a survivor
        timeout = timeout or max(4 * baseline, 30.0)
        covering, took = _covering_tests(copies[0], module, tests)
        whole = _command(tests.split())
        config = Path(tmp) / "cosmic-ray.toml"
        config.write_text(
            CONFIG.format(module=module, timeout=timeout, command=whole), encoding="utf-8"
        )
        session = Path(tmp) / "session.sqlite"
        cr = [sys.executable, "-m", "cosmic_ray.cli"]
        subprocess.run(
            [*cr, "init", str(config), str(session)],
            cwd=copies[0],
            check=True,
            capture_output=True,
            text=True,
        )
        spans = _annotation_spans(copies[0] / module)
        started = time.perf_counter()
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        for copy in copies:
            queue.put(copy)
        with use_db(str(session), WorkDB.Mode.open) as db:
            items = []
            for item in db.pending_work_items:
                if _inside(item.mutations[0].start_pos, spans):
                    # never evaluated: equivalent by construction, not worth a test run
                    db.set_result(item.job_id, WorkResult(worker_outcome=WorkerOutcome.SKIPPED))
                else:
                    items.append(item)
            outside = len(items)
            if sample is not None and sample < len(items):
                # a seeded random sample estimates the share of survivors (--sample)
                items = random.Random(SAMPLE_SEED).sample(items, sample)
            commands = []
            for item in items:
                row = item.mutations[0].start_pos[0]
                seen = covering.get(row, set())
                commands.append(_command(seen, took) if seen else whole)
            with ProcessPoolExecutor(
                workers, mp_context=context, initializer=_enter, initargs=(queue,)
            ) as pool:
                runs = pool.map(_test_one, items, commands, [timeout] * len(items))
                for item, result in zip(items, runs, strict=True):
                    db.set_result(item.job_id, result)
        seconds = time.perf_counter() - started
        selected = sum(1 for c in commands if c != whole)
        return {
            "seconds": seconds,
            "selected": selected,
            "outside_annotations": outside,
            "tested": len(items),
            "baseline": baseline,
            "timeout": timeout,
            **_outcomes(session, spans),
        }


def _annotation_spans(source: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's type annotations are: (start, end) as (row, column).

    Only where they are never evaluated (``from __future__ import annotations``);
    otherwise none, and mutants inside them are tested like any other.
    """
    tree = ast.parse(source.read_text(encoding="utf-8"))
    postponed = any(
        isinstance(node, ast.ImportFrom)
        and node.module == "__future__"
        and any(a.name == "annotations" for a in node.names)
        for node in tree.body
    )
    if not postponed:
        return []
    spans = []
    for node in ast.walk(tree):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            notes.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None and note.end_lineno is not None:
                end = (note.end_lineno, note.end_col_offset or 0)
                spans.append(((note.lineno, note.col_offset), end))
    return spans


def _outcomes(session: Path, annotations: list) -> dict:
    """Killed and surviving mutants; those inside annotations are counted apart.

    Under ``from __future__ import annotations`` an annotation is never evaluated, so a
    mutant inside one cannot change behaviour: it is not run (cosmic-ray's "skipped").
    """
    with sqlite3.connect(session) as db:
        rows = db.execute(
            "SELECT m.operator_name, m.start_pos_row, r.worker_outcome, r.test_outcome, r.diff, "
            "m.start_pos_col FROM mutation_specs m JOIN work_results r ON m.job_id = r.job_id"
        ).fetchall()
    rows = [
        (op, row, worker, test, diff if not _inside((row, col), annotations) else None)
        for op, row, worker, test, diff, col in rows
    ]
    skipped = sum(1 for _, _, worker, *_ in rows if str(worker).lower() == "skipped")
    # a mutant is killed when the tests fail (or cannot even run: "incompetent");
    # a worker that crashed or timed out is counted apart, as cosmic-ray reports it
    killed = sum(1 for *_, test, _ in rows if str(test).lower() in ("killed", "incompetent"))
    survived = [r for r in rows if str(r[3]).lower() == "survived"]
    survivors = [
        (row, op, _added_line(diff)) for op, row, _, _, diff in survived if diff is not None
    ]
    equivalent = skipped + sum(1 for *_, diff in survived if diff is None)
    return {
        "mutants": len(rows),
        "killed": killed,
        "in_annotations": equivalent,
        "survivors": sorted(survivors),
    }


def _wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson's 95% interval of a share ``hits / n``."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(centre - half, 0.0), min(centre + half, 1.0)


def _inside(pos: tuple[int, int], spans: list) -> bool:
    return any(start <= pos < end for start, end in spans)


def _added_line(diff: str | None) -> str:
    """The mutated line of a unified diff."""
    for line in (diff or "").splitlines():
        if line.startswith("+") and not line.startswith("+++"):
            return line[1:].strip()
    return ""


def main() -> int:
    """Mutate each target and report killed and surviving mutants."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", nargs="*", choices=sorted(TARGETS), default=sorted(TARGETS))
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds per mutant's tests (default: 4 times the unmutated run, at least 30)",
    )
    p.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="mutants tested at once"
    )
    p.add_argument(
        "--sample",
        type=int,
        metavar="N",
        help="test a random sample of N mutants per target (seeded) and estimate the share "
        "of survivors with a 95%% interval; default: every mutant",
    )
    args = p.parse_args()
    for name in args.only:
        module, tests = TARGETS[name]
        if not (ROOT / module).exists():
            print(f"{name}: {module} not found, skipped")
            continue
        out = _mutate(name, module, tests, args.timeout, args.workers, args.sample)
        n, k, a = out["mutants"], out["killed"], out["in_annotations"]
        left = n - k - a
        share = left / (n - a) if n > a else 0.0
        if out["tested"] < out["outside_annotations"]:
            low, high = _wilson(left, out["tested"])
            print(
                f"{name}: a random sample of {out['tested']} of the {out['outside_annotations']} "
                f"mutants outside annotations: survivors {share:.1%} (95% interval "
                f"{low:.1%} .. {high:.1%})"
            )
        print(
            f"{name} ({module}): {n} mutants, {k} killed, {a} survived inside annotations "
            f"(equivalent), {left} other survivors ({share:.0%} of the rest) in "
            f"{out['seconds']:.0f} s on {args.workers} workers ({out['selected']} mutants "
            f"tested by the tests that ran their line, the rest by all; unmutated tests "
            f"{out['baseline']:.0f} s, timeout {out['timeout']:.0f} s)"
        )
        for row, op, text in out["survivors"]:
            print(f"    survived  line {row:4d}  {op:45s} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
