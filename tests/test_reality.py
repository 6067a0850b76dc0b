"""Reality checks: each passes on the county where the model holds, and each can fail.

The checks run on ``scenarios/county_nominee.yaml`` with few replications;
every check is also run once on a variant in which its rule is broken, and
must fail there.
"""

from __future__ import annotations

import dataclasses
import json
import re
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS
from scipy import stats

from civsim import inertness, reality, statistics
from civsim import trial as trial_module
from civsim.check_runs import _typed
from civsim.cli import main
from civsim.errors import CivsimError
from civsim.inertness import perturbations
from civsim.reality import Trial, run_checks
from civsim.scenario import load_scenario, override, parameter_table
from civsim.sim import prepare
from civsim.store import RunStore
from civsim.variants import vary

REPS = 10


@pytest.fixture(scope="module")
def trial(county_prep) -> Trial:
    """The county's checks: ten replications from its own seed, run once per module."""
    return Trial(county_prep, REPS, county_prep.scenario.seed)


@pytest.fixture(scope="module")
def county_checks(trial) -> pd.DataFrame:
    """Every check's records on the county."""
    records = [rec for check in reality.CHECKS.values() for rec in check(trial)]
    return pd.DataFrame(records, columns=list(reality.RECORD_COLUMNS))


@pytest.mark.parametrize("name", list(reality.CHECKS))
def test_every_check_passes_on_the_county(county_checks: pd.DataFrame, name: str) -> None:
    """Each named check passes on the county."""
    rows = county_checks[county_checks["check"] == name]
    assert len(rows) >= 1
    assert rows["passed"].all(), rows[~rows["passed"]][["item", "difference", "note"]]


def test_records_are_tidy_and_paired(county_checks: pd.DataFrame, trial: Trial) -> None:
    """One row per assertion, the county named, the interval around the mean difference."""
    assert list(county_checks.columns) == list(reality.RECORD_COLUMNS)
    assert (county_checks["scenario"] == "county_nominee").all()
    paired = county_checks.dropna(subset=["low"])
    assert (paired["low"] <= paired["difference"]).all()
    assert (paired["difference"] <= paired["high"]).all()
    levers = county_checks[county_checks["check"] == "lever_directions"]
    assert sorted(levers["item"]) == sorted(r["lever"] for r in reality.reality_data()["levers"])
    inert = county_checks[county_checks["check"] == "no_inert_parameter"]
    assert set(inert["item"]) == {r["path"] for r in parameter_table(trial.scenario)}


def test_paired_difference_is_the_variant_less_the_base(trial: Trial) -> None:
    """The reported difference is the mean, over replications, of variant less base."""
    variant = override(trial.scenario, {"simulation.rectification.enabled": False})
    rec = reality.no_rectification(trial)[0]
    own = trial.run(variant).cycle.set_index("replication")["cycle_score"]
    base = trial.base.cycle.set_index("replication")["cycle_score"]
    assert rec["difference"] == pytest.approx(float((own - base).mean()), abs=1e-12)
    assert rec["reps"] == REPS


def test_a_lever_documented_the_wrong_way_fails(trial: Trial) -> None:
    """A lever table entry with the wrong direction fails the lever check."""
    levers = {r["lever"]: r for r in reality.reality_data()["levers"]}
    right = dict(levers["routine_upkeep"])
    wrong = {**right, "direction": "lower"}
    recs = reality.lever_directions(trial, [right, wrong])
    assert [r["passed"] for r in recs] == [True, False]


def test_not_lower_passes_a_rise_and_no_change_and_fails_a_fall(trial: Trial) -> None:
    """``not_lower``: more upkeep passes, an unmoved score passes, less upkeep fails."""
    levers = {r["lever"]: r for r in reality.reality_data()["levers"]}
    more = {**levers["routine_upkeep"], "direction": "not_lower"}
    less = {**more, "change": "x0.5"}
    # the points' price while the scheme is off: a changed scenario, the same score
    unmoved = {**more, "path": "simulation.moral_points.yuan_per_point", "change": "x2"}
    recs = reality.lever_directions(trial, [more, less, unmoved])
    assert [r["passed"] for r in recs] == [True, False, True]
    assert recs[1]["high"] < 0 and recs[2]["difference"] == 0


def test_an_inert_parameter_fails(trial: Trial) -> None:
    """The platform's rate with detection switched off moves nothing: the check fails."""
    blind = override(
        trial.scenario,
        {"simulation.detection.enabled": False, "simulation.detection.platform": True},
    )
    path = "simulation.detection.platform_detection_rate"
    other = Trial(prepare(blind, city=trial.prep.city), 1, trial.seed)
    (rec,) = reality.no_inert_parameter(other, [path])
    assert rec["passed"] is False and "no table moved" in rec["note"]
    # without the platform it is inert by design: skipped, with the data's reason
    (skipped,) = reality.no_inert_parameter(trial, [path])
    assert skipped["passed"] and skipped["note"].startswith("skipped: the platform's rate")


def test_a_variant_the_model_fails_on_fails_its_check_by_name(trial: Trial, monkeypatch) -> None:
    """A directional check whose variant's run raises is failed with the error, not aborted."""
    run = Trial.run

    def fragile(self, variant, first=0, n=None):
        if variant is not self.prep:
            raise ValueError("Negative delay -46")
        return run(self, variant, first, n)

    monkeypatch.setattr(Trial, "run", fragile)
    (rec,) = reality.more_decay(trial)
    assert rec["passed"] is False and rec["check"] == "more_decay"
    assert rec["note"] == "the variant's run raised ValueError: Negative delay -46"


class _Arm(NamedTuple):
    """A stand-in for a run: which arm, and which replications."""

    variant: bool
    reps: range


def _stand_ins(monkeypatch, diffs: list[float]) -> list[int]:
    """Arms whose paired differences are ``diffs`` by replication; the sizes of the runs asked."""
    batches: list[int] = []

    def run(self, variant, first=0, n=None):
        batches.append(n or self.reps)
        return _Arm(variant is not self.prep, range(first, first + (n or self.reps)))

    def stat(arm, sc):
        return pd.Series([diffs[i] if arm.variant else 0.0 for i in arm.reps], index=arm.reps)

    monkeypatch.setattr(Trial, "run", run)
    monkeypatch.setitem(trial_module.STATISTICS, "cycle_score", stat)
    return batches


@pytest.mark.parametrize(
    ("diffs", "passed", "reps"),
    [
        # unsure with 3 (the interval holds 0, the mean above it): 9 decide, and pass
        ([1.0, -0.9, 0.5, 0.8, 0.6, 0.7, 0.9, 0.4, 0.6], True, 9),
        # unsure with 3, still unsure with 9: fails on the 9
        ([1.0, -0.9, 0.5, -0.8, 0.6, -0.7, 0.9, -0.4, 0.1], False, 9),
        # the mean on the wrong side: no second look, fails on the 3
        ([-1.0, 0.9, -0.5, 0.8, 0.6, 0.7, 0.9, 0.4, 0.6], False, 3),
        # sure with 3: no second look
        ([1.0, 0.9, 1.1, -5.0, -5.0, -5.0, -5.0, -5.0, -5.0], True, 3),
    ],
)
def test_an_unsure_comparison_runs_on_and_is_decided_by_more(
    trial: Trial, monkeypatch, diffs, passed, reps
) -> None:
    """A "higher" whose interval holds zero with its mean above runs 3x the replications.

    The arms are stand-ins whose paired differences are given, replication by
    replication, so the decision can be checked by hand (Student's t, 90%).
    """
    _stand_ins(monkeypatch, diffs)
    small = Trial(trial.prep, 3, trial.seed)
    rec = trial_module.directional(small, "c", "variant", "higher", "a higher score")
    assert rec["passed"] is passed and rec["reps"] == reps
    d = np.array(diffs[:reps])
    half = stats.t.ppf(0.95, reps - 1) * d.std(ddof=1) / np.sqrt(reps)
    assert rec["difference"] == pytest.approx(d.mean())
    assert rec["low"] == pytest.approx(d.mean() - half)
    assert rec["note"].startswith("unsure with 3 replications") == (reps == 9)
    once = Trial(trial.prep, 3, trial.seed, unsure_reps=3)  # the second look turned off
    assert trial_module.directional(once, "c", "variant", "higher", "x")["reps"] == 3


@pytest.mark.parametrize(
    ("diffs", "passed", "reps"),
    [
        # sure with 3 x 2 = 6 (the first three alone are unsure): no second look
        ([1.0, -0.5, 0.9, 1.1, 0.8, 0.9] + [-9.0] * 12, True, 6),
        # unsure with 6, decided by 3 x 3 x 2 = 18: the last twelve pull the mean below zero
        ([1.0, -0.9, 0.5, -0.8, 0.6, 0.2] + [-0.3] * 12, False, 18),
    ],
)
def test_a_factor_multiplies_both_looks(trial: Trial, monkeypatch, diffs, passed, reps) -> None:
    """``factor`` runs both looks on that many times the trial's replications, in batches."""
    batches = _stand_ins(monkeypatch, diffs)
    small = Trial(trial.prep, 3, trial.seed)
    rec = trial_module.directional(small, "c", "variant", "higher", "x", factor=2)
    assert rec["passed"] is passed and rec["reps"] == reps
    assert rec["difference"] == pytest.approx(np.mean(diffs[:reps]))
    assert max(batches) == 3  # never more than the trial's replications at once
    with pytest.raises(CivsimError, match="another base"):
        trial_module.directional(small, "c", "variant", "higher", "x", base="ref", factor=2)


def test_a_levers_replications_come_from_its_data(trial: Trial) -> None:
    """A lever whose data asks for twice the replications is decided on twice the trial's."""
    levers = {r["lever"]: r for r in reality.reality_data()["levers"]}
    one = Trial(trial.prep, 2, trial.seed, unsure_reps=2)
    (rec,) = reality.lever_directions(one, [{**levers["routine_upkeep"], "replications": 2}])
    assert rec["reps"] == 4 and rec["passed"]


def test_a_move_the_model_fails_on_is_a_failure_and_the_others_go_on(
    trial: Trial, monkeypatch
) -> None:
    """A variant whose run raises is recorded failed with the error; other parameters still run."""
    simulate = inertness.simulate
    rate = trial.scenario.simulation.dynamics.upkeep_rate

    def fragile(prep, **kw):
        if prep.scenario.simulation.dynamics.upkeep_rate != rate:
            raise ValueError("Negative delay -46")
        return simulate(prep, **kw)

    monkeypatch.setattr(inertness, "simulate", fragile)
    crashed, fine = reality.no_inert_parameter(
        trial, ["simulation.dynamics.upkeep_rate", "simulation.dynamics.initial_condition"]
    )
    assert crashed["passed"] is False
    assert "the run raised ValueError: Negative delay -46" in crashed["note"]
    assert fine["passed"] and "moved" in fine["note"]


@pytest.mark.parametrize(
    ("check", "constant", "broken"),
    [
        ("half_grid_workers", "HALF", 1.0),  # the "half" keeps every worker
        ("more_decay", "MORE_DECAY", 0.5),  # "more decay" halves decay
        ("missed_surge", "MISS_BY_DAYS", 0),  # the surge hits the inspection
        ("stricter_central_office", "STRICTER", 0.0),  # "stricter" keeps the pass bar
        ("unannounced_window", "MISS_BY_DAYS", 0),  # the city believes the hidden window
    ],
)
def test_a_directional_check_fails_when_its_variant_is_broken(
    trial: Trial, monkeypatch, check: str, constant: str, broken: float
) -> None:
    """A check whose variant no longer breaks the rule fails."""
    monkeypatch.setattr(reality, constant, broken)
    (rec,) = reality.CHECKS[check](trial)
    assert rec["passed"] is False


def test_index_feedback_fails_where_the_feedback_adds_no_effort(trial: Trial) -> None:
    """Feedback whose raised districts add no effort narrows nothing: both records fail."""
    idle = override(
        trial.scenario, {"simulation.evaluation.civilization_index.feedback.effort_rise": 0.0}
    )
    recs = reality.index_feedback(Trial(prepare(idle, city=trial.prep.city), 2, trial.seed))
    assert [r["passed"] for r in recs] == [False, False]
    assert [r["difference"] for r in recs] == [0, 0]


@pytest.mark.parametrize("check", ["stricter_recheck", "minors_threshold"])
def test_the_protocol_checks_pass_on_the_county(trial: Trial, check: str) -> None:
    """Stricter re-checks shorten a holder's tenure; a higher minors' threshold fails more often.

    Each check switches its mechanism on in both arms.
    """
    (rec,) = reality.CHECKS[check](trial)
    assert rec["passed"] is True and rec["high"] < 0


def test_the_minors_check_fails_where_the_threshold_is_already_at_the_mean(trial: Trial) -> None:
    """With the threshold already at the city's mean, raising it there changes nothing: fails."""
    at_mean = override(trial.scenario, {"simulation.evaluation.minors.threshold": 90.0})
    other = Trial(prepare(at_mean, city=trial.prep.city), 2, trial.seed)
    (rec,) = reality.minors_threshold(other)
    assert rec["passed"] is False and rec["difference"] == 0


def test_no_rectification_fails_where_there_is_none_to_remove(trial: Trial) -> None:
    """Without rectification already, removing it changes nothing: not lower, so it fails."""
    off = override(trial.scenario, {"simulation.rectification.enabled": False})
    (rec,) = reality.no_rectification(Trial(prepare(off, city=trial.prep.city), 2, trial.seed))
    assert rec["passed"] is False and rec["difference"] == 0


def test_no_fund_fails_where_the_fund_buys_nothing(trial: Trial) -> None:
    """A fund whose lines have no effect scores no lower without it: the check fails."""
    idle = reality.vary(trial.scenario, {"budget.lines.*.effect_size": "x0"})
    (rec,) = reality.no_fund(Trial(prepare(idle, city=trial.prep.city), 2, trial.seed))
    assert rec["passed"] is False


def _tampered(trial: Trial, table: str, column: str, change) -> Trial:
    """A copy of the trial whose base results have one column changed."""
    base = trial.base
    frame = getattr(base, table).copy()
    frame[column] = change(frame[column])
    return dataclasses.replace(trial, _base=dataclasses.replace(base, **{table: frame}))


def test_arithmetic_fails_when_a_score_is_off(trial: Trial) -> None:
    """A year's score a thousandth off its parts fails the arithmetic check."""
    off = _tampered(trial, "annual", "score", lambda s: s + 0.001)
    assert reality.official_arithmetic(trial)[0]["passed"]
    assert not reality.official_arithmetic(off)[0]["passed"]
    weights = _tampered(trial, "cycle", "cycle_score", lambda s: s - 0.001)
    assert not reality.official_arithmetic(weights)[0]["passed"]


def test_bounds_fail_when_a_score_exceeds_its_points(trial: Trial) -> None:
    """A field score above the field points fails the bounds check, naming it."""
    field_points = trial.scenario.cycle.field_points
    assert reality.scores_within_points(trial)[0]["passed"]
    one_over = _tampered(
        trial, "annual", "field", lambda s: s.mask(s.index == 0, field_points + 0.01)
    )
    (rec,) = reality.scores_within_points(one_over)
    assert not rec["passed"] and rec["note"] == "field 1"


def test_a_holder_that_leaves_its_orders_open_fails_the_backlog_check(trial: Trial) -> None:
    """The busiest holder leaving every order open fails, named; a city with no orders passes."""
    orders = trial.base.orders
    busiest = orders["unit"].value_counts().index[0]
    mine = orders["unit"] == busiest
    left = dataclasses.replace(
        trial,
        _base=dataclasses.replace(
            trial.base,
            orders=orders.assign(
                closed=orders["closed"].mask(mine, -1),
                status=orders["status"].mask(mine, "open"),
            ),
        ),
    )
    (rec,) = reality.backlogs_close(trial)
    assert rec["passed"]
    (rec,) = reality.backlogs_close(left)
    per_rep = mine.groupby(orders["replication"]).sum()
    assert not rec["passed"] and rec["item"] == busiest
    assert rec["difference"] == pytest.approx(per_rep.mean())  # none closed: all still open
    assert rec["note"].startswith(f"above beyond chance: {busiest};")
    # rectification off: no orders, none left open
    none = dataclasses.replace(trial.base, orders=orders.iloc[:0])
    (rec,) = reality.backlogs_close(dataclasses.replace(trial, _base=none))
    assert rec["passed"] and rec["note"] == "no orders"


def test_holder_backlogs_count_each_holder_in_every_replication() -> None:
    """Open (late or not) at the end, closed in the window, a holder absent from a replication."""
    orders = pd.DataFrame(
        {
            "replication": [0, 0, 0, 0, 1],
            "unit": ["a", "a", "a", "b", "b"],
            "opened": [10, 60, 95, 70, 99],
            "ready": [10, 60, 95, 70, 101],
            "closed": [-1, 75, -1, 65, -1],
            "status": ["open_late", "closed", "open", "closed_late", "open"],
        }
    )
    sc = SimpleNamespace(cycle=SimpleNamespace(days=100, days_per_year=50))
    run = SimpleNamespace(orders=orders, cycle=pd.DataFrame({"replication": [0, 1]}))
    table = statistics.holder_backlogs(run, sc, 30)
    got = table.set_index(["replication", "unit"])
    # a: two open (ages 90 and 5), one closed on day 75, inside the last 30 days and year
    assert got.loc[(0, "a")].to_dict() == {
        "open": 2, "waiting": 0, "oldest": 90, "closed": 1, "rate": 0.6, "excess": 1
    }  # fmt: skip
    # b closed on day 65, outside the window; in replication 1, its order still waits
    assert got.loc[(0, "b"), ["open", "closed", "excess"]].tolist() == [0, 0, 0]
    assert got.loc[(1, "b"), ["open", "waiting", "oldest"]].tolist() == [1, 1, 1]
    assert got.loc[(1, "a")].tolist() == [0, 0, 0, 0, 0.0, 0]  # no orders: none open


def test_perturbation_rules(county) -> None:
    """Moves: plausible range's ends, half the value up and down, ties, sequences."""
    rows = {r["path"]: r for r in parameter_table(county)}
    upkeep = "simulation.dynamics.upkeep_rate"
    ranged = {**rows[upkeep], "plausible": (0.05, 0.2)}
    assert perturbations(county, ranged) == [{upkeep: 0.2}, {upkeep: 0.05}]
    households = "simulation.survey.households"
    assert perturbations(county, rows[households]) == [{households: 3000}, {households: 1000}]
    # a fraction at 0.95 can rise neither by half nor by a quarter: it only falls
    fixed = "simulation.rectification.fixed_condition"
    unranged = {**rows[fixed], "plausible": None}
    assert perturbations(county, unranged) == [{fixed: pytest.approx(0.475)}]
    assert perturbations(county, rows[fixed]) == [{fixed: 0.8}, {fixed: 1.0}]
    assert perturbations(county, rows["cycle.field_points"]) == [
        {"cycle.field_points": 45.0, "cycle.survey_points": 15.0}
    ]
    assert perturbations(county, rows["cycle.year_weights"]) == [
        {"cycle.year_weights": [0.6, 0.25, 0.15]},
        {"cycle.year_weights": [0.25, 0.6, 0.15]},
    ]


def test_run_checks_refuses_unknown_names(county) -> None:
    """An unknown check is named with the known ones."""
    with pytest.raises(CivsimError, match="unknown checks no_such; known: no_fund"):
        run_checks(county, only=["no_such"])


def test_run_checks_says_which_check_ran_and_its_outcome(monkeypatch, county, capsys) -> None:
    """With progress on, each check's name, time and passes and failures go to stderr only."""
    monkeypatch.setitem(reality.CHECKS, "always_fails", _fails)
    only = ["official_arithmetic", "always_fails"]
    table = run_checks(county, reps=1, only=only, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    name = county.name
    assert re.search(rf"{name}: official_arithmetic \d+ s, 1 passed, 0 failed", err)
    assert re.search(rf"{name}: always_fails \d+ s, 0 passed, 1 failed", err)
    assert list(table["check"]) == ["official_arithmetic", "always_fails"]
    run_checks(county, reps=1, only=only, progress=False)
    assert capsys.readouterr().err == ""


def _fails(trial: Trial) -> list[dict]:
    """A check that always fails."""
    rec = dict.fromkeys(reality.RECORD_COLUMNS, "")
    return [{**rec, "check": "always_fails", "scenario": trial.scenario.name, "passed": False}]


def test_cli_check_exit_codes(monkeypatch, tmp_path, capsys) -> None:
    """`civsim check`: 0 when all pass, 1 naming the failing check, 2 for bad input."""
    county = str(SCENARIOS / "county_nominee.yaml")
    only = ["--only", "official_arithmetic", "scores_within_points"]
    out = tmp_path / "checks"
    assert main(["check", county, *only, "--reps", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "official_arithmetic" in printed and "all 2 checks passed" in printed
    written = pd.read_csv(out / "checks.csv")
    assert written["passed"].all() and len(written) == 2

    monkeypatch.setitem(reality.CHECKS, "always_fails", _fails)
    args = ["check", county, "--only", "official_arithmetic", "always_fails", "--reps", "1"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "1 of 2 checks failed: county_nominee: always_fails" in err

    # --json: the records on stdout as JSON, the same exit code, the failures still on stderr
    assert main([*args, "--json", "--out", str(tmp_path / "j")]) == 1
    captured = capsys.readouterr()
    done = json.loads(captured.out)
    assert (done["passed"], done["failed"]) == (1, 1)
    written = pd.read_csv(tmp_path / "j" / "checks.csv")
    assert [c["check"] for c in done["checks"]] == written["check"].tolist()
    assert "always_fails" in captured.err

    assert main(["check", str(tmp_path / "nope.yaml"), "--reps", "1"]) == 2
    assert main(["check", county, "--only", "no_such"]) == 2
    err = capsys.readouterr().err
    assert "unknown checks no_such" in err and "Traceback" not in err


def test_a_saturated_lever_need_only_not_harm_and_says_why(trial: Trial, monkeypatch) -> None:
    """Volunteers with hours to spare: waits cannot fall, so they must only not rise."""
    levers = {r["lever"]: r for r in reality.reality_data()["levers"]}
    lever = levers["more_volunteer_hours"]
    assert inertness.volunteers_never_queue(trial) is None  # the county's requests queue
    (rec,) = reality.lever_directions(trial, [lever])
    assert rec["passed"] and rec["high"] < 0 and rec["note"] == ""
    plenty = vary(trial.scenario, {lever["path"]: "x1000"})
    idle = Trial(prepare(plenty, city=trial.prep.city), 2, trial.seed)
    found = inertness.volunteers_never_queue(idle)
    assert found.startswith("in 2 replications every request was served the day it reached")
    (rec,) = reality.lever_directions(idle, [lever])
    assert rec["passed"] and rec["difference"] == 0
    assert rec["note"] == f"saturated, so not_higher: {found}"
    # the patience is then explained as inert, and only then
    path = "simulation.volunteers.request_patience_days"
    first = inertness.never_queued_in_replication_0(idle)
    assert first is not None and first.startswith("in replication 0 every request was served")
    assert (
        inertness.explained(idle, path)
        == f"no request waits for a volunteer, so none is ever given up: {first}"
    )
    assert inertness.explained(trial, path) is None
    # the weak form still fails a move the wrong way: "higher" waits, relaxed to not_lower
    monkeypatch.setitem(reality.PREDICATES, "volunteers_never_queue", lambda _: "forced")
    (rec,) = reality.lever_directions(trial, [{**lever, "direction": "higher"}])
    assert not rec["passed"] and rec["note"] == "saturated, so not_lower: forced"


def _waits(trial: Trial, waited: list[int]) -> SimpleNamespace:
    """The trial's scenario with base events in which replication r waited ``waited[r]`` days."""
    rows = [
        (r, day, kind, count)
        for r, days in enumerate(waited)
        for day, kind, count in [(3, "volunteer_served", 50), (4, "volunteer_wait_days", days)]
    ]
    events = pd.DataFrame(rows, columns=["replication", "day", "kind", "count"])
    base = SimpleNamespace(events=events)
    return SimpleNamespace(scenario=trial.scenario, prep=trial.prep, base=base)


def test_inert_waits_are_read_in_the_replication_the_check_moves(trial: Trial) -> None:
    """The patience and the wait penalty are explained by replication 0's waits, as checked.

    The inert-parameter check moves each parameter in replication 0 only (its
    fingerprints): a wait in another replication cannot move a table there. In
    the volunteer teams' scenario (every request served at once but one, in
    replication 1) both were reported inert and unexplained.
    """
    quiet_first = _waits(trial, [0, 1])
    assert inertness.volunteers_never_queue(quiet_first) is None  # the lever's reps: one waited
    assert inertness.never_queued_in_replication_0(quiet_first) is not None
    assert inertness.never_waited_in_replication_0(quiet_first) is not None
    patience, penalty = "volunteers.request_patience_days", "survey.wait_penalty_per_day"
    for path in (f"simulation.{patience}", f"simulation.{penalty}"):
        assert inertness.explained(quiet_first, path) is not None, path
        assert inertness.explained(_waits(trial, [1, 0]), path) is None, path
    # the county's residents wait: neither is explained there, and the penalty is not inert
    assert inertness.never_waited_in_replication_0(trial) is None
    assert inertness.explained(trial, "simulation.survey.wait_penalty_per_day") is None
    (rec,) = reality.no_inert_parameter(trial, [f"simulation.{penalty}"])
    assert rec["passed"] and "moved shadow, annual, cycle" in rec["note"]


def test_a_lever_the_scenario_already_pulls_is_not_applicable(trial: Trial) -> None:
    """Switching on what is on already changes nothing: reported, not failed as no change."""
    on = override(trial.scenario, {"simulation.rectification.joint_mechanism": True})
    levers = {r["lever"]: r for r in reality.reality_data()["levers"]}
    (rec,) = reality.lever_directions(Trial(trial.prep, 1, trial.seed), [levers["joint_mechanism"]])
    assert rec["passed"] and rec["note"] == "" and rec["difference"] < 0
    other = Trial(prepare(on, city=trial.prep.city), 1, trial.seed)
    (rec,) = reality.lever_directions(other, [levers["joint_mechanism"]])
    assert rec["passed"] and rec["note"].startswith("not applicable: ")
    assert rec["difference"] is None


def test_statistics_read_the_tables_as_defined(trial: Trial) -> None:
    """Open defects, days per order, days waited per request, reports, from the raw tables."""
    r = trial.base
    stats = {name: f(r, trial.scenario) for name, f in reality.STATISTICS.items()}
    first = r.defects[r.defects["replication"] == 0]
    assert stats["open_defects"][0] == pytest.approx(first.groupby("day")["open"].sum().mean())
    o = r.orders[r.orders["replication"] == 0]
    end = r.defects["day"].max()
    days = [(c if c >= 0 else end) - op for op, c in zip(o["opened"], o["closed"], strict=True)]
    assert stats["order_days"][0] == pytest.approx(sum(days) / len(days))
    ev = r.events[r.events["replication"] == 0].groupby("kind")["count"].sum()
    answered = ev["volunteer_served"] + ev.get("volunteer_request_dropped", 0)
    assert stats["volunteer_wait"][0] == pytest.approx(ev["volunteer_wait_days"] / answered)
    assert (
        0 < stats["volunteer_wait"][0] < trial.scenario.simulation.volunteers.request_patience_days
    )
    # residents' reports: the detection events of that kind, from the orders they opened
    assert stats["citizen_reports"][0] == ev["problem_citizen_report"] > 0


def test_an_inert_guard_passes_only_where_it_does_not_bind(trial: Trial, monkeypatch) -> None:
    """A district cap that binds is no explanation: the predicate says so, and the check fails."""
    found = inertness.district_bounds_slack(trial)
    assert found is not None and "inside its floor" in found
    alloc = trial.prep.allocation
    money = alloc[alloc["level"] == "district"].groupby(["year", "district"])["yuan"].sum()
    pool = money.groupby("year").sum().iloc[0]
    tight = override(trial.scenario, {"budget.district_cap_share": float(money.max() / pool)})
    bound = Trial(prepare(tight, city=trial.prep.city), 1, trial.seed)
    assert inertness.district_bounds_slack(bound) is None
    # the county's yuan floor moves nothing: explained, it passes; unexplained, it fails
    path = "budget.district_min_yuan"
    (rec,) = reality.no_inert_parameter(trial, [path])
    assert rec["passed"] and rec["difference"] == 0 and "inert here, explained" in rec["note"]
    monkeypatch.setitem(reality.PREDICATES, "district_bounds_slack", lambda _: None)
    (rec,) = reality.no_inert_parameter(trial, [path])
    assert not rec["passed"] and "explained" not in rec["note"]


def test_protocol_statistics_are_missing_where_their_mechanism_is_off(trial: Trial) -> None:
    """A nominee has no years held and, without the minors' assessment, no precondition: NaN."""
    for name in ("years_held", "precondition_passed"):
        values = reality.STATISTICS[name](trial.base, trial.scenario)
        assert len(values) == REPS and values.isna().all()


def test_every_record_of_a_full_check_survives_the_store(county_checks, tmp_path) -> None:
    """Every check's records on the county come back from the store as they went in.

    `civsim check --resume` reuses records so stored; the numbers are floats, as in every
    record a check of many scenarios yields.
    """
    typed = _typed(county_checks)
    pd.testing.assert_frame_equal(typed, county_checks, check_dtype=False)
    store = RunStore(tmp_path / "s", "k", {}, keys=("scenario_hash",))
    store.add("county", typed.assign(scenario_hash="h"))
    back = store.table().drop(columns=["scenario_hash"])
    pd.testing.assert_frame_equal(back, typed)


@pytest.mark.parametrize(
    "field",
    ["sample_scale", "observations_scale", "pass_bar", "window_shift_days", "extra_window_days"],
)
def test_the_delegated_office_is_inert_only_where_no_year_is_delegated(field: str) -> None:
    """Where no year is delegated, the delegated office's parameters are skipped as unused.

    `civsim check scenarios/central_vs_delegated.yaml` found its five parameters moving
    nothing there; the baseline delegates years 1-2, where each must move a table.
    """
    path = f"simulation.evaluation.delegated.{field}"
    central = dataclasses.make_dataclass("S", ["scenario"])(
        load_scenario(SCENARIOS / "central_vs_delegated.yaml")
    )
    baseline = dataclasses.make_dataclass("S", ["scenario"])(
        load_scenario(SCENARIOS / "baseline.yaml")
    )
    assert "no year is delegated" in (inertness.inert_by_design(central, path) or "")
    assert inertness.inert_by_design(baseline, path) is None


def test_every_parameter_the_inertness_data_names_exists() -> None:
    """A rule of `inert_by_design` or `inert_explained` names parameters of the shipped scenarios.

    A misspelt path would never match, and its parameter would be checked as if no rule
    were written.
    """
    known = {
        row["path"]
        for file in sorted(SCENARIOS.glob("*.yaml"))
        for row in parameter_table(load_scenario(file))
    }
    data = reality.reality_data()
    named = [p for rule in data["inert_by_design"] for p in inertness._paths(rule)]
    named += [rule["path"] for rule in data.get("inert_explained", [])]
    assert len(named) > 40
    assert sorted(set(named) - known) == []
