"""Checks of many scenarios, each scenario's records stored as it finishes, so a long check resumes.

``civsim check scenarios/*.yaml`` runs for hours (every parameter of every
scenario is moved, every lever compared on common random numbers). With an
output folder, each scenario's records are stored in ``<out>/scenarios`` as
soon as its checks end (a :class:`civsim.store.RunStore` keyed by the
scenario's content hash), so a run that is stopped keeps every scenario it
finished, and a run with ``resume`` checks only the scenarios not yet stored
with the same content, replications, seed and checks. Results are the same
either way: each scenario's checks depend on it, those settings and the model's
code alone. The store records the model's code (:func:`civsim.store.model_hash`)
and refuses to resume records another model made: after a change to civsim,
run without ``resume``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import nullcontext
from pathlib import Path

import pandas as pd

from civsim.errors import CivsimError, OtherExperimentError
from civsim.experiments import Executor
from civsim.reality import CHECKS, RECORD_COLUMNS, run_checks
from civsim.scenario import Scenario, scenario_hash
from civsim.store import RunStore

__all__ = ["STORED", "check_scenarios"]

#: The folder, inside the output folder, of each scenario's stored records.
STORED = "scenarios"
#: The column keying a scenario's stored records: its content hash.
KEY = "scenario_hash"


def check_scenarios(
    scenarios: Sequence[Scenario],
    reps: int = 10,
    seed: int | None = None,
    only: Sequence[str] | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    out: str | Path | None = None,
    resume: bool = False,
) -> Iterator[tuple[Scenario, pd.DataFrame, bool]]:
    """Each scenario's check records, in turn: ``(scenario, records, reused)``.

    Parameters
    ----------
    scenarios : sequence of Scenario
    reps, seed, only, executor, workers
        As :func:`civsim.reality.run_checks`.
    out : str or Path, optional
        The output folder: each scenario's records are stored in
        ``out/scenarios`` when its checks end. Without ``resume``, records
        stored there before are removed first. The store is held for the
        whole run: another run into the same ``out`` is refused.
    resume : bool
        Reuse the records stored in ``out`` for a scenario of the same content,
        checked with the same replications, seed and checks (``reused`` is then
        True), and check only the others.

    Raises
    ------
    CivsimError
        If ``resume`` is asked without ``out``, if ``out`` holds records stored
        with other replications, seed or checks, or by other model code (with
        ``resume``), if another run uses ``out``, or if two scenarios share a name.

    Examples
    --------
    >>> import tempfile
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> out = Path(tempfile.mkdtemp())
    >>> runs = check_scenarios([county], 1, only=["official_arithmetic"], out=out)
    >>> [(s.name, len(t), reused) for s, t, reused in runs]
    [('county_nominee', 1, False)]
    >>> again = check_scenarios([county], 1, only=["official_arithmetic"], out=out, resume=True)
    >>> [(s.name, bool(t["passed"].all()), reused) for s, t, reused in again]
    [('county_nominee', True, True)]
    """
    names = [sc.name for sc in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CivsimError(f"scenarios named twice: {', '.join(twice)} (a scenario's name keys it)")
    if resume and out is None:
        raise CivsimError("resume needs an output folder (--out): the one whose records to reuse")
    store = _store(Path(out), reps, seed, only, resume) if out is not None else None
    with store if store is not None else nullcontext():
        done = store.done() if store is not None and resume else set()
        stored = store.table() if done and store is not None else pd.DataFrame(columns=[KEY])
        for sc in scenarios:
            key = scenario_hash(sc)
            if (key,) in done:
                rows = stored[stored[KEY] == key].drop(columns=[KEY]).reset_index(drop=True)
                yield sc, rows[list(RECORD_COLUMNS)], True
                continue
            table = _typed(run_checks(sc, reps, seed, only, executor=executor, workers=workers))
            if store is not None:
                store.add(f"{sc.name}-{key}", table.assign(**{KEY: key}))
            yield sc, table, False


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    """The records with their numbers as floats (none stands for a blank), as they are stored."""
    numbers = ["difference", "low", "high", "reps"]
    return table.assign(**{c: pd.to_numeric(table[c], errors="coerce") for c in numbers})


def _store(
    out: Path, reps: int, seed: int | None, only: Sequence[str] | None, resume: bool
) -> RunStore:
    """The store of ``out``'s records; emptied first unless resuming."""
    settings = {
        "reps": reps,
        "seed": seed,
        "checks": sorted(only) if only else sorted(CHECKS),
    }
    text = json.dumps(settings, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:16]
    try:
        # without resume, records of an earlier run into this folder are not to be mixed in
        return RunStore(out / STORED, key, {"checks": settings}, keys=(KEY,), fresh=not resume)
    except OtherExperimentError as exc:
        raise OtherExperimentError(
            f"{exc} (records of checks with other replications, seed or checks)"
        ) from None
