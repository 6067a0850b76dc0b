"""What a command says when it is done: a summary as data, as text, and as JSON.

``civsim run``, ``compare``, ``budget`` and ``tasks`` end by printing a short
summary; with ``--json`` they print it as JSON instead (:func:`to_json`), for
scripts: numbers as numbers, a missing or non-finite number as ``null``,
Chinese as it is (not escaped). The summaries are plain dicts built from
the tables the command wrote, so the printed figures and the files agree.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from civsim.results import Comparison
    from civsim.scenario import Scenario

__all__ = [
    "budget_summary",
    "budget_text",
    "check_failures",
    "check_summary",
    "check_text",
    "compare_text",
    "fund_text",
    "generate_text",
    "progress_lines",
    "records",
    "run_text",
    "tasks_summary",
    "tasks_text",
    "to_json",
    "warning_block",
]

#: Columns of the fund check (civsim.fund_value) its text shows.
FUND_SHOWN = [
    "variant",
    "yuan_per_year",
    "modelled_gain",
    "expected_gain",
    "expected_se",
    "cycle_gain",
    "cycle_se",
    "title_change",
    "ratio",
    "within_2x",
]
#: The most loaded units and grid workers a summary lists.
TOP_LOADED = 5


def to_json(summary: Any) -> str:
    """``summary`` as JSON text: numbers as numbers, NaN and infinities as null, UTF-8.

    Tables (DataFrames) become lists of records, numpy scalars Python ones,
    paths strings.

    Examples
    --------
    >>> print(to_json({"区": "东城区", "mean": np.float64("nan"), "n": np.int64(3)}))
    {
      "区": "东城区",
      "mean": null,
      "n": 3
    }
    """
    return json.dumps(_plain(summary), ensure_ascii=False, allow_nan=False, indent=2)


def _plain(value: Any) -> Any:
    """``value`` as what :func:`json.dumps` writes: dicts, lists, str, int, float, bool, None."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, list | tuple | pd.Series | np.ndarray):
        return [_plain(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, Path):
        return str(value)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return value if isinstance(value, str) else str(value)


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``table`` as dicts of plain values (a missing value as None).

    Examples
    --------
    >>> records(pd.DataFrame({"a": [1, 2], "b": [0.5, float("nan")]}))
    [{'a': 1, 'b': 0.5}, {'a': 2, 'b': None}]
    """
    return [
        {str(k): _plain(v) for k, v in zip(table.columns, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def budget_summary(
    scenario: str,
    policy: str,
    summary: pd.DataFrame,
    gains: Mapping[Any, float],
    files: list[Path],
    results_given: bool,
) -> dict[str, Any]:
    """The summary of ``civsim budget``.

    Parameters
    ----------
    scenario, policy : str
        The scenario's name and the allocation policy used.
    summary : pandas.DataFrame
        :func:`civsim.budget.summarise` of the allocation.
    gains : mapping of year to float
        Expected gain (points of 100) of each year's allocation.
    files : list of Path
        The files written.
    results_given : bool
        Whether last years' results were given (``--results``).

    Returns
    -------
    dict
        ``scenario``, ``policy``, ``results_given``, ``years`` (one record a
        year: ``year``, ``yuan``, ``spent_yuan``, ``reserve_yuan``,
        ``unspent_yuan``, ``expected_gain``), ``holders`` (the summary's
        records: yuan by year, level, district and category) and ``files``.
    """
    columns = ["yuan", "spent_yuan", "reserve_yuan", "unspent_yuan"]
    years = summary.groupby("year", sort=True)[columns].sum().reset_index()
    years["expected_gain"] = [float(gains[y]) for y in years["year"]]
    return {
        "scenario": scenario,
        "policy": policy,
        "results_given": results_given,
        "years": records(years),
        "holders": records(summary),
        "files": [str(f) for f in files],
    }


def budget_text(summary: Mapping[str, Any]) -> str:
    """The human summary of ``civsim budget``, from :func:`budget_summary`."""
    holders = pd.DataFrame(summary["holders"])
    pivot = holders.pivot_table(
        index=["level", "district"], columns="year", values="yuan", aggfunc="sum", sort=False
    )
    lines = [
        f"{summary['scenario']}: special fund, policy {summary['policy']}, "
        "yuan by holder and category",
        pivot.map("{:,}".format).to_string(),
    ]
    if summary["policy"] == "performance" and not summary["results_given"]:
        lines.append("no results given (--results): every year uses budget.first_year_policy")
    for y in summary["years"]:
        lines.append(
            f"year {y['year']}: {y['spent_yuan']:,} yuan on units, expected gain "
            f"{y['expected_gain']:.3f} points of 100; {y['reserve_yuan']:,} yuan reserve "
            f"(less than a unit), {y['unspent_yuan']:,} yuan unspent "
            "(every line of its pool at its cap)"
        )
    first, *rest = summary["files"]
    lines.append(f"written: {first}, {', '.join(Path(f).name for f in rest)}")
    return "\n".join(lines)


def tasks_summary(
    scenario: str,
    tasks: int,
    places: int,
    reports: Mapping[str, pd.DataFrame],
    files: list[Path],
) -> dict[str, Any]:
    """The summary of ``civsim tasks``.

    Returns
    -------
    dict
        ``scenario``, ``tasks`` and ``places`` (counts), ``coverage_gaps`` and
        ``conflicts`` (count by kind), ``overloaded`` (count by level, ``unit``
        and ``grid_worker``), ``most_loaded`` (by level, the :data:`TOP_LOADED`
        first records of the workload report), ``grid_staffing`` (from the
        grid staffing report, when given: ``grids_short`` and ``workers_short``,
        the grids lacking workers for their field hours and how many they lack,
        ``grids_with_spare`` and ``spare_workers``, those beyond their grid's
        need) and ``files``.
    """
    load = reports["workload"]
    levels = ("unit", "grid_worker")
    # here, not at the top: the command line starts without the city's modules
    from civsim.staffing import staffing_totals

    staffing = reports.get("grid_staffing")
    return {
        "scenario": scenario,
        "tasks": tasks,
        "places": places,
        "coverage_gaps": _counts(reports["coverage"]["gap"]),
        "conflicts": _counts(reports["conflicts"]["conflict"]),
        "overloaded": {lv: int(load.loc[load["level"] == lv, "overloaded"].sum()) for lv in levels},
        "most_loaded": {lv: records(load[load["level"] == lv].head(TOP_LOADED)) for lv in levels},
        **({} if staffing is None else {"grid_staffing": staffing_totals(staffing)}),
        "files": [str(f) for f in files],
    }


def _counts(kinds: pd.Series) -> dict[str, int]:
    return {str(k): int(n) for k, n in kinds.value_counts().items()}


def tasks_text(summary: Mapping[str, Any], out: str) -> str:
    """The human summary of ``civsim tasks``, from :func:`tasks_summary`."""
    lines = [
        f"{summary['scenario']}: {summary['tasks']:,} tasks at {summary['places']:,} places "
        f"-> {out}"
    ]
    for key, label in (("coverage_gaps", "coverage gaps"), ("conflicts", "conflicts found")):
        found = ", ".join(f"{k} {n:,}" for k, n in summary[key].items()) or "none"
        lines.append(f"{label}: {found}")
    for level, label in (("unit", "units"), ("grid_worker", "grid workers")):
        lines.append(f"most loaded {label} ({summary['overloaded'][level]:,} over capacity):")
        for rec in summary["most_loaded"][level]:
            lines.append(
                f"  {rec['id']:<24} {rec['tasks']:>6,} tasks {rec['hours_per_year']:>9,.0f} h/yr "
                f"load {rec['load']:.2f}"
            )
    if "grid_staffing" in summary:
        g = summary["grid_staffing"]
        lines.append(
            f"grid workers for each grid's field hours: {g['workers_short']:,} short in "
            f"{g['grids_short']:,} grids, {g['spare_workers']:,} beyond the need in "
            f"{g['grids_with_spare']:,} (grid_staffing.csv)"
        )
    return "\n".join(lines)


def fund_text(scenario: str, reps: int, seed: int, table: pd.DataFrame, written: Path) -> str:
    """The human summary of ``civsim fund``: the variants' gains, modelled and simulated."""
    shown = table[FUND_SHOWN].set_index("variant")
    with pd.option_context("display.width", 200, "display.max_columns", None):
        text = shown.to_string(float_format="{:,.4f}".format, na_rep="-")
    return "\n".join(
        [
            f"{scenario}: the fund and its lines, {reps} paired replications, seed {seed}; "
            "gains in cycle points (with minus without)",
            text,
            f"written: {written}",
        ]
    )


def generate_text(name: str, districts: int, grids: float, asked: int, written: Path) -> str:
    """The human summary of ``civsim generate``: the city's size, and why it is bigger if it is.

    A city is built of whole streets, so fewer grids than a street holds get one street.

    Examples
    --------
    >>> generate_text("generated_3", 1, 100.0, 3, Path("city/city.yaml"))
    'generated_3: 1 district, about 100 grids (a city has at least one street) -> city/city.yaml'
    """
    smallest = " (a city has at least one street)" if asked < grids / 2 else ""
    plural = "s" if districts != 1 else ""
    return f"{name}: {districts} district{plural}, about {grids:,.0f} grids{smallest} -> {written}"


def check_summary(checks: pd.DataFrame, out: str | None) -> dict[str, Any]:
    """The summary of ``civsim check``: every check's record, and how many passed and failed.

    Examples
    --------
    >>> r = pd.DataFrame({"check": ["a", "b"], "passed": [True, False]})
    >>> s = check_summary(r, None)
    >>> s["passed"], s["failed"], s["checks"][1]
    (1, 1, {'check': 'b', 'passed': False})
    """
    passed = int(checks["passed"].astype(bool).sum())
    return {"passed": passed, "failed": len(checks) - passed, "checks": records(checks), "out": out}


def check_text(table: pd.DataFrame) -> str:
    """One scenario's reality checks as ``civsim check`` prints them: a row each, pass or FAIL."""
    shown = table.drop(columns=["asserts", "note"])
    shown["passed"] = table["passed"].map({True: "pass", False: "FAIL"})
    with pd.option_context("display.width", 200, "display.max_columns", None):
        return shown.to_string(index=False, na_rep="-", float_format="{:.3f}".format)


def check_failures(failed: pd.DataFrame, total: int) -> str:
    """The line naming the failed checks (scenario: check [item]), out of ``total``.

    Examples
    --------
    >>> failed = pd.DataFrame(
    ...     {"scenario": ["a", "a"], "check": ["no_fund", "lever_directions"], "item": ["", "x"]}
    ... )
    >>> check_failures(failed, 9)
    '2 of 9 checks failed: a: no_fund; a: lever_directions [x]'
    """
    item = failed["item"].map(lambda i: f" [{i}]" if i else "")
    names = (failed["scenario"] + ": " + failed["check"] + item).unique()
    return f"{len(failed)} of {total} checks failed: {'; '.join(names)}"


def run_text(
    name: str,
    reps: int,
    seed: int,
    cycle: Mapping[Any, Any],
    unspent: float | None,
    progress: Sequence[str],
    out: Path,
) -> str:
    """The human summary of ``civsim run``: the cycle score, the title, the fund, the levers.

    ``cycle`` is the scenario's row of :func:`civsim.experiments.summarise`; ``progress``
    the lines of :func:`progress_lines`.

    Examples
    --------
    >>> row = {"mean": 85.9, "low": 85.4, "high": 86.5, "title_probability": 0.25,
    ...        "disqualified": 0.0}
    >>> print(run_text("baseline", 8, 1, row, None, [], Path("out")))
    baseline: 8 replications, seed 1
    cycle score      85.90  (90% interval 85.40 .. 86.50)
    title chance     25%
    disqualified     0%
    tables written   out
    """
    lines = [
        f"{name}: {reps} replications, seed {seed}",
        f"cycle score      {cycle['mean']:.2f}  "
        f"(90% interval {cycle['low']:.2f} .. {cycle['high']:.2f})",
        f"title chance     {cycle['title_probability']:.0%}",
        f"disqualified     {cycle['disqualified']:.0%}",
    ]
    if unspent is not None:
        at_caps = "(every line of its pool at its cap)"
        lines.append(f"fund unspent     {unspent:,.0f} yuan a year {at_caps}")
    return "\n".join([*lines, *progress, f"tables written   {out}"])


#: The creation kinds' words in a summary line.
_CREATIONS = {"unit": "units", "village": "villages", "family": "families", "campus": "campuses"}


def progress_lines(tables: Mapping[str, pd.DataFrame]) -> list[str]:
    """The governance levers' progress in a line each (:func:`civsim.governance_progress.progress`).

    The urban-village plan's coverage against each year's target (and the districts
    behind it), the key projects over the cycle, the creations, the registered volunteers
    against their target and the residents aware and taking part at the cycle's end.

    Examples
    --------
    >>> plan = pd.DataFrame({"year": [1, 2], "covered_share": [0.44, 0.5], "target": [0.4, 0.8],
    ...                      "behind": [0, 1], "behind_list": ["", "d02 50%"]})
    >>> print(progress_lines({"villages": plan})[0])
    urban villages   year 1 44% covered (target 40%); year 2 50% (target 80%), behind: d02 50%
    """
    lines = []
    if "villages" in tables:
        years = "; ".join(
            f"year {r.year} {r.covered_share:.0%}{' covered' if i == 0 else ''} "
            f"(target {r.target:.0%})" + (f", behind: {r.behind_list}" if r.behind else "")
            for i, r in enumerate(tables["villages"].itertuples())
        )
        lines.append(f"urban villages   {years}")
    if "projects" in tables:
        p = tables["projects"][["projects", "on_time", "done_late", "not_done", "held"]].sum()
        lines.append(
            f"key projects     {_count(p['projects'])} assigned, {_count(p['on_time'])} on time, "
            f"{_count(p['done_late'])} late, {_count(p['not_done'])} not done; "
            f"units held to account {_count(p['held'])} (over the cycle)"
        )
    if "levers" in tables:
        levers = tables["levers"]
        last = levers.iloc[-1]
        made = [kind for kind in _CREATIONS if f"created_{kind}" in levers]
        if made:
            named = ", ".join(
                f"{_CREATIONS[kind]} {_count(levers[f'created_{kind}'].sum())}" for kind in made
            )
            lines.append(f"creations        {named} (over the cycle)")
        if "registered" in levers:
            needed = last["recruitment_needed"]
            reach = (
                "no spending would reach it"
                if math.isinf(needed)
                else f"{needed:,.0f} would just reach it"
            )
            lines.append(
                f"volunteers       {last['registered']:,.0f} registered at the end, "
                f"{last['attained']:.0%} of the target; recruitment "
                f"{last['recruitment_yuan']:,.0f} yuan a year per 10,000 residents, {reach}"
            )
        if "awareness" in levers:
            lines.append(
                f"mobilisation     {last['awareness']:.0%} aware, "
                f"{last['participation']:.0%} taking part at the end"
            )
    return lines


def _count(value: float) -> str:
    """A mean count: whole where it is, else to a tenth."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def compare_text(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    other_cities: Sequence[str],
    seed: int,
    lang: str,
    report: Path,
    found: pd.DataFrame | None = None,
) -> str:
    """The human summary of ``civsim compare``: the table, the warnings, where the report is.

    The warnings are the report summary's (:func:`civsim.summary.warning_lines`), so
    that a reader of the console alone learns, say, that an option's spending
    leaves out the people it hires.
    """
    # the report's stack (matplotlib, Jinja2) loads only for the commands that write one
    from civsim.report import comparison_table
    from civsim.summary import report_text

    t = report_text(lang)
    reps = int(comparison.summary["reps"].min())
    lines = [f"{len(scenarios)} scenarios, {reps} replications each, seed {seed}"]
    shown = comparison_table(comparison, lang=lang).drop(columns=[t["col_title"], t["col_reps"]])
    wide = ("display.width", 200, "display.max_columns", None)
    with pd.option_context(*wide, "display.unicode.east_asian_width", True):  # 汉字 fill 2 columns
        lines.append(shown.to_string(index=False, na_rep="-"))
    lines += warning_block(comparison, scenarios, other_cities, lang, found)
    lines.append(f"report written   {report}")
    return "\n".join(lines)


def warning_block(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    other_cities: Sequence[str],
    lang: str,
    found: pd.DataFrame | None = None,
) -> list[str]:
    """The report summary's warnings for a console: a heading and a line each, or nothing.

    ``found``: :func:`civsim.findings.warnings` of these, when already at hand.
    """
    from civsim.summary import report_text, warning_lines

    t = report_text(lang)
    warned = warning_lines(comparison, other_cities, scenarios, t, plain=True, found=found)
    return [f"{t['h_warnings']}:", *(f"- {line}" for line in warned)] if warned else []
