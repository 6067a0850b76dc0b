"""Calibration: a known truth recovered, identifiability judged, resumed runs, bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civsim.calibrate import Fit, Settings, calibrate, parse_parameters
from civsim.calibration_outputs import write_fit
from civsim.cli import main
from civsim.identifiability import standing_range
from civsim.scenario import load_scenario
from civsim.synthetic import synthetic_targets
from civsim.targets import Targets, load_targets
from tests.conftest import SCENARIOS, write_yaml

COUNTY = SCENARIOS / "county_nominee.yaml"
UPKEEP = "simulation.dynamics.upkeep_rate"
#: A documented fact (133 of 391 nominees named), so no plausible range to calibrate within.
QUOTA = "simulation.evaluation.quota_share"
PEER_SD = "simulation.evaluation.peer_sd"
#: The known values the small record is simulated at.
TRUTH = {UPKEEP: 0.07, PEER_SD: 2.5}
#: Small enough for CI: 2 waves x 10 points x 2 replications of the county's first year.
SMALL = Settings(samples=10, replications=2, waves=2)
TEMPLATE = Targets(
    name="small",
    targets=[
        {"name": "field_1", "output": "field", "year": 1, "observed": 0, "se": 0.5,
         "source": "-"},
        {"name": "mock_test_1", "output": "mock_test", "year": 1, "observed": 0, "se": 0.01,
         "source": "-"},
    ],
)  # fmt: skip


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory):
    """The county over one year (a third of the time; the targets read year 1), as a file."""
    one_year = {
        "extends": str(COUNTY),
        "name": "county_one_year",
        "cycle": {"years": 1, "year_weights": [1.0]},
        "simulation": {"evaluation": {"delegated_years": 1}},
    }
    return load_scenario(write_yaml(tmp_path_factory.mktemp("county"), "one.yaml", one_year))


@pytest.fixture(scope="module")
def record(county) -> Targets:
    """The county's record simulated at :data:`TRUTH`, with a seed not the calibration's."""
    return synthetic_targets(county, TRUTH, TEMPLATE, seed=county.seed + 1)


@pytest.fixture(scope="module")
def fitted(county, record, tmp_path_factory: pytest.TempPathFactory) -> tuple[Fit, Path]:
    """The small calibration of upkeep and the peers' spread to the record, and its folder."""
    params = parse_parameters(county, [f"{UPKEEP}=0.03:0.11", PEER_SD])
    out = tmp_path_factory.mktemp("calibration") / "store"
    return calibrate(county, record, params, out, SMALL, progress=False), out


def test_the_true_values_are_not_ruled_out(fitted: tuple[Fit, Path]) -> None:
    """Recovery: upkeep's true value lies in the range standing, narrower than its prior."""
    fit, _ = fitted
    row = fit.parameters.set_index("parameter").loc[UPKEEP]
    assert row["low"] <= TRUTH[UPKEEP] <= row["high"]
    assert row["status"] == "identified"
    assert row["share"] < 0.5
    assert abs(row["fitted"] - TRUTH[UPKEEP]) < 0.01


def test_a_parameter_no_target_reads_is_flat_and_given_as_a_range(
    fitted: tuple[Fit, Path],
) -> None:
    """The peers' spread moves only the title: flat, a range over most of its prior, no point."""
    fit, out = fitted
    row = fit.parameters.set_index("parameter").loc[PEER_SD]
    assert row["status"] == "flat"
    assert row["share"] >= fit.settings.flat_share
    assert "flat" in row["note"]
    write_fit(fit, out, "small.yaml")
    calibrated = load_scenario(out / "calibrated.yaml")
    assert calibrated.simulation.evaluation.peer_sd == fit.scenario.simulation.evaluation.peer_sd
    assert calibrated.simulation.dynamics.upkeep_rate == pytest.approx(row_fitted(fit, UPKEEP))
    note = calibrated.sources[PEER_SD]
    assert "calibrated to small.yaml" in note and "flat" in note and "kept" in note
    diagnostics = pd.read_csv(out / "diagnostics.csv")
    assert diagnostics["target"].tolist() == ["field_1", "mock_test_1"]
    for name in ("parameters.png", "targets.png", "not_ruled_out.csv"):
        assert (out / name).is_file()


def row_fitted(fit: Fit, path: str) -> float:
    """The fitted value of one parameter."""
    return float(fit.parameters.set_index("parameter").loc[path, "fitted"])


def test_implausibility_is_the_documented_rule(fitted: tuple[Fit, Path], record: Targets) -> None:
    """I = |obs - mean| / sqrt(obs var + noise (1 + 1/r)); standing exactly where max I < 3."""
    fit, _ = fitted
    r = fit.settings.replications
    for t in record.targets:
        expected = (t.observed - fit.points[t.name]).abs() / np.sqrt(
            t.se**2 + fit.noise[t.name] * (1 + 1 / r)
        )
        assert np.allclose(fit.points[f"I_{t.name}"], expected)
    largest = fit.points[[f"I_{t.name}" for t in record.targets]].max(axis=1)
    assert (fit.points["standing"] == (largest < fit.settings.cutoff)).all()
    assert 0 < fit.points["standing"].sum() < len(fit.points)


def test_a_second_wave_samples_the_range_still_standing(fitted: tuple[Fit, Path]) -> None:
    """Wave 2's upkeep values lie within wave 1's range not ruled out, narrower than the prior."""
    fit, _ = fitted
    one = fit.points[(fit.points["wave"] == 1) & fit.points["standing"]][UPKEEP]
    low, high = standing_range(one, 0.03, 0.11)
    two = fit.points[fit.points["wave"] == 2][UPKEEP]
    assert high - low < 0.11 - 0.03
    assert low <= two.min() and two.max() <= high


def test_an_interrupted_calibration_resumes_to_the_same_fit(
    fitted: tuple[Fit, Path], county, record: Targets
) -> None:
    """With some stored runs lost, a calibration runs only those again and finds the same."""
    fit, out = fitted
    runs = sorted((out / "runs").glob("*.parquet"))
    for lost in runs[:3]:
        lost.unlink()
    params = fit.priors
    again = calibrate(county, record, params, out, SMALL, progress=False)
    pd.testing.assert_frame_equal(again.points, fit.points)


def _targets(folder: Path, **change) -> Path:
    target = {"name": "mock", "output": "mock_test", "year": 1, "observed": 0.7, "se": 0.02,
              "source": "test", **change}  # fmt: skip
    return write_yaml(folder, "targets.yaml", {"name": "t", "targets": [target]})


@pytest.mark.parametrize(
    ("change", "params", "message"),
    [
        ({"output": "mock_tests"}, [f"{UPKEEP}=0.03:0.1"], "unknown output 'mock_tests'"),
        ({}, [QUOTA], f"--params {QUOTA}: no plausible range"),  # a documented fact
        ({"year": 4}, [f"{UPKEEP}=0.03:0.1"], "year 4, but county_nominee's cycle has 3 years"),
        ({"se": 0}, [f"{UPKEEP}=0.03:0.1"], "target mock: se must be > 0, got 0"),
        ({"se": -0.1}, [f"{UPKEEP}=0.03:0.1"], "se must be > 0, got -0.1"),
        ({"se": None, "range": [0.8, 0.6]}, [f"{UPKEEP}=0.03:0.1"], "range [0.8, 0.6]"),
        ({}, ["simulation.dynamics.upkeep_rat=0.03:0.1"], f"did you mean {UPKEEP}"),
        ({}, [f"{UPKEEP}=0.1:0.03"], "low must be below high"),
        ({}, ["cycle.year_weights=0:1"], "numbers of the scenario's sections"),
    ],
)
def test_bad_input_exits_2_names_it_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, params: list, message: str
) -> None:
    """An unknown output, no range, a year the cycle lacks, no uncertainty: exit 2, no folder."""
    targets = _targets(tmp_path, **change)
    out = tmp_path / "out"
    code = main(["calibrate", str(COUNTY), str(targets), "--params", *params, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err, err
    assert "Traceback" not in err
    assert not out.exists()


def test_no_point_standing_shows_the_closest_and_writes_nothing(
    county, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A record no value in the range can meet: exit 2, the closest points listed, no folder."""
    targets = _targets(tmp_path, observed=0.2, se=0.005)
    out = tmp_path / "out"
    args = ["calibrate", county.source_file, str(targets), "--params", f"{UPKEEP}=0.05:0.1"]
    code = main([*args, "--out", str(out), "--samples", "3", "--replications", "2",
                 "--waves", "1", "--executor", "serial"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "no point left standing" in err and "Closest points" in err
    assert UPKEEP in err and "I_mock" in err
    assert not out.exists()


def test_the_shipped_targets_load_against_the_county() -> None:
    """Both shipped targets files are valid for the county, each target with a source."""
    for name in ("county_documented", "county_synthetic"):
        targets = load_targets(SCENARIOS / "targets" / f"{name}.yaml", load_scenario(COUNTY))
        assert all(t.source for t in targets.targets)


def test_a_process_pool_finds_what_serial_finds(county, record: Targets, tmp_path: Path) -> None:
    """The same points, outputs and verdicts whichever executor ran the tasks."""
    params = parse_parameters(county, [f"{UPKEEP}=0.03:0.11"])
    tiny = Settings(samples=3, replications=2, waves=1)
    serial = calibrate(county, record, params, tmp_path / "a", tiny, "serial", progress=False)
    pooled = calibrate(county, record, params, tmp_path / "b", tiny, "process", 1, progress=False)
    pd.testing.assert_frame_equal(serial.points, pooled.points)
    pd.testing.assert_frame_equal(serial.parameters, pooled.parameters)
