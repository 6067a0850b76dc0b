"""The levers and the loop, measured: the README's table (issue 11), not a speed benchmark.

Run from the repository root::

    .venv/bin/python benchmarks/levers.py [--scenario scenarios/baseline.yaml] [--reps 20]

For each lever it runs the scenario and the lever's variant on common random
numbers (the same seed and replications ``0..reps-1``) and prints the paired
difference of the cycle score (mean, 90% interval over replications), the
change in the chance of the title, and the end-of-cycle open defects and
backlog that name the mechanism behind it. The fund and its lines are measured
by ``civsim fund`` (:func:`civsim.fund_value.fund_value`).
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from scipy import stats

from civsim.experiments import replicate
from civsim.scenario import load_scenario
from civsim.variants import vary

#: Each lever: its variant as changes of the scenario, in the levers' grammar of
#: ``civsim/data/reality.yaml`` (``xF`` multiplies, ``=V`` sets).
LEVERS = {
    "detection and rectification off": {
        "simulation.detection.enabled": "=false",
        "simulation.rectification.enabled": "=false",
    },
    "detection off": {"simulation.detection.enabled": "=false"},
    "rectification off": {"simulation.rectification.enabled": "=false"},
    "half the grid workers": {"territory.generator.grid_workers_per_grid": "x0.5"},
    "half again the grid workers (hired)": {"territory.generator.grid_workers_per_grid": "x1.5"},
    "the grid workers moved by hours within streets": {
        "territory.redeploy_grid_workers": "=street"
    },
    "the grid workers moved by hours within districts": {
        "territory.redeploy_grid_workers": "=district"
    },
    "defects off (routine upkeep heals everything)": {"simulation.defects.enabled": "=false"},
    "smart platform switched on": {"simulation.detection.platform": "=true"},
    "mock tests twice as often": {"simulation.detection.self_check_interval_days": "x0.5"},
    "twice the residents' reports": {"simulation.detection.citizen_report_rate": "x2"},
    "half again the rectification staff": {"simulation.rectification.staff_share": "x1.5"},
    "twice the volunteer hours": {"simulation.volunteers.base_hours_per_10k_per_day": "x2"},
}


def _summary(result) -> pd.DataFrame:
    cycle = result.cycle.set_index("replication")
    last = result.defects["day"].max() if len(result.defects) else None
    open_defects = (
        result.defects[result.defects["day"] == last].groupby("replication")["open"].sum()
        if last is not None
        else pd.Series(0, index=cycle.index)
    )
    open_orders = (
        result.orders[result.orders["status"].isin(["open", "open_late"])]
        .groupby("replication")
        .size()
        if len(result.orders)
        else pd.Series(0, index=cycle.index)
    )
    return pd.DataFrame(
        {
            "score": cycle["cycle_score"],
            "title": cycle["title"].astype(float),
            "open_defects": open_defects.reindex(cycle.index, fill_value=0),
            "open_orders": open_orders.reindex(cycle.index, fill_value=0),
            "satisfaction": result.annual.groupby("replication")["satisfaction"].mean(),
        }
    )


def main() -> None:
    """Print the lever table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="scenarios/baseline.yaml")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    base_sc = load_scenario(args.scenario)
    run = {"executor": "process", "workers": args.workers, "seed": base_sc.seed}
    base = _summary(replicate(base_sc, args.reps, **run))
    rows = [{"lever": "(the scenario)", **base.mean().round(3).to_dict()}]
    for name, changes in LEVERS.items():
        var = _summary(replicate(vary(base_sc, changes), args.reps, **run))
        diff = var["score"] - base["score"]
        half = stats.t.ppf(0.95, len(diff) - 1) * diff.std(ddof=1) / np.sqrt(len(diff))
        rows.append(
            {
                "lever": name,
                "score": round(var["score"].mean(), 3),
                "difference": round(diff.mean(), 3),
                "low": round(diff.mean() - half, 3),
                "high": round(diff.mean() + half, 3),
                "title_change": round(var["title"].mean() - base["title"].mean(), 3),
                "open_defects": round(var["open_defects"].mean()),
                "open_orders": round(var["open_orders"].mean()),
                "satisfaction_change": round(
                    var["satisfaction"].mean() - base["satisfaction"].mean(), 4
                ),
            }
        )
    print(pd.DataFrame(rows).to_string(index=False))


if __name__ == "__main__":
    main()
