"""Results as tidy tables, and saving them (Parquet + JSON metadata).

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
    waits, volunteer requests and services, negative incidents, evaluation
    visits, line deliveries).
``orders``
    scenario, replication, order, standard, place, district, unit, opened,
    ready, deadline, closed (-1 if open), status (closed, closed_late, open,
    open_late).
``workload``
    scenario, replication, day, unit, queue (open orders), spare (unused
    capacity, orders).
``annual``
    scenario, replication, year, visit_day, material, field, survey,
    satisfaction, deductions, incidents, disqualified, score.
``cycle``
    scenario, replication, cycle_score, disqualified, rank, quota, title.
``districts``
    scenario, replication, year, district, satisfaction, field (expected field
    points at year end).
``spend``
    scenario, replication, year, month, line, district, yuan.
``allocation``
    scenario, replication, year, level, district, category, line, units, yuan.
``conditions``
    scenario, replication, year, district, place_type, condition (mean field
    condition over the year, 0..1, as inspectors see it), end_condition (at
    year end), checkpoints.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from civsim.errors import CivsimError

if TYPE_CHECKING:
    from civsim.sim.model import Run

__all__ = ["TABLES", "RunResult", "build_run_result", "concat_results", "load_results"]

TABLES = (
    "shadow",
    "events",
    "orders",
    "workload",
    "annual",
    "cycle",
    "districts",
    "spend",
    "allocation",
    "conditions",
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

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def save(self, folder: str | Path, metadata: dict[str, Any]) -> Path:
        """Write every table as Parquet and ``metadata.json``, all or nothing.

        Parameters
        ----------
        folder : str or Path
            Created if missing; its former tables are replaced.
        metadata : dict
            JSON-serialisable facts about the run (scenario hash, seed, versions).
        """
        folder = Path(folder)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-"))
        try:
            for name, table in self.tables().items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
            (tmp / "metadata.json").write_text(
                json.dumps(metadata, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
            )
            if folder.exists():
                for name in (*TABLES, "metadata"):
                    for old in folder.glob(f"{name}.*"):
                        old.unlink()
            folder.mkdir(exist_ok=True)
            for item in tmp.iterdir():
                os.replace(item, folder / item.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return folder


def load_results(folder: str | Path) -> tuple[RunResult, dict[str, Any]]:
    """Read tables and metadata written by :meth:`RunResult.save`.

    Raises
    ------
    CivsimError
        If a table or the metadata is missing.
    """
    folder = Path(folder)
    missing = [n for n in TABLES if not (folder / f"{n}.parquet").is_file()]
    if missing or not (folder / "metadata.json").is_file():
        what = ", ".join(missing) or "metadata.json"
        raise CivsimError(f"{folder}: not a civsim results folder (missing {what})")
    tables = {n: pd.read_parquet(folder / f"{n}.parquet") for n in TABLES}
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


def _keyed(df: pd.DataFrame, scenario: str, replication: int) -> pd.DataFrame:
    df.insert(0, "replication", replication)
    df.insert(0, "scenario", scenario)
    return df


def build_run_result(run: Run, scenario: str, seed: int, replication: int) -> RunResult:
    """Assemble a finished run's recorders into a :class:`RunResult`."""
    from civsim.sim.model import EVENT_KINDS

    ckp = run.ckp
    sc = run.prep.scenario
    shadow = _shadow(run, ckp, sc.cycle.survey_points)

    days = np.arange(run.events.shape[1])
    kinds, day_idx = np.nonzero(run.events)
    events = pd.DataFrame(
        {
            "day": days[day_idx],
            "kind": pd.Categorical(np.asarray(EVENT_KINDS)[kinds], categories=EVENT_KINDS),
            "count": run.events[kinds, day_idx],
        }
    ).sort_values(["day", "kind"], kind="stable", ignore_index=True)

    workload = pd.DataFrame(
        [
            (day, unit, int(q), float(s))
            for day, queue, spare in run._units
            for unit, q, s in zip(ckp.units, queue, spare, strict=True)
        ],
        columns=["day", "unit", "queue", "spare"],
    )
    annual = pd.DataFrame(run.annual)
    districts = pd.DataFrame(run.district_results)
    cycle = _cycle(run, annual)
    spend = pd.DataFrame(run._spend, columns=["year", "month", "line", "district", "yuan"])
    allocation = (
        pd.concat(run.allocated, ignore_index=True) if run.allocated else pd.DataFrame()
    ).reindex(columns=["year", "level", "district", "category", "line", "units", "yuan"])
    tables = {
        "shadow": shadow,
        "events": events,
        "orders": run.orders.table(ckp, run.days),
        "workload": workload,
        "annual": annual,
        "cycle": cycle,
        "districts": districts,
        "spend": spend,
        "allocation": allocation,
        "conditions": pd.DataFrame(
            run.conditions,
            columns=["year", "district", "place_type", "condition", "end_condition", "checkpoints"],
        ),
    }
    return RunResult(**{k: _keyed(v, scenario, replication) for k, v in tables.items()})


def _shadow(run: Run, ckp, survey_points: float) -> pd.DataFrame:
    """The shadow score records as one tidy table (field and material groups, then survey)."""
    days = np.array([day for day, _, _ in run._shadow])
    groups = ckp.shadow_groups
    values = np.stack([v for _, v, _ in run._shadow])  # records x groups
    scored = pd.DataFrame(
        {
            "day": np.repeat(days, len(groups)),
            "method": np.tile(groups["method"].to_numpy(dtype=object), len(days)),
            "district": np.tile(groups["district"].to_numpy(dtype=object), len(days)),
            "item": np.tile(groups["item"].to_numpy(dtype=object), len(days)),
            "score": values.ravel(),
        }
    )
    shares = run.survey_item_shares
    sat = np.stack([s for _, _, s in run._shadow])  # records x districts
    n_d, n_i = len(ckp.districts), len(shares)
    pop = ckp.district_population / max(ckp.district_population.sum(), 1)
    per_item = shares.to_numpy() * survey_points
    survey = pd.DataFrame(
        {
            "day": np.repeat(days, (n_d + 1) * n_i),
            "method": "survey",
            "district": np.tile(
                np.repeat(np.append(ckp.districts.astype(object), "city"), n_i), len(days)
            ),
            "item": np.tile(shares.index.to_numpy(dtype=object), len(days) * (n_d + 1)),
            "score": np.concatenate(
                [np.column_stack([sat, sat @ pop])[:, :, None] * per_item[None, None, :]],
            ).ravel(),
        }
    )
    shadow = pd.concat([scored, survey], ignore_index=True)
    for col in ("method", "district", "item"):
        shadow[col] = shadow[col].astype("category")
    return shadow


def _cycle(run: Run, annual: pd.DataFrame) -> pd.DataFrame:
    from civsim import scoring

    sc = run.prep.scenario
    ev = run.params.evaluation
    score = scoring.cycle_score(annual["score"], sc.cycle.year_weights)
    disq = bool(annual["disqualified"].any())
    outcome = scoring.peer_outcome(
        score,
        disq,
        ev.peer_group_size,
        ev.quota_share,
        ev.peer_mean,
        ev.peer_sd,
        run.rngs["peers"],
    )
    return pd.DataFrame([{"cycle_score": score, "disqualified": disq, **outcome}])
