"""The figure of the published civilization index (文明指数) by district.

Kept beside :mod:`civsim.plots` (whose functions it follows: ``ax=None`` in,
the axes out, never ``plt.show()``) because that module is at its size limit.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from civsim.errors import CivsimError
from civsim.plots import use_cjk_font
from civsim.sim.mechanisms.civilization_index import INDEX
from civsim.sim.tables import RunResult

__all__ = ["plot_civilization_index"]

#: Share of replications in which a district's effort was raised for the dot to show.
RAISED_IN = 0.5


def plot_civilization_index(
    results: RunResult, ax: Axes | None = None, scenario=None, which: str | None = None
) -> Axes:
    """The published civilization index of each district over the cycle.

    One line per district: its index at each publication, the mean over
    replications; a dot where the 比学赶超 feedback raised the district's effort
    in at least :data:`RAISED_IN` of the replications.

    Parameters
    ----------
    results : RunResult
        Replications of a scenario that publishes the index
        (``simulation.evaluation.civilization_index``).
    ax : matplotlib.axes.Axes, optional
    scenario : Scenario, optional
        Labels districts by their Chinese names.
    which : str, optional
        The scenario to draw (default: the first in ``results``).

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    CivsimError
        If the results hold no published index (of that scenario).
    """
    use_cjk_font()
    table = results.civilization_index
    if not table.empty:
        name = table["scenario"].iloc[0] if which is None else which
        table = table[(table["scenario"] == name) & (table["dimension"] == INDEX)]
    if table.empty:
        raise CivsimError("no civilization index was published in these results")
    by = table.groupby(["day", "district"], observed=True)
    mean = by["score"].mean().unstack("district")
    raised = by["raised"].mean().unstack("district") >= RAISED_IN
    names = {d.id: d.name_zh for d in scenario.territory.districts} if scenario else {}
    if ax is None:
        _, ax = plt.subplots(figsize=(10, 4.5))
    for district in mean.columns:
        (line,) = ax.plot(mean.index, mean[district], lw=1.2, label=names.get(district, district))
        up = raised[district].to_numpy()
        ax.plot(mean.index[up], mean[district].to_numpy()[up], "o", ms=3, color=line.get_color())
    ax.set_xlabel("day of the cycle (dots: effort raised after a low rank, 比学赶超)")
    ax.set_ylabel("index (0-100: share of the field points expected)")
    ax.set_title("文明指数 Civilization index by district, as published (mean of replications)")
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
