"""A mechanism of one's own: defined here, registered, switched on by a scenario file.

Nothing under ``civsim/`` is edited: this module is the whole mechanism, the
recipe of ``docs/architecture.md`` ("moral points that raise satisfaction").
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import simpy
from pydantic import BaseModel, ConfigDict, Field

from civsim.errors import ScenarioError
from civsim.experiments import replicate
from civsim.scenario import load_scenario
from civsim.sim import Mechanism, Run, prepare, register, unregister
from civsim.sim.registry import event_kinds

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
REPS = 3


class MoralPoints(BaseModel):
    """Parameters: each round of points raises residents' satisfaction for a month."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    enabled: bool = True
    satisfaction_gain: float = Field(0.05, ge=0, le=1, description="[satisfaction 0..1]")
    round_days: int = Field(30, ge=1, description="[day] between rounds of redemption")


def moral_points(env: simpy.Environment, run: Run):
    """Every round, residents who earned points redeem them; satisfaction rises until the next."""
    params = run.params.mechanisms["moral_points"]
    boost = run["satisfaction"].boost  # the satisfaction mechanism's per-district, per-day lift
    while env.now < run.days:
        day = int(env.now)
        boost[:, day : day + params.round_days] += params.satisfaction_gain
        run.count("moral_points_round", 1)
        yield env.timeout(params.round_days)


def start(env: simpy.Environment, run: Run) -> None:
    """Start the mechanism's process."""
    env.process(moral_points(env, run))


@pytest.fixture
def registered():
    """The toy mechanism, registered for one test."""
    mechanism = register(
        Mechanism("moral_points", start=start, events=("moral_points_round",), params=MoralPoints)
    )
    yield mechanism
    unregister("moral_points")


def _overlay(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "moral.yaml"
    path.write_text(
        f"extends: {SCENARIOS / 'county_nominee.yaml'}\nname: county_moral\n{body}",
        encoding="utf-8",
    )
    return path


def test_a_scenario_switches_the_mechanism_on_and_sees_its_effect(registered, tmp_path) -> None:
    """With moral points on, residents are more satisfied and the survey scores higher."""
    base = load_scenario(SCENARIOS / "county_nominee.yaml")
    moral = load_scenario(
        _overlay(
            tmp_path,
            "simulation:\n  mechanisms:\n    moral_points: {satisfaction_gain: 0.05}\n",
        )
    )
    assert "moral_points" in prepare(moral).mechanisms
    assert "moral_points" not in prepare(base).mechanisms
    off = replicate(base, REPS, seed=3, progress=False)
    on = replicate(moral, REPS, seed=3, progress=False)
    # common random numbers: no year of any replication is worse (satisfaction is capped
    # at 1, so a year already there gains nothing), and the mean gain is the boost's size
    gain = on.annual["satisfaction"].to_numpy() - off.annual["satisfaction"].to_numpy()
    assert (gain >= 0).all() and gain.mean() > 0.03
    assert (on.annual["survey"].to_numpy() >= off.annual["survey"].to_numpy()).all()
    assert on.cycle["cycle_score"].mean() > off.cycle["cycle_score"].mean()
    rounds = on.events[on.events["kind"] == "moral_points_round"]
    per_rep = rounds.groupby("replication")["count"].sum()
    assert (per_rep == -(-base.cycle.days // 30)).all()
    # the field inspection draws from its own stream: the mechanism shifts no other draw
    assert (on.annual["visit_day"].to_numpy() == off.annual["visit_day"].to_numpy()).all()


def test_switched_off_it_changes_nothing(registered, tmp_path) -> None:
    """``enabled: false`` leaves every result as without the section."""
    base = load_scenario(SCENARIOS / "county_nominee.yaml")
    off = load_scenario(
        _overlay(tmp_path, "simulation:\n  mechanisms:\n    moral_points: {enabled: false}\n")
    )
    a = replicate(base, 1, seed=5, progress=False)
    b = replicate(off, 1, seed=5, progress=False)
    assert np.array_equal(a.annual["score"], b.annual["score"])
    assert "moral_points_round" in event_kinds()


def test_its_settings_are_validated_at_load(registered, tmp_path) -> None:
    """A bad value names the mechanism and the field; an unknown mechanism is refused."""
    bad = _overlay(
        tmp_path, "simulation:\n  mechanisms:\n    moral_points: {satisfaction_gain: 3}\n"
    )
    with pytest.raises(ScenarioError, match=r"moral_points.*satisfaction_gain"):
        load_scenario(bad)
    typo = _overlay(tmp_path, "simulation:\n  mechanisms:\n    moral_point: {}\n")
    with pytest.raises(ScenarioError, match="did you mean 'moral_points'"):
        load_scenario(typo)


def test_unregistered_it_is_unknown(tmp_path) -> None:
    """Without the mechanism registered, a scenario naming it does not load."""
    path = _overlay(tmp_path, "simulation:\n  mechanisms:\n    moral_points: {}\n")
    with pytest.raises(ScenarioError, match="unknown mechanism 'moral_points'"):
        load_scenario(path)


def test_a_name_or_event_kind_cannot_be_registered_twice(registered) -> None:
    """Registering over a mechanism or an event kind is refused, not silently merged."""
    from civsim.errors import CivsimError

    with pytest.raises(CivsimError, match="already registered"):
        register(Mechanism("moral_points"))
    with pytest.raises(CivsimError, match="order_opened"):
        register(Mechanism("copycat", events=("order_opened",)))
