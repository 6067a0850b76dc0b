"""The analyses of an experiment, on outcomes whose answer is known in closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from civsim.experiment import Experiment, design
from civsim.robustness import discover, robustness
from civsim.sensitivity import feature_scores, morris_effects, sobol_indices


def _results(experiment: Experiment, score) -> pd.DataFrame:
    """A results table of ``experiment``'s design with ``cycle_score = score(row)``, 2 reps."""
    d = design(experiment, seed=5)
    rows = d.assign(variant=[f"v{i}" for i in range(len(d))], seed=5)
    reps = pd.concat([rows.assign(replication=r) for r in (0, 1)], ignore_index=True)
    reps = reps.sort_values(["lever", "point", "replication"]).sort_index()
    reps["cycle_score"] = [score(row) for row in reps.itertuples(index=False)]
    reps["above_quota"] = (reps["cycle_score"] > 87.0).astype(float)
    return reps.reset_index(drop=True)


def _experiment(sampler: str, samples: int, levers=("only",)) -> Experiment:
    return Experiment(
        name="known",
        scenario="s.yaml",
        sampler=sampler,
        samples=samples,
        uncertainties=[{"path": "a", "low": 0, "high": 1}, {"path": "b", "low": 0, "high": 1}],
        levers=[{"name": n} for n in levers],
    )


def test_sobol_indices_of_a_linear_score() -> None:
    """Y = 5a + b with a, b uniform: S1 = variance shares 25/26 and 1/26, and ST = S1."""
    e = _experiment("sobol", 256)
    table = sobol_indices(e, _results(e, lambda r: 80 + 5 * r[2] + r[3])).set_index("uncertainty")
    assert table.loc["a", "S1"] == pytest.approx(25 / 26, abs=0.08)
    assert table.loc["b", "S1"] == pytest.approx(1 / 26, abs=0.03)
    assert table.loc["a", "ST"] == pytest.approx(25 / 26, abs=0.08)
    assert (table["S1_conf"] > 0).all()


def test_morris_effects_of_a_linear_score() -> None:
    """Y = 3a: every elementary effect of a is 3 (per unit of its range), of b 0."""
    e = _experiment("morris", 10)
    table = morris_effects(e, _results(e, lambda r: 80 + 3 * r[2])).set_index("uncertainty")
    assert table.loc["a", "mu_star"] == pytest.approx(3.0)
    assert table.loc["a", "sigma"] == pytest.approx(0.0, abs=1e-9)
    assert table.loc["b", "mu_star"] == pytest.approx(0.0)


def test_feature_scores_rank_the_deciding_uncertainty_first() -> None:
    """Only a decides the score: it takes most of the trees' score, the lever none that matters."""
    e = _experiment("lhs", 60, levers=("p", "q"))
    scores = feature_scores(_results(e, lambda r: 80 + 10 * r[2] ** 2), ["cycle_score"])
    ranked = scores["cycle_score"].sort_values(ascending=False)
    assert ranked.index[0] == "a"
    assert ranked["a"] > 0.8
    assert scores["cycle_score"].sum() == pytest.approx(1.0)


def test_robustness_finds_the_lever_with_no_regret() -> None:
    """Q beats p wherever a > 0.5 by 2 points and loses by 1 elsewhere: regrets follow."""
    e = _experiment("lhs", 40, levers=("p", "q"))

    def score(r) -> float:
        if r[1] == "p":
            return 86.0
        return 88.0 if r[2] > 0.5 else 85.0

    table = robustness(_results(e, score))
    share = 0.5  # a Latin hypercube puts half of the 40 points on each side of 0.5
    assert table.loc["p", "mean_regret"] == pytest.approx(2 * share)
    assert table.loc["q", "mean_regret"] == pytest.approx(1 * (1 - share))
    assert table.loc["p", "max_regret"] == 2.0 and table.loc["q", "max_regret"] == 1.0
    assert table.loc["q", "meets"] == pytest.approx(share) and table.loc["p", "meets"] == 0.0


def test_discovery_finds_where_a_lever_loses() -> None:
    """Q loses to p exactly where a > 0.7: PRIM's box restricts a, from about 0.7, and not b."""
    e = _experiment("lhs", 200, levers=("p", "q"))

    def score(r) -> float:
        if r[1] == "p":
            return 86.0
        return 85.0 if r[2] > 0.7 else 87.0

    limits, facts = discover(_results(e, score), "q", "p")
    assert limits.index.tolist() == ["a"]
    assert limits.loc["a", "low"] == pytest.approx(0.7, abs=0.05)
    assert facts["density"] >= 0.8 and facts["coverage"] >= 0.8
    assert facts["cases"] == pytest.approx(0.3, abs=0.01)


def test_discovery_without_a_case_gives_no_box() -> None:
    """A lever that never loses has no box, and says how often it lost: never."""
    e = _experiment("lhs", 10, levers=("p", "q"))
    limits, facts = discover(_results(e, lambda r: 86.0 + (r[1] == "q")), "q", "p")
    assert limits.empty and facts["cases"] == 0.0 and np.isnan(facts["density"])


def test_a_point_meets_the_target_when_half_its_replications_do() -> None:
    """One replication of two above the quota line: the point counts as meeting it (MEETS)."""
    results = pd.DataFrame(
        {
            "point": [0, 0, 1, 1],
            "lever": "p",
            "a": [0.2, 0.2, 0.8, 0.8],
            "variant": ["v0", "v0", "v1", "v1"],
            "seed": 1,
            "replication": [0, 1, 0, 1],
            "cycle_score": [86.0, 88.0, 86.0, 86.5],
            "above_quota": [0.0, 1.0, 0.0, 0.0],
        }
    )
    assert robustness(results).loc["p", "meets"] == 0.5


def test_sobol_intervals_repeat_exactly() -> None:
    """The bootstrap behind the intervals is seeded: the same analysis gives the same intervals."""
    e = _experiment("sobol", 16)
    results = _results(e, lambda r: 80 + 5 * r[2] + r[3] ** 2)
    first, again = sobol_indices(e, results), sobol_indices(e, results)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(sobol_indices(e, results, seed=0), first)
