"""The civsim command: exit codes, messages, and nothing written on error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, write_yaml

from civsim.cli import main
from civsim.findings import MIN_REPS


def test_validate_shipped_scenarios(capsys) -> None:
    """`civsim validate scenarios/*.yaml` passes."""
    assert main(["validate", *map(str, sorted(SCENARIOS.glob("*.yaml")))]) == 0
    assert "ok  " in capsys.readouterr().out


def test_chain_prints_a_table_per_level_and_draws(tmp_path: Path, capsys) -> None:
    """`civsim chain` prints counts, staff and span per level and writes the PNG."""
    png = tmp_path / "chain.png"
    assert main(["chain", str(SCENARIOS / "baseline.yaml"), "--png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "span_mean" in out and "grid" in out
    assert png.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="red"), "unknown key 'colour'"),
        (lambda d: d["organisation"]["units"][0].update(staff="many"), "units.0.staff"),
        (lambda d: d["organisation"]["units"][0].update(reports_to="nobody"), "reports_to"),
        (
            lambda d: [
                u.update(reports_to=o)
                for u, o in zip(
                    d["organisation"]["units"], ["market_reg", "urban_mgmt"], strict=True
                )
            ],
            "leadership cycle",
        ),
    ],
    ids=["unknown-key", "wrong-type", "unknown-reference", "cycle"],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, tiny_dict: dict, capsys, change, expected
) -> None:
    """Bad input: exit code 2, one line naming the problem, no traceback, no PNG."""
    change(tiny_dict)
    path = write_yaml(tmp_path, "bad.yaml", tiny_dict)
    png = tmp_path / "out" / "chain.png"
    assert main(["chain", str(path), "--png", str(png)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert err.count("\n") == 1 and "bad.yaml" in err
    assert not png.exists() and not png.parent.exists()


def test_missing_file_exits_2(tmp_path: Path, capsys) -> None:
    """A missing scenario file is named, with exit code 2."""
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
    assert "scenario file not found" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "county_nominee.yaml"],
        ["compare", "county_nominee.yaml", "county_nominee.yaml"],
        ["check", "county_nominee.yaml"],
        ["fund", "county_nominee.yaml"],
        [
            "calibrate",
            "county_nominee.yaml",
            "targets/county_documented.yaml",
            "--params",
            "simulation.dynamics.upkeep_rate",
        ],
        ["generate", "--grids", "10"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_negative_seed_is_refused_before_any_work(tmp_path: Path, capsys, argv) -> None:
    """`--seed -1` (numpy takes no negative seed): exit 2, the option named, nothing written."""
    command, *rest = argv
    files = [str(SCENARIOS / a) if a.endswith(".yaml") else a for a in rest]
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main([command, *files, "--seed", "-1", "--out", str(out)])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "--seed: expected a whole number >= 0, got -1" in err and "Traceback" not in err
    assert not out.exists()


def test_an_experiment_with_a_negative_seed_is_refused(tmp_path: Path, capsys) -> None:
    """An experiment file's `seed: -1`: exit 2, the file and field named, no run store."""
    text = (SCENARIOS / "experiments" / "county_quick.yaml").read_text(encoding="utf-8")
    path = tmp_path / "negative.yaml"
    path.write_text(
        text.replace("../county_nominee.yaml", str(SCENARIOS / "county_nominee.yaml"))
        + "seed: -1\n",
        encoding="utf-8",
    )
    out = tmp_path / "store"
    assert main(["explore", str(path), "--out", str(out), "--executor", "serial"]) == 2
    err = capsys.readouterr().err
    assert "negative.yaml: seed: Input should be greater than or equal to 0" in err
    assert "Traceback" not in err and not out.exists()


def test_version_prints_the_package_version(capsys) -> None:
    """`civsim --version` prints the installed version and the model's hash, and exits 0."""
    from importlib.metadata import version

    from civsim.store import model_hash

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    said = capsys.readouterr().out.strip()
    assert said == f"civsim {version('civsim')} (model {model_hash()})"


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["rnu", "x.yaml"], "did you mean 'run'?"),
        (["valdate", "x.yaml"], "did you mean 'validate'?"),
        (["budget", "x.yaml", "--out", "o", "--policy", "equl"], "did you mean 'equal'?"),
    ],
)
def test_a_mistyped_choice_gets_the_nearest_one(argv, suggestion, capsys) -> None:
    """A mistyped command or option choice exits 2 and suggests the nearest one."""
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert suggestion in err and "invalid choice" in err


def test_a_choice_far_from_any_gets_no_suggestion(capsys) -> None:
    """Nothing near "xyzzy": the usual message, no guess."""
    with pytest.raises(SystemExit):
        main(["xyzzy"])
    assert "did you mean" not in capsys.readouterr().err


def test_every_command_help_ends_with_examples(capsys) -> None:
    """Each subcommand's --help lists examples that call that subcommand."""
    from civsim.arguments import EXAMPLES

    commands = [
        "validate",
        "chain",
        "run",
        "compare",
        "report",
        "explore",
        "calibrate",
        "check",
        "budget",
        "fund",
        "tasks",
        "app",
    ]
    assert set(EXAMPLES) == {*commands, "generate"}
    for command in EXAMPLES:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = capsys.readouterr().out
        examples = text[text.index("examples:") :].splitlines()[1:]
        assert examples and all(line.strip().startswith(f"civsim {command} ") for line in examples)


def test_run_and_compare_json_agree_with_the_written_tables(tmp_path: Path, capsys) -> None:
    """--json prints only JSON (NaN as null) with the numbers of the tables written."""
    county = str(SCENARIOS / "county_nominee.yaml")
    fast = ["--reps", "2", "--executor", "serial"]
    assert main(["run", county, *fast, "--out", str(tmp_path / "run"), "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    cycle = pd.read_parquet(tmp_path / "run" / "cycle.parquet")
    (row,) = done["cycle"]
    assert done["replications"] == 2 and row["reps"] == len(cycle) == 2
    assert row["mean"] == pytest.approx(cycle["cycle_score"].mean())
    assert row["title_probability"] == pytest.approx(cycle["title"].mean())
    assert main(["compare", county, *fast, "--out", str(tmp_path / "cmp"), "--json"]) == 0
    printed = capsys.readouterr().out
    done = json.loads(printed)  # json.loads accepts NaN; the text must hold none
    assert "NaN" not in printed and "Infinity" not in printed
    table = pd.read_csv(tmp_path / "cmp" / "comparison_summary.csv")
    shown = pd.DataFrame(done["summary"])
    assert shown.columns.tolist() == table.columns.tolist()
    numbers = table.select_dtypes("number").columns
    assert np.allclose(shown[numbers].astype(float), table[numbers], equal_nan=True)
    assert done["report"].endswith("report.html")
    # the report summary's warnings, as data: two replications are fewer than advised
    assert {"scenario": "", "kind": "few_reps", "value": 2.0, "limit": MIN_REPS} in done["warnings"]


def test_run_prints_a_table_by_default(tmp_path: Path, capsys) -> None:
    """Without --json the summary is the human table, not JSON."""
    county = str(SCENARIOS / "county_nominee.yaml")
    argv = ["run", county, "--reps", "1", "--executor", "serial", "--out", str(tmp_path / "r")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("county_nominee: 1 replications") and "cycle score" in out
