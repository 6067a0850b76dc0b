"""A run store: outcomes written as runs finish, keyed by content, so work resumes.

An experiment's folder holds ``experiment.json`` (what the results depend on,
and its hash) and ``runs/``, a Parquet dataset with one file per finished task:
the outcomes of some replications of one variant. Each row is keyed by the
variant's scenario hash, the seed and the replication, so a run is found again
whatever order the tasks finished in, and a task already stored is not run
again. Each file is written under a temporary name and renamed into place, so
a process killed mid-write leaves no half file, only a temporary one the next
start removes.

A store records the model that made its runs (:func:`model_hash`, a hash of
civsim's own code and data) and refuses to take more runs from another: a run
resumed after civsim changed would otherwise mix two models' results in one
table.

One process at a time uses a store: it holds the folder's lock file
(``.lock``, :mod:`filelock`) from opening the store until :meth:`RunStore.close`
(or the end of a ``with`` block, or the process). A second run given the same
folder is refused at once, so it can neither remove the first one's files
being written nor mix its runs into a store being emptied. The system releases
the lock of a process that dies, whatever killed it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from filelock import FileLock, Timeout

from civsim.errors import CivsimError, InUseError, OtherExperimentError, OtherModelError
from civsim.export import check_output, write_csv

__all__ = ["KEYS", "RunStore", "model_hash", "publish", "remove_own"]

#: The columns that key a stored run.
KEYS = ("variant", "seed", "replication")
#: The file describing what a store's results depend on.
DESCRIPTION = "experiment.json"
#: The folder of stored runs.
RUNS = "runs"
#: Prefix of a file being written (ignored when reading, removed on opening).
PARTIAL = ".partial-"
#: The lock file held by the one process using a store.
LOCK = ".lock"
#: The package's files that make the model: its code and its data (figure terms and report
#: text too, which move no result: a hash of less would have to know what each module reads).
MODEL_FILES = ("*.py", "*.yaml")


@functools.cache
def model_hash() -> str:
    """A content hash of civsim's own code and data: the model that makes a store's runs.

    Every ``.py`` and ``.yaml`` file of the installed package, by its path inside
    the package and its bytes. Any change to them changes it, so runs made
    before and after a change are never mixed; a change that moves no result
    changes it too, and the runs are then made again.

    Examples
    --------
    >>> h = model_hash()
    >>> len(h), h == model_hash(), all(c in "0123456789abcdef" for c in h)
    (16, True, True)
    """
    return _tree_hash(Path(__file__).resolve().parent)


def _tree_hash(root: Path) -> str:
    """A hash of the :data:`MODEL_FILES` under ``root``: each one's path below it and its bytes."""
    digest = hashlib.sha256()
    for path in sorted({p for pattern in MODEL_FILES for p in root.rglob(pattern)}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:16]


class RunStore:
    """The folder of one experiment's stored runs.

    Parameters
    ----------
    folder : str or Path
        Created if missing. A folder holding another experiment's runs (a
        different hash), or anything but a store, is refused.
    key : str
        The hash of what the results depend on.
    description : mapping
        Written to ``experiment.json`` beside the hash and the model's
        (``model``) (JSON-serialisable).
    keys : tuple of str
        The columns that key a stored row (default :data:`KEYS`): every table
        added has them, and :meth:`done` returns their values.
    fresh : bool
        Remove the runs stored before (of any experiment) and start an empty
        store; a folder that holds anything but a store is still refused.

    Raises
    ------
    InUseError
        If another process (or another open store in this one) uses the folder.
    OtherExperimentError
        If the folder holds another experiment's runs.
    OtherModelError
        If the folder holds runs of this experiment made by other model code.
    CivsimError
        If the folder holds anything but a store.

    Examples
    --------
    >>> import tempfile
    >>> store = RunStore(Path(tempfile.mkdtemp()) / "s", "abc", {"name": "demo"})
    >>> store.add("v1-7", pd.DataFrame({"variant": ["v1"], "seed": [7], "replication": [0],
    ...                                 "cycle_score": [86.5]}))
    >>> sorted(store.done()), store.table()["cycle_score"].tolist()
    ([('v1', 7, 0)], [86.5])
    >>> RunStore(store.folder, "abc", {})
    Traceback (most recent call last):
    ...
    civsim.errors.InUseError: ...: in use by another run (it holds .lock); ...
    >>> store.close()
    >>> RunStore(store.folder, "other", {})
    Traceback (most recent call last):
    ...
    civsim.errors.OtherExperimentError: ...: holds the runs of another experiment (hash abc, ...
    """

    def __init__(
        self,
        folder: str | Path,
        key: str,
        description: Mapping[str, Any],
        keys: tuple[str, ...] = KEYS,
        fresh: bool = False,
    ) -> None:
        self.folder = check_output(folder)
        self.key = key
        self.keys = keys
        self._lock = _claim(self.folder)
        try:
            self._open(description, fresh)
        except BaseException:
            self.close()
            raise

    def _open(self, description: Mapping[str, Any], fresh: bool) -> None:
        """Check the folder (emptied first if ``fresh``), then set it up; under the lock."""
        key = self.key
        info = self.folder / DESCRIPTION
        if fresh and info.is_file():
            for old in self.folder.iterdir():
                if old.is_dir():
                    shutil.rmtree(old)
                elif old.name != LOCK:
                    old.unlink()
        if info.is_file():
            try:
                stored = json.loads(info.read_text(encoding="utf-8"))
            except ValueError:
                stored = None
            stored = stored if isinstance(stored, dict) else {}
            made, now = stored.get("model"), model_hash()
            if stored.get("hash") != key:
                raise OtherExperimentError(
                    f"{self.folder}: holds the runs of another experiment (hash "
                    f"{stored.get('hash')}, not {key}); give another --out, or remove the folder "
                    "to start again"
                )
            if made != now:
                raise OtherModelError(
                    f"{self.folder}: holds runs made by other model code (model "
                    f"{made or 'not recorded'}, not {now}: civsim changed since); give another "
                    "--out, or remove the folder to run them again"
                )
        elif any(p.name != LOCK for p in self.folder.iterdir()):
            raise CivsimError(
                f"{self.folder}: not empty and not an experiment's folder; give a new --out"
            )
        (self.folder / RUNS).mkdir(parents=True, exist_ok=True)
        for stale in [*self.folder.glob(f"{PARTIAL}*"), *(self.folder / RUNS).glob(f"{PARTIAL}*")]:
            stale.unlink()  # a write killed mid-way; its runs are not in done()
        if not info.is_file():
            text = json.dumps({"hash": key, "model": model_hash(), **description}, indent=2)
            _atomic(info, lambda p: p.write_text(text, encoding="utf-8"))

    def close(self) -> None:
        """Let another run use the folder (the store can still be read)."""
        self._lock.release()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def done(self) -> set[tuple[Any, ...]]:
        """The keys (by default ``(variant, seed, replication)``) of every stored run."""
        table = self._read(list(self.keys))
        return set(zip(*(table[k] for k in self.keys), strict=True))

    def add(self, name: str, table: pd.DataFrame) -> None:
        """Store one finished task's rows as ``runs/<name>.parquet``, atomically."""
        missing = [k for k in self.keys if k not in table]
        if missing:
            raise CivsimError(f"stored runs need the key columns {', '.join(missing)}")
        _atomic(self.folder / RUNS / f"{name}.parquet", lambda p: table.to_parquet(p, index=False))

    def table(self) -> pd.DataFrame:
        """Every stored row, sorted by its key."""
        return self._read(None)

    def _read(self, columns: list[str] | None) -> pd.DataFrame:
        runs = (self.folder / RUNS).glob("*.parquet")
        files = sorted(p for p in runs if not p.name.startswith(PARTIAL))
        if not files:
            return pd.DataFrame(columns=columns or list(self.keys))
        parts = [pd.read_parquet(p, columns=columns) for p in files]
        table = pd.concat(parts, ignore_index=True)
        # a stable sort: rows of one key keep the order they were stored in
        return table.sort_values(list(self.keys), ignore_index=True, kind="stable")


def remove_own(folder: str | Path) -> None:
    """Remove a store's folder if it holds only the store's own files (nothing else is touched)."""
    folder = Path(folder)
    inside = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
    ours = {DESCRIPTION, RUNS, LOCK} | {n for n in inside if n.startswith(PARTIAL)}
    if inside and inside <= ours:
        shutil.rmtree(folder)


def _claim(folder: Path) -> FileLock:
    """Hold ``folder``'s lock file (the folder is created), or refuse if another run holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InUseError(
            f"{folder}: in use by another run (it holds {LOCK}); wait for that run to end, "
            "or give another --out"
        ) from None
    return lock


def publish(folder: str | Path, tables: Mapping[str, pd.DataFrame]) -> None:
    """Write whole tables into ``folder``, each as ``<name>.parquet`` and ``<name>.csv``.

    Each file is written under a temporary name and renamed into place, so a
    reader never sees half a table.
    """
    folder = Path(folder)
    for name, table in tables.items():
        _atomic(folder / f"{name}.parquet", functools.partial(table.to_parquet, index=False))
        _atomic(folder / f"{name}.csv", functools.partial(write_csv, table))


def _atomic(target: Path, write: Callable[[Path], object]) -> None:
    """``write`` a file under a temporary name beside ``target``, then rename it into place."""
    partial = target.with_name(f"{PARTIAL}{os.getpid()}-{target.name}")
    write(partial)
    os.replace(partial, target)
