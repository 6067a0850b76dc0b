"""Every output path is safe: refused early, never deleting others' files, locked, atomic."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPO, SCENARIOS

import civsim.experiments
import civsim.export
from civsim.cli import main
from civsim.errors import CivsimError
from civsim.export import check_output, output_lock, staged_folder, write_tables
from civsim.results import RunResult, load_results
from civsim.sim.tables import TABLES

COUNTY = str(SCENARIOS / "county_nominee.yaml")

#: Every command that writes a folder, with its arguments before ``--out``.
WRITING = {
    "run": ["run", COUNTY, "--reps", "1", "--executor", "serial"],
    "compare": ["compare", COUNTY, "--reps", "1", "--executor", "serial"],
    "budget": ["budget", COUNTY],
    "tasks": ["tasks", COUNTY],
    "generate": ["generate", "--grids", "400"],
}


def _result(tag: str = "new") -> RunResult:
    """A small result whose every table is tagged, as ``civsim run`` would save it."""
    tables = {n: pd.DataFrame({"scenario": [tag], "replication": [0]}) for n in TABLES}
    tables["cycle"] = pd.DataFrame(
        {"scenario": [tag], "cycle_score": [90.0], "title": [True], "disqualified": [False]}
    )
    return RunResult(**tables)


def _no_work(*args, **kwargs):
    raise AssertionError("the command started working before checking --out")


@pytest.fixture
def no_work(monkeypatch) -> None:
    """Any scenario loading or replication fails the test: refusals come first."""
    monkeypatch.setattr("civsim.scenario.load_scenario", _no_work)
    monkeypatch.setattr("civsim.experiments.replicate", _no_work)


@pytest.fixture
def fake_run(monkeypatch) -> None:
    """`civsim run` replicates nothing: it saves :func:`_result` (the writing is under test)."""
    monkeypatch.setattr("civsim.experiments.replicate", lambda *a, **k: _result())


def _beside(out: Path) -> list[str]:
    """What else than ``out`` lies in its folder (staging folders, lock files)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    code = "import os; print(os.getpid())"
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    return int(done.stdout)


# 1 and 6. Refused before any work, by every command that writes.


@pytest.mark.parametrize("command", sorted(WRITING))
def test_every_writing_command_refuses_a_file_before_any_work(
    tmp_path: Path, capsys, no_work, command: str
) -> None:
    """--out an existing file: exit 2 naming it, why and what to do; the file untouched."""
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert main([*WRITING[command], "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"cannot write to {target}: it is an existing file, not a folder" in err
    assert "give --out a folder of its own" in err and "Traceback" not in err
    assert err.count("\n") == 1
    assert target.read_text() == "mine" and _beside(target) == []


@pytest.mark.parametrize("command", sorted(WRITING))
def test_every_writing_command_refuses_the_root(capsys, no_work, command: str) -> None:
    """--out / (the filesystem root) is refused by every command."""
    assert main([*WRITING[command], "--out", "/"]) == 2
    assert "cannot write to /: it is the filesystem root" in capsys.readouterr().err


def test_refuses_the_home_folder_and_a_path_under_a_file(tmp_path: Path, monkeypatch) -> None:
    """The home folder itself, and a folder that would have to be made inside a file."""
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(CivsimError, match="it is your home folder itself"):
        check_output(tmp_path)
    check_output(tmp_path / "results")  # a folder inside it is fine
    (tmp_path / "file").write_text("x")
    under = tmp_path / "file" / "sub" / "out"
    with pytest.raises(CivsimError, match=f"{tmp_path / 'file'} is a file, not a folder"):
        check_output(under)


def test_refuses_a_folder_that_cannot_be_written(tmp_path: Path, monkeypatch, capsys) -> None:
    """Creating a file in the folder fails (read-only): refused, naming the folder, before work."""
    locked = tmp_path / "locked"
    locked.mkdir()
    make = tempfile.mkstemp

    def read_only(*args, **kwargs):
        if Path(kwargs.get("dir", "")) == locked:
            raise PermissionError(errno.EACCES, "Permission denied")
        return make(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    for out in (locked, locked / "new" / "run"):  # existing, and to be made inside it
        with pytest.raises(CivsimError, match=f"folder {locked} is not writable") as info:
            check_output(out)
        assert "Permission denied" in str(info.value) and "change its permissions" in str(
            info.value
        )
    monkeypatch.setattr("civsim.experiments.replicate", _no_work)
    assert main([*WRITING["run"], "--out", str(locked / "run")]) == 2
    assert f"folder {locked} is not writable" in capsys.readouterr().err
    assert list(locked.iterdir()) == []


def test_a_writable_folder_passes_and_the_probe_leaves_nothing(tmp_path: Path) -> None:
    """The real probe: a writable folder (even 0o555 for root, who may write) passes, clean."""
    out = tmp_path / "results" / "run1"
    assert check_output(out) == out.resolve() and list(tmp_path.iterdir()) == []
    assert check_output(SCENARIOS / "my_results") == SCENARIOS / "my_results"
    assert not (SCENARIOS / "my_results").exists()
    assert [p for p in SCENARIOS.iterdir() if p.name.startswith(".civsim-probe")] == []
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        if os.geteuid() == 0:  # root ignores permission bits: the probe finds it writable
            check_output(ro / "out")
        else:
            with pytest.raises(CivsimError, match="is not writable"):
                check_output(ro / "out")
        assert list(ro.iterdir()) == []
    finally:
        ro.chmod(0o755)


# 2. Never delete files the command did not write.


def test_save_replaces_only_its_own_files(tmp_path: Path) -> None:
    """RunResult.save keeps a user's notes.txt and annual.xlsx; replaces annual.parquet."""
    out = tmp_path / "run"
    _result("old").save(out, {"seed": 1})
    (out / "notes.txt").write_text("mine")
    (out / "annual.xlsx").write_bytes(b"my workbook")
    _result("new").save(out, {"seed": 2})
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "annual.xlsx").read_bytes() == b"my workbook"
    back, meta = load_results(out)
    assert meta == {"seed": 2} and back.annual["scenario"].tolist() == ["new"]
    assert _beside(out) == []


def test_run_command_keeps_a_users_files(tmp_path: Path, fake_run, capsys) -> None:
    """`civsim run` into a folder with the user's files: they survive, the tables are new."""
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "annual.xlsx").write_bytes(b"my workbook")
    (out / "annual.parquet").write_bytes(b"stale")
    assert main([*WRITING["run"], "--out", str(out)]) == 0
    assert f"tables written   {out}" in capsys.readouterr().out
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "annual.xlsx").read_bytes() == b"my workbook"
    assert load_results(out)[0].annual["scenario"].tolist() == ["new"]
    assert _beside(out) == []


def test_staged_folder_replaces_only_what_it_writes(tmp_path: Path) -> None:
    """A staged write replaces its files, keeps the rest, and leaves no staging or lock."""
    out = tmp_path / "tasks"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    (out / "a.csv").write_text("old")
    with staged_folder(out) as tmp:
        write_tables(tmp, {"a": pd.DataFrame({"x": [1]})}, "r.xlsx")
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "a.csv").read_bytes() == b"\xef\xbb\xbfx\n1\n"  # UTF-8 with a BOM, for Excel
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "notes.txt", "r.xlsx"]
    assert _beside(out) == []


# 3. Two runs sharing one folder do not mix their tables.


def test_two_writers_to_one_folder_do_not_mix(tmp_path: Path, monkeypatch) -> None:
    """Two threads write the same files into one folder: the folder holds one writer's set."""
    out = tmp_path / "shared"
    names = [f"t{i}.csv" for i in range(6)]
    replace = os.replace

    def slow_replace(src, dst):  # widen the window in which two writers would interleave
        time.sleep(0.01)
        replace(src, dst)

    monkeypatch.setattr(os, "replace", slow_replace)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(tag: str) -> None:
        try:
            start.wait()
            with staged_folder(out) as tmp:
                for name in names:
                    (tmp / name).write_text(tag)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    for _ in range(3):
        threads = [threading.Thread(target=write, args=(tag,)) for tag in ("a", "b")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len({(out / n).read_text() for n in names}) == 1
    assert _beside(out) == []


def test_a_folder_locked_too_long_is_refused(tmp_path: Path, monkeypatch) -> None:
    """Another writer holding the folder past LOCK_TIMEOUT: a clear refusal, nothing written."""
    out = tmp_path / "busy"
    monkeypatch.setattr(civsim.export, "LOCK_TIMEOUT", 0.3)
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with output_lock(out):
            held.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(10)
        busy = pytest.raises(CivsimError, match=f"another civsim run is writing to {out}")
        with busy, staged_folder(out) as tmp:
            (tmp / "a.csv").write_text("x")
    finally:
        done.set()
        holder.join()
    assert not out.exists() and _beside(out) == []


# 4. A full disk.


def test_full_disk_while_staging_leaves_the_folder_as_it_was(tmp_path: Path, monkeypatch) -> None:
    """ENOSPC on the second CSV: a CivsimError naming the folder and the cause; old files kept."""
    out = tmp_path / "tasks"
    out.mkdir()
    (out / "a.csv").write_text("old a")
    (out / "notes.txt").write_text("mine")
    to_csv = pd.DataFrame.to_csv
    calls = []

    def full(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        return to_csv(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    tables = {"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"x": [2]})}
    with pytest.raises(CivsimError) as info, staged_folder(out) as tmp:
        write_tables(tmp, tables, "r.xlsx")
    message = str(info.value)
    assert f"could not write to {out}: the disk is full" in message
    assert "No space left on device" in message and "free some space" in message
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "notes.txt"]
    assert (out / "a.csv").read_text() == "old a" and _beside(out) == []


def test_full_disk_while_moving_in_puts_the_old_files_back(tmp_path: Path, monkeypatch) -> None:
    """A failure after some files moved in: the moved ones are undone, the old ones restored."""
    out = tmp_path / "report"
    out.mkdir()
    for name in ("a.csv", "b.csv", "c.csv"):
        (out / name).write_text(f"old {name}")
    replace = os.replace
    calls = []

    def full(src, dst):
        calls.append(1)
        if len(calls) == 4:  # a.csv aside and in, b.csv aside, then b.csv in fails
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(src, dst)

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(CivsimError, match="the disk is full"), staged_folder(out) as tmp:
        for name in ("a.csv", "b.csv", "c.csv", "d.csv"):
            (tmp / name).write_text(f"new {name}")
    assert sorted(p.name for p in out.iterdir()) == ["a.csv", "b.csv", "c.csv"]
    assert all((out / n).read_text() == f"old {n}" for n in ("a.csv", "b.csv", "c.csv"))
    assert _beside(out) == []


def test_full_disk_in_save_and_in_the_run_command(tmp_path: Path, monkeypatch, fake_run, capsys):
    """RunResult.save and `civsim run` on a full disk: one message, the former run intact."""
    out = tmp_path / "run"
    _result("old").save(out, {"seed": 1})
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    to_parquet = pd.DataFrame.to_parquet
    calls = []

    def full(self, *args, **kwargs):
        calls.append(1)
        if len(calls) > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return to_parquet(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(CivsimError, match=f"could not write results to {out}: the disk is full"):
        _result("new").save(out, {"seed": 2})
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and _beside(out) == []
    calls.clear()
    assert main([*WRITING["run"], "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "the disk is full" in err and str(out) in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before and _beside(out) == []


# 5. An interrupted run: stale staging folders and orphaned workers.


def test_stale_staging_folders_are_removed_by_the_next_write(tmp_path: Path) -> None:
    """A killed run's staging folder (its pid gone) is removed; a live or foreign one is kept."""
    out = tmp_path / "run"
    dead = _dead_pid()
    stale = [tmp_path / f".run.{dead}.abcd_123", tmp_path / f".run.{dead}.k2x9zz0q.{dead}.x1y2z3w4"]
    live = tmp_path / f".run.{os.getpid()}.live0000"
    other = tmp_path / f".other.{dead}.abcd_123"
    for folder in (*stale, live, other):
        folder.mkdir()
        (folder / "orders.parquet").write_text("half")
    with staged_folder(out) as tmp:
        (tmp / "a.csv").write_text("x")
    assert not any(p.exists() for p in stale)
    assert live.is_dir() and other.is_dir()
    assert _beside(out) == sorted([live.name, other.name])


def test_watching_the_parent_ends_the_worker_when_it_changes(monkeypatch) -> None:
    """Without prctl, the worker's watcher ends it once its parent pid is no longer the same."""
    monkeypatch.setattr(civsim.experiments, "_PARENT_POLL", 0.01)
    parents = iter([100, 100, 1])
    monkeypatch.setattr(os, "getppid", lambda: next(parents))

    def exit_(code: int) -> None:
        raise SystemExit(code)

    monkeypatch.setattr(os, "_exit", exit_)
    with pytest.raises(SystemExit):
        civsim.experiments._watch_parent(100)


def test_a_worker_whose_parent_died_before_it_started_ends_at_once() -> None:
    """The kernel signals no death before prctl: a worker told of a parent already gone ends."""
    dead = _dead_pid()
    code = (
        f"from civsim.experiments import end_with_parent; end_with_parent({dead}); print('alive')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "alive" not in done.stdout
    code = "import os; from civsim.experiments import end_with_parent; "
    code += "end_with_parent(os.getppid()); print('alive')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "alive" in done.stdout


POOL = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from civsim.experiments import _init_worker

def pid(_):
    time.sleep(0.3)
    return os.getpid()

if __name__ == "__main__":
    with ProcessPoolExecutor(2, initializer=_init_worker, initargs=(None, os.getpid())) as pool:
        pids = sorted(set(pool.map(pid, range(2))))
        with open(sys.argv[1], "w") as f:
            f.write(" ".join(map(str, pids)))
        time.sleep(120)
"""


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_pool_workers_end_when_their_parent_is_killed(tmp_path: Path) -> None:
    """A parent killed with SIGKILL leaves no worker of its pool behind."""
    script = tmp_path / "pool.py"
    script.write_text(textwrap.dedent(POOL))
    pids_file = tmp_path / "pids"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    parent = subprocess.Popen([sys.executable, str(script), str(pids_file)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not pids_file.exists() or not pids_file.read_text():
            assert parent.poll() is None, "the pool script ended early"
            assert time.monotonic() < deadline, "the pool never started"
            time.sleep(0.05)
        workers = [int(p) for p in pids_file.read_text().split()]
        assert all(map(_running, workers))
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(map(_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [p for p in workers if _running(p)]
    for pid in survivors:  # do not leave them behind on a failure
        os.kill(pid, signal.SIGKILL)
    assert survivors == []
