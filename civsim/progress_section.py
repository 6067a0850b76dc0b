"""The report's section on the governance levers' progress, in the page's language.

It sets the tables of :mod:`civsim.governance_progress` (the urban-village plan against
its yearly targets, the key projects and accountability, the creations, registrations
and mobilisation) in the report (:func:`civsim.report.render_report`), each with its
heading and a note on what its columns mean, where a compared scenario runs the levers.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from civsim.governance_progress import progress
from civsim.page import Section, table_html
from civsim.scenario import Scenario
from civsim.sim.tables import RunResult
from civsim.summary import report_text, share

__all__ = ["governance_section"]


def governance_section(
    results: RunResult, scenarios: Sequence[Scenario], lang: str = "zh"
) -> Section | None:
    """The report's section on the levers' progress; None when no scenario runs any of them.

    Parameters
    ----------
    results : RunResult
        The comparison's results (every scenario's tables).
    scenarios : sequence of Scenario
        The compared scenarios, for the plan's targets.
    lang : {"zh", "en"}
    """
    t = report_text(lang)
    tables = progress(results, scenarios)
    if not tables:
        return None
    body = []
    if "villages" in tables:
        villages = tables["villages"]
        shown = villages.drop(columns=["replications", "districts"]).assign(
            villages=villages["villages"].round(1),
            target=villages["target"].map(share),
            due=villages["due"].round(1),
            covered=villages["covered"].round(1),
            covered_share=villages["covered_share"].map(share),
            behind=villages["behind"].astype(str) + " / " + villages["districts"].astype(str),
            behind_list=villages["behind_list"].replace("", "—"),  # none behind
        )
        body += _part(t, "villages", shown, _reps(villages))
    if "projects" in tables:
        projects = tables["projects"]
        body += _part(
            t, "projects", projects.drop(columns="replications").round(1), _reps(projects)
        )
    if "levers" in tables:
        levers = tables["levers"]
        shown = levers.drop(columns="replications")
        for column in shown.columns[2:]:
            values = shown[column]
            if column.startswith("created_"):
                shown[column] = values.round(1)
            elif column in ("registered", "registration_target", "recruitment_yuan"):
                shown[column] = [_whole(v) for v in values]
            elif column == "recruitment_needed":
                shown[column] = [t["gov_unreachable"] if v == np.inf else _whole(v) for v in values]
            else:  # shares of the target or of the residents
                shown[column] = values.map(share)
        body += _part(t, "levers", shown, _reps(levers))
    return Section("governance", t["h_governance"], "\n".join(body))


def _part(t: dict[str, str], key: str, shown: pd.DataFrame, reps: str) -> list[str]:
    """A part of the section: its heading, its note and its table, headers in the page's words."""
    shown = shown.set_axis([t[f"gov_col_{c}"] for c in shown.columns], axis="columns")
    return [
        f"<h3>{html.escape(t[f'gov_h_{key}'])}</h3>",
        f'<p class="note">{html.escape(t[f"gov_note_{key}"].format(reps=reps))}</p>',
        table_html(shown),
    ]


def _whole(value: float) -> str:
    """A count written whole with thousands separators; a dash where there is none."""
    return "—" if pd.isna(value) else f"{value:,.0f}"


def _reps(table: pd.DataFrame) -> str:
    """The replications a table's means rest on: one number, or their range."""
    low, high = int(np.min(table["replications"])), int(np.max(table["replications"]))
    return str(low) if low == high else f"{low}-{high}"
