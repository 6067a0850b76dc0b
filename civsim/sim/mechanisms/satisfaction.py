"""Residents' satisfaction as experienced, which the questionnaire reads.

Residents judge what they lived with over months, not the survey day. Each
district's satisfaction (0..1) is

``base_satisfaction + condition_weight * (C - reference_condition)
+ service_weight * (R - reference_resolved_share) - wait_penalty_per_day * W + P``,

clipped to 0..1, where each term is a memory that weighs a day
``memory_half_life_days`` ago half as much as today:

- ``C``, the field condition residents saw (the district means the shadow
  record computes every ``record_every_days``, :mod:`.upkeep`);
- ``R``, the service they got on what they report (12345, 市民随手拍): the
  share of reported problems acted on, their order closed within
  ``report_patience_days``, each counted when its patience has run out. With
  none remembered, ``R`` is the reference; with rectification off none is
  acted on;
- ``W``, the mean days residents waited for volunteer help (:mod:`.volunteers`),
  served or given up;
- ``P``, publicity (the fundable effect ``publicity``, a lift per district and
  day, ``boost``, that fades over the line's duration), remembered likewise.

The reported problems are those residents reported and those the platform
flagged (:mod:`.detection`'s daily pass), not the residents' alone, though
detection tells them apart. A report in the model is the first complaint about
a problem and stands for the many that follow (Beijing's 12345: about 0.2
requests for action per resident a year, docs/domain.md §5); both sources
find problem checkpoints alike and their orders queue at the same units, so
they are acted on alike in expectation, and the platform (一网统管, which
takes in the hotline) gives ten times the sample: on the residents' first
reports alone (about one a day in a county district) a few late orders swung a
district's satisfaction by up to a percentage point at random.

The memory is brought up to a day when :func:`satisfaction` is first asked
about it (the shadow record asks every ``record_every_days``, the evaluation on
its days); the days in between are interpolated. The questionnaire
interviews households across ``period_days`` (:func:`survey_satisfaction`).
Parameters: ``simulation.survey``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from civsim.city import City
from civsim.errors import CivsimError
from civsim.scenario import Scenario
from civsim.sim.engine import Run
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.registry import Mechanism

__all__ = [
    "MECHANISM",
    "SatisfactionPart",
    "SatisfactionState",
    "district_means",
    "remembered",
    "satisfaction",
    "survey_satisfaction",
]


@dataclass(frozen=True)
class SatisfactionPart:
    """What every replication shares: each survey item's share of the survey points."""

    item_shares: pd.Series


@dataclass
class SatisfactionState:
    """Residents' memory per district, and their satisfaction day by day.

    Attributes
    ----------
    boost : numpy.ndarray
        Publicity's lift of satisfaction per district and day (mechanisms write to it).
    history : numpy.ndarray
        Satisfaction per district and day, up to ``day``.
    day : int
        The last day remembered (-1: none yet).
    condition, publicity : numpy.ndarray
        The remembered field condition and publicity per district.
    reports, acted : numpy.ndarray
        Residents' reports settled, and those acted on in time, each weighted by
        how long ago it was settled.
    requests, waited : numpy.ndarray
        Volunteer requests settled (served or dropped), and the days they waited, weighted.
    heard : int
        How many of detection's daily lists of reported problems were counted.
    """

    boost: np.ndarray
    history: np.ndarray
    day: int = -1
    condition: np.ndarray = field(default_factory=lambda: np.zeros(0))
    publicity: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reports: np.ndarray = field(default_factory=lambda: np.zeros(0))
    acted: np.ndarray = field(default_factory=lambda: np.zeros(0))
    requests: np.ndarray = field(default_factory=lambda: np.zeros(0))
    waited: np.ndarray = field(default_factory=lambda: np.zeros(0))
    heard: int = 0


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> SatisfactionPart:
    """Each item's share of the survey points (by its survey standards' points)."""
    fw = city.framework
    rows = [(s.content, s.points) for s in fw.standards if s.method == "survey" and not s.negative]
    if not rows:
        return SatisfactionPart(pd.Series(dtype=float))
    item_of = {c.id: c.item for c in fw.contents}
    pts = (
        pd.Series([p for _, p in rows], index=[item_of[c] for c, _ in rows]).groupby(level=0).sum()
    )
    return SatisfactionPart(pts / pts.sum())


def _setup(run: Run) -> SatisfactionState:
    nd, horizon = len(run.ckp.districts), run.days + 1
    zeros = np.zeros(nd)
    return SatisfactionState(
        boost=np.zeros((nd, horizon)),
        history=np.zeros((nd, horizon)),
        condition=zeros.copy(),
        publicity=zeros.copy(),
        reports=zeros.copy(),
        acted=zeros.copy(),
        requests=zeros.copy(),
        waited=zeros.copy(),
    )


def district_means(run: Run, type_means: np.ndarray) -> np.ndarray:
    """Mean field condition per district from its means per place type (recorded rows)."""
    count = run.ckp.condition_count.reshape(len(run.ckp.districts), -1)
    total = (type_means.reshape(count.shape) * count).sum(axis=1)
    n = count.sum(axis=1)
    reference = run.params.survey.reference_condition
    return np.divide(total, n, out=np.full(len(n), reference), where=n > 0)


def satisfaction(run: Run, day: int, field_mean: np.ndarray | None = None) -> np.ndarray:
    """Residents' satisfaction (0..1) per district on ``day``, as experienced.

    Brings the residents' memory up to ``day`` the first time a day is asked
    about (days are asked in order; an earlier day reads its recorded value).
    ``field_mean`` is each district's mean field condition today as residents
    see it; computed from the state when not given.
    """
    st: SatisfactionState = run["satisfaction"]
    if day > st.day:
        if field_mean is None:
            field_mean = district_means(run, run.state.record(run.ckp)[run.ckp.shadow_rows :])
        _remember(run, st, day, field_mean)
    return st.history[:, day].copy()


def survey_satisfaction(run: Run, first_day: int, days: int) -> np.ndarray:
    """Satisfaction per district averaged over the survey period ``first_day`` .. + ``days`` - 1.

    Each household is interviewed on one day of the period, the days equally
    often: a district's share of satisfied households is, in expectation, its
    satisfaction averaged over the period. Interviewing stops on the
    simulation's day: a period still running (the year is scored before it
    ends) is cut there.

    Raises
    ------
    CivsimError
        If the period starts after the simulation's day (nobody interviewed yet).
    """
    today = int(run.env.now)
    if first_day > today:
        raise CivsimError(f"the survey period starts on day {first_day}, after day {today}")
    satisfaction(run, today)
    last = min(first_day + max(days, 1), today + 1)
    return run["satisfaction"].history[:, first_day:last].mean(axis=1)


def remembered(run: Run) -> dict[str, np.ndarray]:
    """What residents remember per district: condition, resolved share, mean wait, publicity.

    The resolved share is the reference where no report is remembered; the
    mean wait is 0 where no request is.
    """
    sv = run.params.survey
    st: SatisfactionState = run["satisfaction"]
    share = np.divide(
        st.acted,
        st.reports,
        out=np.full(len(st.reports), sv.reference_resolved_share),
        where=st.reports > 0,
    )
    wait = np.divide(st.waited, st.requests, out=np.zeros(len(st.requests)), where=st.requests > 0)
    return {"condition": st.condition, "resolved": share, "wait": wait, "publicity": st.publicity}


def _remember(run: Run, st: SatisfactionState, day: int, field_mean: np.ndarray) -> None:
    """Fold what residents lived with since the last remembered day into the memory."""
    sv = run.params.survey
    last = st.day
    # the first look stands for what residents lived with before the cycle
    keep = 0.0 if last < 0 else 0.5 ** ((day - last) / sv.memory_half_life_days)
    st.condition = keep * st.condition + (1 - keep) * field_mean
    lived = st.boost[:, max(last + 1, 0) : day + 1].mean(axis=1)
    st.publicity = keep * st.publicity + (1 - keep) * lived
    settled, acted = _settle_reports(run, st, day)
    st.reports = keep * st.reports + settled
    st.acted = keep * st.acted + acted
    if "volunteers" in run:  # nobody waits for a service that does not run
        vol = run["volunteers"]
        # days before today are complete; today's service may not have run yet
        lo, hi = max(last, 0), day
        st.requests = keep * st.requests + (
            vol.served[:, lo:hi].sum(axis=1) + vol.dropped[:, lo:hi].sum(axis=1)
        )
        st.waited = keep * st.waited + vol.wait_sum[:, lo:hi].sum(axis=1)
    now = _level(run, remembered(run))
    if last < 0:
        st.history[:, : day + 1] = now[:, None]
    else:  # the days between two looks: interpolated
        step = np.arange(1, day - last + 1) / (day - last)
        st.history[:, last + 1 : day + 1] = (
            st.history[:, [last]] + step * (now - st.history[:, last])[:, None]
        )
    st.day = day


def _level(run: Run, memory: dict[str, np.ndarray]) -> np.ndarray:
    """Satisfaction (0..1) from what residents remember."""
    sv = run.params.survey
    sat = (
        sv.base_satisfaction
        + sv.condition_weight * (memory["condition"] - sv.reference_condition)
        + sv.service_weight * (memory["resolved"] - sv.reference_resolved_share)
        - sv.wait_penalty_per_day * memory["wait"]
        + memory["publicity"]
    )
    return np.clip(sat, 0.0, 1.0)


def _settle_reports(run: Run, st: SatisfactionState, day: int) -> tuple[np.ndarray, np.ndarray]:
    """Reported problems whose patience ran out before ``day``, and those acted on, by district.

    A problem counts when its ``report_patience_days`` have passed: acted on if
    its order closed by then (a report's fate is known only then; a week's
    delay against a memory of months). Detection lists each day's problems in
    order, so the day's orders are one slice of the order book.
    """
    nd = len(run.ckp.districts)
    if "detection" not in run:  # nobody reports
        return np.zeros(nd), np.zeros(nd)
    patience = run.params.survey.report_patience_days
    reports = run["detection"].reports
    start = end = st.heard
    while end < len(reports) and reports[end][0] + patience < day:
        end += 1
    st.heard = end
    if end == start:
        return np.zeros(nd), np.zeros(nd)
    closed = run["rectification"].orders.closed if "rectification" in run else None
    settled = reports[start:end]
    # the days' lists joined, then one pass each (a handful of numpy calls per day before)
    district = run.ckp.district[np.concatenate([ckpts for _, ckpts, _, _ in settled])]
    if closed is None:  # rectification off: no order, nobody acted on it
        acted = np.zeros(len(district), dtype=bool)
    else:
        shut = np.concatenate([closed[first : first + len(c)] for _, c, first, _ in settled])
        due = np.repeat([when + patience for when, *_ in settled], [len(c) for _, c, *_ in settled])
        acted = (shut >= 0) & (shut <= due)
    return (
        np.bincount(district, minlength=nd).astype(float),
        np.bincount(district, weights=acted, minlength=nd),
    )


def _publicity(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``publicity`` line lifts satisfaction by ``effect_size``, fading over its duration."""
    fade = np.linspace(1.0, 0.0, end - day, endpoint=False)
    run["satisfaction"].boost[d.district_index, day:end] += units * d.size * fade


def _finish(run: Run) -> None:
    run.records.survey_item_shares = run.part("satisfaction").item_shares


MECHANISM = Mechanism(
    "satisfaction",
    prepare=_prepare,
    setup=_setup,
    finish=_finish,
    effects={"publicity": _publicity},
)
