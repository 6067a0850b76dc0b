"""Statistics a reality check compares: one value per replication of a run.

Each is a function of a :class:`~civsim.sim.tables.RunResult` and the scenario
checked (whose evaluation's dates both arms of a check share), returning a
Series indexed by replication; :data:`STATISTICS` names them for
:mod:`civsim.reality` and its data (``civsim/data/reality.yaml``).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from civsim.fund_value import expected_cycle_score
from civsim.scenario import Scenario
from civsim.sim.mechanisms.civilization_index import INDEX
from civsim.sim.tables import RunResult

__all__ = ["STATISTICS", "holder_backlogs", "registrations_by_year"]


def _cycle_score(r: RunResult, sc: Scenario) -> pd.Series:
    return r.cycle.set_index("replication")["cycle_score"]


def _satisfaction(r: RunResult, sc: Scenario) -> pd.Series:
    return r.annual.groupby("replication")["satisfaction"].mean()


def _late_share(r: RunResult, sc: Scenario) -> pd.Series:
    late = r.orders["status"].isin(("closed_late", "open_late")).astype(float)
    return late.groupby(r.orders["replication"]).mean()


def _order_days(r: RunResult, sc: Scenario) -> pd.Series:
    # days from an order's opening to its closure, an open one's counted to the cycle's end
    o = r.orders
    closed = o["closed"].where(o["closed"] >= 0, sc.cycle.days)
    return (closed - o["opened"]).groupby(o["replication"]).mean().astype(float)


def _open_defects(r: RunResult, sc: Scenario) -> pd.Series:
    # field checkpoints with an open defect, summed over districts, averaged over recording days
    per_day = r.defects.groupby(["replication", "day"])["open"].sum()
    return per_day.groupby(level="replication").mean().astype(float)


def _volunteer_wait(r: RunResult, sc: Scenario) -> pd.Series:
    # days waited per request answered: served, or given up after the residents' patience
    kinds = ["volunteer_served", "volunteer_request_dropped", "volunteer_wait_days"]
    ev = r.events.pivot_table(
        index="replication", columns="kind", values="count", aggfunc="sum", fill_value=0
    ).reindex(columns=kinds, fill_value=0)
    answered = ev["volunteer_served"] + ev["volunteer_request_dropped"]
    return (ev["volunteer_wait_days"] / answered).astype(float)


def _citizen_reports(r: RunResult, sc: Scenario) -> pd.Series:
    # problems residents reported over the cycle (each opened an order: detection's events)
    reports = r.events[r.events["kind"] == "problem_citizen_report"]
    total = reports.groupby("replication")["count"].sum()
    return total.reindex(r.cycle["replication"], fill_value=0).astype(float)


def holder_backlogs(r: RunResult, sc: Scenario, window_days: int) -> pd.DataFrame:
    """Each holder's open orders at the cycle's end beside its closures, per replication.

    Parameters
    ----------
    r : RunResult
    sc : Scenario
        The scenario run (its cycle's days).
    window_days : int
        The closures compared: those of the cycle's last ``window_days`` days.

    Returns
    -------
    pandas.DataFrame
        One row per replication run and holder (``unit``, an order's holder at
        the end) that held an order in any replication, a holder without orders
        in a replication counted with none: ``open`` (open at the end), ``waiting``
        (of them, not yet ready: their cooperating units still to come),
        ``oldest`` (days since the oldest open order opened; 0 with none open),
        ``closed`` (closed in the last ``window_days`` days), ``rate`` (closures
        of the cycle's last year per ``window_days`` days) and ``excess``
        (``open - closed``).

    Examples
    --------
    One holder, two orders in the last 30 days of a 100-day cycle, one closed:

    >>> from types import SimpleNamespace
    >>> orders = pd.DataFrame({"replication": [0, 0], "unit": ["a", "a"],
    ...                        "opened": [80, 90], "ready": [80, 120], "closed": [85, -1],
    ...                        "status": ["closed", "open"]})
    >>> cycle = SimpleNamespace(days=100, days_per_year=50)
    >>> run = SimpleNamespace(orders=orders, cycle=pd.DataFrame({"replication": [0]}))
    >>> t = holder_backlogs(run, SimpleNamespace(cycle=cycle), 30)
    >>> t.drop(columns="replication").to_dict("records")
    [{'unit': 'a', 'open': 1, 'waiting': 1, 'oldest': 10, 'closed': 1, 'rate': 0.6, 'excess': 0}]
    """
    o, days = r.orders, sc.cycle.days
    is_open = o["status"].isin(["open", "open_late"])
    closed = o["closed"]  # -1 while open: never within a window
    keys = [o["replication"], o["unit"]]
    table = pd.DataFrame(
        {
            "open": is_open.groupby(keys, observed=True).sum(),
            "waiting": (is_open & (o["ready"] >= days)).groupby(keys, observed=True).sum(),
            "oldest": (days - o["opened"]).where(is_open, 0).groupby(keys, observed=True).max(),
            "closed": (closed >= days - window_days).groupby(keys, observed=True).sum(),
            "year": (closed >= days - sc.cycle.days_per_year).groupby(keys, observed=True).sum(),
        }
    )
    # every holder in every replication run, one without orders there counted with none
    full = pd.MultiIndex.from_product(
        [r.cycle["replication"], table.index.unique(level=1)], names=["replication", "unit"]
    )
    table = table.reindex(full, fill_value=0).astype("int64")
    table["rate"] = table.pop("year") * window_days / sc.cycle.days_per_year
    table["excess"] = table["open"] - table["closed"]
    return table.reset_index()


def registrations_by_year(r: RunResult, sc: Scenario) -> pd.DataFrame:
    """Registered volunteers at each year's end against the target (:mod:`.volunteer_teams`).

    Returns
    -------
    pandas.DataFrame
        One row per replication and year: ``residents``, ``registered`` (the day-0 registered
        plus the registrations less the lapses counted to the year's last
        day), ``teams`` (``registered / members_per_team``), ``target``
        (``target_share`` of the residents) and ``attained`` (registered over
        target).
    """
    vt = sc.simulation.volunteer_teams
    residents = sum(d.population for d in sc.territory.districts)
    years = range(1, sc.cycle.years + 1)
    ev = r.events[r.events["kind"].isin(("volunteer_registrations", "volunteer_lapses"))]
    sign = ev["kind"].map({"volunteer_registrations": 1, "volunteer_lapses": -1}).astype(int)
    net = (ev["count"] * sign).groupby([ev["replication"], ev["day"]]).sum()
    rows = []
    for rep in r.cycle["replication"]:
        flow = net.loc[rep] if rep in net.index.get_level_values(0) else pd.Series(dtype=int)
        for year in years:
            last = year * sc.cycle.days_per_year - 1
            registered = round(vt.registered_share_start * residents) + int(
                flow[flow.index <= last].sum()
            )
            target = vt.target_share * residents
            rows.append(
                {
                    "replication": rep,
                    "year": year,
                    "residents": residents,
                    "registered": registered,
                    "teams": registered / vt.members_per_team,
                    "target": target,
                    "attained": registered / target if target else float("nan"),
                }
            )
    return pd.DataFrame(rows)


def _registered_share(r: RunResult, sc: Scenario) -> pd.Series:
    # registered volunteers at the cycle's end, as a share of residents
    if not sc.simulation.volunteer_teams.enabled:  # nobody recruits or counts them
        return pd.Series(float("nan"), index=r.cycle["replication"], name="registered_share")
    table = registrations_by_year(r, sc)
    last = table[table["year"] == table["year"].max()].set_index("replication")
    return (last["registered"] / last["residents"]).astype(float)


def _public_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # mean field condition over the years at the public places the regulations reach
    # (simulation.regulations.place_types, whether or not they are enforced), by checkpoints
    return _condition_at(r, sc.simulation.regulations.place_types)


def _listed_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # the same at the places of the traders the integrity lists name
    return _condition_at(r, sc.simulation.integrity_lists.place_types)


def _residential_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # the same at the places where the moral points' participants live
    return _condition_at(r, sc.simulation.moral_points.place_types)


def _titled_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # the same at the places the creation activities' title holders keep
    kinds = sc.simulation.creation.kinds().values()
    return _condition_at(r, tuple(t for k in kinds for t in k.place_types))


def _material_points(r: RunResult, sc: Scenario) -> pd.Series:
    # the material review's points (of 40) over the years: what the dossiers' completeness earns
    return r.annual.groupby("replication")["material"].mean()


def _awareness(r: RunResult, sc: Scenario) -> pd.Series:
    # residents aware of the campaign, the mobilisation's monthly census over the residents,
    # averaged over the months; without a census, the initial level routine work holds
    residents = sum(d.population for d in sc.territory.districts)
    census = r.events[r.events["kind"] == "residents_aware"]
    months = census.groupby("replication")["count"].agg(["sum", "size"])
    share = months["sum"] / months["size"] / residents
    held = sc.simulation.mobilisation.initial_awareness
    return share.reindex(r.cycle["replication"], fill_value=held).astype(float)


def _village_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # the same at the urban villages (simulation.urban_villages.place_type)
    return _condition_at(r, (sc.simulation.urban_villages.place_type,))


def _field_condition(r: RunResult, sc: Scenario) -> pd.Series:
    # the same over every place type: the whole city's field checkpoints
    return _condition_at(r, tuple(r.conditions["place_type"].unique()))


def _condition_at(r: RunResult, place_types: tuple[str, ...]) -> pd.Series:
    c = r.conditions[r.conditions["place_type"].isin(place_types)]
    weighed = (c["condition"] * c["checkpoints"]).groupby(c["replication"]).sum()
    return (weighed / c.groupby("replication")["checkpoints"].sum()).astype(float)


def _index_spread(r: RunResult, sc: Scenario) -> pd.Series:
    # best less worst district in the published index, averaged over the publications
    ci = r.civilization_index
    by_day = ci[ci["dimension"] == INDEX].groupby(["replication", "day"])["score"]
    return (by_day.max() - by_day.min()).groupby(level="replication").mean()


def _years_held(r: RunResult, sc: Scenario) -> pd.Series:
    # a title holder's years with the title over the cycle (NaN for a nominee: no such column)
    return _cycle_column(r, "years_held")


def _precondition_passed(r: RunResult, sc: Scenario) -> pd.Series:
    # 1 where the cycle cleared the minors' precondition, 0 where it did not (NaN when off)
    return _cycle_column(r, "precondition_passed")


def _cycle_column(r: RunResult, column: str) -> pd.Series:
    cycle = r.cycle.set_index("replication")
    if column not in cycle:  # the mechanism writing it is off
        return pd.Series(float("nan"), index=cycle.index, name=column)
    return cycle[column].astype(float)


#: Per-replication results a check compares: name to function of a RunResult and the
#: scenario checked (whose evaluation's dates both arms share).
STATISTICS: dict[str, Callable[[RunResult, Scenario], pd.Series]] = {
    "cycle_score": _cycle_score,
    # what the evaluation expects of the city's state, without sampling places, documents and
    # households (the fund table's "expected" gains)
    "expected_score": expected_cycle_score,
    "satisfaction": _satisfaction,
    "late_share": _late_share,
    "order_days": _order_days,
    "open_defects": _open_defects,
    "volunteer_wait": _volunteer_wait,
    "citizen_reports": _citizen_reports,
    "registered_share": _registered_share,
    "public_condition": _public_condition,
    "listed_condition": _listed_condition,
    "residential_condition": _residential_condition,
    "titled_condition": _titled_condition,
    "material_points": _material_points,
    "awareness": _awareness,
    "village_condition": _village_condition,
    "field_condition": _field_condition,
    "index_spread": _index_spread,
    "years_held": _years_held,
    "precondition_passed": _precondition_passed,
}
