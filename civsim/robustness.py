"""Which options hold up across the assumptions, and where they lose.

Regret and the share of futures meeting a target compare levers; scenario
discovery (PRIM) answers "under which assumptions does this lever lose?".

Every function reads an experiment's results (:func:`civsim.explore.explore`)
and compares levers point by point: at a point every lever ran on the same
replications (common random numbers), so their difference there is paired.
"""

from __future__ import annotations

import warnings

import pandas as pd

from civsim.errors import CivsimError
from civsim.sensitivity import point_means

__all__ = ["discover", "robustness"]

#: Share of a point's replications above the target for the point to count as meeting it.
MEETS = 0.5
#: PRIM's default: the share of cases of interest a box must hold (its density) to be chosen.
DENSITY = 0.8


def robustness(
    results: pd.DataFrame, outcome: str = "cycle_score", target: str = "above_quota"
) -> pd.DataFrame:
    """Each lever across the experiment's futures (its points).

    Parameters
    ----------
    results : pandas.DataFrame
        An experiment's results.
    outcome : str
        The outcome to compare (higher is better).
    target : str
        A 0/1 outcome: a point meets the target when at least :data:`MEETS`
        of its replications do (the quota line by default).

    Returns
    -------
    pandas.DataFrame
        Indexed by lever: ``mean`` and ``worst`` (the outcome's mean and
        lowest point mean), ``meets`` (share of points meeting the target),
        ``mean_regret`` and ``max_regret`` (at each point, the best lever's
        mean less this lever's; 0 where it is the best).

    Examples
    --------
    >>> r = pd.DataFrame({"point": [0, 0, 1, 1], "lever": ["a", "b", "a", "b"],
    ...                   "x": [0.1, 0.1, 0.9, 0.9], "variant": list("pqrs"), "seed": 1,
    ...                   "replication": 0, "cycle_score": [86.0, 88.0, 90.0, 89.0],
    ...                   "above_quota": [0.0, 1.0, 1.0, 1.0]})
    >>> robustness(r).round(2).to_dict("index")["a"]
    {'mean': 88.0, 'worst': 86.0, 'meets': 0.5, 'mean_regret': 1.0, 'max_regret': 2.0}
    """
    means = point_means(results, outcome).set_index(["point", "lever"])[outcome].unstack()
    hits = point_means(results, target).set_index(["point", "lever"])[target].unstack()
    regret = means.max(axis=1).to_numpy()[:, None] - means
    levers = list(dict.fromkeys(results["lever"]))
    table = pd.DataFrame(
        {
            "mean": means.mean(),
            "worst": means.min(),
            "meets": (hits >= MEETS).mean(),
            "mean_regret": regret.mean(),
            "max_regret": regret.max(),
        }
    )
    return table.loc[levers].rename_axis("lever")


def discover(
    results: pd.DataFrame,
    lever: str,
    against: str,
    outcome: str = "cycle_score",
    density: float = DENSITY,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Under which assumptions does ``lever`` do worse than ``against``? PRIM's answer.

    The cases of interest are the points where ``lever``'s mean ``outcome``
    is below ``against``'s. PRIM (EMA Workbench) peels the space of the
    uncertainties down to a box holding mostly such points.

    Returns
    -------
    (pandas.DataFrame, dict)
        The box: one row per uncertainty it restricts, ``low`` and ``high``;
        and its ``coverage`` (share of all cases of interest inside it),
        ``density`` (share of the points inside it that are cases) and
        ``cases`` (share of points that are cases).

        Where ``lever`` never does worse, or always, there is no box: no rows,
        coverage and density NaN, and ``cases`` 0 or 1.

    Raises
    ------
    CivsimError
        If a lever is unknown.
    """
    known = set(results["lever"])
    for name in (lever, against):
        if name not in known:
            raise CivsimError(
                f"no lever {name!r} in the results; known: {', '.join(sorted(known))}"
            )
    means = point_means(results, outcome)
    values = [c for c in means.columns if c not in ("point", "lever", outcome)]
    wide = means.pivot(index="point", columns="lever", values=outcome)
    x = means[means["lever"] == lever].set_index("point")[values].loc[wide.index]
    y = (wide[lever] < wide[against]).to_numpy()
    if not y.any() or y.all():  # nothing to tell apart: no box, only how often it happens
        empty = pd.DataFrame({"low": [], "high": []}, index=pd.Index([], name="uncertainty"))
        return empty, {"coverage": float("nan"), "density": float("nan"), "cases": float(y.mean())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA's optional back-ends and pandas notices
        from ema_workbench.analysis import prim

        finder = prim.Prim(x.reset_index(drop=True), y, threshold=density)
        box = finder.find_box()
    # box_lim and box_init: row 0 the lower limits, row 1 the upper, one column per uncertainty.
    lim, init = box.box_lim, finder.box_init
    restricted = [c for c in values if lim[c][0] > init[c][0] or lim[c][1] < init[c][1]]
    limits = pd.DataFrame(
        {"low": [lim[c][0] for c in restricted], "high": [lim[c][1] for c in restricted]},
        index=pd.Index(restricted, name="uncertainty"),
    )
    facts = {
        "coverage": float(box.coverage),
        "density": float(box.density),
        "cases": float(y.mean()),
    }
    return limits, facts
