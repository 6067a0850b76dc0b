"""Mutation testing of the modules whose rules the tests must pin down (cosmic-ray).

Run from the repository root, after ``pip install -e '.[mutation]'``::

    .venv/bin/python benchmarks/mutation.py [--only scoring apportion] [--timeout 60]

For each target it copies the repository into a temporary folder (cosmic-ray
mutates files in place, so the working tree is never touched), asks cosmic-ray for
every mutant of the module, runs the target's tests against each, and prints how
many mutants the tests killed and which survived (file, line, operator and the
mutated line). A surviving mutant is either a missing test or an equivalent mutant
(one that cannot change behaviour); the closing note of a change says which.

Targets: scoring and apportionment (goal: no non-equivalent survivor), the budget
policies and the numpy references of the compiled kernels (goal: under 10%
survivors). Not a test: it takes minutes, and its figures go in notes.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: module under mutation -> the tests that guard it
TARGETS = {
    "scoring": ("civsim/scoring.py", "tests/test_scoring.py"),
    "apportion": ("civsim/apportion.py", "tests/test_apportion.py"),
    "budget": ("civsim/budget.py", "tests/test_budget.py"),
    "allocation": ("civsim/allocation.py", "tests/test_budget.py"),
    "kernel_reference": ("tests/kernel_reference.py", "tests/test_kernels.py"),
}

CONFIG = """[cosmic-ray]
module-path = "{module}"
timeout = {timeout}
excluded-modules = []
test-command = "{python} -m pytest -x -q -p no:cacheprovider --no-header -o addopts='' {tests}"

[cosmic-ray.distributor]
name = "local"
"""


def _copy_repo(dest: Path) -> None:
    """The tracked files and the working tree's changes, without .venv or caches."""
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "out", "*.nbc", "*.nbi")
    shutil.copytree(ROOT, dest, ignore=ignore)


def _mutate(name: str, module: str, tests: str, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"civsim-mut-{name}-") as tmp:
        work = Path(tmp) / "repo"
        _copy_repo(work)
        config = work / "cosmic-ray.toml"
        config.write_text(
            CONFIG.format(module=module, timeout=timeout, python=sys.executable, tests=tests),
            encoding="utf-8",
        )
        session = work / "session.sqlite"
        env_run = {"cwd": work, "check": True, "capture_output": True, "text": True}
        cr = [sys.executable, "-m", "cosmic_ray.cli"]
        subprocess.run([*cr, "init", str(config), str(session)], **env_run)  # type: ignore[call-overload]
        started = time.perf_counter()
        subprocess.run([*cr, "exec", str(config), str(session)], **env_run)  # type: ignore[call-overload]
        seconds = time.perf_counter() - started
        spans = _annotation_spans(work / module)
        return {"seconds": seconds, **_outcomes(session, spans)}


def _annotation_spans(source: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Where the module's type annotations are: (start, end) as (row, column)."""
    spans = []
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
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
    """Killed and surviving mutants; survivors inside annotations are tagged equivalent.

    Every module here starts with ``from __future__ import annotations``: an
    annotation is never evaluated, so a mutant inside one cannot change behaviour.
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
    # a mutant is killed when the tests fail (or cannot even run: "incompetent");
    # a worker that crashed or timed out is counted apart, as cosmic-ray reports it
    killed = sum(1 for *_, test, _ in rows if str(test).lower() in ("killed", "incompetent"))
    survived = [r for r in rows if str(r[3]).lower() == "survived"]
    survivors = [
        (row, op, _added_line(diff)) for op, row, _, _, diff in survived if diff is not None
    ]
    equivalent = sum(1 for *_, diff in survived if diff is None)
    return {
        "mutants": len(rows),
        "killed": killed,
        "in_annotations": equivalent,
        "survivors": sorted(survivors),
    }


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
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per mutant's tests")
    args = p.parse_args()
    for name in args.only:
        module, tests = TARGETS[name]
        if not (ROOT / module).exists():
            print(f"{name}: {module} not found, skipped")
            continue
        out = _mutate(name, module, tests, args.timeout)
        n, k, a = out["mutants"], out["killed"], out["in_annotations"]
        left = n - k - a
        share = left / (n - a) if n > a else 0.0
        print(
            f"{name} ({module}): {n} mutants, {k} killed, {a} survived inside annotations "
            f"(equivalent), {left} other survivors ({share:.0%} of the rest) in "
            f"{out['seconds']:.0f} s"
        )
        for row, op, text in out["survivors"]:
            print(f"    survived  line {row:4d}  {op:45s} {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
