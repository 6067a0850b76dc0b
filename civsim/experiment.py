"""An experiment over a scenario: uncertainties, levers, outcomes, a sampler, in EMA's vocabulary.

An *uncertainty* is a parameter whose value nobody knows well: a dotted path
with a range (by default the plausible range the parameter carries as an
assumption) or a list of values. A *lever* is a choice the planner makes: a
named set of changes (``campaign mode on``, ``twice the fund``). The *sampler*
spreads points over the uncertainties (SALib's Latin hypercube, Sobol/Saltelli
or Morris designs, or a full factorial grid); every lever is run at every
point, each with the same ``replications`` on common random numbers, and the
*outcomes* are read from each replication (:mod:`civsim.outcomes`).

An experiment is written in YAML beside a scenario, or in Python::

    name: upkeep_and_fund
    scenario: ../county_nominee.yaml      # relative to this file
    sampler: lhs                          # lhs | sobol | morris | factorial
    samples: 16                           # points (sobol: a power of 2, its base sample)
    replications: 2
    uncertainties:
      - path: simulation.dynamics.upkeep_rate
        low: 0.04
        high: 0.12
      - path: framework.standards.*.decay_per_day   # a column of every row: a factor
        low: 0.5
        high: 1.5
    levers:
      - name: as_is
      - name: joint
        set: {simulation.rectification.joint_mechanism: true}

A path with ``*`` scales that column in every row of a table by the sampled
factor (:func:`civsim.variants.vary`); any other path is set to the value.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from civsim.errors import CivsimError, ScenarioError
from civsim.scenario import Scenario, load_scenario, override, parameter_table
from civsim.scenario.params import Frozen
from civsim.variants import changed, value_at

__all__ = [
    "Experiment",
    "Lever",
    "Uncertainty",
    "design",
    "experiment_hash",
    "load_experiment",
    "problem",
    "variant",
]

Sampler = Literal["lhs", "sobol", "morris", "factorial"]

#: Columns of a design before its uncertainties' values.
DESIGN_KEYS = ("point", "lever")


class Uncertainty(Frozen):
    """A parameter sampled over a range (or a list of values) at a dotted path."""

    path: str = Field(description="dotted path; `table.*.column` scales a column of every row")
    low: float | None = Field(
        default=None, description="lowest value (default: the low end of the plausible range)"
    )
    high: float | None = Field(
        default=None, description="highest value (default: the high end of the plausible range)"
    )
    values: tuple[Any, ...] | None = Field(
        default=None, description="the values to try instead of a range (factorial sampler)"
    )

    @model_validator(mode="after")
    def _range_or_values(self) -> Uncertainty:
        if self.values is not None and (self.low is not None or self.high is not None):
            raise ValueError("give either low and high, or values, not both")
        if self.values is not None and not self.values:
            raise ValueError("values is empty")
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise ValueError(f"low {self.low} must be below high {self.high}")
        return self


class Lever(Frozen):
    """A planner's option: a name and the parameters it sets (none: the scenario as it is)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="the option's name")
    set: dict[str, Any] = Field(default_factory=dict, description="dotted path: value")


class Experiment(Frozen):
    """What to vary, what to choose between, how to sample, and how often to replicate."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    scenario: str = Field(description="the scenario file, relative to the experiment's file")
    sampler: Sampler = "lhs"
    samples: int = Field(
        8,
        ge=1,
        description="points (lhs); base sample, a power of 2 (sobol); trajectories (morris); "
        "levels per range (factorial)",
    )
    levels: int = Field(4, ge=2, description="grid levels of the Morris sampler")
    replications: int = Field(1, ge=1, description="replications per point and lever")
    seed: int | None = Field(None, ge=0, description="master seed (default: the scenario's)")
    uncertainties: tuple[Uncertainty, ...] = ()
    levers: tuple[Lever, ...] = (Lever(name="as_is"),)
    source_file: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        names = [lever.name for lever in self.levers]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"lever names must differ; repeated: {', '.join(twice)}")
        if not self.levers:
            raise ValueError("give at least one lever (a lever without `set` runs the scenario)")
        paths = [u.path for u in self.uncertainties]
        again = sorted({p for p in paths if paths.count(p) > 1})
        if again:
            raise ValueError(f"uncertainties repeat {', '.join(again)}")
        if self.sampler != "factorial" and not self.uncertainties:
            raise ValueError(f"the {self.sampler} sampler needs at least one uncertainty")
        listed = [u.path for u in self.uncertainties if u.values is not None]
        if listed and self.sampler != "factorial":
            raise ValueError(
                f"{', '.join(listed)}: values lists need the factorial sampler; "
                f"{self.sampler} samples ranges (give low and high)"
            )
        if self.sampler == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"the sobol sampler needs samples a power of 2, got {self.samples}")
        return self


def load_experiment(path: str | Path) -> tuple[Experiment, Scenario]:
    """Read an experiment file and the scenario it names, and check every variant it implies.

    Returns
    -------
    (Experiment, Scenario)

    Raises
    ------
    CivsimError
        If the file is missing or invalid, the scenario does not load, an
        uncertainty has no range, or a lever or a range's end makes an invalid
        scenario (the message names the experiment file and the path).

    Examples
    --------
    >>> exp, sc = load_experiment("scenarios/experiments/county_upkeep.yaml")
    >>> exp.sampler, sc.name, [lever.name for lever in exp.levers]
    ('lhs', 'county_nominee', ['as_is', 'joint'])
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CivsimError(f"{path}: cannot read the experiment ({exc})") from None
    if not isinstance(raw, dict):
        raise CivsimError(f"{path}: an experiment is a mapping of name, scenario, uncertainties…")
    try:
        experiment = Experiment.model_validate({**raw, "source_file": str(path.resolve())})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "experiment"
        raise CivsimError(f"{path}: {where}: {err['msg']}") from None
    scenario = load_scenario(path.parent / experiment.scenario)
    experiment = _with_ranges(experiment, scenario, path)
    for lever in experiment.levers:
        for end in ("low", "high"):
            corner = {u.path: _end(u, end) for u in experiment.uncertainties}
            try:
                variant(scenario, lever, corner)
            except ScenarioError as exc:
                raise CivsimError(f"{path}: lever {lever.name}, {end} ends: {exc}") from None
    return experiment, scenario


def _end(u: Uncertainty, end: str) -> Any:
    if u.values is not None:
        return u.values[0] if end == "low" else u.values[-1]
    return u.low if end == "low" else u.high


def _with_ranges(experiment: Experiment, scenario: Scenario, path: Path) -> Experiment:
    """Fill each missing range from the parameter's plausible range, or refuse."""
    plausible = {r["path"]: r["plausible"] for r in parameter_table(scenario)}
    filled = []
    for u in experiment.uncertainties:
        if u.values is None and (u.low is None or u.high is None):
            if "*" in u.path:
                raise CivsimError(f"{path}: {u.path}: give low and high (factors of each row)")
            if u.path not in plausible:
                _check_path(scenario, u.path, path)
            rng = plausible.get(u.path)
            if rng is None:
                raise CivsimError(
                    f"{path}: {u.path}: no plausible range in the scenario's parameters; "
                    "give low and high"
                )
            u = u.model_copy(update={"low": u.low or rng[0], "high": u.high or rng[1]})
        filled.append(u)
    return experiment.model_copy(update={"uncertainties": tuple(filled)})


def _check_path(scenario: Scenario, dotted: str, path: Path) -> None:
    try:
        value_at(scenario, dotted)
    except AttributeError:
        raise CivsimError(f"{path}: {dotted}: no such parameter in the scenario") from None


def experiment_hash(experiment: Experiment, scenario_key: str) -> str:
    """A content hash of an experiment and its scenario's hash: what its results depend on.

    Examples
    --------
    >>> e = Experiment(name="x", scenario="s.yaml",
    ...                uncertainties=[{"path": "a", "low": 0, "high": 1}])
    >>> experiment_hash(e, "abc") == experiment_hash(e, "abc"), len(experiment_hash(e, "abc"))
    (True, 16)
    >>> experiment_hash(e, "abc") == experiment_hash(e.model_copy(update={"samples": 9}), "abc")
    False
    """
    text = json.dumps(
        {"experiment": experiment.model_dump(mode="json"), "scenario": scenario_key},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def problem(experiment: Experiment) -> dict[str, Any]:
    """SALib's problem of the ranged uncertainties: names, bounds.

    Examples
    --------
    >>> e = Experiment(name="x", scenario="s.yaml",
    ...                uncertainties=[{"path": "a.b", "low": 0.1, "high": 0.3}])
    >>> problem(e)
    {'num_vars': 1, 'names': ['a.b'], 'bounds': [[0.1, 0.3]]}
    """
    ranged = [u for u in experiment.uncertainties if u.values is None]
    return {
        "num_vars": len(ranged),
        "names": [u.path for u in ranged],
        "bounds": [[u.low, u.high] for u in ranged],
    }


def design(experiment: Experiment, seed: int) -> pd.DataFrame:
    """Every point of the design, crossed with every lever.

    Parameters
    ----------
    experiment : Experiment
        With every range filled (:func:`load_experiment` fills them).
    seed : int
        Seeds the sampler, so the same experiment gives the same points.

    Returns
    -------
    pandas.DataFrame
        ``point, lever`` and one column per uncertainty (its path), points in
        the sampler's order (SALib's analysis needs that order), each lever at
        every point.

    Examples
    --------
    >>> e = Experiment(name="x", scenario="s.yaml", sampler="factorial", samples=2,
    ...                uncertainties=[{"path": "a", "low": 0, "high": 1},
    ...                               {"path": "b", "values": ["on", "off"]}],
    ...                levers=[{"name": "p"}, {"name": "q"}])
    >>> d = design(e, seed=1)
    >>> len(d), d.loc[d["lever"] == "p", ["a", "b"]].values.tolist()
    (8, [[0.0, 'on'], [0.0, 'off'], [1.0, 'on'], [1.0, 'off']])
    """
    points = _sample(experiment, seed)
    levers = [lever.name for lever in experiment.levers]
    table = pd.concat(
        [points.assign(lever=name) for name in levers], ignore_index=True
    ).rename_axis(None)
    table.insert(0, "point", np.tile(np.arange(len(points)), len(levers)))
    return table[["point", "lever", *points.columns]]


def _sample(experiment: Experiment, seed: int) -> pd.DataFrame:
    """The points over the uncertainties, by the experiment's sampler (SALib's for ranges)."""
    from SALib.sample import latin, morris, sobol  # imported here: only experiments need it

    prob = problem(experiment)
    n = experiment.samples
    if experiment.sampler == "factorial":
        axes = [
            list(u.values) if u.values is not None else np.linspace(u.low, u.high, n).tolist()  # type: ignore[arg-type]
            for u in experiment.uncertainties
        ]
        rows = list(itertools.product(*axes)) if axes else [()]
        return pd.DataFrame(rows, columns=[u.path for u in experiment.uncertainties])
    if experiment.sampler == "lhs":
        x = latin.sample(prob, n, seed=seed)
    elif experiment.sampler == "sobol":
        x = sobol.sample(prob, n, calc_second_order=False, scramble=True, seed=seed)
    else:
        x = morris.sample(prob, n, num_levels=experiment.levels, seed=seed)
    return pd.DataFrame(x, columns=prob["names"])


def variant(scenario: Scenario, lever: Lever, values: dict[str, Any]) -> Scenario:
    """The scenario with a lever's changes and one point's values, validated.

    A path with ``*`` multiplies that column of every row by the value; an
    integer parameter takes the value rounded.

    Raises
    ------
    ScenarioError
        If the result is not a valid scenario (the message names the path).
    """
    changes: dict[str, Any] = dict(lever.set)
    for dotted, value in values.items():
        if "*" in dotted:
            table, _, column = dotted.partition(".*.")
            try:
                rows = value_at(scenario, table)
                factors = {
                    f"{table}.{i}.{column}": changed(getattr(row, column), f"x{value}")
                    for i, row in enumerate(rows)
                }
            except (AttributeError, TypeError):
                raise ScenarioError(
                    f"{dotted}: expected table.*.column naming a column of a table", where=dotted
                ) from None
            changes.update(factors)
            continue
        try:
            current = value_at(scenario, dotted)
        except AttributeError:
            current = None  # an unknown path: override names it and suggests the nearest
        is_int = isinstance(current, int) and not isinstance(current, bool)
        changes[dotted] = round(value) if is_int else _plain(value)
    return override(scenario, changes)


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value pydantic and YAML expect."""
    return value.item() if isinstance(value, np.generic) else value
