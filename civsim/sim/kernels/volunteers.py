"""Compiled loop of a day at the volunteer dispatch centres.

Part of :mod:`civsim.sim.kernels` (see there).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["serve_requests"]


@njit(cache=True, nogil=True)
def serve_requests(
    day: int,
    arrivals: np.ndarray,
    hours: np.ndarray,
    hours_per_request: float,
    pending: np.ndarray,
    head: np.ndarray,
    served: np.ndarray,
    waited: np.ndarray,
    spare: np.ndarray,
    served_today: np.ndarray,
) -> None:
    """One day at the volunteer dispatch centres: queue today's requests, serve the oldest first.

    District d's centre receives ``arrivals[day, d]`` requests and has
    ``hours[d, day]`` volunteer-hours, ``hours_per_request`` a request.
    ``pending[d, t]`` holds its requests that arrived on day t and still wait;
    ``head[d]`` is its oldest day that may still hold some. Writes the requests
    served and their days of waiting to ``served[d, day]`` and
    ``waited[d, day]``, their total to ``served_today[day]``, and adds the
    hours left over to ``spare[d]``.

    Examples
    --------
    >>> pending, head = np.zeros((1, 2), dtype=np.int64), np.zeros(1, dtype=np.int64)
    >>> served, waited, spare = np.zeros((1, 2)), np.zeros((1, 2)), np.zeros(1)
    >>> arrivals, hours, total = np.array([[5], [1]]), np.array([[9.0, 10.0]]), np.zeros(2)
    >>> for day in (0, 1):
    ...     serve_requests(day, arrivals, hours, 3.0, pending, head, served, waited, spare, total)
    >>> served.tolist(), waited.tolist(), spare.tolist(), total.tolist()
    ([[3.0, 3.0]], [[0.0, 2.0]], [1.0], [3.0, 3.0])
    """
    for d in range(len(head)):
        pending[d, day] += arrivals[day, d]
        left = int(hours[d, day] // hours_per_request)
        taken = 0
        while left > 0 and head[d] <= day:
            take = min(pending[d, head[d]], left)
            taken += take
            waited[d, day] += (day - head[d]) * take
            pending[d, head[d]] -= take
            left -= take
            if pending[d, head[d]] == 0:
                head[d] += 1
        served[d, day] = taken
        served_today[day] += taken
        spare[d] += max(hours[d, day] - taken * hours_per_request, 0.0)
