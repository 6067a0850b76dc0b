"""Experiments: replications of a scenario, serially or in a process pool.

Replication ``i`` of a scenario with master seed ``s`` always draws from
``SeedSequence(s).spawn(...)[i]``, so its tables are identical whichever
executor runs it, and two scenarios run with the same seed share their random
streams (common random numbers): their differences are paired.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm  # plain bars: they show only on a terminal, never as notebook widgets

from civsim.errors import CivsimError
from civsim.results import (
    Comparison,
    RunResult,
    build_comparison,
    concat_results,
    replication_rows,
    summarise,
)
from civsim.scenario import Evaluation, Scenario, override
from civsim.scoring import quota_size
from civsim.sim import Prepared, prepare, simulate

__all__ = [
    "SURGE_COSTS",
    "TABLES_KEPT",
    "TIMINGS",
    "Executor",
    "campaign_costs",
    "compare",
    "end_with_parent",
    "pool_size",
    "quota_score",
    "replicate",
    "summarise",
    "watch_parent",
]

Executor = Literal["serial", "process"]

_PREPARED: Prepared | None = None  # one per worker process, set by its initializer

#: A comparison of more replications than this keeps the tables of its first ``TABLES_KEPT``
#: only (the figures' trajectories, queues and spending, the saved runs) and a row of outcomes
#: of every one (its summary): one baseline replication's tables take about 45 MB, most of it
#: its ~600,000 orders, so 8 scenarios x 1,000 replications would need some 360 GB.
TABLES_KEPT = 10


#: prctl's option to have the kernel signal a process when its parent dies (linux/prctl.h).
_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent, where prctl is not available.
_PARENT_POLL = 1.0


def _init_worker(prep: Prepared, parent: int) -> None:
    global _PREPARED
    end_with_parent(parent)
    _PREPARED = prep


def end_with_parent(parent: int | None = None) -> None:
    """Make this pool worker end when the process that started it dies.

    A parent killed with SIGKILL (or by the out-of-memory killer) cannot shut
    its pool down, and its idle workers would wait on their queue for ever. On
    Linux the kernel sends the worker SIGTERM when its parent dies
    (``prctl(PR_SET_PDEATHSIG, SIGTERM)``); where that is not available a
    daemon thread looks at ``os.getppid()`` every :data:`_PARENT_POLL` seconds
    and ends the worker when the parent has changed.

    Parameters
    ----------
    parent : int, optional
        The process id of the process that started this worker (its
        ``os.getpid()``, passed in the pool's ``initargs``). A worker is still
        importing when its parent may be killed, and the kernel sends nothing for
        a death before ``prctl``: given ``parent``, a worker whose parent is no
        longer ``parent`` ends at once. Without it, the parent is whoever it is now.
    """
    expected = os.getppid() if parent is None else parent
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            set_ok = libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
        except (OSError, AttributeError):  # no C library or no prctl in it
            set_ok = False
        if set_ok:
            if os.getppid() != expected:  # died before prctl: no signal will come
                os._exit(1)
            return
    watch_parent(expected)


def watch_parent(parent: int | None = None) -> None:
    """End this process once its parent (``os.getppid()`` now) is gone, looking every second.

    The fallback of :func:`end_with_parent`, and the pool initializer where a pool
    is started from a thread that ends before the pool does: ``prctl``'s signal
    comes when the parent *thread* ends (the explorer, :mod:`civsim.app.runs`).
    """
    watched = os.getppid() if parent is None else parent
    threading.Thread(target=_watch_parent, args=(watched,), daemon=True).start()


def _watch_parent(parent: int) -> None:
    """End this process as soon as its parent is no longer ``parent``."""
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL)
    os._exit(1)


def _task(prep: Prepared, seed: int, replication: int, keep: int | None) -> Any:
    """One replication: its tables, or (``keep`` given) its row and its tables if it is kept."""
    result = simulate(prep, seed=seed, replication=replication)
    if keep is None:
        return result
    return replication_rows(result), (result if replication < keep else None)


def _run_one(args: tuple[int, int, int | None]) -> Any:
    assert _PREPARED is not None  # set by _init_worker before any task runs
    return _task(_PREPARED, *args)


def replicate(
    scenario: Scenario | Prepared,
    n: int,
    seed: int | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    progress: bool | None = None,
    first: int = 0,
) -> RunResult:
    """Run ``n`` replications of a scenario and stack their tables.

    Parameters
    ----------
    scenario : Scenario or Prepared
    n : int
        Number of replications, >= 1.
    seed : int, optional
        Master seed; the scenario's own when not given.
    executor : {"serial", "process"}
        Where replications run; the results are identical either way.
    workers : int, optional
        Processes for the pool (default: the machine's cores).
    progress : bool, optional
        Show a progress bar; by default only when stderr is a terminal.
    first : int
        Number of the first replication: ``first..first+n-1`` run (to run on
        from replications already run).

    Returns
    -------
    RunResult
        Every table with one block per replication, in replication order.
    """
    if n < 1:
        raise CivsimError(f"replications must be at least 1, got {n}")
    prep = scenario if isinstance(scenario, Prepared) else prepare(scenario)
    seed = prep.scenario.seed if seed is None else seed
    show = sys.stderr.isatty() if progress is None else progress
    jobs = [(seed, i) for i in range(first, first + n)]
    bar = tqdm(total=n, desc=prep.scenario.name, unit="rep", disable=not show, leave=False)
    with bar:
        results = list(_execute(prep, jobs, executor, workers, bar))
    return concat_results(results)


def _execute(
    prep: Prepared,
    jobs: list[tuple[int, int]],
    executor: Executor,
    workers: int | None,
    bar,
    keep: int | None = None,
) -> Iterator[Any]:
    """Each job's :func:`_task`, in job order."""
    # refused whatever the number of jobs: a misspelt executor should not pass unseen
    # because one replication runs here anyway
    if executor not in ("serial", "process"):
        raise CivsimError(f"unknown executor {executor!r}; expected 'serial' or 'process'")
    size = pool_size(workers, len(jobs))
    if executor == "serial" or len(jobs) == 1:
        for seed, rep in jobs:
            yield _task(prep, seed, rep, keep)
            bar.update()
        return
    tasks = [(seed, rep, keep) for seed, rep in jobs]
    with ProcessPoolExecutor(
        max_workers=size, initializer=_init_worker, initargs=(prep, os.getpid())
    ) as pool:
        for out in pool.map(_run_one, tasks, chunksize=max(1, len(jobs) // (4 * size))):
            yield out
            bar.update()


def pool_size(workers: int | None, tasks: int) -> int:
    """Worker processes for ``tasks`` tasks: ``workers`` (default: every core), no more than tasks.

    Raises
    ------
    CivsimError
        If ``workers`` is below 1 (0 is not "every core": that is ``None``).

    Examples
    --------
    >>> pool_size(4, 2), pool_size(2, 10), pool_size(None, 1)
    (2, 2, 1)
    """
    if workers is not None and workers < 1:
        raise CivsimError(f"workers must be at least 1, got {workers}")
    return max(1, min(workers or os.cpu_count() or 1, tasks))


def _replicate_rows(
    prep: Prepared,
    n: int,
    seed: int,
    keep: int,
    executor: Executor,
    workers: int | None,
    progress: bool | None,
) -> tuple[pd.DataFrame, RunResult]:
    """Every replication's row (``replication_rows``) and the first ``keep``'s tables."""
    show = sys.stderr.isatty() if progress is None else progress
    jobs = [(seed, i) for i in range(n)]
    rows, kept = [], []
    bar = tqdm(total=n, desc=prep.scenario.name, unit="rep", disable=not show, leave=False)
    with bar:
        for row, result in _execute(prep, jobs, executor, workers, bar, keep):
            rows.append(row)
            if result is not None:
                kept.append(result)
    return pd.concat(rows, ignore_index=True), concat_results(kept)


def quota_score(evaluation: Evaluation) -> float:
    """The cycle score a city needs to be within quota: the median quota-th best peer.

    A city of the group wins when fewer than ``quota`` of its
    ``peer_group_size - 1`` peers score above it. The quota-th best of ``m``
    peers drawn from ``Normal(peer_mean, peer_sd)`` exceeds a score ``s`` with
    probability ``P(Binomial(m, p(s)) >= quota)``, ``p(s)`` the chance that one
    peer beats ``s``, which equals the chance that the quota-th smallest of
    ``m`` uniforms is at most ``p(s)``: ``Beta(quota, m - quota + 1)``. The
    line is that order statistic's median, so a city scoring exactly there
    wins the title half of the time (before disqualification).

    Parameters
    ----------
    evaluation : civsim.scenario.Evaluation
        The scenario's ``simulation.evaluation`` section.

    Returns
    -------
    float
        A cycle score, in points of 100.

    Examples
    --------
    >>> from civsim.scenario import Evaluation
    >>> round(quota_score(Evaluation(peer_mean=86.0, peer_sd=2.5)), 2)
    87.1
    >>> quota_score(Evaluation(peer_mean=86.0, peer_sd=0.0))
    86.0
    """
    m = evaluation.peer_group_size - 1
    # The same quota as the simulation's ranking (civsim.scoring.peer_outcome).
    quota = quota_size(evaluation.peer_group_size, evaluation.quota_share)
    if quota > m:  # more titles than peers: any score is within quota
        return float("-inf")
    beaten_by = stats.beta.median(quota, m - quota + 1)
    return float(evaluation.peer_mean + evaluation.peer_sd * stats.norm.isf(beaten_by))


def compare(
    scenarios: Sequence[Scenario | Prepared],
    reps: int,
    seed: int | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
    progress: bool | None = None,
    tables: int | None = TABLES_KEPT,
) -> Comparison:
    """Run scenarios on common random numbers and compare them with the first.

    Every scenario runs replications ``0..reps-1`` from the same master seed,
    so replication ``i`` of each draws from the same streams and the
    per-replication differences against the baseline are paired. With more
    than ``tables`` replications, each replication's outcomes are kept as one
    row (:func:`civsim.results.replication_rows`) and its tables only if it is
    one of the first ``tables``, so memory does not grow with ``reps``: the
    summary and the replications use every replication, the tables (the
    figures, the saved runs) the first ``tables``.

    Parameters
    ----------
    scenarios : sequence of Scenario or Prepared
        The baseline first; names must differ.
    reps : int
        Replications per scenario, >= 1.
    seed : int, optional
        Master seed for all scenarios; the baseline's own seed when not given.
    executor, workers, progress
        As for :func:`replicate`.
    tables : int or None
        Replications whose tables are kept when there are more (None: all).

    Returns
    -------
    Comparison
        See :class:`civsim.results.Comparison` for its tables.

    Raises
    ------
    CivsimError
        If no scenario is given, two share a name, ``reps`` < 1 or ``tables`` < 1.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> joint = override(county, {"name": "joint"})
    >>> cmp = compare([county, joint], reps=1, progress=False)
    >>> cmp.scenarios, float(cmp.summary.loc["joint", "difference"])
    (['county_nominee', 'joint'], 0.0)
    """
    preps = [s if isinstance(s, Prepared) else prepare(s) for s in scenarios]
    if not preps:
        raise CivsimError("compare needs at least one scenario")
    names = [p.scenario.name for p in preps]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CivsimError(
            f"scenario names must differ to be compared; repeated: {', '.join(twice)}"
        )
    seed = preps[0].scenario.seed if seed is None else seed
    quotas = {p.scenario.name: quota_score(p.scenario.simulation.evaluation) for p in preps}
    if tables is not None and tables < 1:
        raise CivsimError(f"tables must be at least 1 (or None for all), got {tables}")
    if reps < 1:
        raise CivsimError(f"replications must be at least 1, got {reps}")
    if tables is None or reps <= tables:
        results = [
            replicate(p, reps, seed=seed, executor=executor, workers=workers, progress=progress)
            for p in preps
        ]
        return build_comparison(concat_results(results), quotas)
    runs = [_replicate_rows(p, reps, seed, tables, executor, workers, progress) for p in preps]
    rows = pd.concat([r for r, _ in runs], ignore_index=True)
    return build_comparison(concat_results([k for _, k in runs]), quotas, rows=rows)


#: What the city knows about the evaluation, as changes to both modes' scenarios.
TIMINGS: dict[str, dict[str, Any]] = {
    # the city believes the evaluator's window (dates leak, docs/domain.md §5)
    "known": {},
    # the evaluator inspects on any day of the year; the city still believes its window
    "unknown": {
        "simulation.evaluation.window_start_day": 0,
        "simulation.evaluation.window_days": 365,
        "simulation.campaign.knows_protocol": False,
    },
    # the window leaks, but year-round covert visits carry half the field points (seed 000)
    "covert visits": {"simulation.evaluation.third_party.enabled": True},
}

#: A surge's costs switched off one at a time (each also applied to normal mode, which
#: never surges, so the normal runs are shared).
SURGE_COSTS: dict[str, dict[str, Any]] = {
    "all costs": {},
    "no fatigue": {"simulation.campaign.fatigue.enabled": False},
    "no rushed work": {"simulation.campaign.rushed_work.enabled": False},
    "no overshoot": {"simulation.campaign.overshoot": 0.0},
}


def campaign_costs(
    normal: Scenario,
    campaign: Scenario,
    reps: int,
    timings: Mapping[str, Mapping[str, Any]] | None = None,
    costs: Mapping[str, Mapping[str, Any]] | None = None,
    seed: int | None = None,
    executor: Executor = "serial",
    workers: int | None = None,
) -> pd.DataFrame:
    """Campaign against normal mode under each timing, with each surge cost switched off in turn.

    For every timing (changes applied to both scenarios), normal mode runs
    replications ``0..reps-1`` once, and campaign mode runs them with every
    variant of ``costs``; all from the same seed, so each difference is paired
    (common random numbers).

    Parameters
    ----------
    normal, campaign : Scenario
        The two modes (``scenarios/normal_mode.yaml``, ``scenarios/campaign_mode.yaml``).
    reps : int
        Replications per run.
    timings : mapping, optional
        Name to dotted-path changes (default :data:`TIMINGS`).
    costs : mapping, optional
        Name to dotted-path changes of the campaign (default :data:`SURGE_COSTS`;
        the first is the reference the others are measured against).
    seed : int, optional
        Master seed (default: the normal scenario's).
    executor, workers
        As for :func:`replicate`.

    Returns
    -------
    pandas.DataFrame
        One row per timing and cost variant: ``normal`` and ``campaign`` (mean
        cycle scores), ``difference`` (mean of campaign minus normal, paired),
        ``se`` (its standard error), ``campaign_wins`` (share of replications),
        and ``cost`` (how much the difference rises against the first variant:
        what the switched-off mechanism costs the campaign, paired; 0 for the
        first).

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> camp = override(county, {"simulation.campaign.mode": "campaign"})
    >>> t = campaign_costs(county, camp, 1, timings={"known": {}},
    ...                    costs={"all costs": {}, "again": {}})
    >>> t[["timing", "variant"]].values.tolist(), float(t["cost"].iloc[1])
    ([['known', 'all costs'], ['known', 'again']], 0.0)
    """
    timings = TIMINGS if timings is None else timings
    costs = SURGE_COSTS if costs is None else costs
    seed = normal.seed if seed is None else seed

    def scores(scenario: Scenario, changes: Mapping[str, Any]) -> np.ndarray:
        variant = override(scenario, dict(changes)) if changes else scenario
        run = replicate(variant, reps, seed=seed, executor=executor, workers=workers)
        return run.cycle.sort_values("replication")["cycle_score"].to_numpy(dtype=float)

    rows = []
    for timing, changes in timings.items():
        base = scores(normal, changes)
        reference = None
        for variant, switch in costs.items():
            diff = scores(campaign, {**changes, **switch}) - base
            reference = diff if reference is None else reference
            rows.append(
                {
                    "timing": timing,
                    "variant": variant,
                    "normal": float(base.mean()),
                    "campaign": float((base + diff).mean()),
                    "difference": float(diff.mean()),
                    "se": float(diff.std(ddof=1) / np.sqrt(reps)) if reps > 1 else float("nan"),
                    "campaign_wins": float((diff > 0).mean()),
                    "cost": float((diff - reference).mean()),
                }
            )
    return pd.DataFrame(rows)
