r"""Calibration by history matching: the parameter values a city's record does not rule out.

The simulator is stochastic and slow (about half a second a replication of the
county), and the record is a handful of figures with wide uncertainty. History
matching (Craig et al. 1997; Andrianakis et al. 2015) asks the question a
planner can use: which values are *not ruled out* by the record, rather than
which single value is best. Each point of a Latin hypercube over the
parameters' ranges (scipy.stats.qmc) is run for a few replications on common random
numbers, and each target's *implausibility* at that point is

.. math:: I = |z - \bar y| / \sqrt{\sigma^2_{obs} + \sigma^2_{disc} + s^2 (1 + 1/r)}

where :math:`z` is the observed value, :math:`\bar y` the mean of the point's
:math:`r` replications, :math:`\sigma_{obs}` the record's standard error,
:math:`\sigma_{disc}` the target's model discrepancy and :math:`s^2` the
simulator's variance between replications (pooled over the points: the record
is one realisation, and the mean of r replications has its own error). A point
whose largest implausibility reaches the cut-off (3, Pukelsheim's three-sigma
rule) is ruled out. Each further *wave* samples the range still standing
(:func:`civsim.identifiability.standing_range`), so the not-ruled-out region
is mapped more finely. Every run
goes through :func:`civsim.explore.execute` into a :class:`civsim.store.RunStore`,
so an interrupted calibration resumes: its designs are fixed by its seed and
by the runs already stored.
"""

from __future__ import annotations

import concurrent.futures
import functools
import hashlib
import json
import sys
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field, model_validator
from tqdm import tqdm

from civsim.errors import CivsimError, ScenarioError
from civsim.experiment import Lever, variant
from civsim.explore import Run, Where, execute, keyed, open_executor, replicated
from civsim.identifiability import identify, standing_range
from civsim.scenario import Frozen, Scenario, parameter_table, scenario_hash
from civsim.store import RunStore, remove_own
from civsim.targets import Targets, observe
from civsim.variants import value_at

__all__ = [
    "Fit",
    "NoPointStanding",
    "Parameter",
    "Settings",
    "calibrate",
    "measure",
    "parse_parameters",
]

#: Outcomes kept per point beside the targets: what the calibration predicts.
PREDICTED = ("cycle_score", "title", "above_quota")
#: The lever every calibration variant is made with (no changes of its own).
AS_IS = Lever(name="calibrate")


class Parameter(Frozen):
    """A scenario parameter to fit, by dotted path, over a range."""

    path: str
    low: float
    high: float

    @model_validator(mode="after")
    def _ordered(self) -> Parameter:
        if not self.low < self.high:
            raise ValueError(f"{self.path}: low {self.low} must be below high {self.high}")
        return self


class Settings(Frozen):
    """How a calibration samples, replicates and judges (each a documented default)."""

    samples: int = Field(24, ge=2, description="design points per wave (Latin hypercube)")
    replications: int = Field(
        3, ge=2, description="replications per point (two at least: the noise is estimated)"
    )
    waves: int = Field(2, ge=1, description="waves; each samples the box still standing")
    cutoff: float = Field(
        3.0, gt=0, description="implausibility at or above which a point is ruled out (3 sigma)"
    )
    flat_share: float = Field(
        0.8, gt=0, le=1, description="a range standing over this share of the prior: flat"
    )
    ridge_correlation: float = Field(
        0.7, gt=0, le=1, description="|rank correlation| of standing points making a ridge"
    )
    ridge_p: float = Field(
        0.01, gt=0, le=1, description="p-value below which that correlation is not chance"
    )
    closest: int = Field(5, ge=1, description="points shown when none is left standing")
    seed: int | None = Field(None, ge=0, description="master seed (default: the scenario's)")


class NoPointStanding(CivsimError):
    """Every point is ruled out: the record and the model disagree over the whole range."""


@dataclass(frozen=True)
class Fit:
    """What a calibration found.

    Attributes
    ----------
    scenario, targets, settings
        What was calibrated, to what, and how.
    priors : tuple of Parameter
        The parameters fitted, with the ranges they were fitted over.
    points : pandas.DataFrame
        Every design point: ``point, wave``, the parameters' values,
        ``variant``, each target's simulated mean (its name) and sd
        (``<name>_sd``) and implausibility (``I_<name>``), ``implausibility``
        (the largest), the predicted outcomes (:data:`PREDICTED`, means over
        replications) and ``standing`` (not ruled out).
    as_is : pandas.DataFrame
        The scenario's own values, judged the same way (one row).
    fitted : pandas.Series
        The standing point of least summed squared implausibility.
    parameters : pandas.DataFrame
        Per parameter: its range, the range standing, and whether the targets
        pin it (:func:`civsim.identifiability.identify`).
    noise : dict of str to float
        Each target's simulator variance between replications, pooled over the points.
    """

    scenario: Scenario
    targets: Targets
    priors: tuple[Parameter, ...]
    settings: Settings
    points: pd.DataFrame
    as_is: pd.DataFrame
    fitted: pd.Series
    parameters: pd.DataFrame
    noise: dict[str, float]

    @property
    def standing(self) -> pd.DataFrame:
        """The points not ruled out."""
        return self.points[self.points["standing"]]


def parse_parameters(scenario: Scenario, specs: Sequence[str]) -> tuple[Parameter, ...]:
    """Parameters from ``PATH`` (its plausible range) or ``PATH=LOW:HIGH`` (a given range).

    Raises
    ------
    CivsimError
        If a path is unknown (the nearest is suggested), not a plain number of
        a section (a table's column, a switch), repeated, has no range, or an
        end of its range makes an invalid scenario.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> parse_parameters(county, ["simulation.survey.base_satisfaction",
    ...                           "simulation.dynamics.upkeep_rate=0.02:0.12"])[1]
    Parameter(path='simulation.dynamics.upkeep_rate', low=0.02, high=0.12)
    >>> parse_parameters(county, ["simulation.evaluation.quota_share"])
    Traceback (most recent call last):
    ...
    civsim.errors.CivsimError: --params simulation.evaluation.quota_share: no plausible range ...
    """
    rows = {r["path"]: r for r in parameter_table(scenario)}
    found: list[Parameter] = []
    for spec in specs:
        path, given, span = spec.partition("=")
        _check_number(scenario, path, rows)
        if given:
            low, sep, high = span.partition(":")
            try:
                ends = (float(low), float(high)) if sep else None
            except ValueError:
                ends = None
            if ends is None:
                raise CivsimError(f"--params {spec}: expected PATH=LOW:HIGH, e.g. {path}=0.1:0.5")
        else:
            ends = rows[path]["plausible"]
            if ends is None:
                raise CivsimError(
                    f"--params {path}: no plausible range in the scenario's parameters; "
                    f"give one as {path}=LOW:HIGH"
                )
        if not ends[0] < ends[1]:
            raise CivsimError(f"--params {spec}: low must be below high")
        for end in ends:
            try:
                variant(scenario, AS_IS, {path: end})
            except ScenarioError as exc:
                raise CivsimError(f"--params {spec}: {exc}") from None
        found.append(Parameter(path=path, low=ends[0], high=ends[1]))
    paths = [p.path for p in found]
    again = sorted({p for p in paths if paths.count(p) > 1})
    if again:
        raise CivsimError(f"--params repeats {', '.join(again)}")
    if not found:
        raise CivsimError("--params: give at least one parameter to fit")
    return tuple(found)


def _check_number(scenario: Scenario, path: str, rows: dict[str, Any]) -> None:
    """Refuse a path that is not a plain number of a section of the scenario."""
    import difflib

    if path not in rows:
        near = difflib.get_close_matches(path, list(rows), n=1)
        hint = f"; did you mean {near[0]}?" if near else ""
        raise CivsimError(f"--params {path}: no such parameter in {scenario.name}{hint}")
    parent = value_at(scenario, path.rpartition(".")[0]) if "." in path else scenario
    value = value_at(scenario, path)
    if not isinstance(parent, BaseModel) or isinstance(value, bool) or not _number(value):
        raise CivsimError(
            f"--params {path}: calibrate fits numbers of the scenario's sections, "
            "not tables, lists or switches"
        )


def _number(value: Any) -> bool:
    return isinstance(value, int | float)


def measure(
    scenario: Scenario, seed: int, replications: tuple[int, ...], targets: Targets
) -> pd.DataFrame:
    """Some replications of one variant: its targets' outputs and outcomes, keyed for the store."""
    result, outcomes = replicated(scenario, seed, replications)
    table = observe(result, scenario, targets, outcomes).merge(
        outcomes[["replication", *PREDICTED]], on="replication"
    )
    return keyed(table, scenario, seed)


def calibrate(
    scenario: Scenario,
    targets: Targets,
    parameters: Sequence[Parameter],
    out: str | Path,
    settings: Settings | None = None,
    executor: Where | concurrent.futures.Executor = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool | None = None,
) -> Fit:
    """History-match ``parameters`` of ``scenario`` to ``targets``, runs stored in ``out``.

    Parameters
    ----------
    scenario, targets, parameters
        Checked already (:func:`civsim.targets.load_targets`, :func:`parse_parameters`).
    out : str or Path
        The run store's folder: created, or resumed when it holds this calibration.
    settings : Settings, optional
        Samples, replications, waves, cut-off (their defaults otherwise).
    executor, workers, scheduler, progress
        As :func:`civsim.explore.explore` takes them.

    Returns
    -------
    Fit

    Raises
    ------
    NoPointStanding
        If every point is ruled out; the message lists the closest points, and
        the store is removed (nothing is left written).
    """
    settings = settings or Settings()
    params = tuple(parameters)
    seed = scenario.seed if settings.seed is None else settings.seed
    key = _key(scenario, targets, params, settings, seed)
    run = functools.partial(measure, targets=targets)
    out = Path(out)
    with ExitStack() as stack:
        pool = open_executor(stack, executor, workers, scheduler, settings.samples)
        description = {"calibration": _description(targets, params, settings, seed)}
        store = stack.enter_context(RunStore(out, key, description))
        show = sys.stderr.isatty() if progress is None else progress
        own = {p.path: value_at(scenario, p.path) for p in params}
        runner = functools.partial(_run_points, scenario, store, seed, settings, pool, workers, run)
        as_is = runner(pd.DataFrame([own]), 0, show)
        box = [(p.low, p.high) for p in params]
        designs: list[pd.DataFrame] = []
        points = pd.DataFrame()
        for wave in range(1, settings.waves + 1):
            design = _design(params, box, settings.samples, seed + wave)
            designs.append(runner(design, wave, show))
            points, noise = _judge(pd.concat(designs, ignore_index=True), targets, settings)
            standing = points[points["standing"]]
            if standing.empty:
                break
            box = _box(params, standing, settings.flat_share)
    if points["standing"].any():
        as_is_judged = _judge_with(as_is, targets, settings, noise)
        best = points[points["standing"]]
        squares = (best[[f"I_{t.name}" for t in targets.targets]] ** 2).sum(axis=1)
        fitted = best.iloc[int(np.argmin(squares.to_numpy()))]
        table = identify(
            best, params, fitted, settings.flat_share, settings.ridge_correlation, settings.ridge_p
        )
        return Fit(scenario, targets, params, settings, points, as_is_judged, fitted, table, noise)
    remove_own(out)
    raise NoPointStanding(_closest(points, params, targets, settings))


def _key(
    scenario: Scenario,
    targets: Targets,
    params: tuple[Parameter, ...],
    settings: Settings,
    seed: int,
) -> str:
    """A content hash of everything a calibration's runs and waves depend on."""
    text = json.dumps(
        {"scenario": scenario_hash(scenario), **_description(targets, params, settings, seed)},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _description(
    targets: Targets, params: tuple[Parameter, ...], settings: Settings, seed: int
) -> dict[str, Any]:
    return {
        "targets": targets.model_dump(mode="json"),
        "parameters": [p.model_dump(mode="json") for p in params],
        "settings": settings.model_dump(mode="json"),
        "seed": seed,
    }


def _design(
    params: tuple[Parameter, ...], box: list[tuple[float, float]], samples: int, seed: int
) -> pd.DataFrame:
    """A Latin hypercube of ``samples`` points over ``box`` (scipy.stats.qmc).

    Optimised for space filling (centred discrepancy, ``random-cd``): its
    columns hardly correlate, so a correlation among the standing points is
    the targets' doing (a ridge), not the design's.
    """
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(params), optimization="random-cd", seed=seed).random(samples)
    lows, highs = zip(*box, strict=True)
    return pd.DataFrame(qmc.scale(unit, lows, highs), columns=[p.path for p in params])


def _run_points(
    scenario: Scenario,
    store: RunStore,
    seed: int,
    settings: Settings,
    pool: concurrent.futures.Executor | None,
    workers: int | None,
    run: Run,
    design: pd.DataFrame,
    wave: int,
    show: bool,
) -> pd.DataFrame:
    """Run the replications of each design point the store lacks; the points with their runs."""
    variants = [
        variant(scenario, AS_IS, dict(zip(design.columns, row, strict=True)))
        for row in design.itertuples(index=False)
    ]
    keys = [scenario_hash(v) for v in variants]
    done = store.done()
    reps = range(settings.replications)
    tasks = []
    for key, var in dict(zip(keys, variants, strict=True)).items():
        missing = tuple(r for r in reps if (key, seed, r) not in done)
        if missing:
            tasks.append((var, seed, missing))
    total = sum(len(t[2]) for t in tasks)
    with tqdm(total=total, desc=f"wave {wave}", unit="run", disable=not show, leave=False) as bar:
        for (_, _, ran), rows in execute(tasks, pool, workers, run):
            store.add(f"{rows['variant'].iloc[0]}-{seed}", rows)
            bar.update(len(ran))
    runs = store.table()
    runs = runs[runs["variant"].isin(keys) & (runs["seed"] == seed)]
    points = design.assign(point=range(len(design)), wave=wave, variant=keys)
    return points.merge(runs, on="variant", how="left")


def _judge(
    runs: pd.DataFrame, targets: Targets, settings: Settings
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Each point's means and implausibilities; the simulator's noise pooled over the points."""
    names = [t.name for t in targets.targets]
    by_point = runs.groupby(["wave", "point"])
    noise = {n: float(by_point[n].var(ddof=1).mean()) for n in names}
    return _judge_with(runs, targets, settings, noise), noise


def _judge_with(
    runs: pd.DataFrame, targets: Targets, settings: Settings, noise: dict[str, float]
) -> pd.DataFrame:
    """Points (one row each) judged with the given noise per target."""
    names = [t.name for t in targets.targets]
    skip = {*names, *PREDICTED, "seed", "replication", "wave", "point"}
    values = [c for c in runs.columns if c not in skip]
    grouped = runs.groupby(["wave", "point"], sort=True)
    points = grouped[values].first()
    means = grouped[[*names, *PREDICTED]].mean()
    sds = grouped[names].std(ddof=1).add_suffix("_sd")
    points = points.join(means).join(sds).reset_index()
    r = settings.replications
    for t in targets.targets:
        spread = np.sqrt(t.variance + noise[t.name] * (1 + 1 / r))
        points[f"I_{t.name}"] = (t.observed - points[t.name]).abs() / spread
    implaus = points[[f"I_{n}" for n in names]]
    # a target the run could not read (NaN) rules the point out
    points["implausibility"] = implaus.max(axis=1, skipna=False).fillna(np.inf)
    points["standing"] = points["implausibility"] < settings.cutoff
    return points


def _box(
    params: tuple[Parameter, ...], standing: pd.DataFrame, flat_share: float
) -> list[tuple[float, float]]:
    """The next wave's box: each parameter's range not ruled out.

    A parameter still flat (its range at least ``flat_share`` of the prior), or
    standing at one value only, is sampled over its whole prior range again.
    """
    box = []
    for p in params:
        low, high = standing_range(standing[p.path], p.low, p.high)
        flat = high - low >= flat_share * (p.high - p.low)
        box.append((p.low, p.high) if flat or not low < high else (low, high))
    return box


def _closest(
    points: pd.DataFrame, params: tuple[Parameter, ...], targets: Targets, settings: Settings
) -> str:
    """The message when no point stands: the cut-off and the closest points."""
    cols = [p.path for p in params] + [f"I_{t.name}" for t in targets.targets]
    near = points.nsmallest(settings.closest, "implausibility")[[*cols, "implausibility"]]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        shown = near.to_string(index=False, float_format="{:.3g}".format)
    return (
        f"no point left standing: all {len(points)} points of {targets.name} have an "
        f"implausibility >= {settings.cutoff:g}, so the record rules out the whole range given "
        f"(widen the ranges, fit other parameters, or check the targets). Closest points:\n{shown}"
    )
