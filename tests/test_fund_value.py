"""What the fund buys: the shadow score the inspection expects, the gain model, the fund check."""

from __future__ import annotations

import numpy as np
import pytest

from civsim import scoring
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
