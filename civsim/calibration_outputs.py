"""What a calibration hands over: the overlay scenario, its tables and its figures.

:func:`write_fit` writes into the calibration's folder, beside its stored runs:

``calibrated.yaml``
    a scenario that ``extends`` the input with the fitted values, each with a
    ``sources:`` note (calibrated to which targets on which date, the range not
    ruled out, and whether the targets pin it); a flat parameter keeps the
    scenario's value (:mod:`civsim.identifiability`);
``parameters``
    each parameter's prior range, the range not ruled out, the fitted value
    and the verdict (identified, flat, ridged);
``diagnostics``
    each target: observed with its 95% interval, simulated at the fitted point
    (mean, and the 95% spread of one realisation), the range of the standing
    points' means, the implausibility there and at the scenario as it is;
``points`` and ``not_ruled_out``
    every design point, and those standing, with the outcomes they predict;
``parameters.png`` and ``targets.png``
    the standing region over the parameters, and the targets' intervals.

Tables are written as Parquet and CSV (:func:`civsim.store.publish`).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml
from matplotlib.figure import Figure

from civsim.calibrate import Fit
from civsim.errors import CivsimError
from civsim.plots import use_cjk_font
from civsim.store import publish
from civsim.targets import RANGE_Z

__all__ = [
    "diagnostics",
    "overlay",
    "plot_parameters",
    "plot_targets",
    "summary",
    "write_fit",
]

#: The overlay scenario's file name in the calibration's folder.
OVERLAY = "calibrated.yaml"
#: Implausibilities are drawn up to this multiple of the cut-off (higher ones at the top).
SHOWN_UP_TO = 3


def diagnostics(fit: Fit) -> pd.DataFrame:
    """Each target, observed against simulated, with intervals (see the module docstring)."""
    standing = fit.standing
    rows = []
    for t in fit.targets.targets:
        lo, hi = t.interval()
        mean = float(fit.fitted[t.name])
        spread = RANGE_Z * float(np.sqrt(fit.noise[t.name]))
        rows.append(
            {
                "target": t.name,
                "output": t.output,
                "observed": t.observed,
                "observed_low": lo,
                "observed_high": hi,
                "fitted": mean,
                "fitted_low": mean - spread,
                "fitted_high": mean + spread,
                "standing_low": float(standing[t.name].min()),
                "standing_high": float(standing[t.name].max()),
                "implausibility": float(fit.fitted[f"I_{t.name}"]),
                "as_is": float(fit.as_is[t.name].iloc[0]),
                "as_is_implausibility": float(fit.as_is[f"I_{t.name}"].iloc[0]),
                "source": t.source,
            }
        )
    return pd.DataFrame(rows)


def overlay(fit: Fit, folder: str | Path, targets_file: str, date: datetime.date) -> dict[str, Any]:
    """The overlay scenario as a mapping: ``extends`` the input, the fitted values, ``sources``.

    Raises
    ------
    CivsimError
        If the scenario was not loaded from a file (an overlay extends a file).
    """
    if not fit.scenario.source_file:
        raise CivsimError(f"{fit.scenario.name}: an overlay extends a scenario file; load one")
    base = os.path.relpath(fit.scenario.source_file, Path(folder).resolve())
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    said = f"calibrated to {Path(targets_file).name} ({fit.targets.name}) on {date.isoformat()}"
    for row in fit.parameters.to_dict("records"):
        own = _value(fit, row["parameter"])
        kept = row["status"] == "flat" and row["low"] <= own <= row["high"]
        value = own if kept else _typed(own, row["fitted"])
        if not kept:
            _put(values, row["parameter"], value)
        what = "the scenario's value kept" if kept else f"fitted {value:.4g}"
        if row["status"] == "ridged":
            what += f" (a point on the ridge with {row['partner']})"
        sources[row["parameter"]] = (
            f"{said}: {what}; not ruled out [{row['low']:.4g}, {row['high']:.4g}] of "
            f"[{row['prior_low']:.4g}, {row['prior_high']:.4g}]; {row['status']}"
        )
    return {
        "extends": base,
        "name": f"{fit.scenario.name}_calibrated",
        "description": f"{fit.scenario.name}, {said}.",
        **values,
        "sources": sources,
    }


def _value(fit: Fit, path: str) -> Any:
    from civsim.variants import value_at

    return value_at(fit.scenario, path)


def _typed(own: Any, value: float) -> Any:
    """``value`` as the parameter's type: an integer parameter takes it rounded."""
    return round(value) if isinstance(own, int) else float(value)


def _put(tree: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    for part in parents:
        tree = tree.setdefault(part, {})
    tree[leaf] = value


def plot_parameters(fit: Fit) -> Figure:
    """The design points over each pair of parameters, standing ones in colour.

    One panel per parameter on the diagonal (its values against the largest
    implausibility, the cut-off dashed) and one per pair below it.
    """
    use_cjk_font()
    paths = [p.path for p in fit.priors]
    k = len(paths)
    fig, axes = plt.subplots(k, k, figsize=(3.2 * k + 1, 3.2 * k), squeeze=False)
    points, standing = fit.points, fit.standing
    for i, y in enumerate(paths):
        for j, x in enumerate(paths):
            ax = axes[i][j]
            if j > i:
                ax.set_visible(False)
                continue
            if i == j:
                ax.scatter(
                    points[x],
                    points["implausibility"].clip(upper=SHOWN_UP_TO * fit.settings.cutoff),
                    s=12,
                    c=np.where(points["standing"], "tab:blue", "lightgrey"),
                )
                ax.axhline(fit.settings.cutoff, ls="--", c="k", lw=0.8)
                ax.set_ylabel("largest implausibility")
            else:
                ax.scatter(points[x], points[y], s=10, c="lightgrey", label="ruled out")
                ax.scatter(standing[x], standing[y], s=12, c="tab:blue", label="not ruled out")
                ax.scatter(
                    fit.fitted[x], fit.fitted[y], marker="*", s=120, c="tab:red", label="fitted"
                )
                ax.scatter(fit.as_is[x], fit.as_is[y], marker="x", s=60, c="k", label="as is")
                ax.set_ylabel(_short(y))
            ax.set_xlabel(_short(x))
    if k > 1:
        axes[1][0].legend(fontsize="small")
    fig.suptitle(f"{fit.scenario.name}: points not ruled out by {fit.targets.name}")
    fig.tight_layout()
    return fig


def plot_targets(fit: Fit) -> Figure:
    """Each target: observed and its interval, simulated at the fitted point and as is."""
    use_cjk_font()
    table = diagnostics(fit)
    n = len(table)
    fig, axes = plt.subplots(n, 1, figsize=(7, 1.3 * n + 1), squeeze=False)
    for ax, row in zip(axes[:, 0], table.to_dict("records"), strict=True):
        ax.axvspan(
            row["standing_low"],
            row["standing_high"],
            color="tab:blue",
            alpha=0.15,
            label="standing points' means",
        )
        ax.errorbar(
            row["observed"],
            2,
            xerr=[
                [row["observed"] - row["observed_low"]],
                [row["observed_high"] - row["observed"]],
            ],
            fmt="o",
            c="k",
            capsize=4,
            label="observed",
        )
        ax.errorbar(
            row["fitted"],
            1,
            xerr=row["fitted_high"] - row["fitted"],
            fmt="s",
            c="tab:red",
            capsize=4,
            label="fitted",
        )
        ax.plot(row["as_is"], 0, "x", c="grey", ms=8, label="as is")
        ax.set_yticks([0, 1, 2], ["as is", "fitted", "observed"])
        ax.set_ylim(-0.7, 2.7)
        ax.set_title(f"{row['target']} ({row['output']})", fontsize="medium", loc="left")
    axes[0, 0].legend(fontsize="x-small", loc="upper right")
    fig.tight_layout()
    return fig


def _short(path: str) -> str:
    return path.rsplit(".", 1)[-1]


def write_fit(
    fit: Fit, folder: str | Path, targets_file: str, date: datetime.date | None = None
) -> dict[str, Path]:
    """Write the overlay, the tables and the figures into ``folder``; return their paths."""
    folder = Path(folder)
    date = date or datetime.datetime.now(datetime.UTC).date()
    written: dict[str, Path] = {}
    text = yaml.safe_dump(
        overlay(fit, folder, targets_file, date), allow_unicode=True, sort_keys=False
    )
    path = folder / OVERLAY
    partial = folder / f".partial-{OVERLAY}"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    written["overlay"] = path
    tables = {
        "parameters": fit.parameters,
        "diagnostics": diagnostics(fit),
        "points": fit.points,
        "not_ruled_out": fit.standing,
    }
    publish(folder, tables)
    written.update({name: folder / f"{name}.csv" for name in tables})
    for name, figure in (("parameters", plot_parameters), ("targets", plot_targets)):
        fig = figure(fit)
        fig.savefig(folder / f"{name}.png", dpi=110)
        plt.close(fig)
        written[f"{name}.png"] = folder / f"{name}.png"
    return written


def summary(fit: Fit) -> str:
    """What ``civsim calibrate`` prints: points standing, parameters, diagnostics, predictions."""
    settings = fit.settings
    lines = [
        f"{fit.scenario.name} calibrated to {fit.targets.name}: {len(fit.standing)} of "
        f"{len(fit.points)} points not ruled out (implausibility < {settings.cutoff:g}; "
        f"{settings.waves} waves of {settings.samples} points x {settings.replications} "
        "replications)",
        "",
        "parameters",
    ]
    cols = ["parameter", "prior_low", "prior_high", "low", "high", "fitted", "status"]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        lines.append(fit.parameters[cols].to_string(index=False, float_format="{:.4g}".format))
        lines += [f"  {note}" for note in fit.parameters["note"]]
        lines += ["", "diagnostics"]
        shown = diagnostics(fit).drop(columns=["source", "output"])
        lines.append(shown.to_string(index=False, float_format="{:.4g}".format))
    standing, own = fit.standing, fit.as_is.iloc[0]
    lines += [
        "",
        f"predicted over the standing points: cycle score {standing['cycle_score'].min():.2f} to "
        f"{standing['cycle_score'].max():.2f} (as is {own['cycle_score']:.2f}, fitted "
        f"{fit.fitted['cycle_score']:.2f}); title chance {standing['title'].min():.0%} to "
        f"{standing['title'].max():.0%} (as is {own['title']:.0%}, fitted "
        f"{fit.fitted['title']:.0%})",
    ]
    return "\n".join(lines)
