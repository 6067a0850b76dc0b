"""The summary's findings: verdicts from the paired differences, warnings at their limits."""

from __future__ import annotations

import dataclasses

import pandas as pd
from test_compare import _result

from civsim.findings import BACKLOG_GROWTH, LATE_SHARE_WARNING, MIN_REPS, verdicts, warnings
from civsim.results import build_comparison

SCORES = {"base": [80.0, 82.0], "a": [81.0, 84.0], "b": [79.0, 85.0], "c": [78.0, 81.0]}


def _with_backlog(queues: dict[str, list[int]], late: dict[str, float]):
    """A comparison whose units queue ``queues[name]`` (days 0..5) and whose orders run late."""
    result = _result(SCORES, 600)
    days = range(len(next(iter(queues.values()))))
    workload = pd.DataFrame(
        [(n, r, d, "u", q[d]) for n, q in queues.items() for r in (0, 1) for d in days],
        columns=["scenario", "replication", "day", "unit", "queue"],
    )
    orders = pd.DataFrame(
        [
            (n, r, i, 10 * i, 10 * i + 10, "closed_late" if i < share * 10 else "closed")
            for n, share in late.items()
            for r in (0, 1)
            for i in range(10)
        ],
        columns=["scenario", "replication", "order", "opened", "deadline", "status"],
    )
    return build_comparison(dataclasses.replace(result, workload=workload, orders=orders), {})


def test_verdicts_follow_the_paired_interval() -> None:
    """Above zero: better; below: worse; across: unclear; beat share from the replications."""
    v = verdicts(build_comparison(_result(SCORES, 600), {})).set_index("scenario")
    assert v["verdict"].to_dict() == {"a": "better", "b": "unclear", "c": "worse"}
    assert v["beat_share"].to_dict() == {"a": 1.0, "b": 0.5, "c": 0.0}
    assert v["cost"].to_dict() == {"a": "same_spend", "b": "unclear", "c": "no_gain"}


def test_warnings_call_out_growing_backlogs_late_orders_and_unclear_gains() -> None:
    """A queue growing past the limit, a late share at the limit, an unclear gain, few reps."""
    steady = [0, 10, 10, 10, 10, 10, 10]
    growing = [0, 10, 10, 10, 10, 12, 12]  # final third 12 / middle third 10 = 1.2
    assert BACKLOG_GROWTH <= 12 / 10
    queues = {"base": steady, "a": growing, "b": steady, "c": steady}
    late = {"base": 0.1, "a": 0.1, "b": LATE_SHARE_WARNING + 0.05, "c": 0.1}
    found = warnings(_with_backlog(queues, late), other_cities=["c"])
    kinds = set(zip(found["scenario"], found["kind"], strict=True))
    assert kinds == {
        ("a", "growing_backlog"),
        ("b", "late"),
        ("b", "unclear"),
        ("", "few_reps"),
        ("c", "other_city"),
    }
    assert MIN_REPS > 2
