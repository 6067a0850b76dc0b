"""An experiment's section of the report, read back from its folder (``civsim explore --out``).

:func:`read_exploration` reads the experiment and the tables ``civsim explore``
wrote; :func:`exploration_section` turns them into a
:class:`civsim.report.Section`: the design, each lever across the futures, what
decides each outcome, the Sobol or Morris indices and the discovered box, each
with its figure, and the sentence the executive summary gives on which
assumptions decide the result.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import ValidationError

from civsim.city import place_of
from civsim.errors import CivsimError
from civsim.experiment import Experiment
from civsim.exploration_figures import (
    plot_feature_scores,
    plot_levers_across_futures,
    plot_sensitivity,
)
from civsim.page import Section, figure_html, localise, table_html
from civsim.scenario import Scenario
from civsim.store import DESCRIPTION
from civsim.summary import report_text, share

__all__ = ["Exploration", "exploration_section", "is_exploration", "read_exploration"]

#: Tables ``civsim explore`` may write beside its runs, besides ``results``.
ANALYSES = ("robustness", "feature_scores", "sobol", "morris", "discovery")
#: The outcome the summary's sentence is about.
OUTCOME = "cycle_score"


@dataclass(frozen=True)
class Exploration:
    """An experiment and the tables its folder holds (``results`` and the analyses)."""

    experiment: Experiment
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: the explored city's districts (id, residents); None in a folder written before it was kept
    districts: tuple[tuple[str, int], ...] | None = None

    def other_city(self, baseline: Scenario) -> bool:
        """Whether the explored city is another place than ``baseline``'s (other districts).

        The rule of :func:`civsim.city.other_cities`; unknown (False) for a folder that
        does not say which city it explored.
        """
        return self.districts is not None and self.districts != place_of(baseline)


def is_exploration(folder: str | Path) -> bool:
    """Whether ``folder`` is an experiment's folder (it holds ``experiment.json``)."""
    return (Path(folder) / DESCRIPTION).is_file()


def read_exploration(folder: str | Path) -> Exploration:
    """Read an experiment's folder written by ``civsim explore``.

    Raises
    ------
    CivsimError
        If the description is unreadable or the experiment has not finished
        (no ``results.parquet``: run ``civsim explore`` again to finish it).
    """
    folder = Path(folder)
    try:
        stored = json.loads((folder / DESCRIPTION).read_text(encoding="utf-8"))
        experiment = Experiment.model_validate(stored["experiment"])
        districts = stored.get("districts")
        kept = None if districts is None else tuple((str(i), int(n)) for i, n in districts)
    except (OSError, ValueError, KeyError, TypeError, ValidationError) as exc:
        raise CivsimError(
            f"{folder / DESCRIPTION}: not an experiment's description ({exc})"
        ) from None
    if not (folder / "results.parquet").is_file():
        raise CivsimError(
            f"{folder}: the experiment has not finished (no results.parquet); run "
            "civsim explore again with the same --out to finish it"
        )
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet")
        for name in ("results", *ANALYSES)
        if (folder / f"{name}.parquet").is_file()
    }
    return Exploration(experiment, tables, kept)


def exploration_section(
    exploration: Exploration, lang: str = "zh", line: float | None = None, other_city: bool = False
) -> Section:
    """The report's section on an experiment, and the summary's sentence on what decides.

    Parameters
    ----------
    exploration : Exploration
    lang : {"zh", "en"}
    line : float, optional
        The quota line, drawn across the levers' cycle scores.
    other_city : bool
        The experiment explored another city than the report's baseline
        (:meth:`Exploration.other_city`): the section says so first.

    Returns
    -------
    civsim.report.Section
    """
    t = report_text(lang)
    esc = html.escape
    e, tables = exploration.experiment, exploration.tables
    results = tables["results"]
    points = int(results["point"].nunique())
    ranges = "; ".join(
        f"{u.path} [{u.low:g}, {u.high:g}]" if u.values is None else f"{u.path} {list(u.values)}"
        for u in e.uncertainties
    )
    warn = f'<ul class="warning"><li>{esc(t["explore_other_city"])}</li></ul>'
    body = [warn] if other_city else []
    body += [
        "<p>"
        + esc(
            t["explore_design"].format(
                name=e.name,
                scenario=e.scenario,
                points=points,
                levers=", ".join(lever.name for lever in e.levers),
                reps=e.replications,
                sampler=e.sampler,
                ranges=ranges,
            )
        )
        + "</p>"
    ]
    if "robustness" in tables:
        body += [
            f"<h3>{esc(t['explore_h_robustness'])}</h3>",
            f'<p class="note">{esc(t["explore_note_robustness"])}</p>',
            table_html(tables["robustness"].round(3)),
            figure_html(
                lambda ax: localise(
                    plot_levers_across_futures(results, OUTCOME, line, ax),
                    t["explore_h_robustness"],
                    lang,
                ),
                (2 + 1.2 * len(e.levers), 4.5),
                t["explore_h_robustness"],
            ),
        ]
    if "feature_scores" in tables:
        scores = tables["feature_scores"].set_index("feature")
        body += [
            f"<h3>{esc(t['explore_h_features'])}</h3>",
            f'<p class="note">{esc(t["explore_note_features"])}</p>',
            figure_html(
                lambda ax: localise(plot_feature_scores(scores, ax), t["explore_h_features"], lang),
                (1.6 + 1.1 * len(scores.columns), 1.2 + 0.5 * len(scores)),
                t["explore_h_features"],
            ),
        ]
    for name in ("sobol", "morris"):
        if name in tables:
            body += _indices(name, tables[name], len(e.uncertainties), t, lang)
    if "discovery" in tables:
        body += [f"<h3>{esc(t['explore_h_discovery'])}</h3>", _discovery(tables["discovery"], t)]
    return Section("exploration", t["h_exploration"], "\n".join(body), _drivers(exploration, t))


def _indices(
    name: str, indices: pd.DataFrame, count: int, t: dict[str, str], lang: str
) -> list[str]:
    """The Sobol or Morris table and its figure."""
    esc = html.escape
    return [
        f"<h3>{esc(t[f'explore_h_{name}'])}</h3>",
        f'<p class="note">{esc(t[f"explore_note_{name}"])}</p>',
        table_html(indices.round(3)),
        figure_html(
            lambda ax: localise(plot_sensitivity(indices, ax=ax), t[f"explore_h_{name}"], lang),
            (7, 1.4 + 0.6 * count),
            t[f"explore_h_{name}"],
        ),
    ]


def _discovery(box: pd.DataFrame, t: dict[str, str]) -> str:
    """PRIM's box in words, and its limits."""
    esc = html.escape
    if box.empty:
        return f"<p>{esc(t['explore_no_box'])}</p>"
    first = box.iloc[0]
    text = t["explore_box"].format(
        lever=first["lever"],
        against=first["against"],
        coverage=share(float(first["coverage"])),
        density=share(float(first["density"])),
        cases=share(float(first["cases"])),
    )
    return f"<p>{esc(text)}</p>" + table_html(box[["uncertainty", "low", "high"]].round(4))


def _drivers(exploration: Exploration, t: dict[str, str]) -> str:
    """The summary's sentence: what decides the cycle score, and which lever holds up."""
    tables = exploration.tables
    if "feature_scores" not in tables or OUTCOME not in tables["feature_scores"]:
        return ""
    scores = tables["feature_scores"].set_index("feature")[OUTCOME].sort_values(ascending=False)
    sentence = t["explore_drivers"].format(
        points=int(tables["results"]["point"].nunique()),
        first=scores.index[0],
        first_score=f"{scores.iloc[0]:.2f}",
        second=scores.index[1] if len(scores) > 1 else "—",
        second_score=f"{scores.iloc[1]:.2f}" if len(scores) > 1 else "—",
    )
    if "robustness" in tables:
        robust = tables["robustness"].sort_values("mean_regret").iloc[0]
        sentence += " " + t["explore_drivers_lever"].format(
            lever=robust["lever"],
            regret=f"{robust['mean_regret']:.2f}",
            meets=share(float(robust["meets"])),
        )
    return f"<p>{html.escape(sentence)}</p>"
