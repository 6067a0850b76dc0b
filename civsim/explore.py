"""Running an experiment: every lever at every point, replicated, streamed into a run store.

:func:`explore` validates every variant before anything runs, then runs the
tasks the store does not hold yet (one task: the missing replications of one
variant), serially or in a process pool, and stores each task's outcomes as it
finishes, so memory stays flat and a killed experiment resumes where it
stopped. Every variant runs replications ``0..r-1`` from the experiment's seed
(common random numbers), so levers compare pairwise at each point, and the
results are the same whichever executor ran them and in whatever order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from civsim.errors import CivsimError
from civsim.experiment import DESIGN_KEYS, Experiment, design, experiment_hash, variant
from civsim.experiments import Executor, end_with_parent
from civsim.outcomes import OUTCOMES, replication_outcomes
from civsim.results import concat_results
from civsim.scenario import Scenario, scenario_hash
from civsim.sim import prepare, simulate
from civsim.store import RunStore, publish

__all__ = ["analyse", "explore", "run_variant"]

Task = tuple[Scenario, int, tuple[int, ...]]


def explore(
    experiment: Experiment,
    scenario: Scenario,
    out: str | Path,
    executor: Executor = "serial",
    workers: int | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Run an experiment into the store at ``out`` (resuming it) and return its results.

    Parameters
    ----------
    experiment : Experiment
        With its ranges filled (:func:`civsim.experiment.load_experiment`).
    scenario : Scenario
        The scenario it varies.
    out : str or Path
        The store's folder: created, or resumed when it holds this experiment.
        Its ``runs/`` fill as tasks finish; ``results.parquet`` and
        ``results.csv`` (the returned table) are written at the end.
    executor : {"serial", "process"}
    workers : int, optional
        Processes for the pool (default: the machine's cores).
    progress : bool, optional
        Show a progress bar; by default only when stderr is a terminal.

    Returns
    -------
    pandas.DataFrame
        One row per design row and replication: ``point, lever``, the
        uncertainties' values, ``variant`` (the variant's scenario hash),
        ``seed, replication`` and the outcomes (:data:`civsim.outcomes.OUTCOMES`).

    Raises
    ------
    CivsimError
        If a variant is invalid (before anything is written), or ``out``
        holds another experiment.
    """
    seed = scenario.seed if experiment.seed is None else experiment.seed
    table = design(experiment, seed)
    levers = {lever.name: lever for lever in experiment.levers}
    values = table.drop(columns=list(DESIGN_KEYS))
    variants = [
        variant(scenario, levers[lever], dict(zip(values.columns, row, strict=True)))
        for lever, row in zip(table["lever"], values.itertuples(index=False), strict=True)
    ]
    keys = [scenario_hash(v) for v in variants]
    table["variant"] = keys
    store = RunStore(
        out,
        experiment_hash(experiment, scenario_hash(scenario)),
        {"experiment": experiment.model_dump(mode="json"), "seed": seed},
    )
    done = store.done()
    tasks: list[Task] = []
    for key, var in dict(zip(keys, variants, strict=True)).items():
        missing = tuple(r for r in range(experiment.replications) if (key, seed, r) not in done)
        if missing:
            tasks.append((var, seed, missing))
    runs = sum(len(t[2]) for t in tasks)
    show = sys.stderr.isatty() if progress is None else progress
    with tqdm(total=runs, desc=experiment.name, unit="run", disable=not show, leave=False) as bar:
        for (var, _, reps), outcomes in _execute(tasks, executor, workers):
            store.add(f"{scenario_hash(var)}-{seed}", outcomes)
            bar.update(len(reps))
    # A left merge keeps the design's order, and each variant's replications in order.
    results = table.merge(store.table(), on="variant", how="left")
    publish(store.folder, {"results": results})
    return results


def run_variant(scenario: Scenario, seed: int, replications: tuple[int, ...]) -> pd.DataFrame:
    """The outcomes of some replications of one variant, keyed for the store.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> out = run_variant(county, 1, (0, 1))
    >>> out[["seed", "replication"]].values.tolist()
    [[1, 0], [1, 1]]
    """
    prep = prepare(scenario)
    result = concat_results([simulate(prep, seed=seed, replication=r) for r in replications])
    outcomes = replication_outcomes(result, scenario)
    outcomes.insert(0, "seed", seed)
    outcomes.insert(0, "variant", scenario_hash(scenario))
    return outcomes


def _execute(
    tasks: list[Task], executor: Executor, workers: int | None
) -> Iterator[tuple[Task, pd.DataFrame]]:
    """Each task with its outcomes, as tasks finish."""
    if executor == "serial" or len(tasks) <= 1:
        for task in tasks:
            yield task, run_variant(*task)
        return
    if executor != "process":
        raise CivsimError(f"unknown executor {executor!r}; expected 'serial' or 'process'")
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    with ProcessPoolExecutor(max_workers=workers, initializer=end_with_parent) as pool:
        # At most two tasks a worker in flight: a killed parent loses little, and the
        # pool holds no queue of pickled scenarios.
        pending: dict[Future[pd.DataFrame], Task] = {}
        queue = iter(tasks)
        for task in queue:
            pending[pool.submit(run_variant, *task)] = task
            if len(pending) >= 2 * workers:
                break
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                yield task, future.result()
                nxt = next(queue, None)
                if nxt is not None:
                    pending[pool.submit(run_variant, *nxt)] = nxt


def analyse(
    experiment: Experiment,
    results: pd.DataFrame,
    discover: tuple[str, str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Analyse an experiment's results: what holds up, what decides, where a lever loses.

    The tables: ``robustness`` (each lever across the points:
    :func:`civsim.robustness.robustness`), ``feature_scores`` (what decides
    each outcome), ``sobol`` or ``morris`` (for those samplers), and
    ``discovery`` (the PRIM box under which ``discover[0]`` scores below
    ``discover[1]``, with its coverage and density; no rows when it never
    does) when asked.

    Returns
    -------
    dict of str to pandas.DataFrame
        The tables by name (:func:`civsim.store.publish` writes them).
    """
    from civsim.robustness import discover as find_box
    from civsim.robustness import robustness
    from civsim.sensitivity import feature_scores, morris_effects, sobol_indices

    seed = experiment.seed or 0
    tables = {
        "robustness": robustness(results).reset_index(),
        "feature_scores": feature_scores(results, OUTCOMES, seed=seed).reset_index(),
    }
    if experiment.sampler == "sobol":
        tables["sobol"] = sobol_indices(experiment, results, seed=seed)
    elif experiment.sampler == "morris":
        tables["morris"] = morris_effects(experiment, results, seed=seed)
    if discover is not None:
        limits, facts = find_box(results, *discover)
        tables["discovery"] = limits.reset_index().assign(
            lever=discover[0], against=discover[1], **facts
        )
    return tables
