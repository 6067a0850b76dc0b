"""Checks of many scenarios: each one's records stored as it ends, and a stopped run resumed."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from conftest import SCENARIOS

from civsim import check_runs, reality, store
from civsim.check_runs import STORED, check_scenarios
from civsim.cli import main
from civsim.errors import CivsimError, InUseError
from civsim.scenario import load_scenario

ONLY = ["official_arithmetic", "scores_within_points"]


@pytest.fixture(scope="module")
def two() -> list:
    """The county, and the county under another name with another seed (so other records)."""
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    return [county, county.model_copy(update={"name": "county_b", "seed": county.seed + 1})]


def _all(runs) -> pd.DataFrame:
    return pd.concat([table for _, table, _ in runs], ignore_index=True)


class Stopped(Exception):
    """A run stopped (pytest keeps KeyboardInterrupt for itself)."""


def _counting(monkeypatch, stop_at: str | None = None) -> list[str]:
    """Record the scenarios whose checks run; stop the run at ``stop_at``'s."""
    ran: list[str] = []
    real = reality.run_checks  # check_runs' own name may be an earlier patch's

    def counted(scenario, *args, **kwargs):
        if scenario.name == stop_at:
            raise Stopped
        ran.append(scenario.name)
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(check_runs, "run_checks", counted)
    return ran


def test_a_stopped_run_resumes_with_the_scenarios_it_had_not_finished(
    two, tmp_path, monkeypatch
) -> None:
    """A run stopped in the second scenario keeps the first's records.

    Resuming checks the second alone, and the records are those of a run never stopped.
    """
    whole = _all(check_scenarios(two, 1, only=ONLY, out=tmp_path / "whole"))
    assert list(whole["scenario"].unique()) == [two[0].name, "county_b"] and len(whole) == 4

    out = tmp_path / "stopped"
    ran = _counting(monkeypatch, stop_at="county_b")
    with pytest.raises(Stopped):
        _all(check_scenarios(two, 1, only=ONLY, out=out))
    assert ran == [two[0].name]
    assert len(list((out / STORED / "runs").glob("*.parquet"))) == 1

    ran = _counting(monkeypatch)
    runs = list(check_scenarios(two, 1, only=ONLY, out=out, resume=True))
    assert ran == ["county_b"]
    assert [reused for _, _, reused in runs] == [True, False]
    resumed = _all(runs)
    pd.testing.assert_frame_equal(resumed, whole)

    # all stored now: nothing runs, the same records come back in the scenarios' order
    ran = _counting(monkeypatch)
    again = _all(check_scenarios(two[::-1], 1, only=ONLY, out=out, resume=True))
    assert ran == []
    pd.testing.assert_frame_equal(
        again.sort_values(["scenario", "check"], ignore_index=True),
        whole.sort_values(["scenario", "check"], ignore_index=True),
    )


def test_only_records_of_the_same_scenario_and_settings_are_reused(
    two, tmp_path, monkeypatch
) -> None:
    """A changed scenario is checked again; other settings are refused.

    A run without resume starts afresh.
    """
    out = tmp_path / "checks"
    _all(check_scenarios(two[:1], 1, only=ONLY, out=out))
    changed = two[0].model_copy(update={"seed": two[0].seed + 7})
    ran = _counting(monkeypatch)
    _all(check_scenarios([changed], 1, only=ONLY, out=out, resume=True))
    assert ran == [changed.name]  # same name, other content: not the stored records

    with pytest.raises(CivsimError, match="other replications, seed or checks"):
        _all(check_scenarios(two[:1], 2, only=ONLY, out=out, resume=True))
    with pytest.raises(CivsimError, match="other replications, seed or checks"):
        _all(check_scenarios(two[:1], 1, only=ONLY[:1], out=out, resume=True))

    # without resume, the records stored before are gone: nothing old is mixed in
    _all(check_scenarios(two[1:], 2, only=ONLY, out=out))
    ran = _counting(monkeypatch)
    runs = list(check_scenarios(two, 2, only=ONLY, out=out, resume=True))
    assert ran == [two[0].name]
    assert [reused for _, _, reused in runs] == [False, True]


def test_records_of_other_model_code_are_never_resumed(two, tmp_path, monkeypatch, capsys) -> None:
    """After civsim changed, --resume is refused (exit 2, nothing touched); a new run starts afresh.

    Records a changed model did not make would otherwise pass for its own.
    """
    county = str(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "checks"
    args = ["check", county, "--only", *ONLY, "--reps", "1", "--out", str(out)]
    assert main(args) == 0
    made_by = store.model_hash()
    described = (out / STORED / "experiment.json").read_text(encoding="utf-8")
    assert f'"model": "{made_by}"' in described
    stored = sorted(p.name for p in (out / STORED / "runs").iterdir())
    capsys.readouterr()

    monkeypatch.setattr(store, "model_hash", lambda: "feedfacefeedface")  # civsim changed
    assert main([*args, "--resume"]) == 2
    err = capsys.readouterr().err
    assert f"other model code (model {made_by}, not feedfacefeedface" in err
    assert "Traceback" not in err and "other replications" not in err
    assert (out / STORED / "experiment.json").read_text(encoding="utf-8") == described
    assert sorted(p.name for p in (out / STORED / "runs").iterdir()) == stored

    ran = _counting(monkeypatch)
    assert main(args) == 0  # without --resume: checked again, by the model of now
    assert ran == ["county_nominee"]
    assert '"model": "feedfacefeedface"' in (out / STORED / "experiment.json").read_text(
        encoding="utf-8"
    )


def test_the_model_hash_follows_the_code_and_data_alone(tmp_path) -> None:
    """Any byte or name of a module or data file moves the hash; compiled files and notes do not."""
    (tmp_path / "data").mkdir()
    (tmp_path / "a.py").write_text("X = 1\n", encoding="utf-8")
    (tmp_path / "data" / "b.yaml").write_text("k: 2\n", encoding="utf-8")
    first = store._tree_hash(tmp_path)
    (tmp_path / "notes.txt").write_text("anything", encoding="utf-8")
    (tmp_path / "a.cpython-311.pyc").write_bytes(b"\0\1")
    assert store._tree_hash(tmp_path) == first
    (tmp_path / "data" / "b.yaml").write_text("k: 3\n", encoding="utf-8")
    assert store._tree_hash(tmp_path) != first
    (tmp_path / "data" / "b.yaml").write_text("k: 2\n", encoding="utf-8")
    assert store._tree_hash(tmp_path) == first
    (tmp_path / "a.py").rename(tmp_path / "c.py")
    assert store._tree_hash(tmp_path) != first


def test_resume_needs_a_folder_and_names_are_unique(two) -> None:
    """Resuming without a folder, or two scenarios of one name, is refused before any run."""
    with pytest.raises(CivsimError, match="resume needs an output folder"):
        next(check_scenarios(two, 1, only=ONLY, resume=True))
    with pytest.raises(CivsimError, match="scenarios named twice: county_nominee "):
        next(check_scenarios([two[0], two[0]], 1, only=ONLY))


def test_cli_check_resume(tmp_path, capsys) -> None:
    """`civsim check --resume` says which records it reused and writes the same checks.csv."""
    county = str(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "checks"
    args = ["check", county, "--only", *ONLY, "--reps", "1", "--out", str(out)]
    assert main(args) == 0
    first = (out / "checks.csv").read_text(encoding="utf-8")
    assert "reused" not in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert f"county_nominee: records reused from {out / STORED}" in err
    assert (out / "checks.csv").read_text(encoding="utf-8") == first
    assert main(["check", county, "--only", *ONLY, "--resume"]) == 2
    assert "resume needs an output folder" in capsys.readouterr().err
    assert set(reality.RECORD_COLUMNS) <= set(pd.read_csv(out / "checks.csv").columns)


def test_cli_check_stopped_keeps_what_finished(two, tmp_path, monkeypatch, capsys) -> None:
    """Ctrl-C during the second scenario: exit 130, no traceback, the first's records kept."""
    county = str(SCENARIOS / "county_nominee.yaml")
    real = reality.run_checks

    def interrupted(scenario, *args, **kwargs):
        if scenario.name == "baseline":
            raise KeyboardInterrupt
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(check_runs, "run_checks", interrupted)
    out = tmp_path / "checks"
    both = [county, str(SCENARIOS / "baseline.yaml")]
    assert main(["check", *both, "--only", *ONLY, "--reps", "1", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "civsim: stopped; what finished is kept" in err and "Traceback" not in err
    assert [p.name.split("-")[0] for p in (out / STORED / "runs").glob("*.parquet")] == [
        "county_nominee"
    ]
    assert not (out / "checks.csv").exists()


def _holder(folder) -> subprocess.Popen:
    """Another process that opens the store in ``folder`` and holds it until killed."""
    code = (
        "import sys, time\n"
        "from civsim.store import RunStore\n"
        f"store = RunStore({str(folder)!r}, 'theirs', {{}}, keys=('scenario_hash',))\n"
        "print('held', flush=True)\n"
        "time.sleep(600)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_cli_check_refuses_a_folder_another_run_uses(tmp_path, capsys) -> None:
    """A second run into a folder in use exits 2 and touches nothing of the first's.

    Once the first run's process is gone (killed: the system releases its lock),
    the same command runs. Without the lock, the second run would empty the first's
    store (a run without --resume starts afresh) while the first was writing to it.
    """
    county = str(SCENARIOS / "county_nominee.yaml")
    out = tmp_path / "checks"
    holder = _holder(out / STORED)
    try:
        before = sorted(p.name for p in (out / STORED).iterdir())
        args = ["check", county, "--only", *ONLY, "--reps", "1", "--out", str(out)]
        assert main(args) == 2
        err = capsys.readouterr().err
        assert f"{out / STORED}: in use by another run" in err and "Traceback" not in err
        assert sorted(p.name for p in (out / STORED).iterdir()) == before
        assert "theirs" in (out / STORED / "experiment.json").read_text(encoding="utf-8")
        assert not (out / "checks.csv").exists()
    finally:
        holder.kill()
        holder.wait()
    # the folder now holds another experiment's store: resuming is refused, a new run empties it
    assert main([*args, "--resume"]) == 2
    assert "holds the runs of another experiment" in capsys.readouterr().err
    assert main(args) == 0
    assert len(list((out / STORED / "runs").glob("*.parquet"))) == 1


def test_a_store_is_free_again_once_closed(two, tmp_path) -> None:
    """A check run holds its store until it ends; then another run may use the folder."""
    out = tmp_path / "checks"
    runs = check_scenarios(two, 1, only=ONLY, out=out)
    next(runs)  # the first scenario checked, the run not ended
    with pytest.raises(InUseError, match="in use by another run"):
        next(check_scenarios(two, 1, only=ONLY, out=out, resume=True))
    assert len(list(runs)) == 1
    resumed = list(check_scenarios(two, 1, only=ONLY, out=out, resume=True))
    assert [reused for _, _, reused in resumed] == [True, True]
