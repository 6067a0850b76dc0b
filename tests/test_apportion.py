"""Largest-remainder apportioning: whole parts that always add up.

The worked examples give their arithmetic in comments; the properties compare
with an exact reference computed in fractions (:func:`quotas`).
"""

from __future__ import annotations

import itertools
import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from civsim.apportion import largest_remainder
from civsim.errors import CivsimError

MAX_TOTAL = 2**63 - 1

# Weights as callers pass them: zeros, ordinary values, and the extremes of float.
weight = st.one_of(
    st.just(0.0),
    st.floats(0, 1e6, allow_nan=False),
    st.floats(0, 1.7e308, allow_nan=False, allow_infinity=False),
    st.floats(0, 1e-300, allow_nan=False),
)
weights = st.lists(weight, min_size=1, max_size=40)
totals = st.one_of(st.integers(0, 10**6), st.integers(0, 2**53), st.integers(0, MAX_TOTAL))


def quotas(total: int, w: list[float]) -> list[Fraction]:
    """Each part's exact share, in fractions (equal shares if all weights are zero)."""
    exact = [Fraction(x) for x in w]
    if not any(exact):
        exact = [Fraction(1)] * len(w)
    whole = sum(exact)
    return [x * total / whole for x in exact]


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize(
    ("total", "w", "expected"),
    [
        # 6 x (1, 2, 3) / 6 = 1, 2, 3 exactly: nothing left over.
        (6, [1, 2, 3], [1, 2, 3]),
        # 10 / 3 = 3.33 each: floors 3, 3, 3, one left, a three-way tie -> the first.
        (10, [1, 1, 1], [4, 3, 3]),
        # 10 x 1/3 = 3.33, 10 x 2/3 = 6.67: floors 3 + 6 = 9, the one left goes to
        # the larger remainder (0.67), the second part, not the first.
        (10, [1, 2], [3, 7]),
        # 7 x (0.1, 0.3, 0.6) = 0.7, 2.1, 4.2: floors 0 + 2 + 4 = 6, one left to the
        # largest remainder, 0.7 (the first part).
        (7, [1, 3, 6], [1, 2, 4]),
        # 100 x (0.25, 0.25, 0.5) = 25, 25, 50.
        (100, [0.25, 0.25, 0.5], [25, 25, 50]),
        # a zero weight gets nothing: 7 x (0, 1, 0).
        (7, [0, 2, 0], [0, 7, 0]),
        # nothing to split.
        (0, [1, 2, 3], [0, 0, 0]),
    ],
)
def test_worked_examples(total: int, w: list[float], expected: list[int]) -> None:
    """Floors of the exact shares, the rest to the largest remainders (ties to the earlier)."""
    parts = largest_remainder(total, w)
    assert parts.tolist() == expected
    assert parts.dtype == np.int64


@pytest.mark.parametrize(
    ("total", "n", "expected"),
    [
        (10, 3, [4, 3, 3]),  # 10 / 3 = 3.33: floors 9, one left, tie -> the first
        (2, 3, [1, 1, 0]),  # 2 / 3 = 0.67: floors 0, two left -> the first two
        (6, 2, [3, 3]),  # 6 / 2 = 3 exactly
        (0, 4, [0, 0, 0, 0]),
        (5, 1, [5]),
    ],
)
def test_all_zero_weights_split_the_total_equally(total: int, n: int, expected: list[int]) -> None:
    """With every weight zero the split is equal, by the same largest-remainder rule."""
    parts = largest_remainder(total, [0.0] * n)
    assert parts.tolist() == expected
    assert parts.sum() == total


def test_a_huge_total_is_split_exactly() -> None:
    """Totals of 2**53 and more are split in exact integer arithmetic.

    (2**53 - 3) / 5 = 9007199254740989 / 5 = 1801439850948197.8: floors
    5 x 1801439850948197 = 9007199254740985, four left, a five-way tie -> the
    first four. In floats, the shares rounded up to ...198 each, 9007199254740990
    in all, one more than the total (the old code then took one back from the
    first part).
    """
    parts = largest_remainder(2**53 - 3, [1, 1, 1, 1, 1])
    assert parts.tolist() == [1801439850948198] * 4 + [1801439850948197]


def test_the_largest_total() -> None:
    """(2**63 - 1) / 2 = 2**62 - 0.5: floors 2 x (2**62 - 1), one left -> the first."""
    assert largest_remainder(MAX_TOTAL, [1, 1]).tolist() == [2**62, 2**62 - 1]


def test_a_huge_total_with_an_uneven_split() -> None:
    """2**60 in the ratio 1 : 2**-30, i.e. 2**30 : 1.

    (2**30 + 1)(2**60 - 2**30 + 1) = 2**90 + 1, so the first share is
    2**90 / (2**30 + 1) = 2**60 - 2**30 + 1 - 1/(2**30 + 1), and the second
    2**60 / (2**30 + 1) = 2**30 - 1 + 1/(2**30 + 1). Floors 2**60 - 2**30 and
    2**30 - 1 leave one unit, which goes to the first (remainder nearly 1).
    """
    parts = largest_remainder(2**60, [1.0, 2.0**-30])
    assert parts.tolist() == [2**60 - 2**30 + 1, 2**30 - 1]


@pytest.mark.parametrize(
    ("total", "w", "expected"),
    [
        # 2**1023 + 2**1023 overflows to inf in floats; the ratio is 1 : 1.
        (5, [2.0**1023, 2.0**1023], [3, 2]),
        # ratio 4 : 4 : 1; 10 x (4, 4, 1) / 9 = 4.44, 4.44, 1.11: floors 9, one left,
        # tie of 0.44 -> the first.
        (10, [2.0**1023, 2.0**1023, 2.0**1021], [5, 4, 1]),
        (9, [1.7e308, 1.7e308, 0.0], [5, 4, 0]),
    ],
)
def test_weights_whose_sum_overflows(total: int, w: list[float], expected: list[int]) -> None:
    """Finite weights whose float sum is infinite are still split (the old code lost units)."""
    assert largest_remainder(total, w).tolist() == expected


def test_overflowing_weights_raise_no_warning() -> None:
    """The float sum's overflow is expected and handled: no RuntimeWarning escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert largest_remainder(4, [1e308, 1e308]).tolist() == [2, 2]


def test_the_total_may_be_a_whole_float_or_numpy_integer() -> None:
    """5.0 and numpy's 5 are whole numbers: 5 x (1/3, 2/3) = 1.67, 3.33 -> 2, 3."""
    assert largest_remainder(5.0, [1, 2]).tolist() == [2, 3]  # type: ignore[arg-type]
    assert largest_remainder(np.int64(5), [1, 2]).tolist() == [2, 3]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "w", "message"),
    [
        (-1, [1], "cannot apportion -1: expected a whole number from 0 to"),
        (2.5, [1], "cannot apportion 2.5: expected a whole number"),
        (float("nan"), [1], "cannot apportion nan: expected a whole number"),
        (float("inf"), [1], "cannot apportion inf: expected a whole number"),
        ("5", [1], "cannot apportion '5': expected a whole number"),
        (None, [1], "cannot apportion None: expected a whole number"),
        (2**63, [1], f"cannot apportion {2**63}: expected a whole number from 0 to {MAX_TOTAL}"),
        (5, [], "cannot apportion 5: expected a non-empty list of weights"),
        (5, [[1, 2]], "cannot apportion 5: expected a non-empty list of weights"),
        (5, [1, -1], "cannot apportion 5: weights must be finite and >= 0, weight 1 is -1.0"),
        (5, [1, 2, np.nan], "cannot apportion 5: weights must be finite and >= 0, weight 2 is nan"),
        (5, [np.inf, 1], "cannot apportion 5: weights must be finite and >= 0, weight 0 is inf"),
        (5, [-np.inf], "cannot apportion 5: weights must be finite and >= 0, weight 0 is -inf"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(total: object, w: list, message: str) -> None:
    """Bad totals and weights raise CivsimError naming the value at fault."""
    with pytest.raises(CivsimError, match="^" + re.escape(message)):
        largest_remainder(total, w)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- properties


@given(total=totals, w=weights)
def test_parts_add_up_exactly(total: int, w: list[float]) -> None:
    """The parts are whole, non-negative int64 and sum to the total."""
    parts = largest_remainder(total, w)
    assert parts.dtype == np.int64 and len(parts) == len(w)
    assert sum(int(p) for p in parts) == total and (parts >= 0).all()


@given(total=totals, w=weights)
def test_parts_are_within_one_of_the_exact_quota(total: int, w: list[float]) -> None:
    """No part strays a whole unit from its exact share (computed in fractions)."""
    parts = largest_remainder(total, w)
    for part, quota in zip(parts.tolist(), quotas(total, w), strict=True):
        assert abs(part - quota) < 1


@given(total=totals, w=weights)
def test_zero_weight_gets_nothing(total: int, w: list[float]) -> None:
    """A part with zero weight gets nothing while another weight is positive."""
    parts = largest_remainder(total, [0.0, *w, 0.0])
    if any(w):
        assert parts[0] == 0 and parts[-1] == 0


@given(total=totals, w=weights)
def test_a_larger_weight_never_gets_less(total: int, w: list[float]) -> None:
    """Order is kept: w[i] > w[j] implies part i >= part j; equal weights differ by <= 1."""
    parts = largest_remainder(total, w).tolist()
    for i in range(len(w)):
        for j in range(len(w)):
            if w[i] > w[j]:
                assert parts[i] >= parts[j]
            elif w[i] == w[j]:
                assert abs(parts[i] - parts[j]) <= 1


@given(total=st.integers(0, 10**9), n=st.integers(1, 40))
def test_equal_weights_give_the_extra_units_to_the_first_parts(total: int, n: int) -> None:
    """Equal weights: total // n each, and the first total % n parts one more."""
    q, r = divmod(total, n)
    expected = [q + 1] * r + [q] * (n - r)
    assert largest_remainder(total, [1.0] * n).tolist() == expected
    assert largest_remainder(total, [0.0] * n).tolist() == expected


@given(total=st.integers(0, 10**12), a=weight, b=weight)
def test_two_parts_grow_with_the_total(total: int, a: float, b: float) -> None:
    """With two parts, one more unit never takes a unit from either part.

    (With three or more parts largest remainder can: the Alabama paradox, so
    this holds only for two.)
    """
    before = largest_remainder(total, [a, b])
    after = largest_remainder(total + 1, [a, b])
    assert (after >= before).all()


@given(total=st.integers(0, MAX_TOTAL), w=weights, shift=st.integers(-20, 20))
def test_scaling_the_weights_by_a_power_of_two_changes_nothing(
    total: int, w: list[float], shift: int
) -> None:
    """Weights times 2**k (exact in floats, when nothing under- or overflows) split alike."""
    scaled = [x * 2.0**shift for x in w]
    if all(np.isfinite(scaled)) and all(
        s * 2.0**-shift == x for s, x in zip(scaled, w, strict=True)
    ):
        assert largest_remainder(total, scaled).tolist() == largest_remainder(total, w).tolist()


@given(total=st.integers(0, 2**50), w=weights)
def test_matches_the_exact_reference_where_remainders_differ(total: int, w: list[float]) -> None:
    """Where no two exact remainders are closer than 1e-6, the float path gives the exact answer.

    The reference: floors of the fractions, the units left to the largest
    remainders, ties to the earlier part.
    """
    exact = quotas(total, w)
    rems = [q - int(q) for q in exact]
    ordered = sorted(rems)
    if any(b - a < Fraction(1, 10**6) and b != a for a, b in itertools.pairwise(ordered)):
        return
    if any(0 < r < Fraction(1, 10**6) or 1 - r < Fraction(1, 10**6) for r in rems):
        return
    parts = [int(q) for q in exact]
    short = total - sum(parts)
    for i in sorted(range(len(w)), key=lambda i: (-rems[i], i))[:short]:
        parts[i] += 1
    assert largest_remainder(total, w).tolist() == parts


@pytest.mark.parametrize(
    ("total", "w"),
    [
        # just above the float path's bound (total * (n + 2) >= 2**53): float shares round,
        # and the float path would give these parts one unit off (found by search)
        (11021278231472915, [264.0]),
        (9424451187549129, [450.0, 705.0]),
        (3598515209168007, [758.0, 942.0, 49.0]),
        (6873128893450533, [425.0, 350.0, 995.0, 604.0, 948.0]),
        # within a factor (n + 2) / (n + 1) of the bound, and within 2 for two parts: a
        # bound loosened by one part, or to 2n, would take these to the float path, which
        # gives them one unit off too (found by search)
        (2156632185282141, [437.0, 61.0, 756.0]),
        (4378605124704419, [668.0, 389.0]),
    ],
)
def test_totals_beyond_the_float_bound_are_split_exactly(total: int, w: list[float]) -> None:
    """Each part is the floor of its exact quota, plus one for the largest remainders."""
    exact = quotas(total, w)
    floors = [int(q) for q in exact]  # quotas are non-negative: int() is the floor
    short = total - sum(floors)
    order = sorted(range(len(w)), key=lambda i: (-(exact[i] - floors[i]), i))
    expected = [f + (1 if i in order[:short] else 0) for i, f in enumerate(floors)]
    assert largest_remainder(total, w).tolist() == expected


def test_a_single_number_is_not_a_list_of_weights() -> None:
    """Weights must be a one-dimensional list: a bare number is refused."""
    with pytest.raises(CivsimError, match="non-empty list of weights"):
        largest_remainder(3, 5.0)  # type: ignore[arg-type]


def test_a_small_total_over_overflowing_weights() -> None:
    """The exact path also hands out small totals: 1 over three equal huge weights."""
    # each exact share is 1/3: every floor is 0, and the one unit goes to the first part
    assert largest_remainder(1, [1e308, 1e308, 1e308]).tolist() == [1, 0, 0]
