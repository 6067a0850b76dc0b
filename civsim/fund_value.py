"""What the special fund buys: each line's modelled gain beside its simulated gain.

The optimiser maximises the gain model of :mod:`civsim.gains`; this module
checks that model against the simulation, on common random numbers. Every
variant runs replications ``0..reps-1`` from the same seed as the baseline,
so each difference is paired:

- ``fund``: the allocation without any line (every yuan left unspent);
- ``line:<id>``: the allocation without that line, everything else as it was;
- ``double``: the fund doubled, allocated again by the same policy.

A line's simulated gain is the baseline's score minus the score without it
(for ``double``: the doubled fund's score minus the baseline's), measured two
ways per replication:

- ``cycle_gain``: the cycle score, as the evaluation drew it (the inspection's
  sample of places, the households surveyed, the negative list): what counts,
  but noisy (a paired standard deviation of about 0.1 point in the baseline);
- ``expected_gain``: the cycle score the evaluation expects on the same days,
  read from the shadow score (:mod:`civsim.sim.tables`): the field score
  averaged over the inspection window (the city does not know the visit day),
  the survey and material scores on their days, weighted by year. It has no
  sampling noise, so gains of hundredths of a point can be told from zero.

The modelled gain is :func:`civsim.budget.expected_gain` of the removed (or
added) units, the mean over the cycle's years: the cycle points the gain model
promises. A policy linked to results (``performance``) is held at its
first-year policy, so removing a line changes nothing else.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from civsim.allocation import RESERVE, UNSPENT
from civsim.budget import allocate_cycle, expected_gain
from civsim.checkpoints import CITY
from civsim.errors import CivsimError
from civsim.experiments import Executor, replicate
from civsim.results import RunResult
from civsim.scenario import Scenario
from civsim.sim import Prepared, prepare
from civsim.sim.mechanisms import materials

__all__ = ["METHODS", "expected_cycle_parts", "expected_cycle_score", "fund_value"]

#: Agreement the issue asks of the gain model: modelled and simulated within this factor.
AGREEMENT_FACTOR = 2.0
#: A simulated gain counts as resolved when it is this many standard errors from zero.
RESOLVED_SE = 2.0


def fund_value(
    scenario: Scenario,
    reps: int,
    seed: int | None = None,
    lines: list[str] | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
) -> pd.DataFrame:
    """Remove the whole fund, then each line, then double the fund: modelled vs simulated gain.

    Parameters
    ----------
    scenario : Scenario
        Must have a budget.
    reps : int
        Replications per variant (the baseline's too), >= 2.
    seed : int, optional
        Master seed of every variant; the scenario's own when not given.
    lines : list of str, optional
        Lines to remove one by one (default: every funded line).
    executor, workers
        As for :func:`civsim.experiments.replicate`.

    Returns
    -------
    pandas.DataFrame
        One row per variant (``fund``, ``line:<id>``..., ``double``), columns:
        ``variant``, ``line`` (the line, or empty), ``yuan_per_year`` (removed
        or added), ``units_per_year``; ``modelled_gain`` (cycle points, the
        gain model); ``cycle_gain``, ``cycle_sd``, ``cycle_se`` (mean, standard
        deviation and standard error of the paired cycle-score differences);
        ``expected_gain``, ``expected_se`` (the same for the expected cycle
        score); ``title_change`` (title share with minus without);
        ``ratio`` (modelled / expected gain); ``resolved`` (the expected gain
        is at least :data:`RESOLVED_SE` standard errors from zero);
        ``expected_field_gain``, ``expected_survey_gain``,
        ``expected_material_gain`` and their ``_se``: the expected gain split
        by the method it reaches the score through (they add up to
        ``expected_gain``: :func:`expected_cycle_parts`);
        ``within_2x`` (resolved and ``1/2 <= ratio <= 2``; NA when not
        resolved); ``per_10k_yuan`` columns for both gains; ``reps``.

    Raises
    ------
    CivsimError
        If the scenario has no budget, ``reps`` < 2, or a named line is not funded.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> table = fund_value(county, 2, lines=["community_publicity"])
    >>> table["variant"].tolist()
    ['fund', 'line:community_publicity', 'double']
    """
    if scenario.budget is None:
        raise CivsimError(f"scenario {scenario.name!r} has no budget to value")
    if reps < 2:
        raise CivsimError(f"a paired standard error needs at least 2 replications, got {reps}")
    scenario = _fixed_policy(scenario)
    allocation = allocate_cycle(scenario)
    funded = allocation[(allocation["units"] > 0) & ~allocation["line"].isin([RESERVE, UNSPENT])]
    names = lines if lines is not None else sorted(funded["line"].unique())
    if lines is not None and (not lines or len(set(lines)) < len(lines)):
        # an empty list would value the fund alone, a repeat would run a line twice
        raise CivsimError(f"lines to remove: expected each line once, at least one, got {lines}")
    unknown = sorted(set(names) - set(funded["line"]))
    if unknown:
        raise CivsimError(f"lines not funded in the allocation: {', '.join(unknown)}")
    seed = scenario.seed if seed is None else seed
    base = prepare(scenario, allocation=allocation)
    inputs = base.budget_inputs
    assert inputs is not None  # the scenario has a budget, checked above
    years = scenario.cycle.years

    def run(prep: Prepared) -> pd.DataFrame:
        result = replicate(
            prep, reps, seed=seed, executor=executor, workers=workers, progress=False
        )
        return _outcomes(result, prep.scenario)

    def modelled(table: pd.DataFrame) -> float:
        return sum(expected_gain(t, inputs) for _, t in table.groupby("year")) / years

    with_all = run(base)
    rows = []
    variants = [("fund", "", funded)] + [
        (f"line:{name}", name, funded[funded["line"] == name]) for name in names
    ]
    for variant, line, removed in variants:
        without = allocation.drop(index=removed.index)
        prep = prepare(scenario, allocation=without, city=base.city)
        rows.append(_row(variant, line, removed, modelled(removed), with_all, run(prep), years))
    budget = scenario.budget
    assert budget is not None  # checked above; the fixed policy keeps it
    doubled_sc = scenario.model_copy(
        update={"budget": budget.model_copy(update={"total_yuan": 2 * budget.total_yuan})}
    )
    doubled = allocate_cycle(doubled_sc)
    added = modelled(doubled) - modelled(funded)
    prep = prepare(doubled_sc, allocation=doubled, city=base.city)
    spent = doubled[~doubled["line"].isin([RESERVE, UNSPENT])]
    row = _row("double", "", spent, added, run(prep), with_all, years)
    row["yuan_per_year"] -= float(funded["yuan"].sum()) / years
    row["units_per_year"] -= float(funded["units"].sum()) / years
    rows.append(row)
    return _finish(pd.DataFrame(rows), reps)


def _fixed_policy(scenario: Scenario) -> Scenario:
    """The scenario with a performance-linked policy held at its first-year policy."""
    budget = scenario.budget
    assert budget is not None
    if budget.policy != "performance":
        return scenario
    return scenario.model_copy(
        update={"budget": budget.model_copy(update={"policy": budget.first_year_policy})}
    )


def _row(
    variant: str,
    line: str,
    units: pd.DataFrame,
    modelled: float,
    with_: pd.DataFrame,
    without: pd.DataFrame,
    years: int,
) -> dict:
    """One variant's row: paired differences ``with_ - without`` per replication."""
    diff = with_ - without
    n = len(diff)
    return {
        "variant": variant,
        "line": line,
        "yuan_per_year": float(units["yuan"].sum()) / years,
        "units_per_year": float(units["units"].sum()) / years,
        "modelled_gain": modelled,
        "cycle_gain": float(diff["cycle_score"].mean()),
        "cycle_sd": float(diff["cycle_score"].std(ddof=1)),
        "cycle_se": float(diff["cycle_score"].std(ddof=1) / np.sqrt(n)),
        "expected_gain": float(diff["expected_score"].mean()),
        "expected_se": float(diff["expected_score"].std(ddof=1) / np.sqrt(n)),
        "title_change": float(diff["title"].mean()),
        **{f"expected_{m}_gain": float(diff[f"expected_{m}"].mean()) for m in METHODS},
        **{
            f"expected_{m}_se": float(diff[f"expected_{m}"].std(ddof=1) / np.sqrt(n))
            for m in METHODS
        },
    }


def _finish(out: pd.DataFrame, reps: int) -> pd.DataFrame:
    """Ratios, agreement and per-10,000-yuan columns."""
    sim = out["expected_gain"]
    out["ratio"] = (out["modelled_gain"] / sim).where(sim != 0)
    out["resolved"] = sim.abs() >= RESOLVED_SE * out["expected_se"]
    agree = out["ratio"].between(1 / AGREEMENT_FACTOR, AGREEMENT_FACTOR)
    out["within_2x"] = agree.astype("boolean").mask(~out["resolved"])
    per_10k = 10_000 / out["yuan_per_year"].where(out["yuan_per_year"] > 0)
    for col in ("modelled_gain", "cycle_gain", "expected_gain"):
        out[col.replace("_gain", "_per_10k_yuan")] = out[col] * per_10k
    out["reps"] = reps
    return out


def _outcomes(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """Per replication: the cycle score, the title (0/1) and the expected cycle score."""
    cyc = result.cycle.set_index("replication")
    parts = expected_cycle_parts(result, scenario)
    return pd.DataFrame(
        {
            "cycle_score": cyc["cycle_score"].astype(float),
            "title": cyc["title"].astype(float),
            "expected_score": parts.sum(axis=1),
            **{f"expected_{m}": parts[m] for m in METHODS},
        }
    )


def expected_cycle_score(result: RunResult, scenario: Scenario) -> pd.Series:
    """The cycle score the evaluation expects, per replication, from the shadow score.

    Each year: the city's field shadow score averaged over the records inside
    the inspection window (the visit day is drawn uniformly there), plus the
    survey and material shadow scores on their days (interpolated between
    records; the mean over the review days where there are several); years
    weighted as the cycle weighs them. No sampling of places
    or households, and no negative list: what the evaluation expects of the
    city's condition and satisfaction, not what it happened to draw.

    Parameters
    ----------
    result : RunResult
        Replications of ``scenario``.
    scenario : Scenario

    Returns
    -------
    pandas.Series
        Indexed by replication.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> from civsim.sim import simulate
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> run = simulate(county, replication=0)
    >>> drawn, expected = run.cycle["cycle_score"].iloc[0], expected_cycle_score(run, county)[0]
    >>> bool(abs(drawn - expected) < 2.0)
    True
    >>> parts = expected_cycle_parts(run, county)  # by method, adding up to it
    >>> list(parts.columns), bool(abs(parts.sum(axis=1)[0] - expected) < 1e-9)
    (['field', 'survey', 'material'], True)
    """
    return expected_cycle_parts(result, scenario).sum(axis=1).rename("expected_score")


#: The evaluation's three methods, as the shadow score names them.
METHODS = ("field", "survey", "material")


def expected_cycle_parts(result: RunResult, scenario: Scenario) -> pd.DataFrame:
    """The expected cycle score of :func:`expected_cycle_score`, split by method.

    Returns
    -------
    pandas.DataFrame
        Indexed by replication; columns ``field``, ``survey`` and ``material``
        (cycle points, year weights applied), which add up to the expected
        cycle score: where a gain comes from (the field inspection, the
        questionnaire or the material review). See :func:`expected_cycle_score`'s example.
    """
    sh = result.shadow
    city = sh[sh["district"] == CITY]
    by_day = (
        city.groupby(["replication", "method", "day"], observed=True)["score"]
        .sum()
        .unstack("method", fill_value=0)
    )
    ev = scenario.simulation.evaluation
    cyc = scenario.cycle
    reviews = np.array(materials.review_days(scenario), dtype=float)  # their mean score
    out = {}
    for rep, table in by_day.groupby(level="replication"):
        t = table.droplevel("replication")
        days = t.index.to_numpy(dtype=float)
        total = dict.fromkeys(METHODS, 0.0)
        for year, weight in enumerate(cyc.year_weights):
            start = year * cyc.days_per_year
            window = (days >= start + ev.window_start_day) & (
                days < start + ev.window_start_day + ev.window_days
            )
            field = _column(t, "field")
            if window.any():
                f = float(field[window].mean())
            else:  # a window shorter than the records' spacing: its middle day
                f = float(np.interp(start + ev.window_start_day + ev.window_days / 2, days, field))
            s = float(np.interp(start + ev.survey_day, days, _column(t, "survey")))
            m = float(np.mean(np.interp(start + reviews, days, _column(t, "material"))))
            for method, value in zip(METHODS, (f, s, m), strict=True):
                total[method] += weight * value
        out[rep] = total
    return pd.DataFrame.from_dict(out, orient="index", columns=list(METHODS)).rename_axis(
        "replication"
    )


def _column(table: pd.DataFrame, method: str) -> np.ndarray:
    """One method's shadow score per record (zeros when the framework has none)."""
    if method in table.columns:
        return table[method].to_numpy(dtype=float)
    return np.zeros(len(table))
