"""The official arithmetic, checked on worked examples computed by hand.

Every expected value below is worked out in the test's docstring or comments,
never by calling the function under test. Random draws are replaced by
:class:`StubRng`, whose draws are chosen by the test (or are the exact
expectation of the draw), so ranks, incidents and samples are known exactly.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from civsim import scoring
from civsim.scoring import (
    PeerGroup,
    annual_score,
    blend_field,
    cycle_outcome,
    cycle_score,
    field_inspection,
    incident_risk,
    material_review,
    negative_list,
    peer_outcome,
    quota_size,
    survey_score,
)

WEIGHTS = (0.15, 0.25, 0.60)


#: The module's own count draws (the autouse fixture routes scoring's calls through the stub).
BERNOULLI = scoring.bernoulli_counts
POISSON = scoring.poisson_counts


class StubRng:
    """A stand-in for ``numpy.random.Generator`` with chosen draws.

    ``normal`` returns ``peers`` (the peer group's scores), ``poisson`` returns
    ``incidents``; ``binomial`` and ``multinomial`` return their exact
    expectation ``n * p``, which each test chooses to be whole. Every call is
    recorded in ``calls`` so a test can check what was asked for.
    """

    def __init__(
        self,
        peers: list[float] | None = None,
        incidents: list[int] | None = None,
        uniforms: list[list[float]] | None = None,
    ):
        self.peers = peers
        self.incidents = incidents
        self.uniforms = uniforms
        self.calls: list[tuple[str, Any, Any]] = []

    def random(self, size: tuple[int, int]) -> np.ndarray:
        """The chosen uniforms, in the shape asked for."""
        self.calls.append(("random", size, None))
        assert self.uniforms is not None and np.shape(self.uniforms) == size
        return np.array(self.uniforms, dtype=float)

    def normal(self, loc: float, scale: float, size: int) -> np.ndarray:
        """The chosen peer scores (``size`` of them)."""
        self.calls.append(("normal", (loc, scale), size))
        assert self.peers is not None and len(self.peers) == size
        return np.array(self.peers, dtype=float)

    def poisson(self, lam: np.ndarray) -> np.ndarray:
        """The chosen incident counts, one per standard."""
        self.calls.append(("poisson", np.asarray(lam).copy(), None))
        assert self.incidents is not None and len(self.incidents) == len(lam)
        return np.array(self.incidents, dtype=np.int64)

    def binomial(self, n: np.ndarray, p: np.ndarray) -> np.ndarray:
        """The expectation ``n * p``, whole."""
        self.calls.append(("binomial", np.asarray(n).copy(), np.asarray(p).copy()))
        return _whole(np.asarray(n) * np.asarray(p))

    def multinomial(self, n: int, pvals: np.ndarray) -> np.ndarray:
        """The expectation ``n * pvals``, whole."""
        self.calls.append(("multinomial", n, np.asarray(pvals).copy()))
        return _whole(n * np.asarray(pvals))


def _whole(x: np.ndarray) -> np.ndarray:
    """``x`` as integers; the tests choose numbers whose expectation is whole."""
    out = np.rint(x)
    assert np.allclose(out, x), f"the stub's expectation {x} is not whole"
    return out.astype(np.int64)


@pytest.fixture(autouse=True)
def _draws_through_the_stub(monkeypatch) -> None:
    """Scoring's counts drawn by the generator's binomial and Poisson, as the stub answers them.

    The module draws them from uniforms (common random numbers), with the same
    distributions; ``test_counts_from_uniforms_*`` below check those on a real
    generator.
    """
    monkeypatch.setattr(scoring, "bernoulli_counts", lambda rng, p, n: rng.binomial(n, p))
    monkeypatch.setattr(scoring, "poisson_counts", lambda rng, rate: rng.poisson(rate))


def stub(**kwargs: Any) -> np.random.Generator:
    """A :class:`StubRng` typed as the generator the functions take."""
    return cast(np.random.Generator, StubRng(**kwargs))


def calls(rng: np.random.Generator) -> list[tuple[str, Any, Any]]:
    """The calls a stub recorded."""
    return cast(StubRng, rng).calls


# --------------------------------------------------------------------------- annual


def test_annual_score_adds_the_three_parts_and_subtracts_deductions() -> None:
    """38.5 + 31.25 + 17.75 = 87.5 points, less 3.5 deducted = 84.0."""
    assert annual_score(38.5, 31.25, 17.75, 3.5) == 84.0


def test_annual_score_full_marks_and_a_deduction() -> None:
    """40 + 40 + 20 = 100 with nothing deducted; 5 deducted leaves 95."""
    assert annual_score(40.0, 40.0, 20.0, 0.0) == 100.0
    assert annual_score(40.0, 40.0, 20.0, 5.0) == 95.0


def test_annual_score_is_never_below_zero() -> None:
    """2 + 1 + 1 - 10 = -6, floored at 0; a deduction of exactly the sum gives 0."""
    assert annual_score(2.0, 1.0, 1.0, 10.0) == 0.0
    assert annual_score(2.0, 1.0, 1.0, 4.0) == 0.0


# --------------------------------------------------------------------------- cycle


def test_cycle_score_weighs_the_years_15_25_60() -> None:
    """80 x 0.15 + 90 x 0.25 + 100 x 0.60 = 12 + 22.5 + 60 = 94.5."""
    assert cycle_score(pd.Series([80.0, 90.0, 100.0]), WEIGHTS) == pytest.approx(94.5, abs=1e-12)


@pytest.mark.parametrize(
    ("annual", "expected"),
    [([100.0, 0.0, 0.0], 15.0), ([0.0, 100.0, 0.0], 25.0), ([0.0, 0.0, 100.0], 60.0)],
)
def test_cycle_score_gives_each_year_its_own_weight(annual: list[float], expected: float) -> None:
    """100 points in one year alone is worth that year's weight x 100."""
    assert cycle_score(pd.Series(annual), WEIGHTS) == pytest.approx(expected, abs=1e-12)


# --------------------------------------------------------------------------- quota

# (group size, quota share, titles): size x share, rounded half up, at least one.
QUOTAS = [
    (30, 0.34, 10),  # 10.2 -> 10
    (10, 0.25, 3),  # 2.5 -> 3 (half up; round-half-even would give 2)
    (6, 0.25, 2),  # 1.5 -> 2 (half up; 2 also under half-even)
    (4, 0.625, 3),  # 2.5 -> 3
    (10, 0.24, 2),  # 2.4 -> 2
    (10, 0.3, 3),  # 3.0 -> 3
    (2, 0.1, 1),  # 0.2 -> 0, raised to at least one
    (3, 0.0, 1),  # 0 -> at least one
]


@pytest.mark.parametrize(("size", "share", "expected"), QUOTAS)
def test_quota_size_rounds_half_up_and_is_at_least_one(
    size: int, share: float, expected: int
) -> None:
    """The titles a group gets, worked out in ``QUOTAS``."""
    assert quota_size(size, share) == expected


# --------------------------------------------------------------------------- peers

# Nine peers, so a group of ten; quota 10 x 0.3 = 3 titles.
PEERS = [95.0, 93.0, 91.0, 89.0, 87.0, 85.0, 83.0, 81.0, 79.0]


@pytest.mark.parametrize(
    ("score", "rank", "title"),
    [
        (96.0, 1, True),  # no peer above 96
        (92.0, 3, True),  # 95 and 93 above: rank 3 = quota, the boundary wins
        (91.0, 3, True),  # a tie with the peer at 91 does not count against the city
        (90.0, 4, False),  # 95, 93, 91 above: rank 4 > quota 3
        (70.0, 10, False),  # all nine above: last of ten
    ],
)
def test_peer_outcome_ranks_against_chosen_peers(score: float, rank: int, title: bool) -> None:
    """Rank = 1 + the peers strictly above; the title when rank <= quota (3), at 91 or more."""
    rng = stub(peers=PEERS)
    out = peer_outcome(score, False, 10, 0.3, 86.0, 2.5, rng)
    assert out == {"rank": rank, "quota": 3, "title": title, "title_bar": 91.0}
    assert title == (score >= out["title_bar"])
    assert calls(rng) == [("normal", (86.0, 2.5), 9)]  # size - 1 peers from N(mean, sd)


@pytest.mark.parametrize("score", [96.0, 92.0, 90.0])
def test_a_disqualified_city_never_gets_the_title(score: float) -> None:
    """Disqualified: no title at rank 1, at the boundary (3) or outside the quota (4)."""
    out = peer_outcome(score, True, 10, 0.3, 86.0, 2.5, stub(peers=PEERS))
    assert out["title"] is False


def test_peer_outcome_with_a_real_generator_ranks_a_far_better_city_first() -> None:
    """A city 40 sd above the peers' mean is first of 30; quota 30 x 0.34 = 10.2 -> 10."""
    out = peer_outcome(186.0, False, 30, 0.34, 86.0, 2.5, np.random.default_rng(0))
    bar = out.pop("title_bar")
    assert out == {"rank": 1, "quota": 10, "title": True}
    # the tenth best of 29 peers from N(86, 2.5): about 86 + 2.5 x 0.4
    peers = np.random.default_rng(0).normal(86.0, 2.5, 29)
    assert bar == np.sort(peers)[-10] and 84.0 < bar < 90.0
    out = peer_outcome(0.0, False, 30, 0.34, 86.0, 2.5, np.random.default_rng(0))
    assert {k: out[k] for k in ("rank", "quota", "title")} == {
        "rank": 30,
        "quota": 10,
        "title": False,
    }
    # a quota as large as the group: every score ranks within it
    assert peer_outcome(0.0, False, 3, 1.0, 86.0, 2.5, np.random.default_rng(0))["title_bar"] == 0


@pytest.mark.parametrize(("score", "title"), [(85.0, True), (80.0, True), (75.0, False)])
def test_a_quota_of_every_peer_but_the_city_needs_the_worst_peers_score(score, title) -> None:
    """Group 3, quota 2 (3 x 2/3, rounded): two peers at 90 and 80, so the bar is 80.

    85 or 80 ranks second (only 90 above, a tie does not count) and wins; 75 ranks third.
    """
    out = peer_outcome(score, False, 3, 2 / 3, 86.0, 2.5, stub(peers=[90.0, 80.0]))
    assert (out["quota"], out["title_bar"], out["title"]) == (2, 80.0, title)


def test_cycle_outcome_scores_ranks_and_titles() -> None:
    """Years 80, 90, 100: cycle 94.5 (see the cycle score test).

    Five in the group, quota 5 x 0.4 = 2.0 -> 2. Peers 99, 93, 90, 85: one above
    94.5, so rank 2 <= 2 and the title.
    """
    group = PeerGroup(size=5, quota_share=0.4, mean=90.0, sd=3.0)
    rng = stub(peers=[99.0, 93.0, 90.0, 85.0])
    out = cycle_outcome([80.0, 90.0, 100.0], [False] * 3, WEIGHTS, group, rng)
    assert out["cycle_score"] == pytest.approx(94.5, abs=1e-12)
    assert {k: out[k] for k in ("disqualified", "rank", "quota", "title")} == {
        "disqualified": False,
        "rank": 2,
        "quota": 2,
        "title": True,
    }
    assert calls(rng) == [("normal", (90.0, 3.0), 4)]


def test_one_disqualified_year_loses_the_cycle() -> None:
    """The same city, disqualified in year 2 only: rank 2 still, but no title."""
    group = PeerGroup(size=5, quota_share=0.4, mean=90.0, sd=3.0)
    out = cycle_outcome(
        [80.0, 90.0, 100.0],
        [False, True, False],
        WEIGHTS,
        group,
        stub(peers=[99.0, 93.0, 90.0, 85.0]),
    )
    assert (out["disqualified"], out["rank"], out["title"]) == (True, 2, False)


def test_cycle_outcome_outside_the_quota() -> None:
    """Peers 99, 97, 95, 85 above 94.5 three times: rank 4 > quota 2, no title."""
    group = PeerGroup(size=5, quota_share=0.4, mean=90.0, sd=3.0)
    out = cycle_outcome(
        [80.0, 90.0, 100.0], [False] * 3, WEIGHTS, group, stub(peers=[99.0, 97.0, 95.0, 85.0])
    )
    assert (out["rank"], out["quota"], out["title"]) == (4, 2, False)


# --------------------------------------------------------------------------- negative list

NEGATIVE = pd.DataFrame(
    {
        "incidents_per_year": [0.5, 1.0, 0.1],
        "negative_effect": ["deduct", "deduct", "disqualify"],
        "negative_points": [2.0, 3.0, 0.0],
    }
)


@pytest.mark.parametrize(
    ("incidents", "expected"),
    [
        # 1 x 2 + 2 x 3 = 8 points; the disqualifying standard had none: not disqualified.
        ([1, 2, 0], (8.0, False, 3)),
        # nothing to deduct; one disqualifying incident disqualifies.
        ([0, 0, 1], (0.0, True, 1)),
        # 3 x 2 + 0 x 3 = 6 points and disqualified; 3 + 0 + 2 = 5 incidents.
        ([3, 0, 2], (6.0, True, 5)),
        # no incident at all: nothing deducted, not disqualified.
        ([0, 0, 0], (0.0, False, 0)),
    ],
)
def test_negative_list_deducts_and_disqualifies(
    incidents: list[int], expected: tuple[float, bool, int]
) -> None:
    """Deduct standards cost points x incidents; any disqualifying incident disqualifies."""
    rng = stub(incidents=incidents)
    assert negative_list(NEGATIVE, 2.0, rng) == expected
    # The expected incidents are the rates x the risk: (0.5, 1.0, 0.1) x 2.
    ((name, lam, _),) = calls(rng)
    assert name == "poisson"
    np.testing.assert_allclose(lam, [1.0, 2.0, 0.2])


def test_deduct_standards_never_disqualify_and_disqualify_standards_never_deduct() -> None:
    """Four incidents on a deduct-only list: 4 x 1.5 = 6 points, not disqualified.

    Four on a disqualify-only list worth 9 points each: disqualified, 0 deducted.
    """
    deduct = pd.DataFrame(
        {"incidents_per_year": [1.0], "negative_effect": ["deduct"], "negative_points": [1.5]}
    )
    disq = pd.DataFrame(
        {"incidents_per_year": [1.0], "negative_effect": ["disqualify"], "negative_points": [9.0]}
    )
    assert negative_list(deduct, 1.0, stub(incidents=[4])) == (6.0, False, 4)
    assert negative_list(disq, 1.0, stub(incidents=[4])) == (0.0, True, 4)
    assert negative_list(disq, 1.0, stub(incidents=[0])) == (0.0, False, 0)


def test_no_negative_standards_draws_nothing() -> None:
    """An empty negative list: nothing deducted, not disqualified, and no draw."""
    rng = stub()
    assert negative_list(NEGATIVE.iloc[:0], 5.0, rng) == (0.0, False, 0)
    assert calls(rng) == []


@pytest.mark.parametrize(
    ("field_mean", "reference", "expected"),
    [
        (0.5, 0.5, 1.0),  # at the reference: (1 - 0.5) / (1 - 0.5) = 1
        (0.75, 0.5, 0.5),  # better: 0.25 / 0.5 = 0.5
        (0.25, 0.5, 1.5),  # worse: 0.75 / 0.5 = 1.5
        (1.0, 0.5, 0.0),  # perfect condition: no shortfall, no risk
        (0.6, 0.8, 2.0),  # 0.4 / 0.2 = 2
        (0.9, 0.8, 0.5),  # 0.1 / 0.2 = 0.5
        (0.3, 1.0, 1.0),  # a reference of 1 has no shortfall: risk 1
    ],
)
def test_incident_risk_by_hand(field_mean: float, reference: float, expected: float) -> None:
    """Risk = (1 - field mean) / (1 - reference), 1 if the reference is 1."""
    assert incident_risk(field_mean, reference) == pytest.approx(expected, abs=1e-12)


def test_rushed_work_raises_the_incident_risk_by_its_factor() -> None:
    """Rushed 0.4: 0.25 / 0.5 = 0.5, times 1 + 0.4 = 0.7; at the reference, 1.4."""
    assert incident_risk(0.75, 0.5, rushed=0.4) == pytest.approx(0.7, abs=1e-12)
    assert incident_risk(0.5, 0.5, rushed=0.4) == pytest.approx(1.4, abs=1e-12)


def test_the_negative_list_mechanism_uses_incident_risk() -> None:
    """The mechanism computes its risk with :func:`civsim.scoring.incident_risk`."""
    import inspect

    from civsim.sim.mechanisms import negative_list as mechanism

    assert "scoring.incident_risk(" in inspect.getsource(mechanism.year_incidents)


# --------------------------------------------------------------------------- survey


def test_survey_samples_households_by_population() -> None:
    """Two districts: 9,000 residents at 50% satisfied, 1,000 at 90%.

    1,000 households split by population: 900 and 100. Satisfied: 900 x 0.5 +
    100 x 0.9 = 450 + 90 = 540, a share of 0.54 (the population-weighted mean,
    (9000 x 0.5 + 1000 x 0.9) / 10000 = 0.54; the unweighted mean would be 0.7).
    Score: 20 x 0.54 = 10.8.
    """
    rng = stub()
    score, share = survey_score(np.array([0.5, 0.9]), np.array([9000, 1000]), 1000, 20.0, rng)
    assert share == pytest.approx(0.54, abs=1e-12)
    assert score == pytest.approx(10.8, abs=1e-12)
    (multi, binom) = calls(rng)
    assert multi[0] == "multinomial" and multi[1] == 1000
    np.testing.assert_allclose(multi[2], [0.9, 0.1])
    np.testing.assert_array_equal(binom[1], [900, 100])
    np.testing.assert_allclose(binom[2], [0.5, 0.9])


def test_survey_with_no_population_splits_the_households_equally() -> None:
    """No residents recorded: 1,000 households split 500 / 500.

    Satisfied 500 x 0.5 + 500 x 0.9 = 700, share 0.7, score 20 x 0.7 = 14.
    """
    rng = stub()
    score, share = survey_score(np.array([0.5, 0.9]), np.array([0, 0]), 1000, 20.0, rng)
    assert (score, share) == pytest.approx((14.0, 0.7), abs=1e-12)
    np.testing.assert_allclose(calls(rng)[0][2], [0.5, 0.5])


def test_survey_with_a_real_generator_is_near_the_weighted_mean() -> None:
    """With real draws, 100,000 households land within 0.01 of 0.54 (sd 0.0016)."""
    _, share = survey_score(
        np.array([0.5, 0.9]), np.array([9000, 1000]), 100_000, 20.0, np.random.default_rng(1)
    )
    assert abs(share - 0.54) < 0.01


# --------------------------------------------------------------------------- field


def test_field_inspection_by_hand() -> None:
    """Four checkpoints; standards 0, 0, 1, 1 worth 1 and 3 points.

    Observations 2, 6, 4, 4 at conditions 1, 0.5, 1, 0.75 pass 2, 3, 4, 3 times
    (the stub's binomial is its expectation). Standard 0 passes 5 of 8 = 0.625
    (pooled over observations, not the mean 0.75 of its checkpoints' rates);
    standard 1 passes 7 of 8 = 0.875. Standard 2 (5 points) has no checkpoint
    seen and does not count. Score: 40 x (1 x 0.625 + 3 x 0.875) / (1 + 3)
    = 40 x 3.25 / 4 = 32.5.
    """
    rng = stub()
    score = field_inspection(
        condition=np.array([1.0, 0.5, 1.0, 0.75]),
        observed=np.array([0, 1, 2, 3]),
        observations=np.array([2, 6, 4, 4]),
        standard=np.array([0, 0, 1, 1]),
        points=np.array([1.0, 3.0, 5.0]),
        field_points=40.0,
        rng=rng,
    )
    assert score == pytest.approx(32.5, abs=1e-12)


def test_field_inspection_scores_only_the_checkpoints_seen() -> None:
    """Only checkpoints 3 and 1 seen (in that order): 3 of 4 for standard 1, 3 of 6 for 0.

    Standard 0: 0.5, standard 1: 0.75. Score: 40 x (1 x 0.5 + 3 x 0.75) / 4
    = 40 x 2.75 / 4 = 27.5. The conditions passed to the draw are those of
    checkpoints 3 and 1, with their observations.
    """
    rng = stub()
    score = field_inspection(
        np.array([1.0, 0.5, 1.0, 0.75]),
        np.array([3, 1]),
        np.array([2, 6, 4, 4]),
        np.array([0, 0, 1, 1]),
        np.array([1.0, 3.0]),
        40.0,
        rng,
    )
    assert score == pytest.approx(27.5, abs=1e-12)
    ((_, n, p),) = calls(rng)
    np.testing.assert_array_equal(n, [4, 6])
    np.testing.assert_allclose(p, [0.75, 0.5])


def test_a_standard_observed_once_counts() -> None:
    """One observation of standard 0 (condition 1, passes) and four of standard 1 (2 pass).

    Standard 0: 1 of 1 = 1.0; standard 1: 2 of 4 = 0.5. Score: 40 x (1 x 1.0 +
    3 x 0.5) / 4 = 40 x 2.5 / 4 = 25.
    """
    score = field_inspection(
        np.array([1.0, 0.5]),
        np.array([0, 1]),
        np.array([1, 4]),
        np.array([0, 1]),
        np.array([1.0, 3.0]),
        40.0,
        stub(),
    )
    assert score == pytest.approx(25.0, abs=1e-12)


def test_field_inspection_of_nothing_scores_zero_without_a_draw() -> None:
    """No sampled place: the inspection scores 0 and draws nothing."""
    rng = stub()
    score = field_inspection(
        np.ones(2),
        np.array([], dtype=int),
        np.ones(2, dtype=int),
        np.zeros(2, dtype=int),
        np.ones(1),
        40.0,
        rng,
    )
    assert score == 0.0
    assert calls(rng) == []


def test_a_strict_inspector_passes_only_the_condition_above_the_bar() -> None:
    """Bar 0.2: a checkpoint passes with chance (condition - 0.2) / 0.8, at least 0.

    Conditions 0.6, 0.1 and 1.0, ten observations each: chances 0.4 / 0.8 = 0.5,
    0 (below the bar: -0.125 raised to 0) and 1, so 5, 0 and 10 passes. Standards
    0, 0, 1 worth 1 and 3 points: standard 0 passes 5 of 20 = 0.25, standard 1
    10 of 10 = 1. Score: 40 x (1 x 0.25 + 3 x 1) / 4 = 40 x 3.25 / 4 = 32.5.
    """
    rng = stub()
    score = field_inspection(
        np.array([0.6, 0.1, 1.0]),
        np.arange(3),
        np.full(3, 10),
        np.array([0, 0, 1]),
        np.array([1.0, 3.0]),
        40.0,
        rng,
        pass_bar=0.2,
    )
    assert score == pytest.approx(32.5, abs=1e-12)
    ((_, _, p),) = calls(rng)
    np.testing.assert_allclose(p, [0.5, 0.0, 1.0])


def test_covert_visits_carry_their_share_of_the_field_score() -> None:
    """Visits' share 0.25: 0.75 x 30 + 0.25 x mean(20, 24) = 22.5 + 5.5 = 28.

    With no visits, or a share of 0, the inspection carries the whole score; with a
    share of 1 the visits do (their mean, 22).
    """
    assert blend_field(30.0, [20.0, 24.0], 0.25) == pytest.approx(28.0, abs=1e-12)
    assert blend_field(30.0, [], 0.25) == 30.0
    assert blend_field(30.0, [20.0, 24.0], 0.0) == pytest.approx(30.0, abs=1e-12)
    assert blend_field(30.0, [20.0, 24.0], 1.0) == pytest.approx(22.0, abs=1e-12)


def test_material_review_passes_a_document_by_its_dossiers_completeness() -> None:
    """Without a bar a document passes when its uniform is below its dossier's completeness.

    Dossiers at 0.5 and 0.9, worth 10 and 30 points, four documents each. Uniforms
    (a row per document) 0.1 0.1 / 0.4 0.85 / 0.6 0.95 / 0.9 0.2: dossier 0 passes
    0.1 and 0.4 (2 of 4), dossier 1 passes 0.1, 0.85 and 0.2 (3 of 4).
    Score: 10 x 2/4 + 30 x 3/4 = 5 + 22.5 = 27.5.
    """
    rng = stub(uniforms=[[0.1, 0.1], [0.4, 0.85], [0.6, 0.95], [0.9, 0.2]])
    score = material_review(
        np.array([0.5, 0.9]), np.array([10.0, 30.0]), 4, rng, pass_bar=None, spread=10.0
    )
    assert score == pytest.approx(27.5, abs=1e-12)
    assert calls(rng) == [("random", (4, 2), None)]


def test_material_review_with_a_bar_draws_each_documents_completeness() -> None:
    """With a bar, a document passes when its Beta draw reaches the bar.

    With bar 0.8, a document of a dossier at completeness m passes when its Beta
    draw (mean m, concentration 10) reaches 0.8, that is when its uniform is at
    least the Beta's distribution function at 0.8.

    Dossiers (10, 10 and 20 points, two documents each): complete (passes whatever
    its uniforms, even 0), empty (fails whatever, even 0.999999), and at 0.5, a
    Beta(5, 5), whose distribution function at 0.8 is F = 0.98042 (scipy's cdf, the
    inverse of the ppf the review draws with): uniforms 0.5 (below F: fails) and
    0.995 (above: passes). Score: 10 x 2/2 + 10 x 0/2 + 20 x 1/2 = 20.
    """
    f = stats.beta.cdf(0.8, 5.0, 5.0)
    assert 0.5 < f < 0.995  # the worked example's premise
    rng = stub(uniforms=[[0.0, 0.999999, 0.5], [0.0, 0.999999, 0.995]])
    score = material_review(
        np.array([1.0, 0.0, 0.5]), np.array([10.0, 10.0, 20.0]), 2, rng, pass_bar=0.8, spread=10.0
    )
    assert score == pytest.approx(20.0, abs=1e-12)
    # concentration 1,000 at 0.79: Beta(790, 210), F(0.8) about 0.78: 0.5 fails, 0.9 and
    # 0.995 pass, 10 x 2/3 (at concentration 10, Beta(7.9, 2.1) has F(0.8) about 0.47 and
    # all three would pass: the score pins the concentration; one pass of three, had the
    # comparison been turned, pins its direction)
    tight = stub(uniforms=[[0.5], [0.9], [0.995]])
    assert 0.5 < stats.beta.cdf(0.8, 790.0, 210.0) < 0.9  # the premise: F is about 0.78
    score = material_review(
        np.array([0.79]), np.array([10.0]), 3, tight, pass_bar=0.8, spread=1000.0
    )
    assert score == pytest.approx(10.0 * 2 / 3, abs=1e-12)


def test_scoring_exports_incident_risk() -> None:
    """The risk formula is part of scoring's public functions."""
    assert "incident_risk" in scoring.__all__


def test_counts_from_uniforms_are_binomial_and_poisson_and_share_their_draws() -> None:
    """Bernoulli sums and inverted Poisson draws: right means and variances, same uniforms."""
    draw = np.random.default_rng(11)
    n = np.full(20_000, 10)
    k = BERNOULLI(draw, np.full(len(n), 0.3), n)
    assert abs(k.mean() - 3.0) < 0.05 and abs(k.var() - 2.1) < 0.1
    x = POISSON(draw, np.full(20_000, 2.5))
    assert abs(x.mean() - 2.5) < 0.05 and abs(x.var() - 2.5) < 0.1
    # common random numbers: the same seed, chances a hair apart, a handful of outcomes apart
    a = BERNOULLI(np.random.default_rng(5), np.full(500, 0.40), np.full(500, 8))
    b = BERNOULLI(np.random.default_rng(5), np.full(500, 0.41), np.full(500, 8))
    assert (b >= a).all() and 0 < (b - a).sum() < 0.03 * 4000
    # a chance that leaves zero shifts no other draw (numpy's binomial takes none at zero)
    zero = BERNOULLI(np.random.default_rng(6), np.tile([0.0, 0.5], 250), np.full(500, 8))
    some = BERNOULLI(np.random.default_rng(6), np.tile([0.01, 0.5], 250), np.full(500, 8))
    assert np.array_equal(zero[1::2], some[1::2]) and zero[0::2].sum() == 0
