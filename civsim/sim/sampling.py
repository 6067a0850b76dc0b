"""Samples of places by type, as an inspection or a mock test draws them."""

from __future__ import annotations

import numpy as np

from civsim.apportion import largest_remainder
from civsim.checkpoints import Checkpoints

__all__ = ["quotas", "sample_places", "spans"]


def quotas(ckp: Checkpoints, n_places: int) -> list[int]:
    """Places of each type in a sample of ``n_places``, in proportion to the visit plan."""
    return [int(q) for q in largest_remainder(n_places, ckp.type_sample_weight)]


def sample_places(ckp: Checkpoints, rng: np.random.Generator, plan: list[int]) -> np.ndarray:
    """Checkpoints of places sampled by type, ``plan[t]`` places of type ``t`` (:func:`quotas`)."""
    picked = []
    for t, q in enumerate(plan):
        pool = ckp.type_places[t]
        if q and len(pool):
            picked.append(rng.choice(pool, size=min(q, len(pool)), replace=False))
    if not picked:
        return np.empty(0, dtype=np.int64)
    places = np.concatenate(picked)
    starts = ckp.place_ckp_ptr[places]
    _, pos = spans(starts, ckp.place_ckp_ptr[places + 1] - starts)
    return ckp.place_ckp_idx[pos]


def spans(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and position of every element of the runs ``starts[u] .. starts[u] + counts[u]``.

    Examples
    --------
    >>> rows, pos = spans(np.array([5, 0, 2]), np.array([2, 0, 3]))
    >>> rows.tolist(), pos.tolist()
    ([0, 0, 2, 2, 2], [5, 6, 2, 3, 4])
    """
    rows = np.repeat(np.arange(len(counts)), counts)
    offsets = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows, starts[rows] + offsets
