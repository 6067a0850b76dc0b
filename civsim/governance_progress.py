"""The governance levers' progress, for the report: targets met, projects done, outputs reached.

Seed 000 sets the urban-village plan yearly 全覆盖 targets, and seeds 000, 002 and 004 hold
member units to their key projects (重点工程交办) and ask for creations, volunteers and a
mobilised population. Leadership asks of each the same thing: is the work on schedule,
and where is it not? :func:`village_progress` sets each plan year's coverage beside its
target, with the districts behind it
(from :func:`civsim.sim.mechanisms.urban_villages.district_progress`);
:func:`project_progress` counts the key projects assigned, done by their deadline, done
late or not done, and the units held to account; :func:`lever_progress` gives each year's
creations, registered volunteers against their target, and residents aware and taking
part. The report's section (:mod:`civsim.progress_section`) and its warnings
(:func:`civsim.findings.warnings`) read them. Figures are means over the replications
given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from civsim.scenario import Scenario
from civsim.scenario.schema.creation import KINDS
from civsim.sim.mechanisms.creation import creation_table
from civsim.sim.mechanisms.mobilisation import mobilisation_table
from civsim.sim.mechanisms.urban_villages import district_progress
from civsim.sim.tables import RunResult
from civsim.statistics import registrations_by_year

__all__ = ["lever_progress", "progress", "project_progress", "village_progress"]


def village_progress(coverage: pd.DataFrame, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """Each scenario's urban-village plan, year by year, against its targets.

    Parameters
    ----------
    coverage : pandas.DataFrame
        A result's ``village_coverage`` table (any number of scenarios and replications).
    scenarios : sequence of Scenario
        The scenarios, for their targets; one without rows in ``coverage`` is left out.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and plan year: ``replications``, ``villages``,
        ``target`` (the year's share), ``due`` and ``covered`` (villages, means over the
        replications), ``covered_share`` (covered over villages), ``districts`` and
        ``behind`` (districts whose mean covered share is below the target) and
        ``behind_list`` (those districts with their shares, lowest first).

    Examples
    --------
    Two villages of district d1 and one of d2 in plan year 1 (target 40%), one replication:
    d1 covers one of its two, d2 none of its one.

    >>> from civsim.scenario import load_scenario
    >>> plan = load_scenario("scenarios/urban_villages.yaml")
    >>> rows = pd.DataFrame({"scenario": "urban_villages", "replication": 0, "year": 1,
    ...     "district": ["d1", "d1", "d2"], "village": ["a", "b", "c"],
    ...     "due": [True, False, True], "covered": [True, False, False]})
    >>> p = village_progress(rows, [plan])
    >>> p[["villages", "target", "due", "covered", "behind", "behind_list"]].values.tolist()
    [[3.0, 0.4, 2.0, 1.0, 1, 'd2 0%']]
    """
    rows = []
    for sc in scenarios:
        mine = coverage[coverage["scenario"] == sc.name]
        if mine.empty:
            continue
        by_district = district_progress(mine, sc)
        city = by_district.groupby(["year", "replication"])[["villages", "due", "covered"]].sum()
        means = city.groupby(level="year").mean()
        n_reps = city.groupby(level="year").size()
        for year in sorted(int(y) for y in by_district["year"].unique()):
            villages, due, covered = (float(x) for x in means.loc[year].to_numpy(dtype=float))
            districts = (
                by_district[by_district["year"] == year]
                .groupby("district", observed=True)[["covered_share", "target"]]
                .mean()
                .sort_values("covered_share", kind="stable")
            )
            late = districts[districts["covered_share"] < districts["target"]]
            rows.append(
                {
                    "scenario": sc.name,
                    "year": year,
                    "replications": int(n_reps.loc[year]),
                    "villages": villages,
                    "target": float(districts["target"].iloc[0]),
                    "due": due,
                    "covered": covered,
                    "covered_share": covered / villages,
                    "districts": len(districts),
                    "behind": len(late),
                    "behind_list": ", ".join(
                        f"{d} {s:.0%}" for d, s in late["covered_share"].items()
                    ),
                }
            )
    return pd.DataFrame(rows, columns=list(_VILLAGE_COLUMNS))


_VILLAGE_COLUMNS = (
    "scenario",
    "year",
    "replications",
    "villages",
    "target",
    "due",
    "covered",
    "covered_share",
    "districts",
    "behind",
    "behind_list",
)


def project_progress(reviews: pd.DataFrame) -> pd.DataFrame:
    """The key projects and the units held to account, per scenario and year.

    Parameters
    ----------
    reviews : pandas.DataFrame
        A result's ``unit_reviews`` table.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and year, means over the replications: ``replications``,
        ``units`` (member units reviewed), ``projects`` (assigned that year),
        ``on_time`` (done by the deadline), ``done_late`` (done after it),
        ``not_done`` (not done within the cycle), ``late_at_review`` (past the
        deadline and not done at the review) and ``held`` (units held to account).

    Examples
    --------
    >>> rows = pd.DataFrame({"scenario": "s", "replication": [0, 0, 1, 1], "year": 1,
    ...     "unit": ["a", "b", "a", "b"], "project": [True, False, True, False],
    ...     "deadline_day": [210, -1, 210, -1], "done_day": [200, -1, 250, -1],
    ...     "late": [False, False, False, False], "held": [False, True, False, False]})
    >>> project_progress(rows)[["projects", "on_time", "done_late", "held"]].values.tolist()
    [[1.0, 0.5, 0.5, 0.5]]
    """
    if reviews.empty:
        return pd.DataFrame(columns=list(_PROJECT_COLUMNS))
    carried = reviews["project"].astype(bool)
    done = reviews["done_day"] >= 0
    counts = pd.DataFrame(
        {
            "scenario": reviews["scenario"],
            "replication": reviews["replication"],
            "year": reviews["year"],
            "units": 1,
            "projects": carried,
            "on_time": carried & done & (reviews["done_day"] <= reviews["deadline_day"]),
            "done_late": carried & done & (reviews["done_day"] > reviews["deadline_day"]),
            "not_done": carried & ~done,
            "late_at_review": reviews["late"].astype(bool),
            "held": reviews["held"].astype(bool),
        }
    )
    per_rep = counts.groupby(["scenario", "replication", "year"], observed=True).sum()
    out = per_rep.groupby(level=["scenario", "year"], observed=True).mean().astype(float)
    out.insert(0, "replications", per_rep.groupby(level=["scenario", "year"]).size())
    return out.reset_index()[list(_PROJECT_COLUMNS)]


_PROJECT_COLUMNS = (
    "scenario",
    "year",
    "replications",
    "units",
    "projects",
    "on_time",
    "done_late",
    "not_done",
    "late_at_review",
    "held",
)


def lever_progress(results: RunResult, scenarios: Sequence[Scenario]) -> pd.DataFrame:
    """What the creation activities, the volunteer teams and the mobilisation reached, yearly.

    Parameters
    ----------
    results : RunResult
        The runs of ``scenarios`` (any number of replications each).
    scenarios : sequence of Scenario
        The scenarios; one with none of the three levers on is left out.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and year, means over its ``replications`` (NaN where the
        lever is off): ``created_<kind>`` for each creation kind (units, villages,
        families, campuses named that year; :func:`civsim.sim.mechanisms.creation.creation_table`),
        ``registered`` volunteers at the year's end, the ``registration_target`` and
        ``attained`` (their ratio; :func:`civsim.statistics.registrations_by_year`),
        ``recruitment_yuan`` (the yearly recruitment spending per 10,000 residents) and
        ``recruitment_needed`` (what would just reach the target by the year's end,
        :meth:`~civsim.scenario.schema.volunteer_teams.VolunteerTeams.recruitment_needed`;
        0 where the start holds it, inf where no spending reaches it),
        and ``awareness`` and ``participation`` at the year's last census (shares of the
        residents; :func:`civsim.sim.mechanisms.mobilisation.mobilisation_table`).
    """
    tables = []
    for sc in scenarios:
        sim = sc.simulation
        teams = sim.volunteer_teams.enabled and sim.volunteers.enabled
        if not (sim.creation.enabled or teams or sim.mobilisation.enabled):
            continue
        mine = replace(
            results,
            events=results.events[results.events["scenario"] == sc.name],
            cycle=results.cycle[results.cycle["scenario"] == sc.name],
        )
        reps = mine.cycle["replication"].unique()
        years = pd.RangeIndex(1, sc.cycle.years + 1, name="year")
        parts = []
        if sim.creation.enabled:
            made = creation_table(mine, sc).pivot_table(
                index="year", columns="kind", values="creations", aggfunc="sum"
            )
            # a year without a creation of a kind has no row: none that year
            made = made.reindex(index=years, columns=list(KINDS), fill_value=0).fillna(0)
            parts.append((made / len(reps)).add_prefix("created_"))
        if teams:
            vt = sim.volunteer_teams
            registrations = (
                registrations_by_year(mine, sc)
                .groupby("year")[["registered", "target", "attained"]]
                .mean()
                .rename(columns={"target": "registration_target"})
            )
            # what the spending is, beside what would just reach the target by the year's end
            registrations["recruitment_yuan"] = vt.recruitment_yuan_per_10k_year
            registrations["recruitment_needed"] = [
                vt.recruitment_needed(year * sc.cycle.days_per_year, sc.cycle.days_per_year)
                for year in years
            ]
            parts.append(registrations)
        if sim.mobilisation.enabled:
            census = mobilisation_table(mine, sc)
            census["year"] = census["day"] // sc.cycle.days_per_year + 1
            last = census.sort_values("day").groupby(["replication", "year"]).last()
            parts.append(last.groupby("year")[["awareness", "participation"]].mean())
        if parts:
            table = pd.concat(parts, axis=1).reindex(years).reset_index()
            table.insert(0, "scenario", sc.name)
            table.insert(2, "replications", len(reps))
            tables.append(table)
    if not tables:
        return pd.DataFrame(columns=list(_LEVER_COLUMNS))
    out = pd.concat(tables, ignore_index=True)
    return out[[c for c in _LEVER_COLUMNS if c in out.columns]]


_LEVER_COLUMNS = (
    "scenario",
    "year",
    "replications",
    *(f"created_{kind}" for kind in KINDS),
    "registered",
    "registration_target",
    "attained",
    "recruitment_yuan",
    "recruitment_needed",
    "awareness",
    "participation",
)


def progress(results: RunResult, scenarios: Sequence[Scenario]) -> dict[str, pd.DataFrame]:
    """The three progress tables of the scenarios that run their levers, by name.

    ``villages`` (:func:`village_progress`), ``projects`` (:func:`project_progress`, of
    the scenarios whose units are reviewed) and ``levers`` (:func:`lever_progress`),
    each only where some scenario has rows: what the report's section, its warnings
    and ``civsim run`` read.
    """
    reviewed = [sc.name for sc in scenarios if sc.simulation.unit_reviews.enabled]
    reviews = results.unit_reviews
    tables = {
        "villages": village_progress(results.village_coverage, scenarios),
        "projects": project_progress(reviews[reviews["scenario"].isin(reviewed)])
        if reviewed
        else pd.DataFrame(),
        "levers": lever_progress(results, scenarios),
    }
    return {name: table for name, table in tables.items() if len(table)}
