"""The explorer's parts without a browser: levers, runs streamed and kept, the reproduce panel."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import SCENARIOS

from civsim.app import levers as lv
from civsim.app import runs, ui
from civsim.app.figures import FIGURES
from civsim.app.reproduce import Setting, command, overlay, python_call
from civsim.app.runs import KEPT_BYTES, Job, Runner, comparison
from civsim.cli import main
from civsim.scenario import load_scenario, override
from civsim.variants import value_at

#: One change of each kind: a choice, a number, a switch, a table's row, the survey's weight.
MOVES = {
    "simulation.campaign.mode": "campaign",
    "budget.total_yuan": 3_000_000,
    "simulation.rectification.joint_mechanism": True,
    "budget.lines.smart_platform.max_units": 0,
    "cycle.survey_points": 30.0,
}


@pytest.fixture(scope="module")
def runner():
    """One worker process for the module's runs."""
    with Runner(workers=1) as r:
        yield r


def test_replications_run_below_the_controls_in_priority(runner) -> None:
    """The workers yield the cores to the process serving the controls while they run."""
    server = os.nice(0)
    worker = runner._executor().submit(os.nice, 0).result()
    assert worker == min(server + runs.WORKER_NICENESS, 19)  # 19: the lowest priority


def test_every_switch_of_the_simulation_is_a_lever(county) -> None:
    """Each on/off field under ``simulation`` is offered, with the scenario's value."""
    offered = {c.path: c.value for c in lv.levers(county) if c.kind == "switch"}
    for path in ("simulation.campaign.knows_protocol", "simulation.detection.platform"):
        assert offered[path] == value_at(county, path)
    assert "simulation.evaluation.minors.enabled" in offered
    assert all(isinstance(v, bool) for v in offered.values())


def test_moving_levers_makes_a_valid_variant(county) -> None:
    """A choice, a number, a switch, a line's units and the survey's weight make one variant."""
    option, changes, errors = lv.option(county, MOVES, "moved")
    assert errors == {}
    assert option is not None and option.simulation.campaign.mode == "campaign"
    assert option.budget.lines[0].max_units == 0
    cycle = option.cycle
    assert cycle.material_points + cycle.field_points + cycle.survey_points == pytest.approx(100)
    assert set(MOVES) <= set(changes)


def test_an_unmoved_lever_changes_nothing(county) -> None:
    """Every control left at the scenario's value: no change to run or to write."""
    same = {c.path: c.value for c in lv.levers(county)}
    assert lv.option(county, same, "same")[1] == {}


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("simulation.rectification.escalation.supervision_share", -1.0),
        ("budget.total_yuan", 0),
        ("simulation.campaign.mode", "blitz"),
    ],
)
def test_a_bad_setting_names_its_control_and_makes_nothing(county, path, value) -> None:
    """The validation message goes to the control at fault, and no variant is made."""
    option, _, errors = lv.option(county, {path: value}, "bad")
    assert option is None
    assert list(errors) == [path] and errors[path]


def test_the_overlay_validates_and_loads_as_the_variant(tmp_path: Path, county) -> None:
    """Saved beside its base as the panel says, the YAML is what the explorer ran."""
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    base = load_scenario(folder / "county_nominee.yaml")
    option, changes, _ = lv.option(base, MOVES, "moved")
    assert option is not None
    setting = Setting(base, option, changes, {}, 2, 3)
    text = overlay(setting)
    saved = folder / setting.option_path.name
    saved.write_text(text, encoding="utf-8")
    assert main(["validate", str(saved)]) == 0
    loaded = load_scenario(saved)
    for path in ("simulation.campaign.mode", "budget.total_yuan", "cycle.survey_points"):
        assert value_at(loaded, path) == value_at(option, path)
    assert loaded.budget.lines == option.budget.lines
    assert yaml.safe_load(text)["extends"] == "county_nominee.yaml"


def test_python_call_and_command_carry_the_setting(county) -> None:
    """Uncertainties go to the base and to --set; levers to the option; the code runs."""
    unknowns = {"simulation.dynamics.upkeep_rate": 0.05}
    world = override(county, unknowns)
    option, changes, _ = lv.option(world, {"simulation.detection.platform": True}, "smart")
    assert option is not None
    setting = Setting(county, option, changes, unknowns, 4, 9)
    code = python_call(setting)
    assert "'simulation.detection.platform': True" in code and "reps=4, seed=9" in code
    assert "--set simulation.dynamics.upkeep_rate=0.05" in command(setting)
    namespace: dict = {}
    exec(code.replace("comparison = compare", "#").replace("print(", "#"), namespace)
    assert namespace["option"].simulation.detection.platform is True


def test_runs_stream_in_are_kept_and_pair(runner, county) -> None:
    """Each replication comes back once run; asked again, it comes from the kept ones."""
    smart = override(county, {"name": "smart", "simulation.detection.platform": True})
    jobs = [Job(sc, 1, r) for r in range(2) for sc in (county, smart)]
    results = {(j.scenario.name, j.replication): res for j, res in runner.stream(jobs)}
    assert runner.ran == len(jobs)
    again = [j.replication for j, _ in runner.stream(jobs)]
    assert runner.ran == len(jobs) and sorted(again) == [0, 0, 1, 1]
    cmp = comparison(county, smart, results)
    assert cmp is not None and cmp.scenarios == ["county_nominee", "smart"]
    assert list(cmp.summary["reps"]) == [2, 2]
    assert comparison(county, smart, {k: v for k, v in results.items() if k[0] == "smart"}) is None


def test_a_stopped_run_ends_early(runner, county) -> None:
    """Cancelling after the first result ends the stream before the rest come in."""
    stop = threading.Event()
    jobs = [Job(county, 2, r) for r in range(4)]
    got = []
    for job, _ in runner.stream(jobs, stop.is_set):
        got.append(job.replication)
        stop.set()
    assert len(got) < len(jobs)


def test_civsim_app_refuses_a_missing_folder(tmp_path: Path, capsys) -> None:
    """``civsim app`` on a folder that is not there: exit 2 and the reason, no server."""
    assert main(["app", "--scenarios", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err


def test_civsim_app_refuses_a_port_it_cannot_listen_on(monkeypatch, capsys) -> None:
    """A port another program holds, none at all, or no host: exit 2, the reason, no server."""
    import socket
    import subprocess

    def no_server(*args, **kwargs):
        raise AssertionError("the server was started")

    monkeypatch.setattr(subprocess, "run", no_server)
    with socket.socket() as taken:
        taken.bind(("localhost", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["app", "--scenarios", str(SCENARIOS), "--port", str(port)]) == 2
    said = capsys.readouterr()
    assert f"cannot listen on localhost:{port}" in said.err and "--port" in said.err
    assert "http://" not in said.out  # no address announced for a server that never ran
    # ".invalid" is reserved: never an address of this machine
    assert main(["app", "--scenarios", str(SCENARIOS), "--host", "nowhere.invalid"]) == 2
    assert "give --host an address of this machine" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["app", "--scenarios", str(SCENARIOS), "--port", "99999"])
    assert stop.value.code == 2
    assert "expected a port from 1 to 65535, got 99999" in capsys.readouterr().err


def test_a_renamed_copy_is_run_under_its_own_name(runner, county) -> None:
    """The option with no lever moved is its base renamed: its tables carry the new name."""
    same = override(county, {"name": "explorer"})
    for job, result in runner.stream([Job(county, 1, 0), Job(same, 1, 0)]):
        assert set(result.cycle["scenario"]) == {job.scenario.name}


def test_kept_replications_are_bounded_by_memory(runner, county) -> None:
    """With room for one, a second replication pushes out the first, which then runs again."""
    jobs = [Job(county, 5, 0), Job(county, 5, 1)]
    runner.kept_bytes = 1
    try:
        list(runner.stream(jobs))
        ran = runner.ran
        list(runner.stream(jobs[:1]))
        assert runner.ran == ran + 1
    finally:
        runner.kept_bytes = KEPT_BYTES


def test_the_explorers_comparison_is_compares(county) -> None:
    """Slimmed replications from the workers give the summary civsim.experiments.compare gives."""
    from civsim.app.runs import run_job
    from civsim.experiments import compare

    smart = override(county, {"name": "smart", "simulation.detection.platform": True})
    results = {(sc.name, 0): run_job(Job(sc, 1, 0)) for sc in (county, smart)}
    shown = comparison(county, smart, results)
    expected = compare([county, smart], reps=1, seed=1, progress=False)
    assert shown is not None
    pd.testing.assert_frame_equal(shown.summary, expected.summary)


def test_the_page_says_what_the_next_run_compares() -> None:
    """Moving a lever (or setting an uncertainty) shows at once in the line above the results."""
    import ipyvuetify as v
    import solara

    from civsim.app.ui import Explorer

    _, rc = solara.render(Explorer(folder=str(SCENARIOS)), handle_error=False)
    rc.find(v.Select, label="scenario").widget.v_model = "county_nominee.yaml"

    def moved() -> str:
        return rc.find(v.Html, class_="civsim-moved").widget.children[0]

    assert moved() == "explorer: county_nominee as it is"
    rc.find(v.Select, label="campaign mode").widget.v_model = "campaign"
    assert moved() == "explorer: county_nominee with simulation.campaign.mode = campaign"
    rc.find(v.Select, label="campaign mode").widget.v_model = "normal"  # back: nothing moved
    assert moved() == "explorer: county_nominee as it is"
    field = rc.find(v.TextField, label="communities per street").widget
    field.v_model = "10"  # a number is taken as it is typed (ui.CONTINUOUS), as in a browser
    both = "as it is (both with territory.generator.communities_per_street = 10.0)"
    assert moved().endswith(both)
    rc.close()


@pytest.mark.parametrize("redraw_seconds, drawings", [(0.0, 3), (3600.0, 2)])
def test_the_figures_are_redrawn_at_most_so_often_and_end_with_every_pair(
    runner, county, monkeypatch, redraw_seconds, drawings
) -> None:
    """Three pairs: drawn after each, or, an hour apart at most, after the first and the last.

    The numbers follow every pair either way, and the last figures show all three.
    """
    monkeypatch.setattr(ui, "runner", lambda: runner)
    monkeypatch.setattr(ui, "REDRAW_SECONDS", redraw_seconds)
    smart = override(county, {"name": "explorer", "simulation.detection.platform": True})
    setting = Setting(county, smart, {"simulation.detection.platform": True}, {}, 3, 4)
    shown = list(ui.stream(setting, county, threading.Event()))
    drawn = [s.images for s in shown if s.images]
    assert len({id(images) for images in drawn}) == drawings
    pairs = [len(s.comparison.replications) // 2 for s in shown if s.comparison is not None]
    assert sorted(set(pairs)) == [1, 2, 3]
    last = shown[-1]
    assert last.finished and len(last.comparison.replications) == 6
    assert set(last.images) == set(FIGURES)
