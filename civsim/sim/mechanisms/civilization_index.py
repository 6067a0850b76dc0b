"""The civilization index (文明指数): published to the districts, with 比学赶超 feedback.

Every ``publish_every_days`` the index of each district is computed from the
field condition as the covert inspection would expect to score it (the field
shadow score, :mod:`.upkeep`): per dimension, the share (0..100) of the field
points of the dimension's items in the district; the index is the dimensions'
weighted mean (without dimensions, the district's whole field shadow score).
Districts are ranked (1 the best) and the ranking is published (seed 000:
定期发布文明指数监测报告).

With ``feedback`` on (比学赶超), the ``bottom_districts`` ranked lowest raise
their routine effort by ``effort_rise`` until the next publication: the
multiplier is read by :func:`.upkeep.effort_levels` (upkeep and the defects'
routine rounds). It draws no random numbers. Each publication adds rows to
the ``civilization_index`` table (:mod:`civsim.sim.tables`). Parameters:
``simulation.evaluation.civilization_index``; off by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy
from scipy import sparse

from civsim.city import City
from civsim.errors import ScenarioError
from civsim.scenario import Scenario
from civsim.scenario.schema.civilization_index import CivilizationIndex
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism, Process

__all__ = ["INDEX", "MECHANISM", "IndexPart", "IndexState", "dimension_items", "rank_desc"]

#: The ``dimension`` of the index's own rows in the table.
INDEX = "index"


@dataclass(frozen=True)
class IndexPart:
    """What every replication shares: the checkpoints' weights per district and dimension.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix
        Row ``d * n_dims + j``: field points of dimension ``j`` in district ``d`` per
        checkpoint, so ``matrix @ condition`` is each group's expected field points.
    top : numpy.ndarray
        ``(districts, dimensions)``: those points at full condition (0: no item there).
    weights : numpy.ndarray
        Each dimension's weight.
    names : list of str
        Each dimension's name.
    """

    matrix: sparse.csr_matrix
    top: np.ndarray
    weights: np.ndarray
    names: list[str]


@dataclass
class IndexState:
    """One replication's routine effort multiple by district, then the city (always 1)."""

    effort: np.ndarray


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.evaluation.civilization_index.enabled


def dimension_items(ci: CivilizationIndex, items: pd.DataFrame) -> list[set[str]]:
    """The framework's items in each dimension (one dimension of every item without any).

    Parameters
    ----------
    ci : CivilizationIndex
    items : DataFrame
        The framework's items: ``id`` and ``environment``.

    Raises
    ------
    ScenarioError
        If a dimension names an item the framework lacks.

    Examples
    --------
    >>> from civsim.scenario.schema.civilization_index import Dimension
    >>> items = pd.DataFrame({"id": ["I1", "I2", "I3"],
    ...                       "environment": ["living", "culture", "living"]})
    >>> ci = CivilizationIndex(dimensions=[
    ...     Dimension(name_zh="生活环境", environments=["living"]),
    ...     Dimension(name_zh="文明素养", items=["I2"])])
    >>> [sorted(s) for s in dimension_items(ci, items)]
    [['I1', 'I3'], ['I2']]
    >>> [sorted(s) for s in dimension_items(CivilizationIndex(), items)]
    [['I1', 'I2', 'I3']]
    """
    if not ci.dimensions:
        return [set(items["id"])]
    known = set(items["id"])
    out = []
    for dim in ci.dimensions:
        unknown = sorted(set(dim.items) - known)
        if unknown:
            raise ScenarioError(
                f"dimension {dim.name_zh!r} names items the framework lacks: {', '.join(unknown)}",
                where="simulation.evaluation.civilization_index.dimensions",
            )
        of_env = items.loc[items["environment"].isin(dim.environments), "id"]
        out.append(set(dim.items) | set(of_env))
    return out


def rank_desc(values: np.ndarray) -> np.ndarray:
    """Rank of each value, 1 the highest; ties keep their order (the first ranks higher).

    Examples
    --------
    >>> rank_desc(np.array([70.0, 90.0, 70.0, 80.0])).tolist()
    [3, 1, 4, 2]
    """
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(1, len(values) + 1)
    return ranks


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> IndexPart:
    ci = scenario.simulation.evaluation.civilization_index
    fw = scenario.framework
    if fw is None or "field:district" not in city.checkpoints.weights:
        raise ScenarioError(
            "the civilization index needs a framework with field standards",
            where="simulation.evaluation.civilization_index",
        )
    items = pd.DataFrame(
        {"id": [i.id for i in fw.items], "environment": [i.environment for i in fw.items]}
    )
    members = dimension_items(ci, items)
    mat, keys = city.checkpoints.weights["field:district"]
    district = keys.get_level_values(0).to_numpy()
    item = keys.get_level_values(1).astype(str).to_numpy()
    n_d, n_dims = len(city.checkpoints.districts), len(members)
    rows, cols = [], []
    for j, member in enumerate(members):
        of = np.flatnonzero(np.isin(item, sorted(member)))
        rows.append(district[of] * n_dims + j)
        cols.append(of)
    r, c = np.concatenate(rows), np.concatenate(cols)
    select = sparse.csr_matrix((np.ones(len(r)), (r, c)), shape=(n_d * n_dims, mat.shape[0]))
    matrix = (select @ mat.astype(np.float64)).tocsr()
    top = np.asarray(matrix.sum(axis=1)).reshape(n_d, n_dims)
    names = [d.name_zh for d in ci.dimensions] or [INDEX]
    empty = [names[j] for j in range(n_dims) if not top[:, j].any()]
    if empty:
        raise ScenarioError(
            f"dimensions with no field standard in any district: {', '.join(empty)}",
            where="simulation.evaluation.civilization_index.dimensions",
        )
    fb = ci.feedback
    if fb.enabled and fb.bottom_districts >= n_d:
        raise ScenarioError(
            f"bottom_districts must be below the {n_d} districts (else every district is raised)",
            where="simulation.evaluation.civilization_index.feedback.bottom_districts",
        )
    weights = np.array([d.weight for d in ci.dimensions] or [1.0])
    return IndexPart(matrix=matrix, top=top, weights=weights, names=names)


def _setup(run: Run) -> IndexState:
    return IndexState(effort=np.ones(len(run.ckp.districts) + 1))


def publish(run: Run, day: int) -> None:
    """Compute, rank and record today's index; with feedback, raise the bottom districts."""
    part: IndexPart = run.part("civilization_index")
    ci = run.params.evaluation.civilization_index
    n_d, n_dims = part.top.shape
    points = (part.matrix @ run.state.effective().astype(np.float64)).reshape(n_d, n_dims)
    present = part.top > 0
    scores = np.where(present, 100 * points / np.where(present, part.top, 1.0), np.nan)
    w = np.where(present, part.weights, 0.0)
    index = np.nansum(scores * w, axis=1) / w.sum(axis=1)
    ranks = rank_desc(index)
    fb = ci.feedback
    raised = ranks > n_d - fb.bottom_districts if fb.enabled else np.zeros(n_d, dtype=bool)
    st: IndexState = run["civilization_index"]
    st.effort[:n_d] = np.where(raised, 1.0 + fb.effort_rise, 1.0)
    rec = run.records.civilization_index
    names = run.ckp.districts
    for d in range(n_d):
        rec.append((day, names[d], INDEX, float(index[d]), int(ranks[d]), bool(raised[d])))
    if ci.dimensions:
        for j, name in enumerate(part.names):
            dim_ranks = rank_desc(np.nan_to_num(scores[:, j], nan=-np.inf))
            for d in range(n_d):
                rec.append(
                    (day, names[d], name, float(scores[d, j]), int(dim_ranks[d]), bool(raised[d]))
                )


def publications(env: simpy.Environment, run: Run) -> Process:
    """Publish the index every ``publish_every_days``, the first after one period."""
    every = run.params.evaluation.civilization_index.publish_every_days
    while env.now + every < run.days:
        yield env.timeout(every)
        publish(run, int(env.now))


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(publications(env, run))


MECHANISM = Mechanism(
    "civilization_index",
    enabled=_on,
    prepare=_prepare,
    setup=_setup,
    start=_start,
)
