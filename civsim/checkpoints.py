"""The checkpoint structure of a city: one array entry per checkpoint.

A checkpoint is a (standard, place) pair for field standards and a (standard,
unit) pair for material standards: a row of the task table. Checkpoints are
sorted by district (material ones, which belong to the city, last), so every
per-district operation is a slice. The arrays are built once per city
(:func:`civsim.city.build_city`) and shared, read-only, by every variant and
replication that simulates it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from civsim.errors import CivsimError
from civsim.places import CITY
from civsim.scenario import Scenario

__all__ = ["CITY", "RUN_LENGTH", "Checkpoints", "build_checkpoints"]

#: Checkpoints summed in float32 before the sums go on in float64 (the weekly record).
RUN_LENGTH = 256


@dataclass(frozen=True)
class Checkpoints:
    """Read-only description of every checkpoint, aligned on one index.

    Attributes
    ----------
    n : int
        Number of checkpoints.
    field : numpy.ndarray of bool
        True for field checkpoints, False for material ones.
    district : numpy.ndarray of int
        Index into ``districts`` (material checkpoints: ``len(districts)``, the city).
    district_slices : list of slice
        The checkpoints of each district, in ``districts`` order.
    standard, place, place_type, unit : numpy.ndarray of int
        Indices into the label arrays below (``place`` is -1 for material).
    decay : numpy.ndarray of float
        Daily decay rate of the checkpoint's standard.
    staffing : numpy.ndarray of float
        Share of full routine effort the checkpoint's responsible person can give
        (``capacity / load``, at most 1); the simulation's upkeep is the upkeep
        rate times this.
    unstaffed : numpy.ndarray of bool
        Nobody is responsible (the simulation gives ``unstaffed_effort`` instead).
    has_coop : numpy.ndarray of bool
        The standard has cooperating units (orders wait for coordination).
    """

    n: int
    field: np.ndarray
    district: np.ndarray
    district_slices: list[slice]
    city_slice: slice
    standard: np.ndarray
    place: np.ndarray
    place_type: np.ndarray
    unit: np.ndarray
    decay: np.ndarray
    staffing: np.ndarray
    unstaffed: np.ndarray
    has_coop: np.ndarray
    districts: np.ndarray
    standards: np.ndarray
    places: np.ndarray
    place_types: np.ndarray
    units: np.ndarray
    district_population: np.ndarray
    holders: np.ndarray
    holder_staff: np.ndarray
    points: pd.DataFrame
    standard_points: np.ndarray
    observations: np.ndarray
    type_places: list[np.ndarray]
    type_sample_weight: np.ndarray
    place_ckp_ptr: np.ndarray
    place_ckp_idx: np.ndarray
    weights: dict[str, tuple[sparse.csr_matrix, pd.Index]] = dataclasses.field(repr=False)
    shadow_rows: int
    shadow_groups: pd.DataFrame = dataclasses.field(repr=False)
    condition_count: np.ndarray = dataclasses.field(repr=False)
    run_starts: np.ndarray = dataclasses.field(repr=False)
    run_of: np.ndarray = dataclasses.field(repr=False)
    record_matrix: sparse.csr_matrix = dataclasses.field(repr=False)

    @property
    def n_field(self) -> int:
        """Number of field checkpoints: they come first, ``0 .. n_field - 1``."""
        return self.city_slice.start

    @property
    def district_labels(self) -> np.ndarray:
        """The districts' ids, then ``CITY`` (the labels of ``district`` codes)."""
        return np.append(self.districts.astype(object), CITY)

    def record(self, condition: np.ndarray, delta: np.ndarray | None = None) -> np.ndarray:
        """The shadow score of every group, then the mean condition per (district, place type).

        Every weight is the same across a run of checkpoints sharing district,
        standard and place type, so the runs' sums (one pass over the
        checkpoints) times a small matrix give all of them at once. A run is
        at most ``RUN_LENGTH`` checkpoints, summed in float32 (relative error
        below 2e-5), then in float64.
        ``delta`` is added to the runs' sums (float64, one per run of
        ``run_starts``): what the lifted checkpoints add, without a copy
        (:meth:`civsim.sim.state.State.record`).
        """
        sums = np.add.reduceat(condition, self.run_starts).astype(np.float64)
        if delta is not None:
            sums += delta
        return self.record_matrix @ sums


def build_checkpoints(
    scenario: Scenario,
    tasks: pd.DataFrame,
    districts: pd.DataFrame,
    district_staff: np.ndarray,
):
    """Build the checkpoint arrays of a scenario from its task table.

    Parameters
    ----------
    scenario : Scenario
        Must have a framework.
    tasks : pandas.DataFrame
        The task table of :func:`civsim.tasks.decompose`.
    districts : pandas.DataFrame
        The territory's districts (``id``, ``population``).
    district_staff : numpy.ndarray
        Street and community staff per district, who rectify the field problems
        handed to the territory (属地).

    Returns
    -------
    Checkpoints
    """
    fw = scenario.framework
    if fw is None:
        raise CivsimError(f"scenario {scenario.name!r} has no framework to simulate")
    std = pd.DataFrame([s.model_dump() for s in fw.standards]).set_index("id")
    ckp = tasks[tasks["method"].isin(["field", "material"])].copy()
    ckp = ckp[~ckp["standard"].map(std["negative"]).astype(bool)]
    ckp["is_field"] = ckp["method"] == "field"
    district_ids = districts["id"].to_numpy()
    order = {d: i for i, d in enumerate(district_ids)}
    ckp["d"] = ckp["district"].astype(object).map(order).fillna(len(district_ids)).astype(int)
    ckp.loc[~ckp["is_field"], "d"] = len(district_ids)
    # place type before place: every (district, standard, place type) is then one run of
    # checkpoints, and the weekly record sums runs instead of multiplying a matrix
    ckp = ckp.sort_values(["d", "standard", "place_type", "place"], kind="stable").reset_index(
        drop=True
    )
    if ckp.empty:
        raise CivsimError(f"scenario {scenario.name!r} has no field or material checkpoints")

    def codes(col: str) -> tuple[np.ndarray, np.ndarray]:
        values = ckp[col].astype(object).where(ckp[col].notna(), "")
        c, labels = pd.factorize(values, sort=True)
        return c.astype(np.int32), np.asarray(labels, dtype=object)

    standard, standards = codes("standard")
    place, places = codes("place")
    place[ckp["place"].isna().to_numpy()] = -1
    place_type, place_types = codes("place_type")
    unit, units = codes("lead_unit")
    item, items = codes("item")
    d = ckp["d"].to_numpy(dtype=np.int32)
    bounds = np.searchsorted(d, np.arange(len(district_ids) + 1))
    slices = [slice(int(bounds[i]), int(bounds[i + 1])) for i in range(len(district_ids))]
    staff = {u.id: u.staff for u in scenario.organisation.units}
    coop = ckp["cooperating_units"].astype(object).fillna("").astype(str).str.len() > 0
    unit_staff = np.array([staff.get(u, 0) for u in units], dtype=np.float64)
    staffing, unstaffed = _staffing(ckp, scenario)
    observations = _observations(ckp, place, fw)
    mass = _inspection_mass(ckp, standard, place, place_type, observations, place_types, fw)
    weights = _weights(ckp, std, scenario, len(district_ids), standard, item, items, mass)
    shadow = sparse.vstack([m for m, _ in weights.values()], format="csr")
    key = np.stack([d, standard, place_type])
    new_key = np.r_[True, np.any(key[:, 1:] != key[:, :-1], axis=0)]
    position = np.arange(len(ckp)) - np.maximum.accumulate(
        np.where(new_key, np.arange(len(ckp)), 0)
    )
    by_place = np.argsort(place, kind="stable")
    starts_run = new_key | (position % RUN_LENGTH == 0)
    run_starts = np.flatnonzero(starts_run)
    is_field = ckp["is_field"].to_numpy()
    cond, count = _condition_means(
        np.flatnonzero(is_field), d, place_type, len(district_ids), len(place_types), len(ckp)
    )
    return Checkpoints(
        n=len(ckp),
        field=ckp["is_field"].to_numpy(),
        district=d,
        district_slices=slices,
        city_slice=slice(int(bounds[-1]), len(ckp)),
        standard=standard,
        place=place,
        place_type=place_type,
        unit=unit,
        decay=ckp["standard"].map(std["decay_per_day"]).to_numpy(dtype=np.float64),
        staffing=staffing,
        unstaffed=unstaffed,
        has_coop=coop.to_numpy(),
        districts=district_ids,
        standards=standards,
        places=places,
        place_types=place_types,
        units=units,
        district_population=districts["population"].to_numpy(dtype=np.int64),
        # who can hold a rectification order: the lead units, then each district's street offices
        holders=np.concatenate([units, district_ids.astype(object)]),
        holder_staff=np.concatenate([unit_staff, district_staff]),
        points=std[
            [
                "points",
                "method",
                "negative",
                "negative_effect",
                "negative_points",
                "incidents_per_year",
                "lead_unit",
            ]
        ],
        standard_points=std["points"].reindex(standards).to_numpy(dtype=float),
        observations=observations,
        type_places=[
            np.unique(place[(place_type == t) & (place >= 0)]) for t in range(len(place_types))
        ],
        type_sample_weight=_sample_weights(place_types, fw),
        place_ckp_ptr=np.searchsorted(place[by_place], np.arange(len(places) + 1)),
        place_ckp_idx=by_place,
        weights=weights,
        shadow_rows=shadow.shape[0],
        shadow_groups=_shadow_groups(weights, district_ids),
        condition_count=count,
        run_starts=run_starts,
        run_of=(np.cumsum(starts_run) - 1).astype(np.int32),
        # the weekly record: shadow groups, then mean condition per (district, place type),
        # each a weight per run of checkpoints (the weight of the run's first checkpoint)
        record_matrix=sparse.vstack([shadow, cond], format="csc")[:, run_starts].tocsr(),
    )


def _condition_means(
    f: np.ndarray, d: np.ndarray, place_type: np.ndarray, n_d: int, n_types: int, n: int
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """One sparse row per (district, place type) averaging its field checkpoints."""
    group = d[f] * n_types + place_type[f]
    count = np.bincount(group, minlength=n_d * n_types)
    weights = (1.0 / count[group]).astype(np.float32)
    return sparse.csr_matrix((weights, (group, f)), shape=(n_d * n_types, n)), count


def _shadow_groups(weights: dict, district_ids: np.ndarray) -> pd.DataFrame:
    """Method, district and item of each row of the stacked shadow matrix."""
    labels = np.append(district_ids.astype(object), CITY)
    parts = [
        pd.DataFrame(
            {
                "method": key.split(":")[0],
                "district": labels[keys.get_level_values(0).to_numpy(dtype=int)],
                "item": keys.get_level_values(1).to_numpy(dtype=object),
            }
        )
        for key, (_, keys) in weights.items()
    ]
    return pd.concat(parts, ignore_index=True)


def _observations(ckp: pd.DataFrame, place: np.ndarray, fw) -> np.ndarray:
    """Observations an inspector makes per checkpoint: the place's share, at least one."""
    per_place = {t.id: t.observations_per_place for t in fw.place_types}
    obs = ckp["place_type"].astype(object).map(per_place).fillna(1).to_numpy(dtype=float)
    # material checkpoints (place -1) are at no place: they must not crowd place 0
    at_place = np.bincount(place[place >= 0], minlength=max(int(place.max()) + 1, 1))
    at_place = at_place[np.maximum(place, 0)]
    return np.maximum(1, obs // np.maximum(at_place, 1)).astype(np.int64)


def _inspection_mass(
    ckp: pd.DataFrame,
    standard: np.ndarray,
    place: np.ndarray,
    place_type: np.ndarray,
    observations: np.ndarray,
    place_types: np.ndarray,
    fw,
) -> np.ndarray:
    """Expected observations an inspection makes of each field checkpoint, up to a constant.

    An inspection samples places by type in proportion to ``sample_per_visit``
    (``s_t``) from the city's ``N_t`` places of type ``t``, and observes a
    checkpoint of standard ``s`` there ``o_st`` times (the mean over the
    pair's checkpoints), so its expected observations are ``s_t / N_t * o_st``.
    A standard's pass rate pools its observations, so within a standard a
    checkpoint weighs in proportion to this mass: a place type with few places
    and a large sample (railway stations) weighs far more per place than one
    with many (back alleys). Constant within a (standard, place type) pair.
    Material checkpoints get 1 (each weighs the same in the review).
    """
    field = ckp["is_field"].to_numpy()
    n_types = len(place_types)
    per_type = np.zeros(n_types)
    for t in range(n_types):
        per_type[t] = len(np.unique(place[field & (place_type == t) & (place >= 0)]))
    share = _sample_weights(place_types, fw) / np.maximum(per_type, 1)
    pair = standard.astype(np.int64) * n_types + place_type
    _, inverse = np.unique(pair, return_inverse=True)
    obs = np.bincount(inverse, weights=observations) / np.bincount(inverse)
    return np.where(field, share[place_type] * obs[inverse], 1.0)


def _sample_weights(place_types: np.ndarray, fw) -> np.ndarray:
    """Each place type's share of an inspection sample (``sample_per_visit``)."""
    plan = {t.id: t.sample_per_visit for t in fw.place_types}
    return np.array([plan.get(t, 0) for t in place_types], dtype=float)


def _staffing(ckp: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """Share of full routine effort each checkpoint gets from its responsible person.

    A person whose tasks need more hours a year than they have spreads their
    hours thinly: each of their checkpoints gets ``capacity / load``. Also
    returns which checkpoints have nobody responsible (the simulation gives
    them its ``unstaffed_effort``).
    """
    cap = scenario.workload
    person = ckp["person"].astype(object)
    load = ckp.groupby(person, sort=False)["hours_per_year"].transform("sum")
    # Field tasks are done by grid workers; unit posts (``unit:postK``) do the rest.
    is_worker = ckp["is_field"] & ~person.astype(str).str.contains(":", regex=False)
    capacity = np.where(is_worker, cap.grid_worker_hours_per_year, cap.hours_per_staff_year)
    hours = load.to_numpy(dtype=float)
    share = np.minimum(1.0, np.divide(capacity, hours, out=np.ones_like(hours), where=hours > 0))
    nobody = person.isna() | (person.astype(str) == "")
    return share, nobody.to_numpy()


def _weights(
    ckp: pd.DataFrame,
    std: pd.DataFrame,
    scenario: Scenario,
    n_districts: int,
    standard: np.ndarray,
    item: np.ndarray,
    items: np.ndarray,
    mass: np.ndarray,
):
    """Sparse matrices turning the condition vector into shadow scores per group.

    For a method M with cycle points P_M, a group's score is
    ``P_M * sum_s points_s * mean_condition_s / sum_s points_s`` over the
    method's standards s, the mean taken over the group's checkpoints of s,
    each weighted by its :func:`_inspection_mass` (the share of the standard's
    observations an inspection expects there), so the field shadow score is
    what the covert inspection expects to score that day.
    Groups are (district, item) for field and (city, item) for material and
    field; each row of a matrix is one group, so ``W @ condition`` is the
    score of every group at once. Groups are keyed by integer codes (a pandas
    MultiIndex over every checkpoint would cost seconds at city scale).
    """
    cycle = scenario.cycle
    method_of = ckp["method"].astype(str).to_numpy()
    district_of = ckp["d"].to_numpy(dtype=np.int64)
    points = ckp["standard"].map(std["points"]).to_numpy(dtype=float)
    n_std, n_items = int(standard.max()) + 1, len(items)
    out = {}
    for method, total_points in (
        ("field", cycle.field_points),
        ("material", cycle.material_points),
    ):
        rows = np.flatnonzero(method_of == method)
        if not len(rows):
            continue
        method_total = std.loc[(std["method"] == method) & ~std["negative"], "points"].sum()
        for scope in ("district", "city"):
            if scope == "district" and method == "material":
                continue
            d = district_of[rows] if scope == "district" else np.full(len(rows), n_districts)
            _, per_pair = np.unique(d * n_std + standard[rows], return_inverse=True)
            share = mass[rows] / np.bincount(per_pair, weights=mass[rows])[per_pair]
            w = total_points * points[rows] / max(method_total, 1e-12) * share
            keys, g = np.unique(d * n_items + item[rows], return_inverse=True)
            labels = pd.MultiIndex.from_arrays([keys // n_items, items[keys % n_items]])
            mat = sparse.csr_matrix((w.astype(np.float32), (g, rows)), shape=(len(keys), len(ckp)))
            out[f"{method}:{scope}"] = (mat, labels)
    return out
