"""Saved runs: the folders ``civsim run`` and ``civsim compare`` write, and reading them back.

A *run folder* holds one scenario's replications: every table as Parquet
(:meth:`civsim.results.RunResult.write`), ``metadata.json`` (seed,
replications, versions, the scenario's hash, when it ran) and
``scenario.json``, the validated scenario itself. A comparison's run folder
also holds ``replications.parquet``, every replication's outcomes
(:func:`civsim.results.replication_rows`): a comparison of many replications
keeps the tables of its first few only (:data:`civsim.experiments.TABLES_KEPT`).
A *comparison folder* holds ``comparison.json`` (the scenarios in order,
baseline first, and the run's facts) and one run folder per scenario under ``runs/``.

:func:`read_runs` turns such folders back into the :class:`Comparison` and the
scenarios they came from, without simulating again, so a report can be rebuilt
(``civsim report``) or written in another language. Because the scenario is
stored whole, the rebuilt report does not depend on the YAML files still being
there, or unchanged; its hash is checked against the one recorded with the
tables.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from civsim.errors import CivsimError
from civsim.experiments import quota_score
from civsim.results import (
    Comparison,
    RunResult,
    build_comparison,
    concat_results,
    load_results,
    replication_rows,
)
from civsim.scenario import Scenario, scenario_hash

__all__ = [
    "SavedRuns",
    "read_runs",
    "report_facts",
    "run_metadata",
    "write_comparison",
    "write_run",
]

#: The file holding a run folder's validated scenario.
SCENARIO_FILE = "scenario.json"
#: The file naming a comparison folder's scenarios, baseline first.
COMPARISON_FILE = "comparison.json"
#: The file of a comparison's run folder holding every replication's outcomes.
REPLICATIONS_FILE = "replications.parquet"
#: The sub-folder of a comparison folder holding one run folder per scenario.
RUNS_FOLDER = "runs"
#: Packages whose versions a run records (the ones its numbers depend on).
PACKAGES = ("civsim", "numpy", "pandas", "networkx", "simpy", "scipy", "pydantic")


@dataclass(frozen=True)
class SavedRuns:
    """Runs read back from their folders.

    Attributes
    ----------
    comparison : Comparison
        The scenarios compared, the first folder's first scenario the baseline.
    scenarios : list of Scenario
        The stored scenarios, in the same order.
    metadata : dict
        The facts a report prints: ``created`` (the latest run's), ``civsim_version``,
        ``seed``, ``replications``, ``executor`` and ``scenario_hashes``.
    """

    comparison: Comparison
    scenarios: list[Scenario]
    metadata: dict[str, Any]


def run_metadata(
    scenario: Scenario,
    seed: int,
    reps: int,
    executor: str,
    overrides: Mapping[str, str] | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """The facts recorded beside a run's tables.

    Parameters
    ----------
    scenario : Scenario
    seed, reps : int
        Master seed and replications.
    executor : str
        Which executor ran them (the results do not depend on it).
    overrides : mapping of str to str, optional
        ``--set`` changes applied to the scenario file.
    created : str, optional
        When the run ended (ISO 8601); now, in UTC, when not given.

    Returns
    -------
    dict
        JSON-serialisable.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> meta = run_metadata(load_scenario("scenarios/baseline.yaml"), 7, 2, "serial")
    >>> meta["scenario"], meta["seed"], meta["replications"], len(meta["scenario_hash"])
    ('baseline', 7, 2, 16)
    """
    return {
        "scenario": scenario.name,
        "scenario_file": str(scenario.source_file) if scenario.source_file else None,
        "scenario_hash": scenario_hash(scenario),
        "overrides": dict(overrides or {}),
        "seed": seed,
        "replications": reps,
        "executor": executor,
        "created": created or datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "versions": {p: md.version(p) for p in PACKAGES},
    }


def report_facts(metadata: Mapping[str, Any], scenarios: Sequence[Scenario]) -> dict[str, Any]:
    """The facts a report prints about a run, from its metadata (:func:`run_metadata`).

    ``civsim compare`` and ``civsim report`` pass the same facts, so a report
    rebuilt from saved runs is the report the runs first gave.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> facts = report_facts(run_metadata(base, 7, 2, "serial", created="2026-11-29"), [base])
    >>> facts["created"], facts["seed"], list(facts["scenario_hashes"])
    ('2026-11-29', 7, ['baseline'])
    """
    return {
        "created": metadata.get("created"),
        "civsim_version": metadata.get("versions", {}).get("civsim"),
        "seed": metadata.get("seed"),
        "replications": metadata.get("replications"),
        "executor": metadata.get("executor"),
        "scenario_hashes": {s.name: scenario_hash(s) for s in scenarios},
    }


def write_run(folder: Path, result: RunResult, scenario: Scenario, metadata: dict) -> None:
    """Write one scenario's tables, its metadata and the scenario itself into ``folder``.

    The bare write, for a caller that stages the folder
    (:func:`civsim.export.staged_folder`).

    Parameters
    ----------
    folder : Path
        Created if missing.
    result : RunResult
        The scenario's replications.
    scenario : Scenario
    metadata : dict
        From :func:`run_metadata`.
    """
    folder.mkdir(parents=True, exist_ok=True)
    result.write(folder, metadata)
    (folder / SCENARIO_FILE).write_text(
        json.dumps(scenario.model_dump(mode="json"), ensure_ascii=False), encoding="utf-8"
    )


def write_comparison(
    folder: Path, comparison: Comparison, scenarios: Sequence[Scenario], metadata: dict
) -> None:
    """Write a comparison's runs under ``folder/runs/`` and ``comparison.json``.

    Parameters
    ----------
    folder : Path
        The comparison folder (a staging folder, see :func:`write_run`).
    comparison : Comparison
    scenarios : sequence of Scenario
        The compared scenarios, baseline first.
    metadata : dict
        The run's facts (:func:`run_metadata` of the baseline); each scenario's
        run folder gets them with its own name and hash.
    """
    by_name = comparison.results
    for scenario in scenarios:
        name = scenario.name
        tables = {
            n: t[t["scenario"] == name].reset_index(drop=True) if "scenario" in t else t
            for n, t in by_name.tables().items()
        }
        meta = {**metadata, "scenario": name, "scenario_hash": scenario_hash(scenario)}
        meta["scenario_file"] = str(scenario.source_file) if scenario.source_file else None
        run = folder / RUNS_FOLDER / name
        write_run(run, RunResult(**tables), scenario, meta)
        rows = comparison.replications
        rows = rows[rows["scenario"] == name].drop(columns="difference")
        rows.reset_index(drop=True).to_parquet(run / REPLICATIONS_FILE, index=False)
    summary = {
        **{k: v for k, v in metadata.items() if k not in ("scenario", "scenario_file")},
        "scenarios": [s.name for s in scenarios],
        "scenario_hashes": {s.name: scenario_hash(s) for s in scenarios},
    }
    summary.pop("scenario_hash", None)
    (folder / COMPARISON_FILE).write_text(
        json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8"
    )


def read_runs(folders: Sequence[str | Path]) -> SavedRuns:
    """Read run and comparison folders back into one comparison, baseline first.

    Parameters
    ----------
    folders : sequence of str or Path
        Run folders (``civsim run --out``) and comparison folders (``civsim
        compare --out``), in the order to compare; the first scenario found is
        the baseline.

    Returns
    -------
    SavedRuns

    Raises
    ------
    CivsimError
        If a folder is neither kind, a stored scenario is invalid or does not
        match the hash recorded with its tables, two runs have the same
        scenario name, or the runs used different seeds or replications (their
        differences could not be paired).
    """
    runs = [run for folder in folders for run in _run_folders(Path(folder))]
    if not runs:
        raise CivsimError("no run folders given")
    loaded = [_read_run(run) for run in runs]
    names = [scenario.name for _, scenario, _ in loaded]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CivsimError(f"the same scenario comes twice: {', '.join(twice)}; give each once")
    first = loaded[0][2]
    for run, (_, _, meta) in zip(runs, loaded, strict=True):
        for key in ("seed", "replications"):
            if meta.get(key) != first.get(key):
                raise CivsimError(
                    f"{run}: {key} {meta.get(key)} differs from {first.get(key)} of "
                    f"{names[0]}; runs compare pairwise only with the same seed and replications"
                )
    scenarios = [scenario for _, scenario, _ in loaded]
    quotas = {s.name: quota_score(s.simulation.evaluation) for s in scenarios}
    rows = pd.concat([_rows(run, result) for run, (result, _, _) in zip(runs, loaded, strict=True)])
    comparison = build_comparison(concat_results([r for r, _, _ in loaded]), quotas, rows=rows)
    latest = max(str(meta.get("created") or "") for _, _, meta in loaded) or None
    metadata = report_facts({**first, "created": latest}, scenarios)
    return SavedRuns(comparison, scenarios, metadata)


def _rows(folder: Path, result: RunResult) -> pd.DataFrame:
    """A run folder's every replication's outcomes: stored by a comparison, else from its tables."""
    path = folder / REPLICATIONS_FILE
    return pd.read_parquet(path) if path.is_file() else replication_rows(result)


def _run_folders(folder: Path) -> list[Path]:
    """The run folders a given folder stands for, in order."""
    listing = folder / COMPARISON_FILE
    if listing.is_file():
        try:
            names = json.loads(listing.read_text(encoding="utf-8"))["scenarios"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CivsimError(f"{listing}: not a civsim comparison listing ({exc})") from None
        return [folder / RUNS_FOLDER / str(n) for n in names]
    if (folder / "metadata.json").is_file():
        return [folder]
    raise CivsimError(
        f"{folder}: neither a run folder (metadata.json) nor a comparison folder "
        f"({COMPARISON_FILE}); give folders written by civsim run or civsim compare"
    )


def _read_run(folder: Path) -> tuple[RunResult, Scenario, dict[str, Any]]:
    """One run folder's tables, its scenario (checked against the recorded hash) and metadata."""
    result, meta = load_results(folder)
    path = folder / SCENARIO_FILE
    if not path.is_file():
        raise CivsimError(
            f"{folder}: no {SCENARIO_FILE}, so the scenario behind these tables is unknown "
            "(the folder predates stored scenarios); run the scenario again"
        )
    try:
        scenario = Scenario.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, ValidationError) as exc:
        raise CivsimError(f"{path}: not a valid stored scenario ({exc})") from None
    if scenario_hash(scenario) != meta.get("scenario_hash"):
        raise CivsimError(
            f"{path}: the stored scenario's hash {scenario_hash(scenario)} is not the one "
            f"recorded with its tables ({meta.get('scenario_hash')}): the folder was edited, or "
            "another civsim version wrote it (new settings change a scenario's hash); run the "
            "scenario again"
        )
    return result, scenario, meta
