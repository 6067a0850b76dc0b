"""Saved runs: a report rebuilt from the folders is the report the runs first gave."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from civsim.cli import main
from tests.conftest import SCENARIOS, write_yaml

COUNTY = SCENARIOS / "county_nominee.yaml"


@pytest.fixture(scope="module")
def joint_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An overlay of the county with the joint mechanism on (a real difference)."""
    folder = tmp_path_factory.mktemp("overlay")
    data = {
        "extends": str(COUNTY),
        "name": "county_joint",
        "simulation": {"rectification": {"joint_mechanism": True, "joint_delay_factor": 0.25}},
    }
    return write_yaml(folder, "county_joint.yaml", data)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory, joint_file: Path) -> Path:
    """``civsim compare`` of the county and its joint variant, two replications."""
    out = tmp_path_factory.mktemp("cmp") / "cmp"
    assert main(["compare", str(COUNTY), str(joint_file), "--reps", "2", "--out", str(out)]) == 0
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_report_rebuilds_the_comparison_byte_for_byte(compared: Path, tmp_path: Path) -> None:
    """The report and its tables from the saved runs are the ones compare wrote."""
    out = tmp_path / "again"
    assert main(["report", str(compared), "--out", str(out)]) == 0
    first, again = _files(compared), _files(out)
    for name in ("report.html", "comparison_summary.csv", "comparison_replications.csv"):
        assert again[name] == first[name], name


def test_run_folders_give_the_comparison_of_compare(
    compared: Path, joint_file: Path, tmp_path: Path
) -> None:
    """Two ``civsim run`` folders with the same seed compare as ``civsim compare`` did."""
    runs = []
    for path in (COUNTY, joint_file):
        folder = tmp_path / path.stem
        assert main(["run", str(path), "--reps", "2", "--out", str(folder)]) == 0
        runs.append(str(folder))
    out = tmp_path / "report"
    assert main(["report", *runs, "--out", str(out)]) == 0
    assert (out / "comparison_summary.csv").read_bytes() == (
        compared / "comparison_summary.csv"
    ).read_bytes()


def test_the_first_folder_is_the_baseline(compared: Path, tmp_path: Path) -> None:
    """Run folders inside a comparison can be given in another order."""
    out = tmp_path / "swapped"
    runs = compared / "runs"
    assert (
        main(
            ["report", str(runs / "county_joint"), str(runs / "county_nominee"), "--out", str(out)]
        )
        == 0
    )
    summary = (out / "comparison_summary.csv").read_text(encoding="utf-8-sig").splitlines()
    assert summary[1].startswith("county_joint,")
    assert summary[2].startswith("county_nominee,")


def _refused(args: list[str], out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*args, "--out", str(out)]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_a_changed_scenario_is_refused(
    compared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stored scenario that no longer matches its tables' hash is refused."""
    copy = tmp_path / "copy"
    for path in (compared / "runs" / "county_joint").iterdir():
        (copy / path.name).parent.mkdir(parents=True, exist_ok=True)
        (copy / path.name).write_bytes(path.read_bytes())
    stored = json.loads((copy / "scenario.json").read_text(encoding="utf-8"))
    stored["seed"] += 1
    (copy / "scenario.json").write_text(json.dumps(stored), encoding="utf-8")
    err = _refused(
        ["report", str(compared / "runs" / "county_nominee"), str(copy)], tmp_path / "o", capsys
    )
    assert "scenario.json" in err and "hash" in err


def test_runs_of_other_seeds_are_refused(
    compared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Differences pair replications only when every run drew from the same seed."""
    other = tmp_path / "seed9"
    assert (
        main(
            [
                "run",
                str(COUNTY),
                "--reps",
                "2",
                "--seed",
                "9",
                "--set",
                "name=county9",
                "--out",
                str(other),
            ]
        )
        == 0
    )
    err = _refused(
        ["report", str(compared / "runs" / "county_nominee"), str(other)], tmp_path / "o", capsys
    )
    assert "seed 9" in err


@pytest.mark.parametrize("what", ["twice", "not_a_run"])
def test_bad_folders_are_refused(
    compared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], what: str
) -> None:
    """The same scenario twice, or a folder civsim did not write, is named in the error."""
    if what == "twice":
        err = _refused(
            ["report", str(compared), str(compared / "runs" / "county_joint")],
            tmp_path / "o",
            capsys,
        )
        assert "county_joint" in err and "twice" in err
    else:
        err = _refused(["report", str(tmp_path)], tmp_path / "o", capsys)
        assert str(tmp_path) in err and "run folder" in err


def test_report_rebuilds_in_the_other_language(compared: Path, tmp_path: Path, capsys) -> None:
    """The saved runs give the English report too, with the run's own facts.

    The console says the summary's warnings, as ``civsim compare`` does.
    """
    out = tmp_path / "en"
    assert main(["report", str(compared), "--out", str(out), "--lang", "en"]) == 0
    said = capsys.readouterr().out
    assert "Warnings:\n- Each scenario ran only" in said and said.endswith("report.html\n")
    page = (out / "report.html").read_text(encoding="utf-8")
    first = (compared / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page and '<html lang="zh-CN">' in first
    meta = json.loads((compared / "comparison.json").read_text(encoding="utf-8"))
    assert f"<dd>{meta['seed']}</dd>" in page and meta["created"] in page
