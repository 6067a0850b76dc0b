"""Task decomposition (任务分解): every standard down to a unit, a place and a person.

Seed 001 asks that each standard be "逐项分解到单位、到点位、到人头". :func:`decompose`
turns a scenario's framework, territory and places into a task list, one row per
(field standard, place) and per (material, survey or negative-list standard,
lead unit). Four reports answer the planner's questions about it: nothing
unowned (:func:`coverage`), no double leads or contested places
(:func:`conflicts`), nobody overloaded (:func:`workload`), and who is
responsible, accountable, consulted or informed per item (:func:`raci`). Which grids lack
workers for their places' hours is :func:`civsim.staffing.grid_staffing`'s.
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from civsim.places import TerritoryTables, _run_ordinal, build_places, build_territory
from civsim.responsibility import require_framework, responsibility_table
from civsim.scenario import Scenario
from civsim.staffing import deal_by_hours, grid_hours, redeploy

__all__ = ["TASK_COLUMNS", "conflicts", "coverage", "decompose", "raci", "workload"]

TASK_COLUMNS = (
    "task_id",
    "standard",
    "item",
    "content",
    "environment",
    "method",
    "negative",
    "place",
    "place_type",
    "lead_unit",
    "cooperating_units",
    "district",
    "street",
    "community",
    "grid",
    "person",
    "cadence",
    "deadline_day",
    "hours_per_task",
    "hours_per_year",
)


def decompose(
    scenario: Scenario,
    territory: TerritoryTables | None = None,
    places: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Break every standard down to a unit, a place and a person.

    A field standard gives one task per place whose type it checks; a material
    or survey standard, and any negative-list standard (a prevention task), gives
    one task for its lead unit. Lead and cooperating units come from
    :func:`civsim.responsibility.responsibility_table`; where a sheet names two
    leads, the first owns the task and :func:`conflicts` reports the pair.

    Parameters
    ----------
    scenario : Scenario
        Needs a framework.
    territory : TerritoryTables, optional
        Built from the scenario when not given.
    places : pandas.DataFrame, optional
        As from :func:`civsim.places.build_places`; built when not given.

    Returns
    -------
    pandas.DataFrame
        One row per task, field tasks first (by standard, then place), with
        columns :data:`TASK_COLUMNS`:

        - ``task_id``: ``<standard>.<place>`` for a field task, ``<standard>``
          for a unit task; unique.
        - ``standard``, ``item``, ``content``, ``environment``, ``method``: the
          standard and where it sits in the framework.
        - ``negative``: on the negative list (a prevention task).
        - ``place``, ``place_type``: the place checked (empty for unit tasks).
        - ``lead_unit``: the owner (牵头单位); empty is a coverage gap.
        - ``cooperating_units``: 配合单位, ``;``-joined.
        - ``district``, ``street``, ``community``, ``grid``: where the place is
          (empty for unit tasks).
        - ``person``: who does it: a grid worker ``<grid>w<k>`` for a field task
          (a grid's places are dealt round-robin to its workers, so each place
          has one keeper; where ``territory.redeploy_grid_workers`` moves the
          workers by hours, the places are dealt by hours too:
          :func:`civsim.staffing.deal_by_hours`), a post ``<unit>:post<k>`` of
          the lead unit for a unit task (dealt round-robin over its ``staff``);
          empty when the grid has no
          worker or the unit no staff (a gap).
        - ``cadence``, ``deadline_day`` (day of the cycle the first completion is
          due), ``hours_per_task`` (staff-hours per execution): from the standard.
        - ``hours_per_year``: ``hours_per_task`` times executions per year by
          cadence (``scenario.workload``; ``once`` is once per cycle).

        Text columns are categorical (``task_id`` is an Arrow string), so a
        city's several hundred thousand rows stay small.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> tasks = decompose(load_scenario("scenarios/baseline.yaml"))
    >>> len(tasks) > 200_000, tasks["task_id"].is_unique
    (True, True)
    >>> tasks.loc[0, ["standard", "place_type", "lead_unit", "person"]].tolist()
    ['S001', 'market', 'market_reg', 'd01s01c01g06w1']
    """
    fw = require_framework(scenario)
    t = territory if territory is not None else build_territory(scenario)
    p = places if places is not None else build_places(scenario, t)
    std = _standards(scenario)
    type_ids = [pt.id for pt in fw.place_types]
    s_field, p_field = _field_pairs(std, p, type_ids)
    s_unit = np.flatnonzero(~std["is_field"].to_numpy())
    s_rows = np.concatenate([s_field, s_unit])
    p_rows = np.concatenate([p_field, np.full(len(s_unit), -1, dtype=np.int64)])

    def by_standard(col: str) -> pd.Categorical:
        return _take(std[col], s_rows)

    def by_place(col: str) -> pd.Categorical:
        return _take(p[col], p_rows)

    std_ids = pa.array(std["standard"].astype(str).to_numpy(dtype=object), type=pa.string())
    place_ids = pa.array(p["id"].astype(str).to_numpy(dtype=object), type=pa.string())
    task_id = pa.concat_arrays(
        [
            pc.binary_join_element_wise(
                pc.take(std_ids, s_field), pc.take(place_ids, p_field), "."
            ),
            pc.take(std_ids, s_unit),
        ]
    )
    tasks = pd.DataFrame(
        {
            "task_id": pd.arrays.ArrowStringArray(pa.chunked_array([task_id])),
            "standard": by_standard("standard"),
            "item": by_standard("item"),
            "content": by_standard("content"),
            "environment": by_standard("environment"),
            "method": by_standard("method"),
            "negative": std["negative"].to_numpy()[s_rows],
            "place": pd.Categorical.from_codes(p_rows, categories=pd.Index(p["id"].astype(str))),
            "place_type": pd.Categorical.from_codes(
                np.append(_codes(p["place_type"], type_ids), -1)[p_rows],
                categories=pd.Index(type_ids),
            ),
            "lead_unit": by_standard("lead_unit"),
            "cooperating_units": by_standard("cooperating_units"),
            "district": by_place("district"),
            "street": by_place("street"),
            "community": by_place("community"),
            "grid": by_place("grid"),
            "cadence": by_standard("cadence"),
            "deadline_day": std["deadline_day"].to_numpy(dtype=np.int32)[s_rows],
            "hours_per_task": std["hours_per_task"].to_numpy()[s_rows],
            "hours_per_year": std["hours_per_year"].to_numpy()[s_rows],
        }
    )
    if scenario.territory.redeploy_grid_workers != "none":
        # the workers move where the places' hours are first (build_city moves them alike)
        t = redeploy(scenario, t, grid_hours(tasks, t.grids))
    person = _persons(scenario, t, p, std, s_rows, p_rows, len(s_field))
    tasks.insert(TASK_COLUMNS.index("person"), "person", pd.Series(person, index=tasks.index))
    return tasks


def _standards(scenario: Scenario) -> pd.DataFrame:
    """One row per standard with what its tasks copy, leads resolved, as categoricals."""
    fw = require_framework(scenario)
    w = scenario.workload
    per_year = {
        "daily": w.daily_per_year,
        "weekly": w.weekly_per_year,
        "monthly": w.monthly_per_year,
        "quarterly": w.quarterly_per_year,
        "once": 1 / scenario.cycle.years,
    }
    env_of = {i.id: i.environment for i in fw.items}
    resp = responsibility_table(scenario)
    leads = resp["lead_unit"].str.split(";").str[0].replace("", None)
    std = pd.DataFrame(
        {
            "standard": [s.id for s in fw.standards],
            "item": resp["item"],
            "content": resp["content"],
            "environment": resp["item"].map(env_of),
            "method": [s.method for s in fw.standards],
            "negative": [s.negative for s in fw.standards],
            "place_types": [s.place_types for s in fw.standards],
            "lead_unit": leads,
            "cooperating_units": resp["cooperating_units"],
            "cadence": [s.cadence for s in fw.standards],
            "deadline_day": [s.deadline_day for s in fw.standards],
            "hours_per_task": [s.hours_per_task for s in fw.standards],
        }
    )
    std["hours_per_year"] = std["hours_per_task"] * std["cadence"].map(per_year)
    std["is_field"] = (std["method"] == "field") & ~std["negative"]
    for col in ("standard", "item", "content", "environment", "method", "lead_unit"):
        std[col] = pd.Categorical(std[col])
    std["cooperating_units"] = pd.Categorical(std["cooperating_units"])
    std["cadence"] = pd.Categorical(std["cadence"], categories=list(per_year))
    return std


def _codes(values: pd.Series, categories: list[str]) -> np.ndarray:
    """Codes of ``values`` in ``categories`` (-1 where absent)."""
    return pd.Categorical(values.astype(str), categories=categories).codes.astype(np.int64)


def _take(column: pd.Series, rows: np.ndarray) -> pd.Categorical:
    """The categorical ``column`` at positions ``rows`` (-1 gives a missing value)."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    codes = np.append(cat.cat.codes.to_numpy(), -1)[rows]
    return pd.Categorical.from_codes(codes, categories=cat.cat.categories)


def _field_pairs(
    std: pd.DataFrame, places: pd.DataFrame, type_ids: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Standard and place positions of every (field standard, place of a type it checks)."""
    codes = _codes(places["place_type"], type_ids)
    order = np.argsort(codes, kind="stable")
    count = np.bincount(codes[codes >= 0], minlength=len(type_ids))
    first = np.cumsum(count) - count
    type_pos = {t: k for k, t in enumerate(type_ids)}
    pairs = [
        (s, type_pos[t])
        for s, (is_field, types) in enumerate(zip(std["is_field"], std["place_types"], strict=True))
        if is_field
        for t in types
    ]
    s_of, t_of = (
        (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
        if pairs
        else (
            np.empty(0, dtype=np.int64),
            np.empty(0, dtype=np.int64),
        )
    )
    n = count[t_of]
    offset = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    # Unknown place types sort first (code -1) and are skipped by the offsets.
    skipped = int((codes < 0).sum())
    return np.repeat(s_of, n), order[skipped + np.repeat(first[t_of], n) + offset]


def _persons(
    scenario: Scenario,
    territory: TerritoryTables,
    places: pd.DataFrame,
    std: pd.DataFrame,
    s_rows: np.ndarray,
    p_rows: np.ndarray,
    n_field: int,
) -> pd.Categorical:
    """The person of each task: the place's keeper, or a post of the lead unit."""
    grid_codes = places["grid"].cat.codes.to_numpy().astype(np.int64)
    grid_ids = places["grid"].cat.categories.astype(str)
    workers = (
        territory.grids.set_index("id")["grid_workers"]
        .reindex(grid_ids, fill_value=0)
        .to_numpy(dtype=np.int64)
    )
    n_workers = workers[grid_codes]
    if scenario.territory.redeploy_grid_workers != "none":
        # workers deployed by hours keep places dealt by hours (按工作量定岗)
        place_hours = np.bincount(
            p_rows[:n_field],
            weights=std["hours_per_year"].to_numpy(dtype=float)[s_rows[:n_field]],
            minlength=len(places),
        )
        keeper = deal_by_hours(grid_codes, place_hours, n_workers)
    else:
        by_grid = np.argsort(grid_codes, kind="stable")
        ordinal = np.empty(len(places), dtype=np.int64)
        ordinal[by_grid] = _run_ordinal(grid_codes[by_grid])
        keeper = np.where(n_workers > 0, ordinal % np.maximum(n_workers, 1) + 1, 0)
    stride = int(workers.max(initial=0)) + 1
    worker_key = np.where(keeper > 0, grid_codes * stride + keeper, -1)
    keys, place_person = np.unique(worker_key, return_inverse=True)
    labels = [f"{grid_ids[k // stride]}w{k % stride}" for k in keys.tolist() if k >= 0]
    if len(keys) and keys[0] < 0:
        place_person = place_person - 1  # the -1 key (no worker) becomes a missing person
    codes = np.append(place_person, -1)[p_rows[:n_field]]

    staff = {u.id: u.staff for u in scenario.organisation.units}
    lead = std["lead_unit"].astype(object).to_numpy()[s_rows[n_field:]]
    posts: list[str | None] = []
    dealt: dict[str, int] = {}
    for unit in lead:
        n = staff.get(unit, 0) if isinstance(unit, str) else 0
        if n == 0:
            posts.append(None)
            continue
        k = dealt.get(unit, 0)
        dealt[unit] = k + 1
        posts.append(f"{unit}:post{k % n + 1}")
    post_cat = pd.Categorical(posts)
    post_codes = post_cat.codes.astype(np.int64)
    post_codes = np.where(post_codes >= 0, post_codes + len(labels), -1)
    return pd.Categorical.from_codes(
        np.concatenate([codes, post_codes]), categories=pd.Index([*labels, *post_cat.categories])
    )


def coverage(scenario: Scenario, tasks: pd.DataFrame, territory: TerritoryTables) -> pd.DataFrame:
    """Everything the decomposition leaves unowned or unreached.

    Parameters
    ----------
    scenario : Scenario
    tasks : pandas.DataFrame
        From :func:`decompose`.
    territory : TerritoryTables
        The territory the tasks were built on.

    Returns
    -------
    pandas.DataFrame
        One row per gap, with columns ``gap``, ``subject`` (an id) and
        ``detail``. ``gap`` is one of:

        - ``standard_without_lead``: a standard no unit leads (its tasks have
          no owner);
        - ``place_type_unserved``: a place type no field standard checks;
        - ``standard_without_place``: a field standard whose place types have
          no place in this city;
        - ``grid_without_worker``: a grid with no grid worker (its field tasks
          have no person);
        - ``lead_without_staff``: a lead unit with no staff (its unit tasks
          have no person).

        Empty when coverage is full.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> t = build_territory(s)
    >>> gaps = coverage(s, decompose(s, t), t)
    >>> sorted(set(gaps["gap"]))
    ['grid_without_worker']
    """
    fw = require_framework(scenario)
    gaps: list[tuple[str, str, str]] = []
    n_tasks = tasks["standard"].value_counts()
    resp = responsibility_table(scenario)
    for sid in resp.loc[resp["lead_unit"] == "", "standard"]:
        n = int(n_tasks.get(sid, 0))
        gaps.append(("standard_without_lead", sid, f"{n} tasks without an owner"))
    field = [s for s in fw.standards if s.method == "field" and not s.negative]
    served = {t for s in field for t in s.place_types}
    for pt in fw.place_types:
        if pt.id not in served:
            gaps.append(("place_type_unserved", pt.id, f"no field standard checks {pt.name_zh}"))
    for s in field:
        if n_tasks.get(s.id, 0) == 0:
            types = ";".join(s.place_types)
            gaps.append(("standard_without_place", s.id, f"no place of type {types}"))
    grids = territory.grids
    idle = grids.loc[grids["grid_workers"] == 0, "id"]
    open_tasks = tasks.loc[tasks["person"].isna() & tasks["grid"].notna(), "grid"]
    per_grid = open_tasks.value_counts()
    for gid in idle:
        n = int(per_grid.get(gid, 0))
        gaps.append(("grid_without_worker", gid, f"{n} field tasks without a person"))
    staff = {u.id: u.staff for u in scenario.organisation.units}
    unit_tasks = tasks[tasks["place"].isna() & tasks["lead_unit"].notna()]
    for label, n in unit_tasks["lead_unit"].value_counts().items():
        unit = cast(str, label)  # the column's categories are unit ids, all strings
        if n and staff.get(unit, 0) == 0:
            gaps.append(("lead_without_staff", unit, f"{n} unit tasks without a person"))
    return pd.DataFrame(gaps, columns=["gap", "subject", "detail"])


def conflicts(scenario: Scenario, places: pd.DataFrame) -> pd.DataFrame:
    """Double leads on a standard, and places claimed by two bodies.

    Parameters
    ----------
    scenario : Scenario
    places : pandas.DataFrame
        From :func:`civsim.places.build_places`.

    Returns
    -------
    pandas.DataFrame
        One row per conflict, with columns ``conflict``, ``subject`` (a
        standard or place id), ``claimants`` (``;``-joined) and ``detail``.
        ``conflict`` is one of:

        - ``two_leads``: a responsibility table names more than one lead unit
          for a standard (the first owns the tasks until it is settled);
        - ``department_and_district``: a place claimed by a district although
          its type's lead unit is a department, or the reverse;
        - ``two_departments``: a place claimed by another department than its
          type's lead unit.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> len(conflicts(s, build_places(s)))
    0
    """
    fw = require_framework(scenario)
    rows: list[tuple[str, str, str, str]] = []
    resp = responsibility_table(scenario)
    for sid, leads in zip(resp["standard"], resp["lead_unit"], strict=True):
        if ";" in leads:
            rows.append(("two_leads", sid, leads, "a responsibility table names several leads"))
    dept = {pt.id: pt.lead_unit for pt in fw.place_types}
    default = places["place_type"].astype(str).map(dept)
    default = default.fillna(places["district"].astype(str))
    claimed = places["claimed_by"].astype(str)
    districts = {d.id for d in scenario.territory.districts}
    for pid, want, got in zip(
        places["id"][claimed != default],
        default[claimed != default],
        claimed[claimed != default],
        strict=True,
    ):
        kind = (
            "department_and_district"
            if (want in districts) != (got in districts)
            else "two_departments"
        )
        rows.append((kind, pid, f"{want};{got}", f"type's claimant {want}, claimed by {got}"))
    return pd.DataFrame(rows, columns=["conflict", "subject", "claimants", "detail"])


def workload(scenario: Scenario, tasks: pd.DataFrame) -> pd.DataFrame:
    """Tasks and hours per year of each member unit and each grid worker, against capacity.

    A unit's load is its unit tasks' hours over ``staff`` x
    ``workload.hours_per_staff_year``; a grid worker's is its field tasks'
    hours over ``workload.grid_worker_hours_per_year``. Field tasks count
    against the grid workers who do them, not the unit that leads them.

    Parameters
    ----------
    scenario : Scenario
    tasks : pandas.DataFrame
        From :func:`decompose`.

    Returns
    -------
    pandas.DataFrame
        One row per member unit, then per grid worker with tasks, with columns
        ``level`` (``unit`` or ``grid_worker``), ``id``, ``grid`` (empty for
        units), ``persons``, ``tasks``, ``hours_per_year``,
        ``capacity_hours_per_year``, ``load`` (hours over capacity; infinite
        with hours and no capacity) and ``overloaded`` (load above
        ``workload.overload_ratio``). Sorted by level, then load, highest first.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> w = workload(s, decompose(s))
    >>> sorted(set(w["level"]))
    ['grid_worker', 'unit']
    """
    spec = scenario.workload
    unit_tasks = tasks[tasks["place"].isna()]
    per_unit = unit_tasks.groupby("lead_unit", observed=False).agg(
        tasks=("task_id", "size"), hours_per_year=("hours_per_year", "sum")
    )
    units = pd.DataFrame(
        {
            "level": "unit",
            "id": [u.id for u in scenario.organisation.units],
            "grid": None,
            "persons": [u.staff for u in scenario.organisation.units],
        }
    )
    units = units.join(per_unit, on="id").fillna({"tasks": 0, "hours_per_year": 0.0})
    units["capacity_hours_per_year"] = units["persons"] * spec.hours_per_staff_year
    field = tasks[tasks["place"].notna() & tasks["person"].notna()]
    workers = (
        field.groupby("person", observed=True)
        .agg(
            grid=("grid", "first"),
            tasks=("task_id", "size"),
            hours_per_year=("hours_per_year", "sum"),
        )
        .reset_index(names="id")
        .assign(level="grid_worker", persons=1)
    )
    workers["capacity_hours_per_year"] = spec.grid_worker_hours_per_year
    out = pd.concat([units, workers], ignore_index=True)
    out["id"] = out["id"].astype(str)
    out["grid"] = out["grid"].astype(object).where(out["grid"].notna(), None)
    out["tasks"] = out["tasks"].astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        load = out["hours_per_year"] / out["capacity_hours_per_year"]
    out["load"] = load.fillna(0.0)
    out["overloaded"] = out["load"] > spec.overload_ratio
    columns = [
        "level",
        "id",
        "grid",
        "persons",
        "tasks",
        "hours_per_year",
        "capacity_hours_per_year",
        "load",
        "overloaded",
    ]
    return out[columns].sort_values(["level", "load"], ascending=[False, False], ignore_index=True)


#: Roles of a RACI matrix, in the order they are written in a cell.
RACI_ROLES = ("R", "A", "C", "I")


def raci(scenario: Scenario, tasks: pd.DataFrame) -> pd.DataFrame:
    """Who is responsible, accountable, consulted and informed for each evaluation item.

    The rule: the lead unit of a standard is **A** for its item; the bodies whose
    people do the item's tasks are **R** (the lead unit, through its posts, for
    unit tasks; the district, through its grid workers, for field tasks);
    cooperating units are **C**; the civilization office is **I** on every item.
    A body can hold several roles on one item (``RA``).

    Parameters
    ----------
    scenario : Scenario
    tasks : pandas.DataFrame
        From :func:`decompose`.

    Returns
    -------
    pandas.DataFrame
        Tidy: one row per (body, item) with a role, with columns ``body``,
        ``body_kind`` (``office``, ``member_unit`` or ``district``), ``item`` and
        ``role`` (letters from ``RACI``). ``pivot(index="body", columns="item",
        values="role")`` gives the matrix.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = load_scenario("scenarios/baseline.yaml")
    >>> r = raci(s, decompose(s)).set_index(["body", "item"])["role"]
    >>> r["market_reg", "I10"], r["office", "I10"], r["d01", "I10"]
    ('RA', 'I', 'R')
    """
    fw = require_framework(scenario)
    resp = responsibility_table(scenario)
    roles: list[tuple[str, str, str]] = []
    for item, leads, cooperating in zip(
        resp["item"], resp["lead_unit"], resp["cooperating_units"], strict=True
    ):
        roles += [(u, item, "A") for u in leads.split(";") if u]
        roles += [(u, item, "C") for u in cooperating.split(";") if u]
    doers = tasks.loc[tasks["place"].isna(), ["lead_unit", "item"]].dropna()
    roles += [(u, i, "R") for u, i in doers.drop_duplicates().itertuples(index=False)]
    places = tasks.loc[tasks["place"].notna(), ["district", "item"]].dropna()
    roles += [(d, i, "R") for d, i in places.drop_duplicates().itertuples(index=False)]
    office = scenario.organisation.office.id
    roles += [(office, i.id, "I") for i in fw.items]
    table = pd.DataFrame(roles, columns=["body", "item", "letter"]).astype(str).drop_duplicates()
    table["rank"] = table["letter"].map({r: k for k, r in enumerate(RACI_ROLES)})
    table = table.sort_values(["body", "item", "rank"])
    out = table.groupby(["body", "item"], sort=False)["letter"].agg("".join).reset_index()
    kinds = {office: "office"} | {u.id: "member_unit" for u in scenario.organisation.units}
    out.insert(1, "body_kind", out["body"].map(kinds).fillna("district"))
    order = {"office": 0, "member_unit": 1, "district": 2}
    out = out.sort_values(
        ["body_kind", "body", "item"], key=lambda c: c.map(order) if c.name == "body_kind" else c
    )
    return out.rename(columns={"letter": "role"}).reset_index(drop=True)
