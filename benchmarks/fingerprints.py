"""Fingerprints of every result table, to show a refactor leaves results unchanged.

Run from the repository root::

    .venv/bin/python benchmarks/fingerprints.py --write benchmarks/fingerprints.json
    .venv/bin/python benchmarks/fingerprints.py --check benchmarks/fingerprints.json

For each scenario it runs ``--reps`` replications with ``--seed`` and hashes every
table of the result (column names, dtypes, categories and values, row order
included). ``--check`` names each table whose fingerprint differs and exits 1. Not a
test: a change that alters results on purpose writes new fingerprints and says why in
its commit.

The file records the machine and libraries it was written on (:func:`machine`), and
``--check`` says when they differ: other versions of numpy, numba or pandas may round
otherwise. The processor's BLAS kernel does not matter since the scores' weighted sums
stopped using it (:mod:`civsim.sums`): before, an AVX-512 machine moved the ``annual``
and ``cycle`` tables of a file written on an AVX2 one. Before a refactor on a new
machine, ``--write`` a file of your own first.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
from pathlib import Path

import numba
import numpy as np
import pandas as pd

from civsim.experiments import replicate
from civsim.scenario import load_scenario

SCENARIOS = (
    "baseline",
    "campaign_mode",
    "performance_linked_budget",
    "county_nominee",
    "governance_levers",
)


def table_fingerprint(table: pd.DataFrame) -> str:
    """A hash of a table's columns, dtypes (with categories) and values, in row order."""
    h = hashlib.sha256()
    for name in table.columns:
        col = table[name]
        h.update(f"{name}:{col.dtype}".encode())
        if isinstance(col.dtype, pd.CategoricalDtype):
            h.update(repr(list(col.cat.categories)).encode())
    h.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return h.hexdigest()[:16]


def machine() -> dict[str, str]:
    """What the results' last bits depend on: the processor, numpy's SIMD and the libraries."""
    simd = np.show_config(mode="dicts").get("SIMD Extensions", {}).get("found", [])
    return {
        "processor": processor(),
        "simd": " ".join(simd),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "pandas": pd.__version__,
    }


def processor() -> str:
    """The processor's model name (``/proc/cpuinfo``), or what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(
                line.split(":", 1)[1].strip() for line in f if line.startswith("model name")
            )
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def fingerprints(reps: int, seed: int) -> dict[str, dict[str, str]]:
    """Every table's fingerprint, by scenario."""
    out = {}
    for name in SCENARIOS:
        result = replicate(load_scenario(f"scenarios/{name}.yaml"), reps, seed=seed)
        out[name] = {t: table_fingerprint(df) for t, df in result.tables().items()}
    return out


def main() -> int:
    """Write or check the fingerprints."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", type=Path)
    what.add_argument("--check", type=Path)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seed", type=int, default=20240601)
    args = p.parse_args()
    now = {
        "reps": args.reps,
        "seed": args.seed,
        "machine": machine(),
        "tables": fingerprints(args.reps, args.seed),
    }
    if args.write:
        args.write.write_text(json.dumps(now, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.write}")
        return 0
    before = json.loads(args.check.read_text(encoding="utf-8"))
    if (before["reps"], before["seed"]) != (args.reps, args.seed):
        print(f"{args.check} was written with reps/seed {before['reps']}/{before['seed']}")
        return 2
    then = before.get("machine", {})
    elsewhere = [f"{k} {then.get(k, '?')!r} here {v!r}" for k, v in now["machine"].items()
                 if then.get(k) != v]  # fmt: skip
    if elsewhere:
        print(f"{args.check} was written on another machine or with other libraries "
              f"({'; '.join(elsewhere)}): results may round otherwise, "
              "so write fingerprints here before a change and check them after it")  # fmt: skip
    differ = [
        f"{sc}.{table}"
        for sc, tables in before["tables"].items()
        for table, fp in tables.items()
        if now["tables"].get(sc, {}).get(table) != fp
    ]
    for item in differ:
        print(f"differs: {item}")
    n = sum(len(t) for t in before["tables"].values())
    print(f"{n - len(differ)} of {n} tables identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
