"""The result of a simulation as tidy tables, and saving them (Parquet + JSON metadata).

A :class:`RunResult` holds one or more replications of one scenario; every
table carries ``scenario`` and ``replication`` columns, so results of many runs
concatenate into one table aligned on the same keys.

Tables and their columns:

``shadow``
    scenario, replication, day, method (field / material / survey), district
    (a district id or ``city``), item, score: the points that group would score
    if the evaluation came that day.
``events``
    scenario, replication, day, kind, count: daily tallies (self-checks,
    problems by source, orders opened / closed / closed late, coordination
    waits, orders supervised, sent to joint action and reassigned to street
    offices, holders held to account and on overtime (counted at each weekly
    review), volunteer requests and services, negative incidents,
    evaluation visits, line deliveries).
``orders``
    scenario, replication, order, standard, place, district, unit (its holder
    at the end: a reassigned order's district), opened, ready, deadline,
    closed (-1 if open), supervised (the day the office began supervising it,
    督办; -1 if never), joint (the day it went to the committee's joint action,
    联合执法; -1 if never), status (closed, closed_late, open, open_late).
``workload``
    scenario, replication, day, unit, queue (open orders), spare (unused
    capacity, orders).
``annual``
    scenario, replication, year, visit_day (the field inspection's day),
    survey_day, material_day, office (delegated or central), inspection (the
    inspection's field points), survey, satisfaction, material, field (the
    year's field points: the inspection's, blended with the covert visits'),
    covert (the covert visits' mean field points, NaN without visits),
    covert_visits, deductions, incidents, disqualified, score,
    material_completeness (mean completeness of the dossiers the year's
    material reviews read, 0..1); with the minors' assessment on, minors (its
    score of 100) and precondition_passed, the score weighing it in
    (:mod:`civsim.sim.mechanisms.minors`); for a title holder, recheck_rank,
    title_status (kept, warned, stripped, lost) and title_held
    (:mod:`civsim.sim.mechanisms.title_holder`).
``cycle``
    scenario, replication, cycle_score, disqualified, rank, quota, title,
    title_bar (the cycle score that ranked within the quota among the drawn peers);
    with the minors' assessment on, minors (the years weighed) and
    precondition_passed (title only if passed); for a title holder, holder,
    years_held, and title is whether the city holds the title at the end.
``districts``
    scenario, replication, year, district, satisfaction, field (expected field
    points at year end).
``spend``
    scenario, replication, year, month, line, district, yuan.
``allocation``
    scenario, replication, year, level, district, category, line, units, yuan:
    the year's allocation as decided, its ``reserve`` and ``unspent`` rows too
    (:mod:`civsim.allocation`).
``conditions``
    scenario, replication, year, district, place_type, condition (mean field
    condition over the year, 0..1, as inspectors see it), end_condition (at
    year end), checkpoints.
``defects``
    scenario, replication, day, district, open (field checkpoints with an open
    defect on that recording day), minor (of them, minor ones), severity
    (their mean severity, condition lost; 0 when none), checkpoints (field
    checkpoints of the district). Empty when defects are switched off.
``mock_tests``
    scenario, replication, day, checkpoints (sampled), score: each mock test's
    sample scored as the field inspection scores its sample, as a share (0..1)
    of the field points.
``civilization_index``
    scenario, replication, day, district, dimension (``index`` for the index
    itself, else a dimension's name), score (0..100: the share of the field
    points expected), rank (among the districts that day, 1 the best), raised
    (the 比学赶超 feedback raised the district's effort until the next
    publication). Empty unless the index is published
    (:mod:`civsim.sim.mechanisms.civilization_index`); a results folder
    written before this table existed reads it as empty (:data:`LATER_TABLES`).
``village_coverage``
    scenario, replication, year (of the urban-village plan: the cycle's),
    district, village (place id), tenants_per_villager, due_year (the plan
    year by whose end the village is due; 0: not within the cycle), due (by
    this year's end), started_day and covered_day (-1: not yet), covered (its
    measures in force at the year's end). Empty unless the plan runs
    (:mod:`civsim.sim.mechanisms.urban_villages`, whose ``district_progress``
    sums it by district against each year's target); read as empty from a
    results folder written before it existed.
``unit_reviews``
    scenario, replication, year, unit (a member unit), open_orders and
    backlog_days (its open orders at the review, in days of its normal
    rectification capacity), condition (mean condition of its led field
    checkpoints as inspectors see them; NaN: it leads none), project (it
    carried a key project that year), assigned_day, deadline_day and done_day
    (-1: none, or not done), late (its project past the deadline and not done
    at the review), held (held to account), effort (the factor on its routine
    upkeep until the next review). Empty unless the reviews run
    (:mod:`civsim.sim.mechanisms.unit_reviews`); read as empty from a results
    folder written before it existed.

:func:`build_run_result` only tabulates what the mechanisms recorded
(:class:`civsim.sim.records.Records`); it computes no score.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from civsim.checkpoints import Checkpoints
from civsim.errors import CivsimError
from civsim.sim.records import Records
from civsim.sums import row_sums

__all__ = [
    "ALLOCATION_COLUMNS",
    "INDEX_COLUMNS",
    "LATER_TABLES",
    "REVIEW_COLUMNS",
    "TABLES",
    "VILLAGE_COLUMNS",
    "RunResult",
    "build_run_result",
]

#: Columns of an allocation table.
ALLOCATION_COLUMNS = ("year", "level", "district", "category", "line", "units", "yuan")
#: Columns of the civilization index table (after scenario and replication).
INDEX_COLUMNS = ("day", "district", "dimension", "score", "rank", "raised")
#: Columns of the member units' review table (after scenario and replication).
REVIEW_COLUMNS = (
    "year",
    "unit",
    "open_orders",
    "backlog_days",
    "condition",
    "project",
    "assigned_day",
    "deadline_day",
    "done_day",
    "late",
    "held",
    "effort",
)
#: Columns of the urban villages' coverage table (after scenario and replication).
VILLAGE_COLUMNS = (
    "year",
    "district",
    "village",
    "tenants_per_villager",
    "due_year",
    "due",
    "started_day",
    "covered_day",
    "covered",
)


@dataclass(frozen=True)
class RunResult:
    """Tidy tables of one or more replications (see the module docstring for columns)."""

    shadow: pd.DataFrame
    events: pd.DataFrame
    orders: pd.DataFrame
    workload: pd.DataFrame
    annual: pd.DataFrame
    cycle: pd.DataFrame
    districts: pd.DataFrame
    spend: pd.DataFrame
    allocation: pd.DataFrame
    conditions: pd.DataFrame
    mock_tests: pd.DataFrame = field(default_factory=pd.DataFrame)
    defects: pd.DataFrame = field(default_factory=pd.DataFrame)
    civilization_index: pd.DataFrame = field(default_factory=pd.DataFrame)
    village_coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    unit_reviews: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def write(self, folder: Path, metadata: dict[str, Any]) -> None:
        """Write every table as ``<table>.parquet`` and ``metadata.json`` into ``folder``.

        The bare write, for a caller that stages and checks the folder itself
        (:func:`civsim.export.staged_folder`); :meth:`save` is the safe one.

        Parameters
        ----------
        folder : Path
            An existing folder.
        metadata : dict
            JSON-serialisable facts about the run.

        Raises
        ------
        OSError
            If a file cannot be written.
        """
        for name, table in self.tables().items():
            # zstd: the orders table (millions of rows) comes out a fifth smaller than with
            # Parquet's default snappy, and writes no slower.
            table.to_parquet(folder / f"{name}.parquet", index=False, compression="zstd")
        (folder / "metadata.json").write_text(
            json.dumps(metadata, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )

    def save(self, folder: str | Path, metadata: dict[str, Any]) -> Path:
        """Write every table as Parquet and ``metadata.json``, all or nothing.

        The files are written into a staging folder beside ``folder``
        (``.<name>.<pid>.<random>``, the pid telling a later write whether it
        is stale) and then moved in: ``<table>.parquet`` and ``metadata.json``
        replace the former ones, and every other file in ``folder`` (a user's
        ``notes.txt`` or ``annual.xlsx``) is kept. (The ``civsim run`` command
        uses :meth:`write` inside :func:`civsim.export.staged_folder`, which
        also checks and locks the folder.)

        Parameters
        ----------
        folder : str or Path
            Created if missing.
        metadata : dict
            JSON-serialisable facts about the run (scenario hash, seed, versions).

        Returns
        -------
        Path
            ``folder``.

        Raises
        ------
        CivsimError
            If writing fails (a full disk, no permission, ``folder`` a file):
            it names the folder and the cause; ``folder`` is as it was and the
            staging folder is gone.
        """
        folder = Path(folder)
        tmp: Path | None = None
        moved = 0
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.{os.getpid()}."))
            self.write(tmp, metadata)
            folder.mkdir(exist_ok=True)
            for item in tmp.iterdir():
                os.replace(item, folder / item.name)
                moved += 1
        except OSError as exc:
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            cause = "the disk is full" if full else (exc.strerror or type(exc).__name__)
            fix = "free some space or choose another folder" if full else "check the folder"
            raise CivsimError(
                f"could not write results to {folder}: {cause} ({exc}); "
                f"{'some' if moved else 'none'} of its files were replaced; {fix} and save again"
            ) from None
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        return folder


#: The table names, in order.
TABLES = tuple(f.name for f in fields(RunResult))
#: Tables added after results folders were first written: a folder without one reads it empty.
LATER_TABLES = ("civilization_index", "village_coverage", "unit_reviews")


def _keyed(df: pd.DataFrame, scenario: str, replication: int) -> pd.DataFrame:
    df.insert(0, "replication", replication)
    # a category, not a string a row: a comparison's orders run to tens of millions of rows
    # (0.9 GB of names in the demo's), and grouping by a category needs no hashing
    codes = pd.Categorical.from_codes(np.zeros(len(df), np.int8), pd.Index([scenario]))
    df.insert(0, "scenario", pd.Series(codes, index=df.index))
    return df


def build_run_result(
    records: Records,
    events: np.ndarray,
    kinds_all: tuple[str, ...],
    ckp: Checkpoints,
    survey_points: float,
    scenario: str,
    replication: int,
) -> RunResult:
    """Tabulate a finished run's records and daily event tallies as a :class:`RunResult`."""
    shadow = _shadow(records, ckp, records.survey_item_shares, survey_points)

    days = np.arange(events.shape[1])
    kinds, day_idx = np.nonzero(events)
    event_table = pd.DataFrame(
        {
            "day": days[day_idx],
            "kind": pd.Categorical(np.asarray(kinds_all)[kinds], categories=kinds_all),
            "count": events[kinds, day_idx],
        }
    ).sort_values(["day", "kind"], kind="stable", ignore_index=True)

    recorded = [day for day, _, _ in records.units]
    workload = pd.DataFrame(
        {
            "day": np.repeat(np.array(recorded, dtype=np.int64), len(ckp.holders)),
            "unit": np.tile(ckp.holders, len(recorded)),
            "queue": _stacked([q for _, q, _ in records.units]).astype(np.int64),
            "spare": _stacked([s for _, _, s in records.units]).astype(float),
        }
    )
    annual = pd.DataFrame(records.annual)
    districts = pd.DataFrame(records.districts)
    cycle = pd.DataFrame([records.cycle])
    spend = pd.DataFrame(records.spend, columns=["year", "month", "line", "district", "yuan"])
    allocation = (
        pd.concat(records.allocated, ignore_index=True) if records.allocated else pd.DataFrame()
    ).reindex(columns=list(ALLOCATION_COLUMNS))
    tables: dict[str, pd.DataFrame] = {
        "shadow": shadow,
        "events": event_table,
        "orders": records.orders if records.orders is not None else pd.DataFrame(),
        "workload": workload,
        "annual": annual,
        "cycle": cycle,
        "districts": districts,
        "spend": spend,
        "allocation": allocation,
        "conditions": pd.DataFrame(
            records.conditions,
            columns=["year", "district", "place_type", "condition", "end_condition", "checkpoints"],
        ),
        "defects": _defects(records, ckp),
        "mock_tests": pd.DataFrame(records.mock_tests, columns=["day", "checkpoints", "score"]),
        "civilization_index": pd.DataFrame(records.civilization_index, columns=list(INDEX_COLUMNS)),
        "village_coverage": pd.DataFrame(
            records.village_coverage, columns=list(VILLAGE_COLUMNS)
        ).astype({"due": bool, "covered": bool}),
        "unit_reviews": pd.DataFrame(records.unit_reviews, columns=list(REVIEW_COLUMNS)).astype(
            {"project": bool, "late": bool, "held": bool}
        ),
    }
    return RunResult(**{k: _keyed(v, scenario, replication) for k, v in tables.items()})


def _defects(records: Records, ckp: Checkpoints) -> pd.DataFrame:
    """Open defects per district on each recording day (no rows when none were recorded)."""
    n_d = len(ckp.districts)
    days = np.array([day for day, *_ in records.defects], dtype=np.int64)
    n_open = _stacked([n for _, n, _, _ in records.defects]).astype(np.int64)
    severity = _stacked([s for *_, s in records.defects]).astype(float)
    field_per_district = np.bincount(ckp.district[: ckp.n_field], minlength=n_d)[:n_d]
    return pd.DataFrame(
        {
            "day": np.repeat(days, n_d),
            "district": np.tile(ckp.districts.astype(object), len(days)),
            "open": n_open,
            "minor": _stacked([m for _, _, m, _ in records.defects]).astype(np.int64),
            "severity": np.divide(severity, n_open, out=np.zeros_like(severity), where=n_open > 0),
            "checkpoints": np.tile(field_per_district, len(days)),
        }
    )


def _stacked(parts: list[np.ndarray]) -> np.ndarray:
    """The parts end to end (an empty array for none)."""
    return np.concatenate(parts) if parts else np.empty(0)


def _shadow(
    records: Records, ckp: Checkpoints, shares: pd.Series, survey_points: float
) -> pd.DataFrame:
    """The shadow score records as one tidy table (field and material groups, then survey)."""
    days = np.array([day for day, _, _ in records.shadow], dtype=np.int32)
    scored = ckp.shadow_groups
    values = np.stack([v for _, v, _ in records.shadow])  # records x groups
    sat = np.stack([s for _, _, s in records.shadow])  # records x districts
    n_d, n_i = len(ckp.districts), len(shares)
    pop = ckp.district_population / max(ckp.district_population.sum(), 1)
    per_item = shares.to_numpy() * survey_points
    surveyed = pd.DataFrame(
        {
            "method": "survey",
            "district": np.repeat(ckp.district_labels, n_i),
            "item": np.tile(shares.index.to_numpy(dtype=object), n_d + 1),
        }
    )
    survey = (
        np.column_stack([sat, row_sums(sat, pop)])[:, :, None] * per_item[None, None, :]
    ).reshape(len(days), -1)  # records x (district, item)
    # labels as categorical codes of one group per row, repeated for every record
    labels = pd.concat([scored, surveyed], ignore_index=True).astype("category")
    blocks = [(slice(0, len(scored)), values), (slice(len(scored), len(labels)), survey)]
    columns = {
        "day": np.concatenate([np.repeat(days, v.shape[1]) for _, v in blocks]),
        **{
            col: pd.Categorical.from_codes(
                np.concatenate(
                    [np.tile(labels[col].cat.codes[rows], len(days)) for rows, _ in blocks]
                ),
                # astype("category") above made every label column categorical
                dtype=cast(pd.CategoricalDtype, labels[col].dtype),
            )
            for col in ("method", "district", "item")
        },
        "score": np.concatenate([v.ravel() for _, v in blocks]),
    }
    return pd.DataFrame(columns)
