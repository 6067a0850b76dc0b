"""The report's words: its text in Chinese and English, and the executive summary.

Every string of the report lives in ``civsim/data/report_text.yaml``, one entry
per key in each of :data:`LANGS`; :func:`report_text` picks a language.
:func:`executive_summary` words the findings of :mod:`civsim.findings` (which
options beat the baseline, by how much, how surely and at what cost; the
settings and assumptions that differ; the warnings) as the report's first section.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Sequence
from importlib import resources

import numpy as np
import pandas as pd
import yaml

from civsim.errors import CivsimError
from civsim.findings import differences, verdicts, warnings
from civsim.plots import WAN
from civsim.results import Comparison
from civsim.scenario import ASSUMPTION, Scenario

__all__ = ["LANGS", "executive_summary", "report_text", "share", "wan", "warning_lines"]

#: The report's languages, the first the default.
LANGS = ("zh", "en")
#: Settings that differ between scenarios listed in the summary; the rest are counted
#: (two other cities can differ in dozens, which would bury the summary).
MAX_DRIVERS = 12


@functools.cache
def _all_text() -> dict[str, dict[str, str]]:
    source = resources.files("civsim") / "data" / "report_text.yaml"
    return yaml.safe_load(source.read_text(encoding="utf-8"))


def report_text(lang: str = "zh") -> dict[str, str]:
    """Every string of the report in one language, by key.

    Raises
    ------
    CivsimError
        If ``lang`` is not one of :data:`LANGS`.

    Examples
    --------
    >>> report_text("en")["h_summary"], report_text("zh")["h_summary"]
    ('Summary and recommendation', '摘要与建议')
    """
    if lang not in LANGS:
        raise CivsimError(f"report language {lang!r}: use one of {', '.join(LANGS)}")
    return {key: text[lang] for key, text in _all_text().items()}


def wan(yuan: float) -> str:
    """Yuan written in 万元 (ten thousand yuan), one decimal.

    Examples
    --------
    >>> wan(12_345_678)
    '1,234.6'
    """
    return f"{yuan / WAN:,.1f}"


def share(x: float) -> str:
    """A share written as a whole percentage, a dash when missing.

    Examples
    --------
    >>> share(0.536), share(float("nan"))
    ('54%', '—')
    """
    return "—" if pd.isna(x) else f"{x:.0%}"


def executive_summary(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    other_cities: Sequence[str],
    assumptions: pd.DataFrame,
    lang: str = "zh",
    drivers: str = "",
    found: pd.DataFrame | None = None,
) -> str:
    """The executive summary as HTML: verdicts, a recommendation, what decides it, warnings.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario
        The compared scenarios, baseline first (for their titles).
    other_cities : sequence of str
        Scenarios of another place than the baseline.
    assumptions : pandas.DataFrame
        :func:`civsim.assumptions.assumptions_table` of the scenarios: the settings that
        differ between them, and the assumptions among those.
    lang : {"zh", "en"}
    drivers : str, optional
        HTML saying which assumptions decide the result, from an exploration;
        without it, what each option changes and which of that is assumed.
    found : pandas.DataFrame, optional
        :func:`civsim.findings.warnings` of the comparison, when already at hand.

    Returns
    -------
    str
    """
    t = report_text(lang)
    esc = html.escape
    titles = {sc.name: sc.title_zh for sc in scenarios}
    v = verdicts(comparison)
    base_title = float(comparison.summary["title_probability"].loc[comparison.baseline])
    items = []
    for r in v.to_dict("records"):
        cost = {
            "same_spend": t["spend_same"],
            "cheaper": t["spend_cheaper"].format(saved=wan(-r["extra_yuan"])),
            "priced": t["spend_priced"].format(
                extra=wan(r["extra_yuan"]), per_point=wan(r["extra_yuan_per_point"])
            ),
        }.get(r["cost"], "")
        items.append(
            t[f"verdict_{r['verdict']}"].format(
                title=esc(titles.get(r["scenario"], r["scenario"])),
                name=esc(r["scenario"]),
                difference=f"{r['difference']:+.2f}",
                loss=f"{-r['difference']:.2f}",
                low=f"{r['difference_low']:+.2f}",
                high=f"{r['difference_high']:+.2f}",
                beat=share(r["beat_share"]),
                title_probability=share(r["title_probability"]),
                base_title=share(base_title),
                cost=esc(cost),
            )
        )
    better = v[v["verdict"] == "better"]
    if v.empty:
        advice = [t["no_options"]]
    elif better.empty:
        advice = [t["recommend_none"]]
    else:
        best = better.sort_values("difference", ascending=False).iloc[0]
        advice = [
            t["recommend_best"].format(
                title=esc(titles.get(best["scenario"], best["scenario"])),
                name=esc(best["scenario"]),
                difference=f"{best['difference']:+.2f}",
            )
        ]
        free = better.loc[better["cost"].isin(["same_spend", "cheaper"]), "scenario"]
        if len(free):
            advice.append(esc(t["recommend_free"].format(names=", ".join(free))))
    advice.append(esc(t["recommend_caveat"]))
    return "\n".join(
        [
            '<div class="summary">',
            f"<h3>{esc(t['h_verdicts'])}</h3>",
            "<ul>" + "".join(f"<li>{i}</li>" for i in items or [esc(t["no_options"])]) + "</ul>",
            f"<h3>{esc(t['h_recommendation'])}</h3>",
            "<p>" + " ".join(advice) + "</p>",
            f"<h3>{esc(t['h_drivers'])}</h3>",
            drivers or _drivers(scenarios, assumptions, t),
            f"<h3>{esc(t['h_warnings'])}</h3>",
            _warnings(comparison, other_cities, scenarios, t, found),
            "</div>",
        ]
    )


def _drivers(scenarios: Sequence[Scenario], table: pd.DataFrame, t: dict[str, str]) -> str:
    """What each option changes against the baseline, and the assumptions among and behind it."""
    esc = html.escape
    changed = differences(scenarios)
    if changed.empty:
        return f"<p>{esc(t['drivers_intro'])}</p><p>{esc(t['drivers_no_settings'])}</p>"
    lines = [
        esc(t["driver_row"].format(**{str(k): v for k, v in r.items()}))
        + (esc(t["driver_assumed_mark"]) if r["assumed"] else "")
        for r in changed.head(MAX_DRIVERS).to_dict("records")
    ]
    if len(changed) > MAX_DRIVERS:
        lines.append(esc(t["drivers_more"].format(n=len(changed) - MAX_DRIVERS)))
    shared = int((table["source"].str.startswith(ASSUMPTION) & (table["scenario"] == "all")).sum())
    assumed = t["drivers_assumed"].format(n=int(changed["assumed"].sum()), shared=shared)
    return "\n".join(
        [
            f"<p>{esc(t['drivers_intro'])}</p>",
            "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>",
            f"<p>{esc(assumed)}</p>",
        ]
    )


def _warnings(
    comparison: Comparison,
    other_cities: Sequence[str],
    scenarios: Sequence[Scenario],
    t: dict[str, str],
    found: pd.DataFrame | None,
) -> str:
    """The warnings of :func:`civsim.findings.warnings`, worded, as an HTML list."""
    lines = warning_lines(comparison, other_cities, scenarios, t, found=found)
    if not lines:
        return f"<p>{html.escape(t['no_warnings'])}</p>"
    return '<ul class="warning">' + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def warning_lines(
    comparison: Comparison,
    other_cities: Sequence[str],
    scenarios: Sequence[Scenario],
    t: dict[str, str],
    plain: bool = False,
    found: pd.DataFrame | None = None,
) -> list[str]:
    """The warnings of :func:`civsim.findings.warnings`, a worded line each.

    Parameters
    ----------
    comparison, other_cities, scenarios
        As :func:`civsim.findings.warnings` takes them.
    t : dict
        The report's text in one language (:func:`report_text`).
    plain : bool
        Plain text for a console (names as they are, nothing bold) instead of
        HTML (names escaped, in bold).
    found : pandas.DataFrame, optional
        :func:`civsim.findings.warnings` of these, when already at hand (it reads every
        order and builds the baseline's city: seconds for a comparison of many runs).

    Returns
    -------
    list of str
        Empty when nothing calls for attention.
    """
    if found is None:
        found = warnings(comparison, other_cities, scenarios)
    name = str if plain else html.escape
    open_orders = comparison.summary["open_orders"]
    lines = []
    # Warnings shared by many scenarios (late orders, unclear gains) read best as one line each.
    for kind, group in found[found["kind"].isin(["late", "unclear"])].groupby("kind", sort=False):
        items = t["list_sep"].join(
            f"<b>{name(str(w['scenario']))}</b>"
            + (f" {share(w['value'])}" if kind == "late" else "")
            for w in group.to_dict("records")
        )
        level = share(group["limit"].iloc[0]) if kind == "late" else ""
        lines.append(t[f"warn_{kind}"].format(items=items, limit=level))
    for w in found[~found["kind"].isin(["late", "unclear"])].to_dict("records"):
        kind = str(w["kind"])
        value: str
        limit: str
        if kind == "large_backlog":
            value, limit = f"{w['value']:.1f}", f"{w['limit']:.0f}"
        elif kind in ("few_reps", "plan_behind"):
            value, limit = f"{w['value']:.0f}", f"{w['limit']:.0f}"
        elif kind in ("grid_workers_misplaced", "staff_not_in_fund"):
            value, limit = f"{w['value']:,.0f}", f"{w['limit']:,.0f}"
        elif kind == "projects_overdue":
            value, limit = f"{w['value']:.1f}", f"{w['limit']:.0f}"
        else:
            value, limit = f"{w['value']:.2f}", f"{w['limit']:.2f}"
        lines.append(
            t[f"warn_{kind}"].format(
                scenario=name(str(w["scenario"])),
                value=value,
                limit=limit,
                open_orders=f"{open_orders.get(w['scenario'], np.nan):,.0f}",
            )
        )
    if plain:  # the texts mark names in bold, which a console does not show
        lines = [line.replace("<b>", "").replace("</b>", "") for line in lines]
    return lines
