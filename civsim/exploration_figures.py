"""Figures of an experiment: what decides the outcome, and how each lever fares across futures.

Each ``plot_*(..., ax=None) -> Axes`` draws from the tables of
:mod:`civsim.sensitivity`, :mod:`civsim.robustness` and an experiment's results,
in the manner of :mod:`civsim.plots` (the bundled CJK font, no ``plt.show()``).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from civsim.plots import use_cjk_font
from civsim.sensitivity import point_means

__all__ = ["plot_feature_scores", "plot_levers_across_futures", "plot_sensitivity"]

#: Colour of the first lever (the scenario as it is, by convention), drawn over the others.
FIRST_COLOUR = "black"


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def plot_feature_scores(scores: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """A heat map of feature scores: which uncertainty (or the lever) decides which outcome.

    Parameters
    ----------
    scores : pandas.DataFrame
        From :func:`civsim.sensitivity.feature_scores`: features by outcomes,
        each outcome's scores adding up to 1.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> s = pd.DataFrame({"cycle_score": [0.7, 0.3]}, index=["upkeep", "lever"])
    >>> plot_feature_scores(s).get_title()
    'What decides each outcome (feature scores)'
    """
    ax = _axes(ax, (1.6 + 1.1 * len(scores.columns), 1.0 + 0.5 * len(scores)))
    values = scores.to_numpy(dtype=float)
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=max(float(np.nanmax(values)), 1e-9))
    ax.set_xticks(range(len(scores.columns)), scores.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(scores)), scores.index)
    for (i, j), v in np.ndenumerate(values):
        dark = v > 0.6 * np.nanmax(values)
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if dark else "black")
    ax.figure.colorbar(image, ax=ax, shrink=0.8, label="share of the trees' score")
    ax.set_title("What decides each outcome (feature scores)")
    return ax


def plot_sensitivity(table: pd.DataFrame, lever: str | None = None, ax: Axes | None = None) -> Axes:
    """Sobol indices (first-order and total) or Morris effects, with their intervals, for a lever.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`civsim.sensitivity.sobol_indices` or :func:`~civsim.sensitivity.morris_effects`.
    lever : str, optional
        The lever to draw (default: the first).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> t = pd.DataFrame({"lever": "a", "uncertainty": ["x", "y"], "S1": [0.8, 0.1],
    ...                   "S1_conf": [0.1, 0.05], "ST": [0.85, 0.15], "ST_conf": [0.1, 0.05]})
    >>> [round(float(b.get_width()), 2) for b in plot_sensitivity(t).patches]
    [0.8, 0.1, 0.85, 0.15]
    """
    lever = table["lever"].iloc[0] if lever is None else lever
    rows = table[table["lever"] == lever]
    ax = _axes(ax, (7, 1.2 + 0.6 * len(rows)))
    y = np.arange(len(rows))
    if "S1" in rows:
        bars = (("S1", "first-order 一阶"), ("ST", "total 总效应"))
        height = 0.4
        for k, (col, label) in enumerate(bars):
            ax.barh(
                y + (k - 0.5) * height, rows[col], height, xerr=rows[f"{col}_conf"], label=label
            )
        ax.set_xlabel("Sobol index (share of the outcome's variance)")
    else:
        ax.barh(y, rows["mu_star"], 0.6, xerr=rows["mu_star_conf"], label="μ* (mean |effect|)")
        ax.set_xlabel("Morris μ*: mean absolute elementary effect (outcome units)")
    ax.set_yticks(y, rows["uncertainty"])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.legend(frameon=False, loc="lower right")
    ax.set_title(f"Which assumptions decide it, lever {lever}")
    return ax


def plot_levers_across_futures(
    results: pd.DataFrame,
    outcome: str = "cycle_score",
    line: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Each lever's outcome at every point of the experiment, with a target line.

    A dot is one future (a point of the design, its replications averaged); the
    box spans the middle half of the futures. The first lever is drawn in black.

    Parameters
    ----------
    results : pandas.DataFrame
        An experiment's results.
    outcome : str
    line : float, optional
        A target to draw across (the quota line for the cycle score).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> r = pd.DataFrame({"point": [0, 0, 1, 1], "lever": ["a", "b", "a", "b"],
    ...                   "x": [0.1, 0.1, 0.9, 0.9], "variant": list("pqrs"), "seed": 1,
    ...                   "replication": 0, "cycle_score": [86.0, 88.0, 90.0, 89.0]})
    >>> [t.get_text() for t in plot_levers_across_futures(r, line=87.1).get_xticklabels()]
    ['a', 'b']
    """
    means = point_means(results, outcome)
    levers = list(dict.fromkeys(means["lever"]))
    ax = _axes(ax, (1.8 + 1.2 * len(levers), 4.5))
    groups = [means.loc[means["lever"] == lever, outcome].to_numpy() for lever in levers]
    ax.boxplot(groups, positions=range(len(levers)), widths=0.5, showfliers=False)
    jitter = np.random.default_rng(0)  # fixed: the same figure every time
    for i, values in enumerate(groups):
        colour = FIRST_COLOUR if i == 0 else f"C{i}"
        x = i + jitter.uniform(-0.15, 0.15, len(values))
        ax.scatter(x, values, s=14, color=colour, alpha=0.7, zorder=3)
    if line is not None:
        ax.axhline(line, color="firebrick", linestyle="--", linewidth=1, label=f"target {line:.2f}")
        ax.legend(frameon=False)
    ax.set_xticks(range(len(levers)), levers)
    ax.set_ylabel(f"{outcome} (mean over each point's replications)")
    ax.set_title(f"Each lever across {len(groups[0])} futures")
    return ax
