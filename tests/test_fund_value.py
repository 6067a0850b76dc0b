"""What the fund buys: the shadow score the inspection expects, the gain model, the fund check."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS

from civsim import scoring
from civsim.cli import main
from civsim.errors import CivsimError, ScenarioError
from civsim.fund_value import fund_value
from civsim.gains import exposure, line_gains, place_counts
from civsim.scenario import override
from civsim.sim.sampling import quotas, sample_places


@pytest.mark.parametrize("rare", ["transport_hub", "practice_station", "park_square"])
def test_field_shadow_is_what_the_inspection_expects(county, county_prep, rare) -> None:
    """Places of a rare type weigh in the shadow score as the inspection's sample weighs them.

    Every checkpoint is perfect except those of one place type; the city's field
    shadow score must match the mean score of many simulated inspections (which
    sample places by type), within the rounding of the sample to whole places.
    """
    ckp = county_prep.city.checkpoints
    t = list(ckp.place_types).index(rare)
    condition = np.where(ckp.place_type == t, 0.0, 1.0)
    mat, _ = ckp.weights["field:city"]
    shadow = float((mat @ condition).sum())
    plan = quotas(ckp, county.simulation.evaluation.inspection_places)
    rng = np.random.default_rng(7)
    drawn = [
        scoring.field_inspection(
            condition,
            sample_places(ckp, rng, plan),
            ckp.observations,
            ckp.standard,
            ckp.standard_points,
            county.cycle.field_points,
            rng,
        )
        for _ in range(50)
    ]
    lost_shadow = county.cycle.field_points - shadow
    lost_drawn = county.cycle.field_points - float(np.mean(drawn))
    assert lost_drawn > 0.5  # the type matters to the inspection
    assert lost_shadow == pytest.approx(lost_drawn, rel=0.1)


def _line(scenario, line_id):
    return next(ln for ln in scenario.budget.lines if ln.id == line_id)


def test_publicity_counts_when_the_survey_reads_it(county) -> None:
    """A fading publicity grant gains what is left of it on the survey day, on the whole survey."""
    ads = _line(county, "county_ads")
    survey_day = county.simulation.evaluation.survey_day
    left = 1 - (survey_day - ads.start_day) / ads.duration_days  # fades linearly, by hand
    assert 0 < left < 1
    assert exposure(ads, county)["survey"] == pytest.approx(left)
    gains = line_gains(county).set_index(["line", "holder"])
    # satisfaction is read by the whole questionnaire (20 points), not by one standard
    expected = ads.effect_size * county.cycle.survey_points * left
    assert gains.loc[("county_ads", "city"), "gain_per_unit"] == pytest.approx(expected)
    # bought on the year's first day, it has faded before the survey: it gains nothing
    early = ads.model_copy(update={"start_day": 0})
    assert exposure(early, county)["survey"] == 0.0


def test_a_steady_effect_over_the_whole_cycle_is_fully_exposed(county) -> None:
    """A year-long grant (volunteer hours) is there whenever any method looks, every year."""
    grant = _line(county, "volunteer_fund")
    assert exposure(grant, county) == {"field": 1.0, "material": 1.0, "survey": 1.0}


def test_gain_model_weighs_a_place_type_as_the_city_s_shadow_score_does(county, county_prep):
    """All checkpoints of a place type carry the same field points in the model and the shadow.

    The gain model works from expected place counts and the framework; the
    shadow weights from the city's actual checkpoints: summed over every
    place of the type they must agree (places of rare types weigh by the
    inspection's sample, not by their number).
    """
    ckp = county_prep.city.checkpoints
    mat, _ = ckp.weights["field:city"]
    per_checkpoint = np.asarray(mat.sum(axis=0)).ravel()
    counts = place_counts(county).sum()
    gains = line_gains(county).set_index(["line", "holder"])
    for line_id in ("practice_station_build", "park_upgrade"):
        line = _line(county, line_id)
        t = list(ckp.place_types).index(line.target)
        shadow_total = per_checkpoint[ckp.place_type == t].sum()
        row = gains.loc[(line_id, "city")]
        field_points = row["points"] - row["satisfaction_points"]
        model_total = field_points * counts[line.target] / line.places_per_unit
        assert model_total == pytest.approx(shadow_total, rel=0.02)


def test_a_line_s_plausible_range_comes_whole_and_in_order(county) -> None:
    """A range given by halves, or upside down, is refused naming the line; a value may leave it."""
    ads = _line(county, "county_ads")
    with pytest.raises(ScenarioError, match=r"county_ads: effect_size_low 0\.03 is above"):
        ads.model_copy(update={"effect_size_low": 0.03, "effect_size_high": 0.02})
    explored = ads.model_copy(update={"effect_size_low": 0.02, "effect_size_high": 0.03})
    assert explored.effect_size == 0.01  # an exploration may go beyond the plausible
    with pytest.raises(ScenarioError, match="give both unit_cost_low and unit_cost_high"):
        ads.model_copy(update={"unit_cost_low": 1.0, "unit_cost_high": None})
    widened = ads.model_copy(update={"effect_size_low": 0.0, "effect_size_high": 0.05})
    assert widened.effect_size_high == 0.05


def test_a_line_starts_on_a_day_of_the_year(county) -> None:
    """A start day past the year's last day is refused, naming the line."""
    with pytest.raises(ScenarioError, match=r"county_ads.*start_day 365 is not a day"):
        override(county, {"budget.lines.county_ads.start_day": 365})


def test_fund_check_runs_from_the_command_line(tmp_path, capsys) -> None:
    """``civsim fund`` writes the fund, the lines asked for and the doubled fund, paired."""
    out = tmp_path / "fund"
    args = ["fund", str(SCENARIOS / "county_nominee.yaml"), "--reps", "2", "--out", str(out)]
    assert main([*args, "--lines", "county_ads", "--executor", "serial"]) == 0
    table = pd.read_csv(out / "fund_value.csv").set_index("variant")
    assert list(table.index) == ["fund", "line:county_ads", "double"]
    # the gain model is linear in units: the whole fund gains at least any one of its lines
    assert table.loc["fund", "modelled_gain"] >= table.loc["line:county_ads", "modelled_gain"] > 0
    # the whole fund is worth something in the simulation too, paired on the same draws
    assert table.loc["fund", "expected_gain"] > 0
    assert (table["reps"] == 2).all()
    assert "line:county_ads" in capsys.readouterr().out
    # the expected gain split by method adds up; publicity reaches the questionnaire alone
    parts = table[[f"expected_{m}_gain" for m in ("field", "survey", "material")]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(table["expected_gain"].to_numpy(), abs=1e-9)
    ads = table.loc["line:county_ads"]
    assert ads["expected_field_gain"] == 0 and ads["expected_material_gain"] == 0
    assert ads["expected_survey_gain"] == pytest.approx(ads["expected_gain"])
    assert ads["expected_gain"] > 0


def test_each_line_gets_its_modelled_beside_its_simulated_gain(county) -> None:
    """A line taken away costs points, as modelled, on common random numbers; unfunded: refused.

    The county's platform module: its gain is resolved in 3 replications (a renovation
    line's is not: its repairs change which problems are found and so every later
    order's draws, and 3 replications resolve about 0.05 points of it).
    """
    table = fund_value(county, 3, lines=["smart_platform"]).set_index("variant")
    assert table.index.tolist() == ["fund", "line:smart_platform", "double"]
    for row in ("fund", "line:smart_platform"):
        assert table.loc[row, "modelled_gain"] > 0
        assert table.loc[row, "expected_gain"] > 3 * table.loc[row, "expected_se"]
    assert table.loc["line:smart_platform", "line"] == "smart_platform"
    with pytest.raises(CivsimError, match="not funded"):
        fund_value(county, 2, lines=["no_such_line"])
    for wrong in ([], ["smart_platform", "smart_platform"]):
        with pytest.raises(CivsimError, match="expected each line once, at least one"):
            fund_value(county, 2, lines=wrong)


@pytest.mark.parametrize(
    ("given", "said"),
    [(",,", "expected names separated by commas, got ',,'"), ("a,b,a", "'a' is named twice")],
)
def test_fund_refuses_a_list_of_lines_that_names_none_or_one_twice(
    tmp_path, capsys, given, said
) -> None:
    """``--lines ,,`` would run as if not given, ``a,a`` would run a line twice: exit 2."""
    out = tmp_path / "fund"
    args = ["fund", str(SCENARIOS / "county_nominee.yaml"), "--out", str(out), "--lines", given]
    with pytest.raises(SystemExit) as stop:
        main(args)
    assert stop.value.code == 2
    assert f"argument --lines: {said}" in capsys.readouterr().err
    assert not out.exists()


def test_fund_json_is_the_written_table(tmp_path, capsys) -> None:
    """``civsim fund --json`` prints JSON only: the variants of fund_value.csv, NaN as null."""
    out = tmp_path / "fund"
    args = ["fund", str(SCENARIOS / "county_nominee.yaml"), "--reps", "2", "--out", str(out)]
    assert main([*args, "--lines", "county_ads", "--executor", "serial", "--json"]) == 0
    printed = capsys.readouterr().out
    done = json.loads(printed)
    assert "NaN" not in printed and done["replications"] == 2
    table = pd.read_csv(out / "fund_value.csv")
    shown = pd.DataFrame(done["variants"])
    assert shown["variant"].tolist() == table["variant"].tolist()
    numbers = table.select_dtypes("number").columns
    assert np.allclose(shown[numbers].astype(float), table[numbers], equal_nan=True)
