"""A dask.distributed cluster as a ``concurrent.futures`` executor: local, or a real one.

:func:`dask_executor` starts a ``LocalCluster`` (one process a worker, one
thread each: the kernels release the GIL but a replication is one stream of
work) or connects to a running scheduler (``tcp://HOST:PORT``), and hands out
the client's executor with ``pure=False``: two submissions of the same task
are two runs, never one cached result. Dask is an optional extra
(``pip install 'civsim[cluster]'``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager

from civsim.errors import CivsimError

__all__ = ["CONNECT_SECONDS", "dask_executor"]

#: Seconds to reach a scheduler before giving up with a clear message.
CONNECT_SECONDS = 8


@contextmanager
def dask_executor(scheduler: str | None = None, workers: int | None = None) -> Iterator[Executor]:
    """A dask.distributed executor, closed (with its local cluster) on leaving.

    Parameters
    ----------
    scheduler : str, optional
        A running scheduler's address (``tcp://HOST:PORT``); a local cluster
        of ``workers`` processes when not given.
    workers : int, optional
        Worker processes of the local cluster (default: the machine's cores).

    Yields
    ------
    concurrent.futures.Executor

    Raises
    ------
    CivsimError
        If dask.distributed is not installed, or the scheduler cannot be
        reached within :data:`CONNECT_SECONDS`.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CivsimError(
            "--executor dask needs dask.distributed: pip install 'civsim[cluster]'"
        ) from None
    with ExitStack() as stack:
        if scheduler is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers or os.cpu_count() or 1,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                client = stack.enter_context(Client(scheduler, timeout=f"{CONNECT_SECONDS}s"))
            except (OSError, TimeoutError, ValueError) as exc:
                raise CivsimError(
                    f"cannot reach the dask scheduler at {scheduler} within "
                    f"{CONNECT_SECONDS} s ({type(exc).__name__}); is it running, and is the "
                    "address tcp://HOST:PORT?"
                ) from None
        yield client.get_executor(pure=False)
