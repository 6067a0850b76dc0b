"""Scores: the annual evaluation's parts, the cycle score, and the rank among peers.

Each year is scored out of 100: material review + field inspection +
questionnaire, less negative-list deductions (docs/domain.md §2). The cycle score
weighs the years (15/25/60 by default); a city wins the title when its rank
among its peer group is within the quota and it was never disqualified.
A title holder is re-checked each year instead: ranked among the holders
(:func:`recheck_rank`), warned or stripped by the rules (:func:`recheck`);
the minors' assessment, where on, weighs into each year's total
(:func:`minors_total`).
All functions are pure: state and random generator in, numbers out. The
evaluation mechanism (:mod:`civsim.sim.mechanisms.evaluation`) calls them during
the run, so the year's scores and the title are known to the run as it goes.

Every random outcome is drawn from a fixed number of uniforms, whatever the
state it reads: one per observation, document, household or standard
(:func:`bernoulli_counts`, Poisson and Beta by inversion). Two variants of a
scenario run from one seed then draw the same uniforms, and a small change in
condition flips few outcomes (common random numbers). numpy's binomial draws
no uniform where a chance is 0 and a varying number for large counts, its
Poisson one more per event, so a variant whose condition differed by a hair
could read every later draw of the stream shifted: for the inspection's
stream, the next inspection's day and places too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from civsim.errors import CivsimError
from civsim.sums import weighted_sum

__all__ = [
    "PeerGroup",
    "annual_score",
    "bernoulli_counts",
    "blend_field",
    "cycle_outcome",
    "cycle_score",
    "field_inspection",
    "incident_risk",
    "material_review",
    "minors_total",
    "negative_list",
    "peer_outcome",
    "poisson_counts",
    "quota_size",
    "recheck",
    "recheck_rank",
    "survey_score",
]


def bernoulli_counts(rng: np.random.Generator, chance: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Successes among ``n[i]`` trials of chance ``chance[i]``: one uniform per trial, in order.

    Binomial in distribution, drawn as ``sum(u < chance)`` over ``n.sum()``
    uniforms, so two calls with the same ``n`` use the same uniforms whatever
    the chances (common random numbers).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> bernoulli_counts(rng, np.array([1.0, 0.0, 0.5]), np.array([3, 2, 0])).tolist()
    [3, 0, 0]
    >>> a = bernoulli_counts(np.random.default_rng(1), np.array([0.50]), np.array([1000]))
    >>> b = bernoulli_counts(np.random.default_rng(1), np.array([0.51]), np.array([1000]))
    >>> 0 <= int(b[0] - a[0]) <= 25  # the same uniforms: only those between 0.50 and 0.51 flip
    True
    """
    n = np.asarray(n, dtype=np.int64)
    which = np.repeat(np.arange(len(n)), n)
    hit = rng.random(len(which)) < np.asarray(chance, dtype=np.float64)[which]
    return np.bincount(which, weights=hit, minlength=len(n)).astype(np.int64)


def poisson_counts(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Poisson counts of means ``rate``, by inversion: one uniform each, whatever the means.

    Examples
    --------
    >>> poisson_counts(np.random.default_rng(0), np.array([0.0, 3.0])).tolist()
    [0, 2]
    >>> a = poisson_counts(np.random.default_rng(2), np.full(1000, 1.00))
    >>> b = poisson_counts(np.random.default_rng(2), np.full(1000, 1.01))
    >>> bool((b >= a).all()), int((b != a).sum()) < 30  # the same uniforms: few move, all up
    (True, True)
    >>> poisson_counts(np.random.default_rng(0), np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    civsim.errors.CivsimError: Poisson means must be finite and at least 0, got nan
    """
    rate = np.asarray(rate, dtype=np.float64)
    wrong = rate[~(np.isfinite(rate) & (rate >= 0))]
    if len(wrong):  # cast to int64, a NaN count is -9.2e18 incidents: a broken model, said so
        raise CivsimError(f"Poisson means must be finite and at least 0, got {wrong[0]}")
    return np.asarray(stats.poisson.ppf(rng.random(len(rate)), rate)).astype(np.int64)


def field_inspection(
    condition: np.ndarray,
    observed: np.ndarray,
    observations: np.ndarray,
    standard: np.ndarray,
    points: np.ndarray,
    field_points: float,
    rng: np.random.Generator,
    pass_bar: float = 0.0,
) -> float:
    """Score a covert field inspection of sampled checkpoints.

    Each observation of a checkpoint passes with probability
    ``(condition - pass_bar) / (1 - pass_bar)`` (at least 0): its condition when
    the bar is 0, less for a stricter inspector; a standard's pass rate is over
    all its observations; the score is ``field_points`` times the
    points-weighted mean pass rate of the standards observed.

    Parameters
    ----------
    condition : numpy.ndarray
        Condition of every checkpoint (0..1).
    observed : numpy.ndarray of int
        Indices of the checkpoints the inspectors saw.
    observations : numpy.ndarray of int
        Observations made per checkpoint (aligned on all checkpoints).
    standard : numpy.ndarray of int
        Standard index of every checkpoint.
    points : numpy.ndarray of float
        Points of each standard.
    field_points : float
        Points of the field inspection in the year's 100.
    rng : numpy.random.Generator
    pass_bar : float
        The inspector's strictness: a checkpoint at or below this condition
        never passes (0 <= bar < 1).

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> c = np.ones(4)
    >>> field_inspection(c, np.arange(4), np.full(4, 5), np.array([0, 0, 1, 1]),
    ...                  np.array([1.0, 3.0]), 40.0, rng)
    40.0

    A checkpoint at the bar never passes; one halfway above it passes half the time:

    >>> field_inspection(np.full(2, 0.2), np.arange(2), np.full(2, 5), np.array([0, 1]),
    ...                  np.array([1.0, 1.0]), 40.0, rng, pass_bar=0.2)
    0.0
    >>> field_inspection(np.full(1, 0.6), np.arange(1), np.full(1, 100_000), np.array([0]),
    ...                  np.array([1.0]), 40.0, rng, pass_bar=0.2).__round__(1)
    20.0
    """
    if not len(observed):
        return 0.0
    n = observations[observed]
    chance = condition[observed]
    if pass_bar:
        chance = np.clip((chance - pass_bar) / (1 - pass_bar), 0.0, 1.0)
    passed = bernoulli_counts(rng, chance, n)
    std = standard[observed]
    obs_by_std = np.bincount(std, weights=n, minlength=len(points))
    pass_by_std = np.bincount(std, weights=passed, minlength=len(points))
    seen = obs_by_std > 0
    rate = pass_by_std[seen] / obs_by_std[seen]
    return float(field_points * (points[seen] * rate).sum() / points[seen].sum())


def blend_field(inspection: float, visits: Sequence[float], visits_share: float) -> float:
    """The year's field score: the inspection's, blended with covert visits' mean.

    Year-round covert visits (常态化测评, seed 000) carry ``visits_share`` of the
    field points and the inspection the rest; without visits the inspection
    carries them all.

    Parameters
    ----------
    inspection : float
        The field inspection's score (field points).
    visits : sequence of float
        Each covert visit's score on the same scale.
    visits_share : float
        The visits' share of the field score (0..1).

    Returns
    -------
    float

    Examples
    --------
    >>> blend_field(30.0, [20.0, 24.0], 0.5)
    26.0
    >>> blend_field(30.0, [], 0.5)
    30.0
    """
    if not len(visits):
        return inspection
    return (1 - visits_share) * inspection + visits_share * float(np.mean(visits))


def material_review(
    completeness: np.ndarray,
    weights: np.ndarray,
    documents: int,
    rng: np.random.Generator,
    *,
    pass_bar: float | None,
    spread: float,
) -> float:
    """Score a material review that samples documents of every dossier.

    The reviewer samples ``documents`` documents of each dossier (a material
    standard's documentation). With ``pass_bar`` None a document passes with
    probability equal to its dossier's completeness, so the expected score is
    the weighted completeness. With a bar, each sampled document's own
    completeness is drawn from a Beta distribution with the dossier's
    completeness as mean and ``spread`` as concentration (``a + b``), and it
    passes at ``pass_bar`` or above; a complete dossier always passes, an
    empty one never. The score is the weighted share of documents passed.

    Parameters
    ----------
    completeness : numpy.ndarray
        Completeness (0..1) of each dossier as submitted.
    weights : numpy.ndarray
        Points of each dossier (their sum is the material review's points).
    documents : int
        Documents sampled per dossier.
    rng : numpy.random.Generator
    pass_bar : float or None
        Completeness a document needs to pass; None passes by probability.
    spread : float
        Concentration of documents around their dossier (with a bar only).

    Returns
    -------
    float

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> w = np.array([10.0, 10.0, 20.0])
    >>> material_review(np.ones(3), w, 5, rng, pass_bar=None, spread=10.0)
    40.0
    >>> material_review(np.array([1.0, 0.0, 1.0]), w, 5, rng, pass_bar=0.8, spread=10.0)
    30.0
    >>> draws = [material_review(np.array([0.5, 0.9]), np.array([20.0, 20.0]), 5, rng,
    ...                          pass_bar=None, spread=10.0) for _ in range(4000)]
    >>> round(float(np.mean(draws)))
    28
    """
    x = np.clip(np.asarray(completeness, dtype=np.float64), 0.0, 1.0)
    # one uniform per document whatever the dossiers: common random numbers (module docstring)
    u = rng.random((documents, len(x)))
    if pass_bar is None:
        passed = (u < x).sum(axis=0)
    else:
        # a Beta needs both shapes above zero; complete and empty dossiers are set below
        inner = np.clip(x, np.finfo(np.float64).eps, 1 - np.finfo(np.float64).eps)
        docs = np.asarray(stats.beta.ppf(u, inner * spread, (1 - inner) * spread))
        passed = np.where(x >= 1, documents, np.where(x <= 0, 0, (docs >= pass_bar).sum(axis=0)))
    return weighted_sum(weights, passed / documents)


def survey_score(
    satisfaction: np.ndarray,
    population: np.ndarray,
    households: int,
    survey_points: float,
    rng: np.random.Generator,
) -> tuple[float, float]:
    """Score the questionnaire: households sampled by district population.

    Returns
    -------
    tuple of float
        The score and the share of satisfied households.

    Examples
    --------
    >>> survey_score(np.array([1.0, 1.0]), np.array([10, 30]), 2000, 20.0,
    ...              np.random.default_rng(0))
    (20.0, 1.0)
    """
    weights = population / population.sum() if population.sum() else None
    per_district = rng.multinomial(
        households,
        weights if weights is not None else np.full(len(population), 1 / len(population)),
    )
    satisfied = int(bernoulli_counts(rng, np.asarray(satisfaction), per_district).sum())
    share = float(satisfied / households)
    return survey_points * share, share


def incident_risk(field_mean: float, reference: float, rushed: float = 0.0) -> float:
    """The year's multiplier on the negative list's expected incidents.

    Incidents grow with how far the field condition falls short of perfect,
    relative to the reference condition's shortfall:
    ``(1 - field_mean) / (1 - reference)``. At the reference condition the
    risk is 1; a better condition lowers it (0 at a perfect condition), a
    worse one raises it. A reference of 1 or more leaves no shortfall to
    compare with, and the risk is 1. Work rushed in a surge raises the risk
    by the factor ``1 + rushed``.

    Parameters
    ----------
    field_mean : float
        Mean condition of the field checkpoints at the year's end (0..1).
    reference : float
        The reference condition (``simulation.survey.reference_condition``).
    rushed : float
        The relative rise of incidents from rushed work (0: none).

    Returns
    -------
    float

    Examples
    --------
    >>> incident_risk(0.5, 0.5), incident_risk(0.75, 0.5), incident_risk(0.25, 0.5)
    (1.0, 0.5, 1.5)
    >>> incident_risk(0.5, 1.0), incident_risk(0.75, 0.5, rushed=0.4)
    (1.0, 0.7)
    """
    shortfall = (1 - field_mean) / (1 - reference) if reference < 1 else 1.0
    return shortfall * (1 + rushed)


def negative_list(
    standards: pd.DataFrame,
    risk: float,
    rng: np.random.Generator,
) -> tuple[float, bool, int]:
    """Draw a year's negative-list incidents and their effect.

    Parameters
    ----------
    standards : pandas.DataFrame
        The framework's negative standards with ``incidents_per_year``,
        ``negative_effect`` and ``negative_points``.
    risk : float
        Multiplier on the expected incidents (1 at reference condition).
    rng : numpy.random.Generator

    Returns
    -------
    tuple
        Points deducted, whether the city is disqualified, and the number of incidents.

    Examples
    --------
    >>> neg = pd.DataFrame({"incidents_per_year": [0.0], "negative_effect": ["deduct"],
    ...                     "negative_points": [2.0]})
    >>> negative_list(neg, 1.0, np.random.default_rng(0))
    (0.0, False, 0)
    """
    if standards.empty:
        return 0.0, False, 0
    incidents = poisson_counts(rng, standards["incidents_per_year"].to_numpy(dtype=float) * risk)
    deduct = standards["negative_effect"].to_numpy() == "deduct"
    points = float((incidents * standards["negative_points"].to_numpy(dtype=float))[deduct].sum())
    disqualified = bool((incidents[~deduct] > 0).any())
    return points, disqualified, int(incidents.sum())


def annual_score(material: float, field: float, survey: float, deducted: float) -> float:
    """A year's score: material review + field inspection + questionnaire, less deductions.

    Never below zero.

    Examples
    --------
    >>> annual_score(35.0, 30.0, 18.0, 2.0), annual_score(1.0, 1.0, 1.0, 5.0)
    (81.0, 0.0)
    """
    return max(0.0, material + field + survey - deducted)


def cycle_outcome(
    annual: Sequence[float],
    disqualified: Sequence[bool],
    year_weights: tuple[float, ...],
    peers: PeerGroup,
    rng: np.random.Generator,
) -> dict[str, float | int | bool]:
    """The cycle's outcome: its score, disqualification, rank among peers and the title.

    Parameters
    ----------
    annual : sequence of float
        The annual scores, year 1 first.
    disqualified : sequence of bool
        Each year's disqualification (any one disqualifies the cycle).
    year_weights : tuple of float
        The cycle's weights of the years.
    peers : PeerGroup
        The peer group's size, quota share and score distribution.
    rng : numpy.random.Generator
        Draws the peers' scores.

    Examples
    --------
    >>> group = PeerGroup(size=30, quota_share=0.34, mean=86.0, sd=2.5)
    >>> out = cycle_outcome([80.0, 85.0, 99.0], [False] * 3, (0.15, 0.25, 0.6), group,
    ...                     np.random.default_rng(0))
    >>> out["cycle_score"], out["disqualified"]
    (92.65, False)
    """
    score = cycle_score(pd.Series(list(annual), dtype=float), year_weights)
    disq = bool(any(disqualified))
    outcome = peer_outcome(score, disq, peers.size, peers.quota_share, peers.mean, peers.sd, rng)
    return {"cycle_score": score, "disqualified": disq, **outcome}


class PeerGroup(NamedTuple):
    """The cities a nominee is ranked against: size, share that wins, score distribution."""

    size: int
    quota_share: float
    mean: float
    sd: float


def cycle_score(annual: pd.Series, year_weights: tuple[float, ...]) -> float:
    """Weigh the annual scores into the cycle score.

    Examples
    --------
    >>> cycle_score(pd.Series([80.0, 85.0, 90.0]), (0.15, 0.25, 0.60))
    87.25
    """
    return weighted_sum(annual.to_numpy(dtype=float), year_weights)


def peer_outcome(
    score: float,
    disqualified: bool,
    group_size: int,
    quota_share: float,
    peer_mean: float,
    peer_sd: float,
    rng: np.random.Generator,
) -> dict[str, float | int | bool]:
    """Rank the city among peers drawn from the scenario's peer distribution.

    Returns
    -------
    dict
        ``rank`` (1 is best), ``quota`` (titles in the group), ``title``, and
        ``title_bar``: the score that ranked within the quota, the
        ``quota``-th best peer's (a tie does not count against the city; 0
        when the quota covers every peer): how far the city was from the
        title, or above it.

    Examples
    --------
    >>> out = peer_outcome(99.0, False, 30, 0.34, 86.0, 2.5, np.random.default_rng(0))
    >>> out["rank"], out["quota"], out["title"], bool(85.0 < out["title_bar"] < 99.0)
    (1, 10, True, True)
    """
    peers = rng.normal(peer_mean, peer_sd, size=group_size - 1)
    rank = 1 + int((peers > score).sum())
    quota = quota_size(group_size, quota_share)
    best_first = np.sort(peers)[::-1]
    return {
        "rank": rank,
        "quota": quota,
        "title": bool(rank <= quota and not disqualified),
        "title_bar": float(best_first[quota - 1]) if quota <= len(best_first) else 0.0,
    }


def quota_size(group_size: int, quota_share: float) -> int:
    """Titles a peer group gets: its share rounded half up, at least one.

    Examples
    --------
    >>> quota_size(30, 0.34), quota_size(2, 0.1)
    (10, 1)
    """
    return max(1, math.floor(group_size * quota_share + 0.5))


def minors_total(parts: float, minors: float, weight: float, deducted: float) -> float:
    """A year's total with the minors' assessment weighed in (docs/domain.md §2).

    ``(1 - weight) x parts + weight x minors - deducted``, never below zero:
    ``parts`` is material + field + questionnaire (of 100), ``minors`` the
    minors' score (of 100); both shares add up to 100, and the negative list
    deducts from the total.

    Examples
    --------
    Parts 80, minors 90 at 20%: 0.8 x 80 + 0.2 x 90 = 64 + 18 = 82, less 2 deducted:

    >>> minors_total(80.0, 90.0, 0.2, 2.0), minors_total(80.0, 90.0, 0.0, 2.0)
    (80.0, 78.0)
    """
    return max(0.0, (1 - weight) * parts + weight * minors - deducted)


def recheck_rank(
    score: float, group_size: int, peer_mean: float, peer_sd: float, rng: np.random.Generator
) -> int:
    """The city's rank (1 is best) in a re-check among holders drawn from a normal distribution.

    Draws ``group_size - 1`` uniforms whatever the score (common random numbers);
    a tie does not count against the city.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> recheck_rank(100.0, 5, 86.0, 2.5, rng), recheck_rank(0.0, 5, 86.0, 2.5, rng)
    (1, 5)
    """
    peers = peer_mean + peer_sd * np.asarray(stats.norm.ppf(rng.random(group_size - 1)))
    return 1 + int((peers > score).sum())


def recheck(
    rank: int,
    group_size: int,
    last_places: int,
    run: int,
    consecutive_years: int,
    *,
    strip: bool = False,
    warn: bool = False,
) -> tuple[str, int]:
    """A holder's re-check: the title kept, kept with a warning, or stripped.

    A rank among the last ``last_places`` of ``group_size`` is a last place and
    extends the run of consecutive last places (``run`` before this re-check);
    any other rank ends it. A run of ``consecutive_years`` strips the title, and
    so does ``strip`` (a disqualifying incident, a failed precondition); a last
    place that does not strip, or ``warn``, brings a warning.

    Returns
    -------
    tuple of (str, int)
        ``"kept"``, ``"warned"`` or ``"stripped"``, and the run after this re-check.

    Examples
    --------
    In a group of 10 with 3 last places, rank 8 is a last place (8 > 10 - 3): the
    first in a row warns, the second (with 2 in a row to strip) strips:

    >>> recheck(8, 10, 3, 0, 2), recheck(8, 10, 3, 1, 2), recheck(7, 10, 3, 1, 2)
    (('warned', 1), ('stripped', 2), ('kept', 0))
    >>> recheck(1, 10, 3, 0, 2, strip=True), recheck(1, 10, 3, 0, 2, warn=True)
    (('stripped', 0), ('warned', 0))
    """
    last = rank > group_size - last_places
    run = run + 1 if last else 0
    if strip or run >= consecutive_years:
        return "stripped", run
    return ("warned" if last or warn else "kept"), run
