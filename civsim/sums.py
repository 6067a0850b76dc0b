"""Weighted sums that come out the same, to the last bit, on every machine.

numpy hands ``a @ b`` and ``np.dot`` of float arrays to the BLAS it was built
with, and BLAS picks a kernel for the processor: an AVX-512 kernel adds the
products in another order, with fused multiply-adds, than an AVX2 one. The
same scenario and seed then scored 92.64999999999999 on one machine and 92.65
on another (measured: switching OpenBLAS's kernel with ``OPENBLAS_CORETYPE``
alone moved the annual and cycle tables). These sums multiply elementwise and
add with numpy's own pairwise summation, which does not depend on the BLAS
kernel: the tables of a scenario and seed are the same under each of OpenBLAS's
kernels (``tests/test_sums.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["row_sums", "weighted_sum"]


def weighted_sum(values: Any, weights: Any) -> float:
    """The sum of ``values * weights`` (1-D, the same length), independent of the machine.

    Examples
    --------
    >>> weighted_sum([80.0, 85.0, 99.0], (0.15, 0.25, 0.6))
    92.65
    """
    products = np.multiply(np.asarray(values, dtype=np.float64), np.asarray(weights, np.float64))
    return float(products.sum())


def row_sums(matrix: Any, vector: Any) -> np.ndarray:
    """``matrix @ vector`` for a dense 2-D matrix: each row's weighted sum, machine-independent.

    Examples
    --------
    >>> row_sums(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, 0.25])).tolist()
    [1.0, 2.5]
    """
    m = np.asarray(matrix, dtype=np.float64)
    return (m * np.asarray(vector, dtype=np.float64)[None, :]).sum(axis=1)
