"""Experiments: the design, executors that agree, a store that resumes after kill -9, bad input."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from civsim import store
from civsim.cli import main
from civsim.experiment import Experiment, design, load_experiment
from civsim.explore import explore
from civsim.store import RunStore
from tests.conftest import REPO, SCENARIOS, write_yaml

#: Seconds a test waits for the explore command to store its first task, or for workers to end.
PATIENCE = 120


#: The shipped quick experiment, which the tests run as a user would.
QUICK = SCENARIOS / "experiments" / "county_quick.yaml"


def _experiment(folder: Path, **changes) -> Path:
    """The shipped quick experiment with ``changes``, written to ``folder``."""
    data = {**yaml.safe_load(QUICK.read_text(encoding="utf-8")), **changes}
    data["scenario"] = str(SCENARIOS / "county_nominee.yaml")
    return write_yaml(folder, "experiment.yaml", data)


@pytest.fixture(scope="module")
def small() -> Path:
    """The shipped quick experiment: 4 points x 2 levers x 1 replication of the county."""
    return QUICK


@pytest.fixture(scope="module")
def serial(small: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The small experiment run serially in one go: the reference."""
    experiment, scenario = load_experiment(small)
    out = tmp_path_factory.mktemp("serial") / "store"
    return explore(experiment, scenario, out, executor="serial", progress=False)


def test_every_lever_runs_at_every_point(serial: pd.DataFrame) -> None:
    """4 points x 2 levers x 1 replication, the levers sharing each point's values."""
    assert len(serial) == 8
    values = ["simulation.dynamics.upkeep_rate", "framework.standards.*.decay_per_day"]
    by_lever = {lever: g[values].to_numpy() for lever, g in serial.groupby("lever")}
    assert (by_lever["as_is"] == by_lever["joint"]).all()
    assert serial["variant"].nunique() == 8
    assert serial["cycle_score"].notna().all()


def test_the_upkeep_values_reach_the_simulation(serial: pd.DataFrame) -> None:
    """More routine upkeep, better condition: the score rises with the sampled upkeep rate."""
    as_is = serial[serial["lever"] == "as_is"]
    rank = as_is["simulation.dynamics.upkeep_rate"].corr(as_is["cycle_score"], method="spearman")
    assert rank > 0


def test_latin_hypercube_puts_one_point_in_each_stratum() -> None:
    """SALib's Latin hypercube: each of the n equal slices of a range holds exactly one point."""
    e = Experiment(
        name="x",
        scenario="s.yaml",
        samples=10,
        uncertainties=[{"path": "a", "low": 0, "high": 10}, {"path": "b", "low": 0, "high": 1}],
    )
    d = design(e, seed=3)
    assert sorted((d["a"] // 1).astype(int)) == list(range(10))
    assert sorted((d["b"] * 10 // 1).astype(int)) == list(range(10))


def test_sobol_design_has_saltelli_size() -> None:
    """Saltelli's design without second order: N x (D + 2) points, for each lever."""
    e = Experiment(
        name="x",
        scenario="s.yaml",
        sampler="sobol",
        samples=8,
        uncertainties=[{"path": p, "low": 0, "high": 1} for p in ("a", "b", "c")],
        levers=[{"name": "p"}, {"name": "q"}],
    )
    assert len(design(e, seed=1)) == 2 * 8 * (3 + 2)


def test_process_executor_gives_the_serial_results(
    small: Path, serial: pd.DataFrame, tmp_path: Path
) -> None:
    """A process pool, finishing tasks in any order, stores the same results."""
    experiment, scenario = load_experiment(small)
    pooled = explore(experiment, scenario, tmp_path / "store", "process", workers=2, progress=False)
    pd.testing.assert_frame_equal(pooled, serial)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _stored(out: Path) -> dict[str, int]:
    """The store's finished task files (not those being written) and their times."""
    files = (out / "runs").glob("*.parquet")
    return {p.name: p.stat().st_mtime_ns for p in files if not p.name.startswith(".")}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux's /proc")
def test_killed_with_sigkill_it_resumes_to_the_same_results(
    small: Path, serial: pd.DataFrame, tmp_path: Path
) -> None:
    """Killed with SIGKILL: no worker outlives it; started again, it runs only what is missing."""
    out = tmp_path / "store"
    command = [sys.executable, "-m", "civsim.cli", "explore", str(small), "--out", str(out)]
    proc = subprocess.Popen(
        [*command, "--executor", "process", "--workers", "2"],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + PATIENCE
    workers: set[int] = set()
    # The first task runs in the parent; kill once the pool's workers have theirs.
    while not (_stored(out) and _children(proc.pid)) and time.monotonic() < deadline:
        workers.update(_children(proc.pid))
        time.sleep(0.02)
    workers.update(_children(proc.pid))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stored = _stored(out)
    assert 0 < len(stored) < 8, "the run ended before it could be killed mid-way"
    assert workers, "the pool's workers were not seen"
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in workers if _alive(w)], "workers outlived their killed parent"

    assert main(["explore", str(small), "--out", str(out), "--executor", "serial"]) == 0
    again = _stored(out)
    assert len(again) == 8
    assert all(again[name] == mtime for name, mtime in stored.items()), "stored runs redone"
    resumed = pd.read_parquet(out / "results.parquet")
    pd.testing.assert_frame_equal(resumed, serial.reset_index(drop=True))
    robust = pd.read_csv(out / "robustness.csv", encoding="utf-8-sig")
    assert robust["lever"].tolist() == ["as_is", "joint"]
    assert (out / "feature_scores.parquet").is_file()


def test_a_folder_of_another_experiment_is_refused(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Results of one experiment never mix with another's in the same folder."""
    other = _experiment(tmp_path, samples=3)
    out = tmp_path / "store"
    (out / "runs").mkdir(parents=True)
    (out / "experiment.json").write_text('{"hash": "0123456789abcdef"}', encoding="utf-8")
    assert main(["explore", str(other), "--out", str(out), "--executor", "serial"]) == 2
    assert "another experiment" in capsys.readouterr().err
    assert list((out / "runs").iterdir()) == []


def test_runs_of_other_model_code_are_not_resumed(
    small: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An exploration started before civsim changed is not finished by the changed model."""
    out = tmp_path / "store"
    args = ["explore", str(small), "--out", str(out), "--executor", "serial"]
    assert main(args) == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != ".lock"}
    capsys.readouterr()
    monkeypatch.setattr(store, "model_hash", lambda: "feedfacefeedface")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "holds runs made by other model code" in err and "Traceback" not in err
    assert {p.name: p.stat().st_mtime_ns for p in out.rglob("*") if p.name != ".lock"} == before


def test_a_folder_another_run_uses_is_refused(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two explorations into one folder: the second exits 2 and writes nothing there."""
    out = tmp_path / "store"
    with RunStore(out, "0123456789abcdef", {}):
        args = ["explore", str(small), "--out", str(out), "--executor", "serial"]
        assert main(args) == 2
        assert f"{out}: in use by another run" in capsys.readouterr().err
        assert list((out / "runs").iterdir()) == []
        assert "0123456789abcdef" in (out / "experiment.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {
                "uncertainties": [
                    {"path": "simulation.dynamics.upkep_rate", "low": 0.1, "high": 0.2}
                ]
            },
            "upkeep_rate",
        ),
        (
            {"uncertainties": [{"path": "simulation.dynamics.upkeep_rate", "low": 0.1, "high": 5}]},
            "less than or equal",
        ),
        ({"levers": [{"name": "bad", "set": {"cycle.survey_points": 90}}]}, "add up to 100"),
        ({"sampler": "sobol", "samples": 6}, "power of 2"),
        (
            {
                "sampler": "morris",
                "uncertainties": [{"path": "simulation.campaign.mode", "values": ["normal"]}],
            },
            "factorial",
        ),
        ({"uncertainties": [{"path": "cycle.years"}]}, "no plausible range"),
    ],
)
def test_bad_experiments_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, message: str
) -> None:
    """Unknown paths, out-of-bounds ranges, broken rules, unfit samplers: refused up front."""
    path = _experiment(tmp_path, **change)
    out = tmp_path / "store"
    assert main(["explore", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert str(path) in err or "upkeep_rate" in err
    assert not out.exists()


def test_the_readme_drives_civsim_from_salib() -> None:
    """The README's five-line SALib script runs through the public API and prints two indices."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- salib-script -->\n```python\n", 1)[1].split("```", 1)[0]
    assert len([ln for ln in block.splitlines() if ln.strip()]) == 5  # the five lines
    done = subprocess.run(
        [sys.executable, "-c", block], cwd=REPO, capture_output=True, text=True, check=True
    )
    s1 = [float(x) for x in done.stdout.strip().strip("[]").split()]
    assert len(s1) == 2
    assert s1[1] == 0.0  # the peers' spread changes the title's odds, never the city's own score


def test_a_discovery_question_naming_no_lever_is_refused_before_running(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--discover`` must name two of the experiment's levers; nothing runs otherwise."""
    out = tmp_path / "store"
    assert main(["explore", str(small), "--out", str(out), "--discover", "as_is:jiont"]) == 2
    assert "LEVER:AGAINST" in capsys.readouterr().err
    assert not out.exists()


def test_a_local_dask_cluster_gives_the_serial_results(
    small: Path, serial: pd.DataFrame, tmp_path: Path
) -> None:
    """Dask workers, finishing in any order, store the same results, bit for bit."""
    pytest.importorskip("distributed")
    experiment, scenario = load_experiment(small)
    on_dask = explore(experiment, scenario, tmp_path / "store", "dask", workers=2, progress=False)
    pd.testing.assert_frame_equal(on_dask, serial)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_scheduler_and_two_workers_run_an_experiment(
    small: Path, serial: pd.DataFrame, tmp_path: Path
) -> None:
    """A scheduler and two workers started as separate processes, as on a real cluster."""
    distributed = pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{_free_port()}"
    host, port = address.removeprefix("tcp://").split(":")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "cwd": REPO}
    scheduler = ["-m", "distributed.cli.dask_scheduler", "--no-dashboard"]
    worker = ["-m", "distributed.cli.dask_worker", "--nthreads", "1", "--no-dashboard"]
    processes = [
        subprocess.Popen([sys.executable, *scheduler, "--host", host, "--port", port], **quiet)
    ]
    try:
        for _ in range(2):
            processes.append(subprocess.Popen([sys.executable, *worker, address], **quiet))
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=PATIENCE)
        out = tmp_path / "store"
        args = ["explore", str(small), "--out", str(out), "--executor", "dask"]
        assert main([*args, "--scheduler", address]) == 0
        pd.testing.assert_frame_equal(pd.read_parquet(out / "results.parquet"), serial)
    finally:
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.wait(timeout=PATIENCE)


def test_an_unreachable_scheduler_is_named_within_ten_seconds(
    small: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No scheduler at the address: exit 2 with the address, in under 10 s, nothing written."""
    pytest.importorskip("distributed")
    out = tmp_path / "store"
    address = f"tcp://127.0.0.1:{_free_port()}"
    start = time.monotonic()
    args = ["explore", str(small), "--out", str(out), "--executor", "dask"]
    assert main([*args, "--scheduler", address]) == 2
    assert time.monotonic() - start < 10
    assert address in capsys.readouterr().err
    assert not out.exists()


def test_the_report_adds_an_experiments_section(small: Path, tmp_path: Path, capsys) -> None:
    """A report of a comparison and an experiment: the section, its figures, the summary.

    An experiment on another city than the comparison's baseline is refused unless allowed.
    """
    runs, store, out = tmp_path / "cmp", tmp_path / "store", tmp_path / "report"
    county = str(SCENARIOS / "county_nominee.yaml")
    assert main(["compare", county, "--reps", "1", "--executor", "serial", "--out", str(runs)]) == 0
    explore_args = ["explore", str(small), "--out", str(store), "--executor", "serial"]
    assert main([*explore_args, "--discover", "as_is:joint"]) == 0
    assert main(["report", str(runs), str(store), "--out", str(out), "--lang", "en"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="exploration">' in page and 'href="#exploration"' in page
    assert page.count("<img") >= 9 + 2  # the comparison's figures, then the experiment's
    top = pd.read_parquet(store / "feature_scores.parquet").set_index("feature")["cycle_score"]
    assert f"depends most on {top.idxmax()} (feature score {top.max():.2f})" in page
    assert "No sensitivity exploration has been run" not in page
    assert "explored another city" not in page
    # a comparison of another city (more residents in a district) with the county's experiment:
    # refused, naming the experiment, unless allowed; then the section says so first
    elsewhere, refused, allowed = tmp_path / "cmp2", tmp_path / "refused", tmp_path / "allowed"
    moved = ["--set", "territory.districts.0.population=300000"]
    compared = ["compare", county, "--reps", "1", "--executor", "serial", *moved]
    assert main([*compared, "--out", str(elsewhere)]) == 0
    assert main(["report", str(elsewhere), str(store), "--out", str(refused)]) == 2
    assert "experiment county_quick is not the city of the baseline" in capsys.readouterr().err
    assert not refused.exists()
    both = ["report", str(elsewhere), str(store), "--allow-different-cities", "--lang", "en"]
    assert main([*both, "--out", str(allowed)]) == 0
    page = (allowed / "report.html").read_text(encoding="utf-8")
    assert "This experiment explored another city than this report" in page


def test_the_outcome_model_refuses_what_it_cannot_run() -> None:
    """An unknown outcome, an array of the wrong width, a path without a range: named, no run."""
    import numpy as np

    from civsim.errors import CivsimError
    from civsim.explore import outcome_model

    county = SCENARIOS / "county_nominee.yaml"
    with pytest.raises(CivsimError, match="unknown outcome 'score'"):
        outcome_model(county, ["simulation.dynamics.upkeep_rate"], outcome="score")
    model = outcome_model(county, ["simulation.dynamics.upkeep_rate", "cycle.years"])
    with pytest.raises(CivsimError, match="1 columns; the model has 2 paths"):
        model(np.array([[0.08]]))
    with pytest.raises(CivsimError, match=r"no plausible range for cycle\.years"):
        model.problem()


def test_no_workers_is_refused_before_the_store_is_begun(small: Path, tmp_path: Path) -> None:
    """``workers=0`` is a mistake, not "every core": refused, and no store is written."""
    from civsim.errors import CivsimError

    experiment, scenario = load_experiment(small)
    out = tmp_path / "store"
    with pytest.raises(CivsimError, match="workers must be at least 1, got 0"):
        explore(experiment, scenario, out, executor="process", workers=0, progress=False)
    assert not out.exists()
