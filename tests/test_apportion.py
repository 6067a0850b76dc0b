"""Largest-remainder apportioning: whole parts that always add up."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civsim.apportion import largest_remainder
from civsim.errors import CivsimError

weights = st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40)


@given(total=st.integers(0, 10**12), w=weights)
def test_parts_add_up_exactly(total: int, w: list[float]) -> None:
    """The parts are whole, non-negative and sum to the total."""
    parts = largest_remainder(total, w)
    assert parts.sum() == total and (parts >= 0).all()


@given(total=st.integers(0, 10**9), w=weights)
def test_parts_are_within_one_of_the_exact_share(total: int, w: list[float]) -> None:
    """No part strays more than one unit from its exact share."""
    arr = np.asarray(w)
    exact = arr / arr.sum() * total if arr.sum() else np.full(arr.size, total / arr.size)
    assert np.all(np.abs(largest_remainder(total, w) - exact) < 1 + 1e-6)


@given(total=st.integers(0, 10**9), w=weights)
def test_zero_weight_gets_nothing(total: int, w: list[float]) -> None:
    """A part with zero weight gets nothing while another weight is positive."""
    parts = largest_remainder(total, [0.0, *w])
    if sum(w) > 0:
        assert parts[0] == 0


@pytest.mark.parametrize(("total", "w"), [(-1, [1]), (5, []), (5, [1, -1]), (5, [np.nan])])
def test_bad_input_is_refused(total: int, w: list) -> None:
    """Negative totals, empty or negative or NaN weights are refused."""
    with pytest.raises(CivsimError):
        largest_remainder(total, w)
