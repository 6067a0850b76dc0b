"""Synthetic targets: a record simulated from known parameter values, to test a calibration.

:func:`synthetic_targets` sets the parameters to known ("true") values, runs
the scenario with a seed of its own (not the calibration's, so the record is
not the same random draw the calibration replays) and puts each target's
output in place of its observed value, keeping the template's outputs and
uncertainties. A calibration to these targets should leave the true values
standing (:mod:`civsim.calibrate`); the recovery test and
``benchmarks/bench_calibrate.py`` check that it does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from civsim.calibrate import AS_IS, measure
from civsim.experiment import variant
from civsim.scenario import Scenario
from civsim.targets import Target, Targets

__all__ = ["synthetic_targets"]


def synthetic_targets(
    scenario: Scenario,
    truth: dict[str, Any],
    template: Targets,
    seed: int,
    replications: int = 1,
) -> Targets:
    """Targets whose observed values are simulated at ``truth``.

    Parameters
    ----------
    scenario : Scenario
        The scenario to calibrate.
    truth : dict
        Dotted path: true value.
    template : Targets
        The outputs and uncertainties (its observed values are replaced; a
        ``range`` is moved to keep its width around the new value).
    seed : int
        The record's seed: give one other than the calibration's.
    replications : int
        Replications averaged into each observed value (1: one realisation,
        as a city's record is).

    Returns
    -------
    Targets
        Named ``<template>_synthetic``; each source says it was simulated, at
        which values and seed.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> t = Targets(name="t", targets=[
    ...     {"name": "f1", "output": "field", "year": 1, "observed": 0, "se": 0.5, "source": "-"}])
    >>> s = synthetic_targets(county, {"simulation.dynamics.upkeep_rate": 0.08}, t, seed=7)
    >>> 25 < s.targets[0].observed < 40, s.targets[0].se
    (True, 0.5)
    """
    truly = variant(scenario, AS_IS, truth)
    runs = measure(truly, seed, tuple(range(replications)), template)
    said = ", ".join(f"{k}={v}" for k, v in truth.items())
    made = []
    for t in template.targets:
        value = float(np.mean(runs[t.name]))
        update: dict[str, Any] = {
            "observed": value,
            "source": f"synthetic: simulated at {said}, seed {seed}, {replications} replication(s)",
        }
        if t.range is not None:
            low, high = t.range
            update["range"] = (value - (t.observed - low), value + (high - t.observed))
        made.append(Target.model_validate({**t.model_dump(), **update}))
    return Targets(
        name=f"{template.name}_synthetic",
        description=f"simulated from {scenario.name} at {said}",
        targets=tuple(made),
    )
