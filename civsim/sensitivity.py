"""Which assumptions decide the answer: Sobol indices, Morris effects and feature scores.

Each function reads an experiment's results (:func:`civsim.explore.explore`),
averages each outcome over the replications of a point (common random numbers
make that average comparable across points), and analyses each lever apart:
an assumption may decide the score under one policy and not under another.

- :func:`sobol_indices`: first-order and total Sobol indices with bootstrap
  confidence intervals (SALib), for a ``sobol`` design;
- :func:`morris_effects`: Morris elementary effects (SALib), for a ``morris`` design;
- :func:`feature_scores`: extra-trees feature scores (EMA Workbench), for any design.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from civsim.errors import CivsimError
from civsim.experiment import DESIGN_KEYS, Experiment, problem

__all__ = ["feature_scores", "morris_effects", "point_means", "sobol_indices"]

#: Bootstrap resamples behind the Sobol and Morris confidence intervals.
RESAMPLES = 200
#: Confidence level of those intervals.
CONFIDENCE = 0.95
#: SALib's results kept for each uncertainty, by analysis.
SOBOL_COLUMNS = ("S1", "S1_conf", "ST", "ST_conf")
MORRIS_COLUMNS = ("mu", "mu_star", "sigma", "mu_star_conf")
#: The bootstrap's seed when none is given. SALib seeds its bootstrap only for a truthy
#: seed: 0 would leave it unseeded and the intervals different on every call.
BOOTSTRAP_SEED = 1


def point_means(results: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Each lever's outcome at each point, averaged over replications, in design order.

    Returns
    -------
    pandas.DataFrame
        ``point, lever``, the uncertainties' values and ``outcome``.

    Examples
    --------
    >>> r = pd.DataFrame({"point": [0, 0, 1, 1], "lever": "a", "x": [1.0, 1.0, 2.0, 2.0],
    ...                   "variant": ["v0", "v0", "v1", "v1"], "seed": 1,
    ...                   "replication": [0, 1, 0, 1], "cycle_score": [80.0, 82.0, 90.0, 88.0]})
    >>> point_means(r, "cycle_score").values.tolist()
    [[0, 'a', 1.0, 81.0], [1, 'a', 2.0, 89.0]]
    """
    if outcome not in results:
        raise CivsimError(f"no outcome {outcome!r} in the results")
    values = _values(results)
    keys = [*DESIGN_KEYS, *values]
    means = results.groupby(keys, sort=False, dropna=False)[outcome].mean()
    return means.reset_index()


def _values(results: pd.DataFrame) -> list[str]:
    """The uncertainties' columns of a results table: those between the design keys and variant."""
    columns = results.columns.tolist()
    return columns[len(DESIGN_KEYS) : columns.index("variant")]


def sobol_indices(
    experiment: Experiment,
    results: pd.DataFrame,
    outcome: str = "cycle_score",
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """First-order and total Sobol indices of each uncertainty, for each lever.

    Parameters
    ----------
    experiment : Experiment
        Sampled with ``sobol``.
    results : pandas.DataFrame
        Its results, in design order.
    outcome : str
    seed : int
        Seeds the bootstrap of the confidence intervals (0 counts as
        :data:`BOOTSTRAP_SEED`).

    Returns
    -------
    pandas.DataFrame
        ``lever, uncertainty, S1, S1_conf, ST, ST_conf`` (``_conf``: half the
        width of the :data:`CONFIDENCE` interval).
    """
    from SALib.analyze import sobol  # only sensitivity analyses need SALib's analysers

    if experiment.sampler != "sobol":
        raise CivsimError(f"Sobol indices need a sobol design, not {experiment.sampler}")

    def analyse(means: pd.DataFrame) -> dict:
        y = means[outcome].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            lever = means["lever"].iloc[0]
            raise CivsimError(f"{outcome} does not vary under lever {lever}: no indices to give")
        return sobol.analyze(
            prob,
            y,
            calc_second_order=False,
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            seed=seed or BOOTSTRAP_SEED,
        )

    prob = problem(experiment)
    return _per_lever(point_means(results, outcome), prob["names"], analyse, SOBOL_COLUMNS)


def morris_effects(
    experiment: Experiment,
    results: pd.DataFrame,
    outcome: str = "cycle_score",
    seed: int = BOOTSTRAP_SEED,
) -> pd.DataFrame:
    """Morris elementary effects of each uncertainty, for each lever.

    Returns
    -------
    pandas.DataFrame
        ``lever, uncertainty, mu, mu_star, sigma, mu_star_conf``: the mean
        effect, the mean absolute effect (the ranking measure), their spread
        (interaction or non-linearity) and the interval of ``mu_star``.
    """
    from SALib.analyze import morris

    if experiment.sampler != "morris":
        raise CivsimError(f"Morris effects need a morris design, not {experiment.sampler}")
    prob = problem(experiment)

    def analyse(means: pd.DataFrame) -> dict:
        return morris.analyze(
            prob,
            means[prob["names"]].to_numpy(dtype=float),
            means[outcome].to_numpy(dtype=float),
            num_resamples=RESAMPLES,
            conf_level=CONFIDENCE,
            num_levels=experiment.levels,
            seed=seed or BOOTSTRAP_SEED,
        )

    return _per_lever(point_means(results, outcome), prob["names"], analyse, MORRIS_COLUMNS)


def _per_lever(
    means: pd.DataFrame,
    names: list[str],
    analyse: Callable[[pd.DataFrame], Mapping[str, Any]],
    columns: tuple[str, ...],
) -> pd.DataFrame:
    """SALib's analysis of each lever's point means, one row per lever and uncertainty."""
    rows = []
    for lever, group in means.groupby("lever", sort=False):
        si = analyse(group)
        for i, name in enumerate(names):
            rows.append({"lever": lever, "uncertainty": name, **{c: si[c][i] for c in columns}})
    return pd.DataFrame(rows)


def feature_scores(
    results: pd.DataFrame, outcomes: list[str] | tuple[str, ...], seed: int = 0
) -> pd.DataFrame:
    """How much each uncertainty, and the lever, decides each outcome (extra-trees scores).

    EMA Workbench's feature scoring: an ensemble of extra trees is fitted to
    each outcome's point means from the uncertainties and the lever; a
    feature's score is its share of the trees' impurity decrease (the scores
    of an outcome add up to 1). Works on any design, Latin hypercube included.

    Returns
    -------
    pandas.DataFrame
        One row per feature (the uncertainties, then ``lever``), one column per outcome.
    """
    with warnings.catch_warnings():
        # EMA Workbench warns on import about optional parallel back-ends we do not use.
        warnings.simplefilter("ignore", UserWarning)
        from ema_workbench.analysis import feature_scoring

    columns = {}
    for outcome in outcomes:
        means = point_means(results, outcome)
        x = means.drop(columns=["point", outcome]).astype({"lever": "category"})
        y = means[outcome].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            continue  # a constant outcome has nothing to explain
        mode = feature_scoring.RuleInductionType.REGRESSION
        scores = feature_scoring.get_ex_feature_scores(x, y, mode=mode, random_state=seed)[0]
        columns[outcome] = scores.iloc[:, 0]
    return pd.DataFrame(columns).rename_axis("feature")
