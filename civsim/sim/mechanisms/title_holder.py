"""Title holders (复查): each year a re-check that can warn the city or strip its title.

A holder's year is scored as a nominee's (:mod:`.evaluation`, with the
minors' part where on, :mod:`.minors`); at the year's end its total is ranked
among the other holders (:func:`civsim.scoring.recheck_rank`, its own stream,
drawn every year so variants stay paired) and the rules decide
(:func:`civsim.scoring.recheck`): a rank in the last places warns,
consecutive ones strip; a disqualifying incident strips at once (or warns);
a year below the minors' threshold strips or warns. Once stripped, the city
holds no title for the rest of the run (``lost``). A warning raises routine
effort through the next year by ``warning_effort`` (:mod:`.upkeep`).

Each year's row of the ``annual`` table gains ``recheck_rank``,
``title_status`` (kept, warned, stripped, lost) and ``title_held`` (after the
re-check); the ``cycle`` table gains ``holder``, ``years_held`` (re-checks
passed) and its ``title`` is whether the city still holds the title at the
end (the nominee's rank and quota stay as scored). Parameters:
``simulation.evaluation.title_holder``; off by default (a nominee). Runs
longer than one cycle: set ``cycle.years`` (up to 10) and its weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from civsim import scoring
from civsim.scenario import Scenario
from civsim.scenario.schema.title import TitleHolder
from civsim.sim.engine import Run
from civsim.sim.registry import Mechanism

__all__ = ["MECHANISM", "HolderState", "recheck_year", "replay"]


@dataclass
class HolderState:
    """One replication's holder: the title, the run of last places, the effort multiple."""

    held: bool
    run: int
    effort: float = 1.0


def _on(scenario: Scenario) -> bool:
    return scenario.simulation.evaluation.title_holder.enabled


def _setup(run: Run) -> HolderState:
    return HolderState(held=True, run=run.params.evaluation.title_holder.last_places_before)


def recheck_year(
    th: TitleHolder, rank: int, run: int, disqualified: bool, passed: bool
) -> tuple[str, int]:
    """One re-check of a city holding the title, under the rules ``th``.

    A disqualifying incident strips (or, with ``strip_on_disqualification``
    off, warns); a year below the minors' threshold (``passed`` False) strips
    or warns as ``below_precondition`` says; then the ranking rule
    (:func:`civsim.scoring.recheck`). Returns the status and the run of last
    places after it.

    Examples
    --------
    >>> th = TitleHolder(enabled=True, peer_group_size=10, last_places=3)
    >>> recheck_year(th, 9, 0, False, True), recheck_year(th, 1, 0, False, False)
    (('warned', 1), ('stripped', 0))
    """
    failed = not passed
    return scoring.recheck(
        rank,
        th.peer_group_size,
        th.last_places,
        run,
        th.consecutive_years,
        strip=(disqualified and th.strip_on_disqualification)
        or (failed and th.below_precondition == "strip"),
        warn=disqualified or failed,
    )


def replay(
    th: TitleHolder, ranks: Sequence[int], disqualified: Sequence[bool], passed: Sequence[bool]
) -> list[str]:
    """Each year's status under the rules ``th``, from the years' ranks and flags as drawn.

    Examples
    --------
    >>> th = TitleHolder(enabled=True, peer_group_size=10, last_places=3)
    >>> replay(th, [9, 8, 1], [False] * 3, [True] * 3)
    ['warned', 'stripped', 'lost']
    >>> replay(th.model_copy(update={"last_places": 1}), [9, 8, 1], [False] * 3, [True] * 3)
    ['kept', 'kept', 'kept']
    """
    run, held, out = th.last_places_before, True, []
    for rank, disq, ok in zip(ranks, disqualified, passed, strict=True):
        status = "lost"
        if held:
            status, run = recheck_year(th, int(rank), run, bool(disq), bool(ok))
            held = status != "stripped"
        out.append(status)
    return out


def _recheck(run: Run, year: int) -> None:
    """Rank the year's total among the holders and apply the rules."""
    th = run.params.evaluation.title_holder
    st: HolderState = run["title_holder"]
    row = run.records.annual[-1]
    rank = scoring.recheck_rank(
        row["score"], th.peer_group_size, th.peer_mean, th.peer_sd, run.rng("title_holder")
    )
    status = "lost"
    if st.held:
        passed = row.get("precondition_passed", True)
        status, st.run = recheck_year(th, rank, st.run, row["disqualified"], passed)
        st.held = status != "stripped"
    st.effort = 1.0 + th.warning_effort if status == "warned" else 1.0
    row.update(recheck_rank=rank, title_status=status, title_held=st.held)


def _finish(run: Run) -> None:
    """The cycle's holder outcome: years held, and the title at the end."""
    st: HolderState = run["title_holder"]
    held = sum(bool(r["title_held"]) for r in run.records.annual)
    run.records.cycle.update(holder=True, years_held=held, title=st.held)


MECHANISM = Mechanism(
    "title_holder",
    enabled=_on,
    setup=_setup,
    year_end=_recheck,
    finish=_finish,
    streams=("title_holder",),
)
