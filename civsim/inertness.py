"""Which parameters move results: how each is moved, and why some may not.

A parameter is moved (:func:`perturbations`) to the end of its plausible
range, or by a share of its value, and a scenario's result tables are
compared by hash (:func:`fingerprints`) with and without the move. Some
parameters cannot move anything while a switch is set (the data's
``inert_by_design``: skipped, with why); others may not in a given scenario,
for a reason a predicate verifies there (``inert_explained``: a guard that
does not bind, a share never drawn on). The rules are data
(``civsim/data/reality.yaml``), shared by every scenario;
:func:`civsim.reality.no_inert_parameter` is the check that uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib import resources
from typing import Any, NamedTuple, Protocol

import numpy as np
import pandas as pd
import yaml

from civsim.allocation import budget_inputs
from civsim.errors import CivsimError
from civsim.experiments import Executor, pool_size
from civsim.readiness import check_ready
from civsim.scenario import Scenario, override, parameter_table
from civsim.sim import Prepared, prepare, simulate
from civsim.sim.engine import WEEK
from civsim.sim.mechanisms.backlog import Backlog
from civsim.sim.mechanisms.title_holder import replay
from civsim.sim.mechanisms.unit_reviews import NAME as REVIEWS
from civsim.sim.mechanisms.unit_reviews import ReviewPart
from civsim.sim.tables import RunResult
from civsim.variants import changed as _changed
from civsim.variants import value_at as _value

__all__ = [
    "PREDICATES",
    "RELATIVE_CHANGE",
    "Checked",
    "Subject",
    "explained",
    "fingerprints",
    "inert_by_design",
    "moved_tables",
    "perturbations",
    "reality_data",
]

#: A parameter without a plausible range moves by this share of its value (up, or down where
#: up breaks a rule): large enough to move any result a parameter reaches.
RELATIVE_CHANGE = 0.5


class Subject(Protocol):
    """What a predicate reads: the scenario, prepared, and its own replications' results."""

    @property
    def scenario(self) -> Scenario:
        """The scenario under check."""

    @property
    def prep(self) -> Prepared:
        """The scenario, prepared (its city and allocation)."""

    @property
    def base(self) -> RunResult:
        """The scenario's own replications."""


@cache
def reality_data() -> dict[str, Any]:
    """The levers, the parameters inert by design and those moved together (package data)."""
    text = resources.files("civsim").joinpath("data/reality.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def inert_by_design(trial: Subject, path: str) -> str | None:
    """The reason a parameter is inert in this scenario (the data's rules), or None."""
    sc = trial.scenario
    for rule in reality_data()["inert_by_design"]:
        if path not in _paths(rule):
            continue
        when = all(_value(sc, p) == v for p, v in rule.get("when", {}).items())
        unless = all(_value(sc, p) != v for p, v in rule.get("unless", {}).items())
        found = PREDICATES[rule["predicate"]](trial) if "predicate" in rule else ""
        if when and unless and found is not None:
            return f"{rule['reason']}{': ' + found if found else ''}"
    return None


def _paths(rule: dict[str, Any]) -> list[str]:
    """The parameters a rule of the data names: its ``path``, one or a list."""
    return rule["path"] if isinstance(rule["path"], list) else [rule["path"]]


def explained(trial: Subject, path: str) -> str | None:
    """Why a parameter that moved no table is inert here, if the data says and it holds."""
    for rule in reality_data().get("inert_explained", []):
        if rule["path"] == path:
            found = PREDICATES[rule["predicate"]](trial)
            if found is not None:
                return f"{rule['reason']}: {found}"
    return None


class Checked(Subject, Protocol):
    """A subject whose parameters are moved: its seed and where its runs go."""

    seed: int
    executor: Executor
    workers: int | None


def moved_tables(
    trial: Checked, record: Callable[[str], dict[str, Any]], paths: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Whether each scalar parameter, moved (:func:`perturbations`), changes some result table.

    ``record(path)`` gives a parameter's record; each comes back with ``passed``,
    ``difference`` (the tables moved) and ``note``. One replication (0) at the
    trial's seed. A parameter whose first move
    changes nothing is moved the other way too; it is inert when neither
    changes any table. A parameter inert by design while a switch is set (the
    data's ``inert_by_design``) is skipped with its reason.
    """
    sc = trial.scenario
    rows = {r["path"]: r for r in parameter_table(sc)}
    wanted = list(rows) if paths is None else list(paths)
    pending, out = [], []
    for path in wanted:
        rec = record(path)
        reason = inert_by_design(trial, path)
        if reason is None and isinstance(rows[path]["value"], dict):
            # a mapping by key (place type, standard) refines a scalar that is moved itself
            reason = "a mapping of refinements by key; the scalar it refines is moved"
        if reason:
            out.append({**rec, "passed": True, "note": f"skipped: {reason}"})
            continue
        try:
            pending.append((rec, perturbations(sc, rows[path])))
        except CivsimError as exc:
            out.append({**rec, "passed": False, "note": f"cannot be moved: {exc}"})
    base = fingerprints([sc], trial.seed, trial.executor, trial.workers)[0]
    if isinstance(base, str):
        raise CivsimError(f"scenario {sc.name!r}: {base}")
    moved: dict[int, int] = {}  # tables moved, by pending parameter
    crashed: dict[int, str] = {}  # the error of a move whose run raised
    notes: dict[int, list[str]] = {}
    for attempt in range(2):  # the first move; the other way for those that moved nothing
        jobs = [
            (i, moves[attempt])
            for i, (_, moves) in enumerate(pending)
            if len(moves) > attempt and not moved.get(i) and i not in crashed
        ]
        variants = [override(sc, changes) for _, changes in jobs]
        prints = fingerprints(variants, trial.seed, trial.executor, trial.workers)
        for (i, changes), fp in zip(jobs, prints, strict=True):
            said = ", ".join(f"{k} {v!r}" for k, v in changes.items())
            if isinstance(fp, str):
                crashed[i] = f"{said}: {fp}"
                continue
            names = [name for name, h in fp.items() if h != base[name]]
            moved[i] = len(names)
            notes.setdefault(i, []).append(
                f"{said}: moved {', '.join(names)}" if names else f"{said}: no table moved"
            )
    for i, (rec, _) in enumerate(pending):
        if i in crashed:
            out.append({**rec, "passed": False, "note": crashed[i]})
            continue
        n = moved.get(i, 0)
        note = "; ".join(notes.get(i, []))
        why = None if n else explained(trial, rec["item"])
        if why:
            note = f"{note}; inert here, explained: {why}"
        out.append({**rec, "difference": n, "passed": n > 0 or why is not None, "note": note})
    return out


def every_district_states_condition(trial: Subject) -> str | None:
    """Whether the budget states a condition for every district (what it found), else None."""
    sc = trial.scenario
    if sc.budget is None:
        return None
    stated = {row.district for row in sc.budget.district_condition}
    ids = [d.id for d in sc.territory.districts]
    return f"all {len(ids)} districts state theirs" if ids and stated >= set(ids) else None


def district_bounds_slack(trial: Subject) -> str | None:
    """Whether every district's yearly money lies strictly inside its floor and cap, else None."""
    sc = trial.scenario
    if sc.budget is None:
        return None
    alloc = trial.prep.allocation
    money = alloc[alloc["level"] == "district"].groupby(["year", "district"])["yuan"].sum()
    bounds = budget_inputs(sc).districts.set_index("id")
    per = money.unstack("year").reindex(bounds.index).fillna(0)
    low, high = per.min(axis=1), per.max(axis=1)
    if not ((low > bounds["min_yuan"]) & (high < bounds["cap_yuan"])).all():
        return None
    return (
        f"every district gets {int(low.min()):,} to {int(high.max()):,} yuan a year, inside "
        f"its floor ({int(bounds['min_yuan'].max()):,}) and cap ({int(bounds['cap_yuan'].min()):,})"
    )


def joint_need_below_pool(trial: Subject) -> str | None:
    """Whether joint action always needed less than the lenders give at ``joint_share``'s low end.

    Joint action draws, each week, what closes its orders within the week, up to
    ``joint_share`` of the capacity of the holders with none in joint action.
    Where the most orders ever in joint action at once (any of the trial's
    replications) need less than the lowest plausible share of the holders that
    never had one, the share never binds. Returns what was found, else None.
    """
    rect = trial.scenario.simulation.rectification
    row = next(r for r in parameter_table(trial.scenario) if r["path"].endswith("joint_share"))
    if row["plausible"] is None:
        return None
    o = trial.base.orders
    o = o[o["joint"] >= 0]
    if o.empty:
        return "no order went to joint action"
    ckp = trial.prep.city.checkpoints
    lenders = ~np.isin(ckp.holders, o["unit"].unique())
    pool = float(
        row["plausible"][0] * Backlog.staffed(ckp.holder_staff[lenders], rect).normal.sum()
    )
    end = trial.scenario.cycle.days
    peak = 0
    for _, one in o.groupby("replication"):
        closed = one["closed"].where(one["closed"] >= 0, end)
        steps = pd.concat([pd.Series(1, one["joint"]), pd.Series(-1, closed)])
        peak = max(peak, int(steps.groupby(level=0).sum().cumsum().max()))
    need = peak / WEEK  # a week's review gives what closes them within the week
    if need >= pool:
        return None
    return (
        f"at most {peak} orders were in joint action at once ({need:.1f} a day to close in a "
        f"week), below the {pool:.1f} a day the holders without one lend at {row['plausible'][0]}"
    )


def every_checkpoint_staffed(trial: Subject) -> str | None:
    """Whether every field checkpoint has someone assigned (what it found), else None."""
    ckp = trial.prep.city.checkpoints
    unstaffed = int(np.count_nonzero(ckp.unstaffed[: ckp.n_field]))
    return None if unstaffed else f"all {ckp.n_field:,} field checkpoints have someone assigned"


def _first_replication(trial: Subject) -> pd.DataFrame | None:
    """A holder's re-checks in replication 0 (what the fingerprints run), else None."""
    ann = trial.base.annual
    if not trial.scenario.simulation.evaluation.title_holder.enabled or "recheck_rank" not in ann:
        return None
    return ann[ann["replication"] == 0].sort_values("year")


def _rule_slack(trial: Subject, name: str) -> str | None:
    """Whether re-check rule ``name`` at either end of its plausible range leaves replication 0.

    The re-checks are replayed (:func:`civsim.sim.mechanisms.title_holder.replay`)
    on replication 0's ranks, incidents and precondition with the rule moved;
    when every move gives the same statuses, the rule does not bind there.
    """
    rep0 = _first_replication(trial)
    if rep0 is None:
        return None
    th = trial.scenario.simulation.evaluation.title_holder
    row = next(r for r in parameter_table(trial.scenario) if r["path"].endswith(f"holder.{name}"))
    ranks = [int(r) for r in rep0["recheck_rank"]]
    disq = [bool(d) for d in rep0["disqualified"]]
    passed = [bool(p) for p in rep0.get("precondition_passed", pd.Series(True, rep0.index))]
    for value in row["plausible"] or ():
        try:
            moved = th.model_copy(update={name: int(value)})
        except ValueError:
            continue  # a move the scenario refuses is not tried by the check either
        if replay(moved, ranks, disq, passed) != rep0["title_status"].tolist():
            return None
    seen = ", ".join(map(str, ranks))
    return f"replication 0 ranked {seen} of {th.peer_group_size}: the same re-checks either way"


def never_warned_before_the_last_year(trial: Subject) -> str | None:
    """Whether replication 0 had no warning before its last year (nothing to react to)."""
    rep0 = _first_replication(trial)
    if rep0 is None:
        return None
    early = rep0[rep0["year"] < rep0["year"].max()]
    return None if (early["title_status"] == "warned").any() else "no warning before the last year"


#: Fewer incidents avoided than this over the cycle, in expectation, is "rare": a single
#: replication's draws (one uniform per standard and year) will seldom flip a count.
ONE_INCIDENT = 1.0


def listed_incidents_rare(trial: Subject) -> str | None:
    """Whether the integrity lists avoid under one incident a cycle even at their most, else None.

    Expected at the reference condition: the listing unit's negative standards'
    incidents over the cycle, times the most of them the lists avoid (the top of
    ``incident_cut_max``'s plausible range, at full attention).
    """
    sc = trial.scenario
    lists = sc.simulation.integrity_lists
    points = trial.prep.city.checkpoints.points
    ours = points[points["negative"].astype(bool) & (points["lead_unit"] == lists.listing_unit)]
    rows = {r["path"]: r for r in parameter_table(sc)}
    plausible = rows["simulation.integrity_lists.incident_cut_max"]["plausible"]
    top = float(plausible[1]) if plausible else lists.incident_cut_max
    avoided = float(ours["incidents_per_year"].sum()) * sc.cycle.years * top
    if not lists.enabled or avoided >= ONE_INCIDENT:
        return None
    return f"at most {avoided:.2f} incidents a cycle avoided at the listing unit's rates"


def volunteers_never_queue(trial: Subject) -> str | None:
    """Whether no request waited in a volunteer queue in any replication of the base, else None.

    A request waits for the practice network's level first (its response days,
    :func:`civsim.sim.mechanisms.practice_network.route`), then in its district's
    queue until volunteers' hours serve it, or it is given up. The days waited
    (event ``volunteer_wait_days``) are then only the network's response days of
    the requests that reached a team within the cycle, and none was given up.
    """
    return _never_queued(trial, first_only=False)


def never_queued_in_replication_0(trial: Subject) -> str | None:
    """:func:`volunteers_never_queue` in replication 0 alone (what the fingerprints run), else None.

    Where no request queued there, no request's patience ran out there, whatever it was.
    """
    return _never_queued(trial, first_only=True)


def _never_queued(trial: Subject, first_only: bool) -> str | None:
    waits = _volunteer_waits(trial, first_only)
    if waits is None or waits.dropped or waits.waited != waits.routed:
        return None
    return (
        f"{waits.where} every request was served the day it reached a team "
        f"({waits.routed:,} days waited, all of them the dispatch's: the network's levels' "
        "or the district's)"
    )


def never_waited_in_replication_0(trial: Subject) -> str | None:
    """Whether no request waited for a volunteer in replication 0, network included, else None.

    Residents' satisfaction then loses nothing to waiting there, whatever a day of it costs.
    """
    waits = _volunteer_waits(trial, first_only=True)
    if waits is None or waits.waited or waits.dropped:
        return None
    return f"{waits.where} every request was served the day it was made"


class _Waits(NamedTuple):
    waited: int  # days waited by the requests answered
    dropped: int  # requests given up
    routed: int  # of the days waited, those of the dispatch (network levels or district)
    where: str  # which replications: "in replication 0", "in 10 replications"


def _volunteer_waits(trial: Subject, first_only: bool) -> _Waits | None:
    """The base's volunteer waits, of every replication or of replication 0 only.

    None without volunteers.
    """
    sc = trial.scenario
    if not sc.simulation.volunteers.enabled:
        return None
    ev = trial.base.events
    if first_only:
        ev = ev[ev["replication"] == 0]
    kind = ev["kind"].astype(str)
    waited = int(ev.loc[kind == "volunteer_wait_days", "count"].sum())
    dropped = int(ev.loc[kind == "volunteer_request_dropped", "count"].sum())
    routed = 0
    net = sc.simulation.practice_network
    # each level's requests wait its response days (without the network, the district's
    # dispatch days), if they reach a team within the cycle
    delays = (
        {f"practice_request_{level}": d for level, d in net.response_days().items()}
        if net.enabled
        else {"volunteer_request": sc.simulation.volunteers.dispatch_days}
    )
    for made_kind, delay in delays.items():
        made = ev[(kind == made_kind) & (ev["day"] + delay < sc.cycle.days)]
        routed += delay * int(made["count"].sum())
    reps = int(ev["replication"].nunique())
    where = "in replication 0" if first_only else f"in {reps} replication{'s' if reps != 1 else ''}"
    return _Waits(waited, dropped, routed, where)


def projects_within_least_share(trial: Subject) -> str | None:
    """Whether replication 0's key projects all meet their deadline with the least share, else None.

    The most of its staff a unit may put on its project then never binds there, whatever
    it is (:meth:`~civsim.scenario.schema.unit_reviews.UnitReviews.project_share`).
    """
    ur = trial.scenario.simulation.unit_reviews
    if not ur.enabled:
        return None
    t = trial.base.unit_reviews
    t = t[(t["replication"] == 0) & t["project"]]
    part: ReviewPart = trial.prep.parts[REVIEWS]  # each unit's led places and staff, as run
    units = [str(u) for u in trial.prep.city.checkpoints.units]
    needs = [
        ur.project_need(float(part.staff[u]), ur.project_work(len(part.led_field[u]))[1])
        for u in map(units.index, t["unit"].astype(str))
    ]
    if needs and max(needs) > ur.project_staff_share:
        return None
    most = f"at most {max(needs):.3f}" if needs else "none"
    return (
        f"in replication 0 the {len(needs)} key projects need {most} of their units' staff "
        f"to meet their deadlines, within the least share {ur.project_staff_share}"
    )


#: Reasons the data's rules may name (``predicate:``): each returns what it found, or None
#: when the reason does not hold in the trial's scenario.
PREDICATES: dict[str, Callable[[Subject], str | None]] = {
    "every_district_states_condition": every_district_states_condition,
    "district_bounds_slack": district_bounds_slack,
    "joint_need_below_pool": joint_need_below_pool,
    "every_checkpoint_staffed": every_checkpoint_staffed,
    "last_places_slack": lambda trial: _rule_slack(trial, "last_places"),
    "consecutive_years_slack": lambda trial: _rule_slack(trial, "consecutive_years"),
    "last_places_before_slack": lambda trial: _rule_slack(trial, "last_places_before"),
    "never_warned_before_the_last_year": never_warned_before_the_last_year,
    "listed_incidents_rare": listed_incidents_rare,
    "volunteers_never_queue": volunteers_never_queue,
    "never_queued_in_replication_0": never_queued_in_replication_0,
    "never_waited_in_replication_0": never_waited_in_replication_0,
    "projects_within_least_share": projects_within_least_share,
}


def perturbations(sc: Scenario, row: dict[str, Any]) -> list[dict[str, Any]]:
    """How a parameter is moved: the valid moves, each its changes by dotted path.

    The first move goes to the end of its plausible range farther from its
    value where one is given, else up by :data:`RELATIVE_CHANGE` of its value
    (a zero moves up by one, a sequence is reversed); the second goes the
    other way (the nearer end; down by the same share). Where a move breaks a
    rule (of the scenario or of its budget's allocation), half the move is
    tried instead. Parameters tied to others move with them, one way only
    (the data's ``moved_together``).

    Raises
    ------
    CivsimError
        If no move is valid.
    """
    path, value = row["path"], row["value"]
    for rule in reality_data()["moved_together"]:
        if rule["path"] == path:
            return [{p: _changed(_value(sc, p), c) for p, c in rule["changes"].items()}]
    if row["plausible"] is not None:
        lo, hi = row["plausible"]
        sides = [[lo], [hi]] if abs(value - lo) > abs(value - hi) else [[hi], [lo]]
    elif isinstance(value, tuple | list):
        sides = [[list(reversed(value))], [[*value[1:], value[0]]]]
    elif value == 0:
        sides = [[value + 1]]
    else:
        up, down = 1 + RELATIVE_CHANGE, 1 - RELATIVE_CHANGE
        halves = (1 + RELATIVE_CHANGE / 2, 1 - RELATIVE_CHANGE / 2)
        sides = [[_changed(value, f"x{f}") for f in (up, halves[0])]]
        sides.append([_changed(value, f"x{f}") for f in (down, halves[1])])
    moves, errors = [], []
    for side in sides:
        for new in side:
            if new == value:
                continue
            try:
                check_ready(override(sc, {path: new}), build=False)  # loads and allocates
            except CivsimError as exc:
                errors.append(str(exc))
                continue
            moves.append({path: new})
            break
    if not moves:
        raise CivsimError("; ".join(errors) or f"{path}: no other value to move to")
    return moves


def fingerprints(
    scenarios: list[Scenario], seed: int, executor: Executor, workers: int | None
) -> list[dict[str, int] | str]:
    """A hash of every result table of replication 0 of each scenario.

    A scenario whose run raises gets the error's type and message instead (a
    model that fails on a valid scenario is a finding; the other runs go on).
    """
    jobs = [(sc, seed) for sc in scenarios]
    if executor == "serial" or len(jobs) == 1:
        return [_fingerprint(j) for j in jobs]
    with ProcessPoolExecutor(max_workers=pool_size(workers, len(jobs))) as pool:
        return list(pool.map(_fingerprint, jobs))


def _fingerprint(job: tuple[Scenario, int]) -> dict[str, int] | str:
    scenario, seed = job
    try:
        result = simulate(prepare(scenario), seed=seed, replication=0)
    except Exception as exc:  # any failure of the model is reported, not only CivsimError
        return f"the run raised {type(exc).__name__}: {exc}"
    return {
        name: int(pd.util.hash_pandas_object(t, index=False).sum()) if len(t) else 0
        for name, t in result.tables().items()
    }
