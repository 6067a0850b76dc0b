"""Calibration targets: a city's own record, each figure mapped to a model output.

A targets file lists observed values, each with its uncertainty (a standard
error, or a range read as a 95% interval) and its source, and names the model
output it is compared with::

    name: county_documented
    targets:
      - name: closed_in_10_days
        output: closed_within       # an output of OUTPUTS
        within_days: 10
        observed: 0.491             # 28 of 57
        se: 0.066
        source: "docs/domain.md §5: a county fixed 28 of 57 problems within 10 days"
      - name: mock_test
        output: mock_test
        year: 1                     # with month: 1..12, that month's tests only
        observed: 0.701
        range: [0.64, 0.76]
        source: "docs/domain.md §2: one mock test scored 70.1%"

:func:`observe` reads every target's output from each replication of a run,
so a calibration compares like with like.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import Field, ValidationError, model_validator

from civsim.errors import CivsimError
from civsim.outcomes import OUTCOMES, replication_outcomes
from civsim.results import RunResult
from civsim.scenario import Frozen, Scenario

__all__ = ["OUTPUTS", "Target", "Targets", "as_mapping", "load_targets", "observe"]

#: Outputs read from the ``annual`` table: they need a ``year``.
ANNUAL = ("field", "material", "survey", "satisfaction", "score", "material_completeness")
#: What a target can name, and what it means.
OUTPUTS: dict[str, str] = {
    **{name: f"the cycle's {name} (civsim.outcomes.OUTCOMES)" for name in OUTCOMES},
    "field": "a year's field points (of cycle.field_points); needs year",
    "material": "a year's online-material points (of cycle.material_points); needs year",
    "survey": "a year's questionnaire points (of cycle.survey_points); needs year",
    "satisfaction": "a year's questionnaire satisfaction (0..1) with year; else the cycle's",
    "score": "a year's total score (of 100); needs year",
    "material_completeness": "a year's mean dossier completeness (0..1); needs year",
    "mock_test": "mean mock-test score (0..1) of a year, or of one month of it; needs year",
    "closed_within": "share of problems (orders) closed within within_days of being opened, "
    "of a year's orders or the cycle's; needs within_days",
}
#: A range is read as this many standard errors either side of the observed value (95%).
RANGE_Z = 1.96
#: Months in a year: a month is a twelfth of ``cycle.days_per_year``.
MONTHS = 12


class Target(Frozen):
    """One observed figure, its uncertainty and source, and the output it is compared with."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$", description="the target's name")
    output: str = Field(description="the model output it is compared with (OUTPUTS)")
    year: int | None = Field(None, ge=1, description="the cycle's year (1 = the first)")
    month: int | None = Field(None, ge=1, le=MONTHS, description="month of the year (mock_test)")
    within_days: int | None = Field(None, ge=0, description="[day] closed_within's limit")
    observed: float = Field(description="the recorded value, in the output's unit")
    se: float | None = Field(None, description="standard error of the observed value (> 0)")
    range: tuple[float, float] | None = Field(
        None, description="a 95% interval around the observed value instead of se"
    )
    discrepancy_sd: float = Field(
        0.0, ge=0, description="model discrepancy: what the model may miss, as an sd (default 0)"
    )
    source: str = Field(min_length=1, description="where the figure comes from")

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if self.output not in OUTPUTS:
            near = difflib.get_close_matches(self.output, list(OUTPUTS), n=1)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            raise ValueError(f"unknown output {self.output!r}{hint} (known: {', '.join(OUTPUTS)})")
        if (self.se is None) == (self.range is None):
            raise ValueError("give its uncertainty as se or as range, one of them")
        if self.se is not None and not self.se > 0:
            raise ValueError(f"se must be > 0, got {self.se}")
        if self.range is not None:
            low, high = self.range
            if not low < self.observed < high:
                raise ValueError(f"range {list(self.range)} must have observed strictly inside")
        needs_year = self.output in ANNUAL and self.output != "satisfaction"
        if (needs_year or self.output == "mock_test") and self.year is None:
            raise ValueError(f"output {self.output} needs a year")
        if self.output in OUTCOMES and self.output != "satisfaction" and self.year is not None:
            raise ValueError(f"output {self.output} is the cycle's; it takes no year")
        if self.month is not None and self.output != "mock_test":
            raise ValueError("only mock_test takes a month")
        if (self.within_days is None) != (self.output != "closed_within"):
            raise ValueError("within_days goes with closed_within, and closed_within needs it")
        return self

    @property
    def variance(self) -> float:
        """The observation's variance: its se squared, plus the discrepancy's.

        Examples
        --------
        >>> t = Target(name="a", output="cycle_score", observed=80, range=(76.08, 83.92),
        ...            source="x")
        >>> round(t.variance, 6)
        4.0
        """
        se = self.se if self.se is not None else (self.range[1] - self.range[0]) / (2 * RANGE_Z)  # type: ignore[index]
        return se**2 + self.discrepancy_sd**2

    def interval(self) -> tuple[float, float]:
        """The observed value's 95% interval (the range, or observed ± 1.96 se)."""
        if self.range is not None:
            return self.range
        half = RANGE_Z * self.se  # type: ignore[operator]
        return self.observed - half, self.observed + half


class Targets(Frozen):
    """A named set of targets."""

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]+$")
    description: str = ""
    targets: tuple[Target, ...] = Field(min_length=1)
    source_file: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _distinct(self) -> Targets:
        names = [t.name for t in self.targets]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"target names must differ; repeated: {', '.join(twice)}")
        return self


def load_targets(path: str | Path, scenario: Scenario) -> Targets:
    """Read a targets file and check each target against the scenario it calibrates.

    Raises
    ------
    CivsimError
        If the file cannot be read, a target is malformed (an unknown output,
        no or a non-positive uncertainty), or asks for what the scenario does
        not have (a year beyond its cycle, a month without a mock test). The
        message names the file and the target.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> t = load_targets("scenarios/targets/county_documented.yaml", county)
    >>> [x.output for x in t.targets]
    ['mock_test', 'closed_within']
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CivsimError(f"{path}: cannot read the targets ({exc})") from None
    if not isinstance(raw, dict):
        raise CivsimError(f"{path}: a targets file is a mapping of name and targets")
    try:
        targets = Targets.model_validate({**raw, "source_file": str(path.resolve())})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = list(err["loc"])
        if len(loc) >= 2 and loc[0] == "targets" and isinstance(loc[1], int):
            rows = raw.get("targets")
            row = rows[loc[1]] if isinstance(rows, list) and loc[1] < len(rows) else {}
            label = row.get("name", loc[1]) if isinstance(row, dict) else loc[1]
            loc = [f"target {label}", *loc[2:]]
        where = ".".join(str(p) for p in loc) or "targets"
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise CivsimError(f"{path}: {where}: {msg}") from None
    for target in targets.targets:
        problem = _beyond(target, scenario)
        if problem:
            raise CivsimError(f"{path}: target {target.name}: {problem}")
    return targets


def _beyond(target: Target, scenario: Scenario) -> str | None:
    """What ``target`` asks of ``scenario`` that it does not have (``None``: nothing)."""
    years = scenario.cycle.years
    if target.year is not None and target.year > years:
        return f"year {target.year}, but {scenario.name}'s cycle has {years} years"
    if target.output == "mock_test" and target.year is not None:
        start, end = _window(scenario, target.year, target.month)
        every = scenario.simulation.detection.self_check_interval_days
        if math.floor((end - 1) / every) < math.ceil(max(start, 1) / every):
            when = f"month {target.month} of year {target.year}" if target.month else "that year"
            return f"no mock test falls in {when} (one every {every} days)"
    return None


def _window(scenario: Scenario, year: int, month: int | None) -> tuple[float, float]:
    """Simulated days ``[start, end)`` of a year, or of one month of it."""
    days = scenario.cycle.days_per_year
    start = (year - 1) * days
    if month is None:
        return start, start + days
    return start + (month - 1) * days / MONTHS, start + month * days / MONTHS


def observe(
    result: RunResult,
    scenario: Scenario,
    targets: Targets,
    outcomes: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Each target's output in each replication of ``result``, a run of ``scenario``.

    ``outcomes``, the run's :func:`civsim.outcomes.replication_outcomes` when
    the caller has them already, saves reading them again.

    Returns
    -------
    pandas.DataFrame
        ``replication`` and one column per target (its name).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> from civsim.sim import prepare, simulate
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> t = Targets(name="t", targets=[
    ...     {"name": "f1", "output": "field", "year": 1, "observed": 30, "se": 1, "source": "x"}])
    >>> run = simulate(prepare(county), seed=1, replication=0)
    >>> observe(run, county, t)["f1"].round(2).tolist() == run.annual["field"].round(2)[:1].tolist()
    True
    """
    if outcomes is None:
        outcomes = replication_outcomes(result, scenario)
    outcomes = outcomes.set_index("replication")
    table = pd.DataFrame(index=outcomes.index)
    for target in targets.targets:
        table[target.name] = _read(target, result, scenario, outcomes)
    return table.reset_index()


def _read(
    target: Target, result: RunResult, scenario: Scenario, outcomes: pd.DataFrame
) -> pd.Series:
    """One target's output per replication (indexed by replication)."""
    if target.output in ANNUAL and target.year is not None:
        annual = result.annual[result.annual["year"] == target.year]
        return annual.set_index("replication")[target.output].astype(float)
    if target.output in OUTCOMES:
        return outcomes[target.output].astype(float)
    if target.output == "mock_test":
        assert target.year is not None  # checked on construction
        start, end = _window(scenario, target.year, target.month)
        tests = result.mock_tests
        inside = tests[(tests["day"] >= start) & (tests["day"] < end)]
        return inside.groupby("replication")["score"].mean().reindex(outcomes.index)
    orders = result.orders
    if target.year is not None:
        start, end = _window(scenario, target.year, None)
        orders = orders[(orders["opened"] >= start) & (orders["opened"] < end)]
    closed = orders["closed"].to_numpy()
    fast = (closed >= 0) & (closed - orders["opened"].to_numpy() <= target.within_days)
    share = pd.Series(fast, index=orders.index).groupby(orders["replication"]).mean()
    return share.reindex(outcomes.index).astype(float)


def as_mapping(targets: Targets) -> dict[str, Any]:
    """The targets as the YAML mapping a targets file holds (for writing synthetic ones).

    Examples
    --------
    >>> t = Targets(name="t", targets=[{"name": "a", "output": "cycle_score", "observed": 80.0,
    ...                                  "se": 1.0, "source": "synthetic"}])
    >>> as_mapping(t)["targets"][0]
    {'name': 'a', 'output': 'cycle_score', 'observed': 80.0, 'se': 1.0, 'source': 'synthetic'}
    """
    data = targets.model_dump(mode="json", exclude_defaults=True)
    data["targets"] = [
        {k: v for k, v in t.items() if v is not None} for t in data.get("targets", [])
    ]
    return {"name": targets.name, **data}
