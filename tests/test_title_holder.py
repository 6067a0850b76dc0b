"""Title holders re-checked each year, and the minors' precondition: rules, directions, outputs."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd
import pytest
from conftest import SCENARIOS, tiny_with_framework, write_yaml

from civsim import scoring
from civsim.errors import ScenarioError
from civsim.experiments import compare, replicate
from civsim.scenario import Scenario, load_scenario, override
from civsim.sim.mechanisms.minors import minors_score

HOLDER = "simulation.evaluation.title_holder"
MINORS = "simulation.evaluation.minors"
#: Few replications of the tiny city: each is about a tenth of a second.
REPS = 6


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Scenario:
    """The tiny city (its annual scores are about 92 +- 1)."""
    return load_scenario(
        write_yaml(tmp_path_factory.mktemp("tiny"), "tiny.yaml", tiny_with_framework())
    )


@pytest.fixture(scope="module")
def holder(tiny) -> Scenario:
    """The tiny city as a holder among 10 holders scoring about as it does."""
    return override(
        tiny,
        {
            "name": "holder",
            f"{HOLDER}.enabled": True,
            f"{HOLDER}.peer_group_size": 10,
            f"{HOLDER}.peer_mean": 92.0,
            f"{HOLDER}.peer_sd": 1.0,
            f"{HOLDER}.last_places": 2,
            f"{HOLDER}.consecutive_years": 2,
        },
    )


def _per_rep(result) -> pd.DataFrame:
    return result.cycle.set_index("replication")


# ---- the scoring rules, worked by hand -------------------------------------------------------


def test_recheck_warns_then_strips_on_consecutive_last_places() -> None:
    """Group of 10, last 3 places (ranks 8-10), 2 in a row strip.

    Rank 8 after none: warned (run 1); rank 9 after one: stripped (run 2); rank 7
    ends the run: kept (run 0); with 1 in a row to strip, rank 10 strips at once.
    """
    assert scoring.recheck(8, 10, 3, 0, 2) == ("warned", 1)
    assert scoring.recheck(9, 10, 3, 1, 2) == ("stripped", 2)
    assert scoring.recheck(7, 10, 3, 1, 2) == ("kept", 0)
    assert scoring.recheck(10, 10, 3, 0, 1) == ("stripped", 1)


def test_recheck_strip_and_warn_flags() -> None:
    """A disqualifying incident strips even the best rank; a warning flag only warns."""
    assert scoring.recheck(1, 10, 3, 0, 2, strip=True) == ("stripped", 0)
    assert scoring.recheck(1, 10, 3, 0, 2, warn=True) == ("warned", 0)


def test_recheck_rank_counts_better_peers() -> None:
    """Rank = 1 + peers scoring above; a score above all is 1st, below all is last."""
    rng = np.random.default_rng(3)
    assert scoring.recheck_rank(200.0, 7, 86.0, 2.5, rng) == 1
    assert scoring.recheck_rank(-1.0, 7, 86.0, 2.5, rng) == 7
    # with no spread every peer scores 86: 86 ties (not against the city), 85.9 is last
    assert scoring.recheck_rank(86.0, 7, 86.0, 0.0, rng) == 1
    assert scoring.recheck_rank(85.9, 7, 86.0, 0.0, rng) == 7


class _Uniforms:
    """A generator whose uniforms are chosen by the test."""

    def __init__(self, values: list[float]):
        self.values = values

    def random(self, n: int) -> np.ndarray:
        assert n == len(self.values)
        return np.array(self.values)


@pytest.mark.parametrize(
    ("uniforms", "score", "rank"),
    [
        ([0.5, 0.5, 0.5, 0.9], 90.0, 1),  # none above
        ([0.5, 0.5, 0.5, 0.9], 87.0, 2),  # 89.20 above
        ([0.5, 0.5, 0.5, 0.9], 86.0, 2),  # 89.20 above; the three at 86 tie
        ([0.5, 0.5, 0.5, 0.9], 85.0, 5),  # all four above
        ([0.5, 0.9, 0.9, 0.9], 87.0, 4),  # the three at 89.20 above
        ([0.5, 0.9, 0.9], 87.0, 3),  # a group of 4: three holders drawn, two above
    ],
)
def test_recheck_rank_by_hand(uniforms: list[float], score: float, rank: int) -> None:
    """Rank = 1 + the holders strictly above, among holders drawn at chosen uniforms.

    Normal(86, 2.5): uniform 0.5 gives 86, 0.9 gives 86 + 2.5 x 1.2816 = 89.20.
    """
    rng = cast(np.random.Generator, _Uniforms(uniforms))
    assert scoring.recheck_rank(score, len(uniforms) + 1, 86.0, 2.5, rng) == rank


def test_minors_total_adds_up_to_100() -> None:
    """Full marks stay 100 at any weight; parts 80, minors 90, 20%: 64 + 18 - 2 = 80."""
    for w in (0.0, 0.2, 0.5):
        assert scoring.minors_total(100.0, 100.0, w, 0.0) == pytest.approx(100.0)
    assert scoring.minors_total(80.0, 90.0, 0.2, 2.0) == pytest.approx(80.0)
    assert scoring.minors_total(80.0, 90.0, 0.0, 2.0) == 78.0
    assert scoring.minors_total(1.0, 0.0, 0.2, 5.0) == 0.0


def test_minors_score_stays_within_marks() -> None:
    """Normal around the mean, clipped to 0..100; no spread gives the mean."""
    rng = np.random.default_rng(0)
    draws = [minors_score(90.0, 3.0, rng) for _ in range(2000)]
    assert 89.5 < np.mean(draws) < 90.5
    assert max(minors_score(99.0, 30.0, rng) for _ in range(200)) == 100.0
    assert minors_score(88.0, 0.0, rng) == 88.0


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({f"{HOLDER}.last_places": 0}, "last_places"),
        ({f"{HOLDER}.peer_group_size": 5, f"{HOLDER}.last_places": 5}, "last_places"),
        (
            {f"{HOLDER}.last_places_before": 2, f"{HOLDER}.consecutive_years": 2},
            "last_places_before",
        ),
        ({f"{HOLDER}.consecutive_years": 0}, "consecutive_years"),
        ({f"{HOLDER}.below_precondition": "ignore"}, "below_precondition"),
        ({f"{MINORS}.threshold": 101}, "threshold"),
        ({f"{MINORS}.weight": 1.0}, "weight"),
    ],
)
def test_bad_rules_are_refused_naming_the_field(tiny, changes, field) -> None:
    """Invalid rule parameters give a ScenarioError that names the field."""
    with pytest.raises(ScenarioError, match=field):
        override(tiny, changes)


# ---- the mechanisms' effects ----------------------------------------------------------------


def test_off_by_default_leaves_the_nominee_as_it_was(tiny) -> None:
    """Off, no holder or minors column appears and the title is the nominee's."""
    r = replicate(tiny, 1, seed=5)
    assert not {"title_status", "minors", "recheck_rank"} & set(r.annual.columns)
    assert not {"years_held", "holder", "precondition_passed"} & set(r.cycle.columns)


def test_holder_records_each_years_recheck(holder) -> None:
    """Each year has a rank, a status and whether the title is held; years held add up.

    Under a harsh rule (the last half of the group, once) some replications
    lose the title early: after the year it is stripped, it is ``lost``.
    """
    harsh = override(holder, {f"{HOLDER}.last_places": 5, f"{HOLDER}.consecutive_years": 1})
    r = replicate(harsh, REPS, seed=5)
    assert set(r.annual["title_status"]) <= {"kept", "warned", "stripped", "lost"}
    assert (r.annual.query("year < 3")["title_status"] == "stripped").any()
    after = r.annual["title_status"].shift().eq("stripped") & r.annual["year"].gt(1)
    assert (r.annual.loc[after, "title_status"] == "lost").all()
    held = r.annual.groupby("replication")["title_held"].sum()
    assert (_per_rep(r)["years_held"] == held).all()
    # once stripped, never held again
    for _, g in r.annual.groupby("replication"):
        assert g["title_held"].is_monotonic_decreasing
    assert (_per_rep(r)["title"] == r.annual.groupby("replication")["title_held"].last()).all()


def test_harsher_rule_does_not_raise_the_chance_of_keeping(holder) -> None:
    """More places counted as last, or one last place enough to strip: never more years held.

    The re-check draws the same peers whatever the rule (common random numbers)
    and, without a warning's effort, the scores are the same: so each replication
    holds the title no longer under the harsher rule.
    """
    harsher = override(holder, {"name": "harsher", f"{HOLDER}.last_places": 5})
    harshest = override(harsher, {"name": "harshest", f"{HOLDER}.consecutive_years": 1})
    runs = [replicate(sc, REPS, seed=11) for sc in (holder, harsher, harshest)]
    held = [_per_rep(r)["years_held"] for r in runs]
    assert (held[1] <= held[0]).all()
    assert (held[2] <= held[1]).all()
    assert held[2].sum() < held[0].sum()  # the rule binds in this sample
    kept = [r.annual["title_status"].isin(["kept", "warned"]).sum() for r in runs]
    faced = [r.annual["title_status"].isin(["kept", "warned", "stripped"]).sum() for r in runs]
    chance = [k / f for k, f in zip(kept, faced, strict=True)]
    assert chance[2] <= chance[1] <= chance[0]


def test_strip_on_disqualification(tmp_path) -> None:
    """A disqualifying incident every year strips the holder in year 1; as a warning, it keeps."""
    data = tiny_with_framework()
    data["framework"]["standards"][-1].update(incidents_per_year=50.0, negative_effect="disqualify")
    # the strongest city: no rank is a last place, so only the incident can strip
    base = {f"{HOLDER}.enabled": True, f"{HOLDER}.peer_mean": 0.0, f"{HOLDER}.peer_sd": 0.0}
    sc = override(load_scenario(write_yaml(tmp_path, "neg.yaml", data)), base)
    r = replicate(sc, 2, seed=3)
    assert r.annual["disqualified"].all()
    assert (r.annual.query("year == 1")["title_status"] == "stripped").all()
    assert (_per_rep(r)["years_held"] == 0).all()
    warned = replicate(override(sc, {f"{HOLDER}.strip_on_disqualification": False}), 2, seed=3)
    assert (warned.annual["title_status"] == "warned").all()
    assert (_per_rep(warned)["years_held"] == 3).all()


def test_warning_raises_next_years_effort(holder) -> None:
    """A warned holder's rise of effort gives higher scores the year after a warning."""
    warned_often = override(holder, {f"{HOLDER}.last_places": 9})  # rank 2+ is a last place
    boosted = override(warned_often, {"name": "boosted", f"{HOLDER}.warning_effort": 0.3})
    runs = {sc.name: replicate(sc, REPS, seed=2).annual for sc in (warned_often, boosted)}
    a = pd.concat(runs, names=["scenario"]).set_index(["replication", "year"], append=True)
    a = a["score"].droplevel(1)
    year1 = a.xs(1, level="year")
    later = a[a.index.get_level_values("year") > 1]
    assert warned_often.name != "boosted"
    assert (year1["boosted"] == year1[warned_often.name]).all()  # nothing to react to yet
    assert later["boosted"].mean() > later[warned_often.name].mean()


def test_minors_weight_zero_leaves_the_total(tiny) -> None:
    """At weight 0 the minors' score counts for nothing: every total and rank is unchanged."""
    on = override(tiny, {"name": "minors", f"{MINORS}.enabled": True, f"{MINORS}.weight": 0.0})
    a, b = replicate(tiny, 2, seed=4), replicate(on, 2, seed=4)
    assert np.array_equal(a.annual["score"].to_numpy(), b.annual["score"].to_numpy())
    assert {"minors", "precondition_passed"} <= set(b.annual.columns)
    # its own stream: the peers drawn after the cycle are the same draws (common random numbers)
    cols = ["cycle_score", "rank", "title_bar"]
    assert a.cycle[cols].equals(b.cycle[cols])


def test_minors_weight_moves_the_total_toward_the_minors_score(tiny) -> None:
    """A minors' score above the 40/40/20 total raises the total, more so at a higher weight."""
    high = {f"{MINORS}.enabled": True, f"{MINORS}.mean": 100.0, f"{MINORS}.sd": 0.0}
    a = replicate(override(tiny, {**high, f"{MINORS}.weight": 0.1}), 2, seed=4).annual
    b = replicate(override(tiny, {**high, f"{MINORS}.weight": 0.2}), 2, seed=4).annual
    base = replicate(tiny, 2, seed=4).annual
    assert (a["score"] > base["score"]).all()
    assert (b["score"] > a["score"]).all()


def test_threshold_above_any_score_denies_the_title(tiny, holder) -> None:
    """No score reaches a threshold of 100 (mean 90, no spread): no title, none kept."""
    never = {f"{MINORS}.enabled": True, f"{MINORS}.threshold": 100.0, f"{MINORS}.sd": 0.0}
    nominee = override(tiny, {f"{HOLDER}.enabled": False, **never})
    r = replicate(nominee, 2, seed=6)
    assert not r.cycle["precondition_passed"].any()
    assert not r.cycle["title"].any()
    h = replicate(override(holder, never), 2, seed=6)
    assert (h.annual.query("year == 1")["title_status"] == "stripped").all()
    assert not h.cycle["title"].any()
    warn = replicate(override(holder, {**never, f"{HOLDER}.below_precondition": "warn"}), 2, seed=6)
    assert set(warn.annual["title_status"]) <= {"warned", "stripped"}
    assert (warn.annual["title_status"] != "kept").all()


def test_title_holder_overlay_runs() -> None:
    """The shipped overlay's settings, run on the county (smaller) for one replication."""
    ev = load_scenario(SCENARIOS / "title_holder.yaml").simulation.evaluation
    assert ev.title_holder.enabled and ev.minors.enabled
    assert (ev.minors.threshold, ev.minors.weight) == (85.0, 0.2)
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    sc = override(
        county,
        {
            "name": "county_holder",
            HOLDER: ev.title_holder.model_dump(),
            MINORS: ev.minors.model_dump(),
        },
    )
    cmp = compare([sc], 1, seed=1)
    row, rep = cmp.summary.loc["county_holder"], cmp.replications.iloc[0]
    assert row["keep_chance"] == rep["kept"] / rep["rechecks"]
    assert row["years_held"] == rep["years_held"] == cmp.results.cycle["years_held"].iloc[0]
    assert 0 <= row["keep_chance"] <= 1 and 0 <= row["years_held"] <= 3
    assert row["precondition_passed"] in (0.0, 1.0)


# ---- civsim check: the arithmetic with the minors' part, and why a rule may not bind ----------


def test_official_arithmetic_weighs_the_minors_part(tiny) -> None:
    """The check recomputes each year with the minors' weight; without it the totals are off."""
    from civsim.reality import arithmetic_error

    on = override(tiny, {f"{MINORS}.enabled": True, f"{MINORS}.weight": 0.2})
    r = replicate(on, 1, seed=8)
    assert arithmetic_error(r, on.cycle, 0.2) < 1e-9
    assert arithmetic_error(r, on.cycle) > 0.01


def test_a_rule_that_does_not_bind_is_explained_only_then(holder) -> None:
    """Ranks 1-3 of 30 are no last place whether 1 or 10 places count; rank 25 is under 10."""
    from types import SimpleNamespace

    from civsim.inertness import explained
    from civsim.sim.tables import RunResult

    sc = override(holder, {f"{HOLDER}.peer_group_size": 30})
    path = f"{HOLDER}.last_places"

    def trial(ranks: list[int], status: list[str]) -> SimpleNamespace:
        annual = pd.DataFrame(
            {"replication": 0, "year": [1, 2, 3], "recheck_rank": ranks, "title_status": status}
        ).assign(disqualified=False)
        empty = pd.DataFrame()
        base = RunResult(*[empty] * 4, annual, empty, *[empty] * 4)
        return SimpleNamespace(scenario=sc, prep=None, base=base)

    assert explained(trial([1, 2, 3], ["kept"] * 3), path) is not None
    assert explained(trial([25, 1, 1], ["kept"] * 3), path) is None
