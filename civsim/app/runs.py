"""Replications for the explorer: in worker processes, streamed back as each one finishes.

The explorer compares a variant (the levers moved) with its scenario on common
random numbers. Each replication is a :class:`Job`; a :class:`Runner` keeps a
small pool of worker processes, each of which prepares a scenario once
(:func:`civsim.sim.prepare`, reusing the city when only downstream sections
changed) and keeps it for the next job, and keeps the finished replications,
so that after a lever change only the variant's replications run again. The
controls stay responsive because no replication runs in the process serving
them.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace

from civsim.errors import CivsimError
from civsim.experiments import quota_score, watch_parent
from civsim.results import Comparison, RunResult, build_comparison, concat_results
from civsim.scenario import Scenario, scenario_hash
from civsim.sim import Prepared, prepare, simulate

__all__ = ["Job", "Runner", "comparison", "run_job"]

#: Prepared scenarios a worker keeps (the scenario and a few variants).
PREPARED_KEPT = 4
#: Bytes of finished replications the runner keeps for reuse, oldest dropped first (one of
#: the baseline city takes about 15 MB slimmed: some 80 replications of it and of a variant).
KEPT_BYTES = 2_500_000_000
#: Worker processes by default: one per core, at most two (the explorer runs on a laptop).
DEFAULT_WORKERS = 2
#: The orders table's columns the comparison and the report read (all: ~40 MB a replication).
ORDER_COLUMNS = ("scenario", "replication", "status", "opened", "deadline")
#: Seconds between two looks at whether the run was stopped.
POLL_SECONDS = 0.1
#: How much lower the workers' scheduling priority is than the server's (``os.nice``): the
#: replications take every core, and the controls must still answer while they run.
WORKER_NICENESS = 10

_prepared: OrderedDict[str, Prepared] = OrderedDict()  # one per worker process


@dataclass(frozen=True)
class Job:
    """One replication of one scenario from a master seed."""

    scenario: Scenario
    seed: int
    replication: int

    @property
    def key(self) -> tuple[str, str, int, int]:
        """The scenario's name (its tables carry it) and content hash, the seed, the replication."""
        return self.scenario.name, scenario_hash(self.scenario), self.seed, self.replication


def run_job(job: Job) -> RunResult:
    """Run one replication, preparing its scenario once per process, with its orders slimmed.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> result = run_job(Job(county, seed=1, replication=0))
    >>> list(result.orders.columns), len(result.cycle)
    (['scenario', 'replication', 'status', 'opened', 'deadline'], 1)
    """
    key = scenario_hash(job.scenario)
    if key not in _prepared:
        _prepared[key] = prepare(job.scenario)
        while len(_prepared) > PREPARED_KEPT:
            _prepared.popitem(last=False)
    _prepared.move_to_end(key)
    result = simulate(_prepared[key], seed=job.seed, replication=job.replication)
    orders = result.orders[list(ORDER_COLUMNS)].astype(
        {"scenario": "category", "status": "category"}
    )
    return replace(result, orders=orders)


class Runner:
    """A pool of worker processes running :class:`Job` s, and the replications already run.

    Parameters
    ----------
    workers : int, optional
        Worker processes (default: the cores, at most :data:`DEFAULT_WORKERS`).
    kept_bytes : int
        Memory for finished replications kept for reuse; the oldest go first.

    Notes
    -----
    Workers are spawned, not forked: the process serving the explorer has
    threads, which a fork would copy half-way. ``tests/test_app.py`` runs it.
    """

    def __init__(self, workers: int | None = None, kept_bytes: int = KEPT_BYTES) -> None:
        self.workers = workers or min(os.cpu_count() or 1, DEFAULT_WORKERS)
        self.kept_bytes = kept_bytes
        self._sizes: dict[tuple[str, str, int, int], int] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._done: OrderedDict[tuple[str, str, int, int], RunResult] = OrderedDict()
        self.ran = 0  #: replications run (not found among the kept ones)
        self._lock = threading.Lock()  # a cancelled stream's last results land from the pool

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def stream(
        self, jobs: Sequence[Job], stopped: Callable[[], bool] = lambda: False
    ) -> Iterator[tuple[Job, RunResult]]:
        """Each job's result as soon as it is there: kept ones first, then as they finish.

        Parameters
        ----------
        jobs : sequence of Job
            In the order to start them.
        stopped : callable
            Asked between results; once it answers True, the jobs not started
            are cancelled and the stream ends (a job running finishes in its
            worker and is kept, not yielded).
        """
        todo: dict[Future[RunResult], Job] = {}
        for job in jobs:
            if job.key in self._done:
                self._done.move_to_end(job.key)
                yield job, self._done[job.key]
            else:
                todo[self._executor().submit(run_job, job)] = job
        pending = set(todo)
        try:
            while pending:
                finished, pending = wait(pending, POLL_SECONDS, FIRST_COMPLETED)
                for future in finished:
                    job = todo[future]
                    try:
                        self._keep(job, future.result())
                    except BrokenProcessPool:
                        self._pool = None  # the next run starts new workers
                        raise CivsimError("a worker process ended; run again") from None
                    yield job, self._done[job.key]
                if stopped():
                    break
        finally:
            for future in pending:
                future.cancel()
                future.add_done_callback(functools.partial(self._keep_done, todo[future]))

    def _keep_done(self, job: Job, future: Future[RunResult]) -> None:
        if not future.cancelled() and future.exception() is None:
            self._keep(job, future.result())

    def _keep(self, job: Job, result: RunResult) -> None:
        with self._lock:
            self.ran += 1
            self._done[job.key] = result
            self._sizes[job.key] = _size(result)
            while len(self._done) > 1 and sum(self._sizes.values()) > self.kept_bytes:
                self._sizes.pop(self._done.popitem(last=False)[0])

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn: the serving process has threads, which fork would copy half-way
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(os.getpid(),),  # a server gone before a worker starts ends it at once
            )
        return self._pool


def _start_worker(server: int) -> None:
    """Start a worker: below the server in priority, and ended with it.

    Not prctl's signal for the ending: it comes when the run's thread ends.
    """
    os.nice(WORKER_NICENESS)
    watch_parent(server)


def _size(result: RunResult) -> int:
    """Bytes of a result's tables (strings counted as pointers: they are few and short)."""
    return int(sum(t.memory_usage(index=True).sum() for t in result.tables().values()))


def comparison(
    base: Scenario, option: Scenario, results: dict[tuple[str, int], RunResult]
) -> Comparison | None:
    """The option against its base on the replications both have run (paired), if any.

    Parameters
    ----------
    base, option : Scenario
        Their names differ.
    results : dict
        Results by (scenario name, replication).

    Returns
    -------
    Comparison or None
        None until some replication of both is in.
    """
    reps = sorted(r for name, r in results if name == base.name and (option.name, r) in results)
    if not reps:
        return None
    runs = [results[(sc.name, r)] for sc in (base, option) for r in reps]
    quotas = {sc.name: quota_score(sc.simulation.evaluation) for sc in (base, option)}
    return build_comparison(concat_results(runs), quotas)
