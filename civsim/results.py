"""Results of many runs: reading saved runs, stacking them, and comparing scenarios.

A :class:`RunResult` holds one or more replications of one scenario; every
table carries ``scenario`` and ``replication`` columns, so results of many runs
concatenate into one table aligned on the same keys.

Their tables and columns are listed in :mod:`civsim.sim.tables`, where a run's
result is built.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civsim.allocation import UNSPENT
from civsim.errors import CivsimError
from civsim.sim.mechanisms.civilization_index import INDEX
from civsim.sim.tables import LATER_TABLES, TABLES, RunResult

__all__ = [
    "TABLES",
    "Comparison",
    "RunResult",
    "build_comparison",
    "concat_results",
    "load_results",
    "replication_rows",
    "summarise",
]


def load_results(folder: str | Path) -> tuple[RunResult, dict[str, Any]]:
    """Read tables and metadata written by :meth:`RunResult.save`.

    Raises
    ------
    CivsimError
        If a table or the metadata is missing.
    """
    folder = Path(folder)
    there = {n for n in TABLES if (folder / f"{n}.parquet").is_file()}
    missing = [n for n in TABLES if n not in there and n not in LATER_TABLES]
    if missing or not (folder / "metadata.json").is_file():
        what = ", ".join(missing) or "metadata.json"
        raise CivsimError(f"{folder}: not a civsim results folder (missing {what})")
    # a folder written before a later table existed reads it as empty
    # a folder holds one scenario: its name read as a category, not as a string a row (a
    # comparison's orders run to tens of millions of rows, 0.9 GB of names in the demo's)
    tables = {
        n: pd.read_parquet(folder / f"{n}.parquet", read_dictionary=["scenario"])
        for n in TABLES
        if n in there
    }
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    return RunResult(**tables), meta


def concat_results(results: list[RunResult]) -> RunResult:
    """Stack the tables of several results (replications or scenarios)."""
    if not results:
        raise CivsimError("no results to combine")
    return RunResult(**{name: _concat([getattr(r, name) for r in results]) for name in TABLES})


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack tables, keeping categorical columns categorical (over the union of categories).

    Plain ``pd.concat`` turns categoricals with different categories into
    object columns, which multiplies the memory of many replications.
    """
    parts = [p for p in parts if len(p.columns)]
    if not parts:
        return pd.DataFrame()
    for col in parts[0].columns:
        cats = [
            p[col].cat.categories for p in parts if isinstance(p[col].dtype, pd.CategoricalDtype)
        ]
        if len(cats) == len(parts) and any(not c.equals(cats[0]) for c in cats):
            union = cats[0].append(cats[1:]).unique()
            parts = [p.assign(**{col: p[col].cat.set_categories(union)}) for p in parts]
    return pd.concat(parts, ignore_index=True)


#: Columns of a comparison's summary, in order (before ``quota_score``).
SUMMARY_COLUMNS = (
    "reps",
    "mean",
    "low",
    "high",
    "difference",
    "difference_low",
    "difference_high",
    "title_probability",
    "disqualified",
    "yuan",
    "unspent_yuan",
    "extra_yuan",
    "extra_yuan_per_point",
    "satisfaction",
    "open_orders",
    "late_share",
    "keep_chance",
    "years_held",
    "years_held_low",
    "years_held_high",
    "precondition_passed",
    "index_spread",
    "index_worst",
)
#: Re-check outcomes of a year a holder entered with the title
#: (:mod:`civsim.sim.mechanisms.title_holder`).
RECHECKED = ("kept", "warned", "stripped")
#: Of those, the ones that kept the title.
KEPT = ("kept", "warned")
#: Statuses of orders still open at the end of the cycle.
OPEN_STATUSES = ("open", "open_late")
#: Statuses of orders that missed their deadline (closed late or still open past it).
LATE_STATUSES = ("closed_late", "open_late")
#: Mean spends closer than this (yuan) are the same spend: money is spent in whole yuan, so
#: two scenarios that spend alike differ only by the float rounding of their means.
SAME_SPEND_YUAN = 0.5


@dataclass(frozen=True)
class Comparison:
    """Scenarios run on common random numbers, side by side.

    Attributes
    ----------
    results : RunResult
        Every scenario's tables, concatenated (keyed by ``scenario``).
    baseline : str
        The scenario the others are compared against (the first).
    replications : pandas.DataFrame
        One row per scenario and replication: ``scenario, replication,
        cycle_score, difference`` (against the baseline's same replication),
        ``title, disqualified, yuan`` (spent over the cycle), ``unspent_yuan``
        (allocated over the cycle to pools whose every line is at its cap,
        :data:`civsim.allocation.UNSPENT`), ``satisfaction``
        (mean of the annual questionnaires, 0..1), ``open_orders`` (still open
        at the end) and ``late_share`` (orders closed late or open past their
        deadline, of all orders; NaN without orders), ``rechecks`` and
        ``kept`` (a holder's re-checks faced and passed; 0 for a nominee),
        ``years_held`` (a holder's years with the title; NaN for a nominee) and
        ``precondition_passed`` (the minors' precondition over the cycle; NaN
        where the minors' assessment is off), ``index_spread`` and
        ``index_worst`` (the published civilization index: best less worst
        district, and the worst district's index, 0..100, each the mean over
        the publications; NaN where the index is not published).
    summary : pandas.DataFrame
        One row per scenario, in the order given: ``reps, mean, low, high``
        (cycle score and its central interval), ``difference,
        difference_low, difference_high`` (paired difference against the
        baseline: per-replication differences, then their mean and quantiles),
        ``title_probability, disqualified, yuan, unspent_yuan``, ``extra_yuan``
        (mean yuan spent over the cycle minus the baseline's), ``extra_yuan_per_point``
        (``extra_yuan`` / ``difference``: what each point gained over the baseline
        costs on top of the baseline's spending; NaN for the baseline, where the
        option spends no more than the baseline (``extra_yuan`` tells: the same
        spend, or cheaper), and where the difference's interval does not lie above
        zero, since then no gain is shown to be bought), ``satisfaction,
        open_orders, late_share`` (means over replications), ``keep_chance``
        (a holder's yearly chance of keeping the title: re-checks passed over
        re-checks faced, pooled over replications; NaN for a nominee),
        ``years_held, years_held_low, years_held_high`` (a holder's years with
        the title, mean and central interval over replications),
        ``precondition_passed`` (share of replications whose cycle passed the
        minors' precondition), ``index_spread, index_worst`` (means over
        replications: how far apart the districts stand in the published
        index, and where the last stands; 比学赶超 feedback should narrow the one
        and raise the other) and ``quota_score`` (see :func:`civsim.experiments.quota_score`).
    """

    results: RunResult
    baseline: str
    replications: pd.DataFrame
    summary: pd.DataFrame

    @property
    def scenarios(self) -> list[str]:
        """The scenarios' names, baseline first."""
        return self.summary.index.tolist()

    def tables(self) -> dict[str, pd.DataFrame]:
        """The comparison tables by name (the summary with its scenario column)."""
        return {
            "comparison_summary": self.summary.reset_index(),
            "comparison_replications": self.replications,
        }


def summarise(cycles: pd.DataFrame, interval: float = 0.90) -> pd.DataFrame:
    """Cycle-score mean and central interval, and title probability, per scenario.

    Parameters
    ----------
    cycles : pandas.DataFrame
        A ``cycle`` table (one row per scenario and replication).
    interval : float
        Width of the central interval.

    Returns
    -------
    pandas.DataFrame
        Indexed by scenario: ``reps``, ``mean``, ``low``, ``high``,
        ``title_probability``, ``disqualified``.

    Examples
    --------
    >>> cyc = pd.DataFrame({"scenario": "a", "cycle_score": [80.0, 90.0],
    ...                     "title": [False, True], "disqualified": False})
    >>> summarise(cyc).loc["a", ["mean", "title_probability"]].tolist()
    [85.0, 0.5]
    """
    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    g = cycles.groupby("scenario", sort=False)
    return pd.DataFrame(
        {
            "reps": g.size(),
            "mean": g["cycle_score"].mean(),
            "low": g["cycle_score"].quantile(lo),
            "high": g["cycle_score"].quantile(hi),
            "title_probability": g["title"].mean(),
            "disqualified": g["disqualified"].mean(),
        }
    )


def replication_rows(results: RunResult) -> pd.DataFrame:
    """What a comparison reads from each replication, one row per scenario and replication.

    Parameters
    ----------
    results : RunResult

    Returns
    -------
    pandas.DataFrame
        ``scenario, replication, cycle_score, title, disqualified, yuan,
        unspent_yuan, satisfaction, open_orders, late_share, rechecks, kept,
        years_held, precondition_passed, index_spread, index_worst`` (as in
        :class:`Comparison`'s ``replications``, without the difference, which
        needs the baseline), in the order of ``results``.
    """
    cyc = results.cycle
    keys = ["scenario", "replication"]
    per = cyc[[*keys, "cycle_score", "title", "disqualified"]].copy()
    flags = results.orders[keys].assign(
        open_orders=results.orders["status"].isin(OPEN_STATUSES).astype("int64"),
        late_share=results.orders["status"].isin(LATE_STATUSES).astype(float),
    )
    by_orders = flags.groupby(keys).agg({"open_orders": "sum", "late_share": "mean"})
    alloc = results.allocation
    unspent = (
        alloc[alloc["line"] == UNSPENT].groupby(keys)["yuan"].sum().rename("unspent_yuan")
        if len(alloc)
        else pd.Series(dtype="int64", name="unspent_yuan")
    )
    extra = pd.concat(
        [
            results.spend.groupby(keys)["yuan"].sum(),
            unspent,
            _mean_by(results.annual, keys, "satisfaction"),
            by_orders,
        ],
        axis=1,
    )
    per = per.merge(extra, left_on=keys, right_index=True, how="left")
    per = per.merge(_holder_outcomes(results), left_on=keys, right_index=True, how="left")
    per = per.merge(_index_outcomes(results), left_on=keys, right_index=True, how="left")
    per = per.fillna({"yuan": 0, "unspent_yuan": 0, "open_orders": 0}).astype(
        {"yuan": "int64", "unspent_yuan": "int64", "open_orders": "int64"}
    )
    per["scenario"] = per["scenario"].astype(str)
    return per.reset_index(drop=True)


def build_comparison(
    results: RunResult,
    quota_scores: dict[str, float],
    interval: float = 0.90,
    rows: pd.DataFrame | None = None,
) -> Comparison:
    """Compare the scenarios in ``results``, the first one being the baseline.

    Parameters
    ----------
    results : RunResult
        Replications ``0..n-1`` of each scenario, all run with the same seed.
    quota_scores : dict of str to float
        Each scenario's quota line (cycle score), for the summary.
    interval : float
        Width of the central intervals.
    rows : pandas.DataFrame, optional
        :func:`replication_rows` of every replication, when ``results`` holds the
        tables of only some of them (a comparison of many replications keeps
        their rows, and the tables of the first few: :func:`civsim.experiments.compare`).
        The replications and the summary are built from these rows.

    Returns
    -------
    Comparison

    Raises
    ------
    CivsimError
        If the scenarios do not share the same replications (differences
        could not be paired).
    """
    per = replication_rows(results) if rows is None else rows.reset_index(drop=True)
    names = list(dict.fromkeys(per["scenario"]))
    if not names:
        raise CivsimError("no scenarios to compare")
    keys = ["scenario", "replication"]
    reps = {n: sorted(g["replication"]) for n, g in per.groupby("scenario", sort=False)}
    if any(r != reps[names[0]] for r in reps.values()):
        raise CivsimError("scenarios must share their replications to be compared pairwise")
    base = per[per["scenario"] == names[0]].set_index("replication")["cycle_score"]
    per.insert(3, "difference", per["cycle_score"] - per["replication"].map(base))
    per["scenario"] = pd.Categorical(per["scenario"], categories=names)
    per = per.sort_values(keys, ignore_index=True)

    lo, hi = (1 - interval) / 2, 1 - (1 - interval) / 2
    g = per.groupby("scenario", observed=True, sort=True)
    diff = g["difference"].mean()
    diff_low = g["difference"].quantile(lo)
    yuan = g["yuan"].mean()
    extra_yuan = yuan - yuan.iloc[0]  # the baseline is the first category
    summary = summarise(per, interval).assign(
        difference=diff,
        difference_low=diff_low,
        difference_high=g["difference"].quantile(hi),
        yuan=yuan,
        unspent_yuan=g["unspent_yuan"].mean(),
        extra_yuan=extra_yuan,
        # A price only where extra money buys a gain told apart from zero: dividing the
        # whole fund, or a gain whose interval crosses zero, gives a figure that misleads.
        extra_yuan_per_point=(extra_yuan / diff).where(
            (diff_low > 0) & (extra_yuan >= SAME_SPEND_YUAN)
        ),
        satisfaction=g["satisfaction"].mean(),
        open_orders=g["open_orders"].mean(),
        late_share=g["late_share"].mean(),
        keep_chance=(g["kept"].sum() / g["rechecks"].sum()).where(g["rechecks"].sum() > 0),
        years_held=g["years_held"].mean(),
        years_held_low=g["years_held"].quantile(lo),
        years_held_high=g["years_held"].quantile(hi),
        precondition_passed=g["precondition_passed"].mean(),
        index_spread=g["index_spread"].mean(),
        index_worst=g["index_worst"].mean(),
    )[list(SUMMARY_COLUMNS)]
    summary.index = pd.Index(names, name="scenario")
    summary["quota_score"] = [quota_scores.get(n, np.nan) for n in names]
    per["scenario"] = per["scenario"].astype(str)
    return Comparison(results=results, baseline=names[0], replications=per, summary=summary)


def _holder_outcomes(results: RunResult) -> pd.DataFrame:
    """Per scenario and replication: re-checks faced and passed, years held, the precondition.

    Examples
    --------
    >>> annual = pd.DataFrame({"scenario": "h", "replication": 0, "year": [1, 2, 3],
    ...                        "title_status": ["warned", "stripped", "lost"]})
    >>> cycle = pd.DataFrame({"scenario": ["h"], "replication": [0], "years_held": [1]})
    >>> r = RunResult(*[pd.DataFrame()] * 4, annual, cycle, *[pd.DataFrame()] * 4)
    >>> _holder_outcomes(r).iloc[0].tolist()
    [2.0, 1.0, 1.0, nan]
    """
    keys = ["scenario", "replication"]
    cyc = results.cycle.set_index(keys)
    out = pd.DataFrame(index=cyc.index)
    status = results.annual.get("title_status")
    if status is None:
        out["rechecks"] = out["kept"] = 0.0
    else:
        flags = results.annual[keys].assign(
            rechecks=status.isin(RECHECKED).astype(float), kept=status.isin(KEPT).astype(float)
        )
        out = out.join(flags.groupby(keys)[["rechecks", "kept"]].sum())
    for col in ("years_held", "precondition_passed"):
        out[col] = cyc[col].astype(float) if col in cyc else np.nan
    return out.fillna({"rechecks": 0.0, "kept": 0.0})


def _index_outcomes(results: RunResult) -> pd.DataFrame:
    """Per scenario and replication: the published index's spread and its worst district.

    Both are means over the publications of the index (not its dimensions); a
    scenario that publishes no index gets no row (NaN once merged).

    Examples
    --------
    >>> ci = pd.DataFrame({"scenario": "p", "replication": 0, "day": [30, 30, 60, 60],
    ...                    "district": ["a", "b", "a", "b"], "dimension": "index",
    ...                    "score": [70.0, 80.0, 75.0, 78.0]})
    >>> r = RunResult(*[pd.DataFrame()] * 12, civilization_index=ci)
    >>> _index_outcomes(r).iloc[0].tolist()
    [6.5, 72.5]
    """
    keys = ["scenario", "replication"]
    ci = results.civilization_index
    ci = ci[ci["dimension"] == INDEX] if len(ci) else pd.DataFrame(columns=[*keys, "day", "score"])
    # plain columns: a categorical scenario would give a row to every scenario
    by_day = ci.astype({"scenario": str, "score": float}).groupby([*keys, "day"])["score"]
    per_day = pd.DataFrame(
        {"index_spread": by_day.max() - by_day.min(), "index_worst": by_day.min()}
    )
    return pd.DataFrame(
        {c: _mean_by(per_day.reset_index(), keys, c) for c in per_day.columns}, dtype=float
    )


def _mean_by(table: pd.DataFrame, keys: list[str], column: str) -> pd.Series:
    """Each group's mean of ``column``, summed in table order by numpy.

    The same bits whichever other groups share the table: a replication's row
    does not depend on being computed alone, in its scenario's run or in a
    comparison (pandas' grouped mean can differ in the last bit between these).

    Examples
    --------
    >>> t = pd.DataFrame({"s": ["a", "a", "a", "b"], "x": [0.906, 0.9125, 0.9095, 1.0]})
    >>> _mean_by(t, ["s"], "x").tolist() == [sum([0.906, 0.9125, 0.9095]) / 3, 1.0]
    True
    """
    if not len(table):
        empty = pd.MultiIndex.from_arrays([[]] * len(keys), names=keys)
        return pd.Series(dtype=float, name=column, index=empty)
    grouped = table.groupby(keys, observed=True, sort=True)[column]
    return grouped.agg(lambda v: float(np.sum(v.to_numpy(dtype=float)) / len(v)))
