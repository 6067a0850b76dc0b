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

import concurrent.futures
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from SALib import ProblemSpec
from tqdm import tqdm

from civsim.city import place_of
from civsim.cluster import dask_executor
from civsim.errors import CivsimError
from civsim.experiment import DESIGN_KEYS, Experiment, design, experiment_hash, variant
from civsim.experiments import end_with_parent, pool_size
from civsim.outcomes import OUTCOMES, replication_outcomes
from civsim.results import RunResult, concat_results
from civsim.scenario import Scenario, load_scenario, override, parameter_table, scenario_hash
from civsim.sim import prepare, simulate
from civsim.store import RunStore, publish

__all__ = [
    "OutcomeModel",
    "analyse",
    "execute",
    "explore",
    "keyed",
    "open_executor",
    "outcome_model",
    "replicated",
    "run_variant",
]

Task = tuple[Scenario, int, tuple[int, ...]]
#: What runs a task: :func:`run_variant`, or a function of the same arguments (picklable).
Run = Callable[[Scenario, int, tuple[int, ...]], pd.DataFrame]
#: Where an experiment's tasks run (or any ``concurrent.futures.Executor``).
Where = Literal["serial", "process", "dask"]


def explore(
    experiment: Experiment,
    scenario: Scenario,
    out: str | Path,
    executor: Where | concurrent.futures.Executor = "serial",
    workers: int | None = None,
    progress: bool | None = None,
    scheduler: str | None = None,
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
    executor : {"serial", "process", "dask"} or concurrent.futures.Executor
        Where tasks run: here, a process pool, a dask.distributed cluster
        (:func:`civsim.cluster.dask_executor`), or any executor given (left open).
    workers : int, optional
        Processes of the pool or local cluster (default: the machine's cores).
    progress : bool, optional
        Show a progress bar; by default only when stderr is a terminal.
    scheduler : str, optional
        With ``"dask"``: a running scheduler's address; a local cluster when not given.

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
    unique = dict(zip(keys, variants, strict=True))
    with ExitStack() as stack:
        # The pool first: a scheduler that cannot be reached is refused before anything is written.
        pool = open_executor(stack, executor, workers, scheduler, len(unique))
        store = RunStore(
            out,
            experiment_hash(experiment, scenario_hash(scenario)),
            {
                "experiment": experiment.model_dump(mode="json"),
                "seed": seed,
                # the explored city, so that a report can tell whether it is its baseline's
                "districts": place_of(scenario),
            },
        )
        stack.enter_context(store)  # held until the runs are stored
        done = store.done()
        tasks: list[Task] = []
        for key, var in unique.items():
            reps = range(experiment.replications)
            missing = tuple(r for r in reps if (key, seed, r) not in done)
            if missing:
                tasks.append((var, seed, missing))
        runs = sum(len(t[2]) for t in tasks)
        show = sys.stderr.isatty() if progress is None else progress
        bar = tqdm(total=runs, desc=experiment.name, unit="run", disable=not show, leave=False)
        with bar:
            for (_, _, reps_run), outcomes in execute(tasks, pool, workers):
                # run_variant keyed the rows by the variant's hash: no need to hash it again
                store.add(f"{outcomes['variant'].iloc[0]}-{seed}", outcomes)
                bar.update(len(reps_run))
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
    _, outcomes = replicated(scenario, seed, replications)
    return keyed(outcomes, scenario, seed)


def replicated(
    scenario: Scenario, seed: int, replications: tuple[int, ...]
) -> tuple[RunResult, pd.DataFrame]:
    """Some replications of one variant: their tables and their outcomes."""
    prep = prepare(scenario)
    result = concat_results([simulate(prep, seed=seed, replication=r) for r in replications])
    return result, replication_outcomes(result, scenario)


def keyed(table: pd.DataFrame, scenario: Scenario, seed: int) -> pd.DataFrame:
    """``table`` (one row per replication) keyed for the store: ``variant`` and ``seed`` first."""
    table.insert(0, "seed", seed)
    table.insert(0, "variant", scenario_hash(scenario))
    return table


class OutcomeModel:
    """A model function for SALib or EMA Workbench: sampled values in, one outcome out.

    Calling it with an array of shape ``(points, len(paths))`` overrides the
    scenario at ``paths`` with each row (:func:`civsim.scenario.override`, so a
    value outside a parameter's bounds is refused as a file's would be), runs
    ``replications`` replications of it (``0 .. replications - 1`` from
    ``seed``: common random numbers at every point) and returns each point's
    mean ``outcome`` (a column of :data:`civsim.outcomes.OUTCOMES`). The city
    is built once and reused by every point that keeps its upstream sections.
    Made by :func:`outcome_model`.
    """

    def __init__(
        self, scenario: Scenario, paths: list[str], outcome: str, replications: int, seed: int
    ):
        self.scenario = scenario
        self.paths = paths
        self.outcome = outcome
        self.replications = tuple(range(replications))
        self.seed = seed

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """Each row's mean outcome.

        Raises
        ------
        CivsimError
            If ``X`` has not one column per path, or a value is refused by the schema.
        """
        X = np.atleast_2d(np.asarray(X, dtype=float))
        if X.shape[1] != len(self.paths):
            raise CivsimError(
                f"sampled values have {X.shape[1]} columns; the model has {len(self.paths)} paths"
            )
        rows = [dict(zip(self.paths, x.tolist(), strict=True)) for x in X]
        runs = [run_variant(override(self.scenario, r), self.seed, self.replications) for r in rows]
        return np.array([float(run[self.outcome].mean()) for run in runs])

    def problem(self) -> ProblemSpec:
        """SALib's problem over the paths, each over its plausible range.

        Raises
        ------
        CivsimError
            If a path has no plausible range in the scenario's parameters.
        """
        plausible = {r["path"]: r["plausible"] for r in parameter_table(self.scenario)}
        missing = [path for path in self.paths if plausible.get(path) is None]
        if missing:
            raise CivsimError(
                f"no plausible range for {', '.join(missing)}: give SALib the bounds yourself"
            )
        bounds = [list(plausible[path]) for path in self.paths]
        return ProblemSpec({"names": list(self.paths), "bounds": bounds})


def outcome_model(
    scenario: Scenario | str | Path,
    paths: Sequence[str],
    outcome: str = "cycle_score",
    replications: int = 1,
    seed: int | None = None,
) -> OutcomeModel:
    """A model function of ``paths`` for SALib's ``ProblemSpec.evaluate`` or EMA Workbench.

    Parameters
    ----------
    scenario : Scenario or path
    paths : sequence of str
        Dotted parameter paths, one per column of the sampled array.
    outcome : str
        The outcome averaged over the replications.
    replications : int
    seed : int, optional
        The scenario's own seed when not given.

    Returns
    -------
    OutcomeModel
        Call it with sampled values; its :meth:`~OutcomeModel.problem` is SALib's
        problem over the paths' plausible ranges.

    Raises
    ------
    CivsimError
        For an unknown outcome or fewer than one replication.

    Examples
    --------
    >>> f = outcome_model("scenarios/county_nominee.yaml", ["simulation.dynamics.upkeep_rate"])
    >>> f.problem()["bounds"]
    [[0.02, 0.12]]
    >>> y = f(np.array([[0.05], [0.10]]))
    >>> y.shape, bool(y[1] > y[0])
    ((2,), True)
    """
    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    if outcome not in OUTCOMES:
        raise CivsimError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
    if replications < 1:
        raise CivsimError(f"replications must be at least 1, not {replications}")
    return OutcomeModel(
        base, list(paths), outcome, replications, base.seed if seed is None else seed
    )


def open_executor(
    stack: ExitStack,
    executor: Where | concurrent.futures.Executor,
    workers: int | None,
    scheduler: str | None,
    tasks: int,
) -> concurrent.futures.Executor | None:
    """The executor ``tasks`` tasks go to (``None``: run here), entered on ``stack``.

    A dask scheduler that cannot be reached is refused here, so a caller opens
    the executor before it writes anything.
    """
    if isinstance(executor, concurrent.futures.Executor):
        return executor  # the caller's: left open
    if executor == "serial":
        return None
    if executor not in ("process", "dask"):
        raise CivsimError(
            f"unknown executor {executor!r}; expected 'serial', 'process', 'dask' or a "
            "concurrent.futures.Executor"
        )
    size = pool_size(workers, tasks)
    if executor == "process":
        # Workers start on the first submission, and end with this process if it is killed.
        return stack.enter_context(
            ProcessPoolExecutor(
                max_workers=size, initializer=end_with_parent, initargs=(os.getpid(),)
            )
        )
    return stack.enter_context(dask_executor(scheduler, size))


def execute(
    tasks: list[Task],
    pool: concurrent.futures.Executor | None,
    workers: int | None,
    run: Run = run_variant,
) -> Iterator[tuple[Task, pd.DataFrame]]:
    """Each task with what ``run`` returns for it, as tasks finish (on ``pool``, or here)."""
    if pool is None or len(tasks) <= 1:
        for task in tasks:
            yield task, run(*task)
        return
    # The first task runs here: numba compiles (or loads) the kernels once and its cache is
    # on disk before the workers need it, instead of every worker compiling at once.
    yield tasks[0], run(*tasks[0])
    yield from _stream(pool, tasks[1:], 2 * pool_size(workers, len(tasks)), run)


def _stream(
    pool: concurrent.futures.Executor, tasks: list[Task], in_flight: int, run: Run
) -> Iterator[tuple[Task, pd.DataFrame]]:
    """Run tasks on ``pool`` with at most ``in_flight`` submitted, yielding each as it finishes.

    Few tasks in flight: a killed parent loses little, and the pool holds no
    long queue of pickled scenarios.
    """
    pending: dict[Future[pd.DataFrame], Task] = {}
    queue = iter(tasks)
    for task in queue:
        pending[pool.submit(run, *task)] = task
        if len(pending) >= in_flight:
            break
    while pending:
        finished, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in finished:
            task = pending.pop(future)
            yield task, future.result()
            nxt = next(queue, None)
            if nxt is not None:
                pending[pool.submit(run, *nxt)] = nxt


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

    seed = int(results["seed"].iloc[0])  # the experiment's: analyses repeat exactly
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
