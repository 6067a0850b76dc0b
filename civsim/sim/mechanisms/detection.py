"""Detection: how problems are found, each found problem opening a rectification order.

Four sources look for problems (checkpoints with an open defect, :mod:`.defects`,
or below the compliance threshold):

- mock tests (模拟测评) every ``self_check_interval_days``: a sample of places
  by type, and a review of every material checkpoint;
- covert visits (暗访) by supervisors: a smaller sample at the same cadence;
- residents' reports (市民随手拍): each problem checkpoint with chance
  ``citizen_report_rate`` a day;
- a smart platform (一网统管) where it is switched on, with each checkpoint's
  own daily rate;
- the platform's funded modules (a budget line of effect ``detection``): each
  line looks at its checkpoints with its own daily rate, from streams of their
  own (``funded_looks``, ``funded_thinning``), so a variant without a line
  keeps every look of the platform and the residents (counted as the
  platform's);
- merged grid teams (网格化管理) where another mechanism puts them (the
  urban-village plan's grid integration, :mod:`.urban_villages`): each looks
  only at its own checkpoints (``grid_targets``), with its own daily rate
  there, and reports through the platform (counted as the platform's).

Residents' reports, the platform, the funded modules' looks and the grid teams'
are found in turn in one compiled call a day
(:func:`civsim.sim.kernels.find_problems`, :data:`SOURCES`); a problem two
sources find counts for the first. Each source draws from its own
streams, so a grid team switched on or a funded line bought changes none of the
platform's or the residents' looks (common random numbers: the platform looks at
every checkpoint with its largest rate and thins, so a rate added to the
platform's would redraw them all). Each mock test is also scored as the field
inspection would score its sample (a share of the observations passed,
points-weighted by standard; stream ``mock_test_scores``), the figure a city's
office reports (docs/domain.md §2: one mock test scored 70.1%). Fundable effect:
``detection`` (the funded modules' rate raised for the line's duration).
Parameters: ``simulation.detection``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import simpy

from civsim import scoring
from civsim.city import City
from civsim.scenario import Scenario
from civsim.sim import kernels
from civsim.sim.engine import Run
from civsim.sim.mechanisms.deliveries import Delivery
from civsim.sim.mechanisms.rectification import open_orders
from civsim.sim.registry import Mechanism, Process
from civsim.sim.sampling import quotas, sample_places

__all__ = ["MECHANISM", "SOURCES", "DetectionPart", "DetectionState"]

#: The daily looks' sources, in the order they find (a problem two find is the first's):
#: the stream of their words, of their coins (None: not thinned).
SOURCES = (
    ("citizen_reports", None),
    ("platform", "platform_thinning"),
    ("funded_looks", "funded_thinning"),
    ("grid_looks", "grid_thinning"),
)
_THINNED = np.array([coins is not None for _, coins in SOURCES])
_FIELD = np.empty(0, dtype=np.int64)  # a source without targets looks at the field


@dataclass(frozen=True)
class DetectionPart:
    """What every replication shares: sample plans and the material checkpoints."""

    self_check_plan: list[int]
    covert_visit_plan: list[int]
    material: np.ndarray


@dataclass
class DetectionState:
    """The platform's daily detection rates per checkpoint, their largest values, reports, tests.

    ``reports`` lists the problems residents reported and the platform flagged
    each day as ``(day, checkpoints, first order, residents')``: the first
    ``residents'`` checkpoints are the residents', and checkpoint j's order is
    ``first + j`` (-1: no order, as rectification is off). Residents'
    satisfaction reads how they were acted on (:mod:`.satisfaction`).
    ``mock_tests`` holds ``(day, checkpoints sampled, score)`` of every mock
    test, the score a share (0..1) of the field inspection's points.
    ``report_factor`` scales ``citizen_report_rate``: residents aware of the
    campaign report more (:mod:`.mobilisation`; 1 without it). Grid teams look
    at ``grid_targets`` (distinct checkpoints; none by default), each with the
    daily chance ``grid_rate`` (largest ``grid_max``; 0 where no team works yet).
    ``detect_extra`` is the platform's own rate (largest ``detect_max``),
    ``funded_rate`` the funded modules' (largest ``funded_max``; 0 where no
    funded line runs). ``word_keys`` and ``coin_keys`` are the keys of each
    source's keyed words and coins (:data:`SOURCES`; 0: no coins).
    """

    detect_extra: np.ndarray
    detect_max: float
    grid_rate: np.ndarray
    funded_rate: np.ndarray
    word_keys: np.ndarray
    coin_keys: np.ndarray
    report_factor: float = 1.0
    funded_max: float = 0.0
    grid_targets: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    grid_max: float = 0.0
    reports: list[tuple[int, np.ndarray, int, int]] = field(default_factory=list)
    mock_tests: list[tuple[int, int, float]] = field(default_factory=list)

    def raise_funded_rate(self, idx: np.ndarray, rate: float) -> None:
        """The funded modules' daily rate at ``idx`` moves by ``rate``: a line starts or ends."""
        self.funded_rate[idx] += np.float32(rate)
        self.funded_max = float(self.funded_rate.max(initial=0.0))

    def raise_grid_rate(self, idx: np.ndarray, rate: float) -> None:
        """A grid team starts work at ``idx`` (among ``grid_targets``): ``rate`` more a day."""
        self.grid_rate[idx] += np.float32(rate)
        self.grid_max = float(self.grid_rate.max(initial=0.0))


def _prepare(scenario: Scenario, city: City, allocation: pd.DataFrame) -> DetectionPart:
    det = scenario.simulation.detection
    ckp = city.checkpoints
    return DetectionPart(
        self_check_plan=quotas(ckp, det.self_check_places),
        covert_visit_plan=quotas(ckp, det.covert_visit_places),
        material=np.flatnonzero(~ckp.field),
    )


def _setup(run: Run) -> DetectionState:
    det = run.params.detection
    extra = np.where(run.ckp.field & det.platform, det.platform_detection_rate, 0.0)
    extra = extra.astype(np.float32)
    return DetectionState(
        detect_extra=extra,
        detect_max=float(extra.max(initial=0.0)),
        grid_rate=np.zeros(run.ckp.n, dtype=np.float32),
        funded_rate=np.zeros(run.ckp.n, dtype=np.float32),
        word_keys=np.array([run.key(words) for words, _ in SOURCES], dtype=np.uint64),
        coin_keys=np.array([run.key(c) if c else 0 for _, c in SOURCES], dtype=np.uint64),
    )


def _report(run: Run, found: np.ndarray, source: str) -> None:
    """Open an order for each found problem without one (distinct, in order), counted by source."""
    found = np.sort(found[~run.state.has_order[found]])
    run.count(source, len(found))
    if len(found):
        open_orders(run, found)


def _visit(run: Run, rng: np.random.Generator, plan: list[int], kind: str) -> np.ndarray:
    """One visit of kind ``kind``: sample places by ``plan``, report their problems.

    Returns the checkpoints sampled.
    """
    run.count(kind, 1)
    sampled = sample_places(run.ckp, rng, plan)
    _report(run, run.state.problems(sampled), f"problem_{kind}")
    return sampled


def _score_mock_test(run: Run, sampled: np.ndarray) -> None:
    """Score a mock test's sample as the field inspection would (a share of its points).

    Scored on the condition the testers saw (opening orders changes no
    condition); the pass draws come from their own stream, so no other draw moves.
    """
    ckp = run.ckp
    share = scoring.field_inspection(
        run.state.effective(),
        sampled,
        ckp.observations,
        ckp.standard,
        ckp.standard_points,
        1.0,
        run.rng("mock_test_scores"),
    )
    st: DetectionState = run["detection"]
    st.mock_tests.append((int(run.env.now), len(sampled), share))


def self_checks(env: simpy.Environment, run: Run) -> Process:
    """Mock tests (模拟测评): sample places, and review every material checkpoint."""
    det = run.params.detection
    part: DetectionPart = run.part("detection")
    rng = run.rng("self_checks")
    while True:
        yield env.timeout(det.self_check_interval_days)
        sampled = _visit(run, rng, part.self_check_plan, "self_check")
        _score_mock_test(run, sampled)
        _report(run, run.state.problems(part.material), "problem_material_review")


def covert_visits(env: simpy.Environment, run: Run) -> Process:
    """Covert visits (暗访) by supervisors: a smaller sample, at the same cadence all cycle."""
    det = run.params.detection
    part: DetectionPart = run.part("detection")
    rng = run.rng("covert_visits")
    while True:
        yield env.timeout(det.covert_visit_interval_days)
        _visit(run, rng, part.covert_visit_plan, "covert_visit")


def _looks(run: Run, stream: str, n: int, p: float) -> int:
    """How many looks of ``n`` checkpoints a source makes today, each with chance ``p``.

    Rather than a draw per checkpoint, draw how many are looked at (Binomial)
    and which ones from the day's first keyed words (:func:`civsim.sim.kernels.find_problems`):
    a cost proportional to the looks, not to the city's size. The count is drawn
    from the stream as it starts the day: a variant that looks more or less than
    another, today or before, shares its looks. Nothing is drawn at ``p = 0``.
    """
    if p <= 0 or not n:
        return 0
    return int(run.on_day(stream, int(run.env.now)).binomial(n, min(p, 1.0)))


def _finds(run: Run, st: DetectionState) -> tuple[np.ndarray, np.ndarray]:
    """Today's new problems of each source in turn (:data:`SOURCES`), and how many each found.

    Residents report at ``citizen_report_rate`` (times ``report_factor``); the
    platform, its funded modules and the grid teams look at their largest rate and
    thin (none while no line runs, none until a team works), all in one compiled call
    (:func:`civsim.sim.kernels.find_problems`).
    """
    n_field, state = run.ckp.n_field, run.state
    p_max = np.array(
        [
            run.params.detection.citizen_report_rate * st.report_factor,
            st.detect_max,
            st.funded_max,
            st.grid_max,
        ]
    )
    among = (n_field, n_field, n_field, len(st.grid_targets))
    looks = np.array(
        [_looks(run, s[0], n, p) for s, n, p in zip(SOURCES, among, p_max, strict=True)]
    )
    return kernels.find_problems(
        int(run.env.now),
        st.word_keys,
        st.coin_keys,
        looks,
        p_max,
        _THINNED,
        (_FIELD, _FIELD, _FIELD, st.grid_targets),
        (st.detect_extra, st.detect_extra, st.funded_rate, st.grid_rate),
        n_field,
        state.condition,
        state.defect,
        state.threshold,
        state.has_order,
        *state.lifts(),
    )


def daily_reports(env: simpy.Environment, run: Run) -> Process:
    """Problems residents report and the platform flags every day, each opening an order.

    What the residents find counts as theirs; what the platform, its funded modules
    and the grid teams find counts as the platform's.
    """
    st: DetectionState = run["detection"]
    while True:
        found, counts = _finds(run, st)
        n_reported = int(counts[0])
        run.count("problem_citizen_report", n_reported)
        run.count("problem_platform", len(found) - n_reported)
        if len(found):
            first = open_orders(run, found)
            st.reports.append((int(env.now), found, first, n_reported))
        yield env.timeout(1)


def _finish(run: Run) -> None:
    """Hand the mock tests' scores to the records."""
    st: DetectionState = run["detection"]
    run.records.mock_tests.extend(st.mock_tests)


def _start(env: simpy.Environment, run: Run) -> None:
    env.process(daily_reports(env, run))
    env.process(self_checks(env, run))
    env.process(covert_visits(env, run))


def _boost(run: Run, d: Delivery, idx: np.ndarray, units: int, day: int, end: int) -> None:
    """A ``detection`` line raises the funded modules' rate by ``effect_size`` until ``end``."""
    run["detection"].raise_funded_rate(idx, d.size)
    run.env.process(_revert(run.env, run, idx, d.size, end - day))


def _revert(env: simpy.Environment, run: Run, idx: np.ndarray, size: float, after: int):
    """End a funded detection boost after its duration."""
    yield env.timeout(after)
    run["detection"].raise_funded_rate(idx, -size)


MECHANISM = Mechanism(
    "detection",
    prepare=_prepare,
    setup=_setup,
    start=_start,
    finish=_finish,
    streams=(
        "self_checks",
        "covert_visits",
        "citizen_reports",
        "platform",
        "platform_thinning",
        "mock_test_scores",
        "grid_looks",
        "grid_thinning",
        "funded_looks",
        "funded_thinning",
    ),
    events=(
        "self_check",
        "covert_visit",
        "problem_self_check",
        "problem_material_review",
        "problem_covert_visit",
        "problem_citizen_report",
        "problem_platform",
    ),
    effects={"detection": _boost},
    enabled=lambda scenario: scenario.simulation.detection.enabled,
)
