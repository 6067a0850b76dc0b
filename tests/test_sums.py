"""Scores do not depend on the machine's BLAS: the same scenario and seed, the same bits."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
from conftest import SCENARIOS
from hypothesis import given
from hypothesis import strategies as st

from civsim.sums import row_sums, weighted_sum

#: OpenBLAS's kernels for three generations of x86 processor: AVX-512 (with fused
#: multiply-adds), AVX2 and SSE3 add a dot product's terms in different orders.
KERNELS = ("SkylakeX", "Haswell", "Prescott")

RUN = """
import json, sys
import pandas as pd
from civsim.scenario import load_scenario
from civsim.sim import simulate
r = simulate(load_scenario(sys.argv[1]), seed=5, replication=0)
print(json.dumps({name: int(pd.util.hash_pandas_object(t, index=False).sum())
                  for name, t in r.tables().items()}))
"""


def _tables(kernel: str) -> dict[str, int]:
    env = {**os.environ, "OPENBLAS_CORETYPE": kernel}
    scenario = str(SCENARIOS / "county_nominee.yaml")
    done = subprocess.run(
        [sys.executable, "-c", RUN, scenario], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def test_every_table_is_the_same_whichever_blas_kernel_ran_it() -> None:
    """The county's tables hash alike under each of OpenBLAS's kernels.

    With ``@`` on the score's path, the annual and cycle tables differed in their last bits
    between the AVX-512 and AVX2 kernels. Where numpy's BLAS is not OpenBLAS, the variable
    changes nothing and the test holds trivially.
    """
    first, *others = (_tables(k) for k in KERNELS)
    for kernel, tables in zip(KERNELS[1:], others, strict=True):
        moved = sorted(name for name in first if tables[name] != first[name])
        assert not moved, f"{kernel} moved {moved} against {KERNELS[0]}"


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(st.lists(st.tuples(finite, finite), min_size=0, max_size=40))
def test_weighted_sum_is_the_dot_product_to_rounding(pairs) -> None:
    """The weighted sum agrees with an exactly rounded sum of the products."""
    v = np.array([a for a, _ in pairs], dtype=np.float64)
    w = np.array([b for _, b in pairs], dtype=np.float64)
    exact = float(np.sum(np.array([np.longdouble(a) * np.longdouble(b) for a, b in pairs])))
    scale = float(np.abs(v * w).sum()) + 1.0
    assert abs(weighted_sum(v, w) - exact) <= 1e-12 * scale


def test_row_sums_is_the_matrix_product() -> None:
    """Each row's weighted sum, as ``matrix @ vector`` to rounding."""
    rng = np.random.default_rng(3)
    m, v = rng.random((7, 5)), rng.random(5)
    assert np.allclose(row_sums(m, v), m @ v, rtol=1e-14, atol=0)
    assert row_sums(m, v).shape == (7,)
