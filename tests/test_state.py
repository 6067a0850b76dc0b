"""The shared state's funded lifts: grouped by day and length, read as their plain definition."""

from __future__ import annotations

import numpy as np
import pytest
import simpy

from civsim.sim.state import State


def _left(size: float, start: int, days: int, today: int) -> float:
    """What is left of a lift of ``size`` from ``start`` over ``days`` on ``today``."""
    return size * min(1.0, max(0.0, 1.0 - (today - start) / days))


def test_lifts_of_one_day_with_other_lengths_are_read_on_that_day_and_after() -> None:
    """A lift added after the day's shares were read, with a new length, is read at once.

    Checkpoint 0 is lifted over 10 days, the lifts read, then checkpoint 1 over 4 days on
    the same day (a new group) and checkpoint 0 topped up over 4 days; each day after,
    the lifted condition is the condition plus what is left, as the plain rule gives it.
    """
    env = simpy.Environment()
    state = State.fresh(env, np.full(3, 0.2, dtype=np.float32), threshold=0.5)
    state.add_lift(np.array([0]), 0.4, 10, day=0)
    assert state.lifted(np.arange(3))[0] == pytest.approx(0.6)  # shares of day 0 read
    state.add_lift(np.array([1]), 0.3, 4, day=0)
    state.add_lift(np.array([0]), 0.1, 4, day=0)
    for day in range(7):
        if day:
            env.run(until=day)
        expected = [0.2 + _left(0.5, 0, 4, day), 0.2 + _left(0.3, 0, 4, day), 0.2]
        np.testing.assert_allclose(state.lifted(np.arange(3)), expected, atol=1e-6)
    assert state.lift_idx.tolist() == []  # every lift ended on day 4
    assert len(state.group_start) == 2  # the day's two lengths: two groups
