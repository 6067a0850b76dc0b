"""The ``workload`` section: capacities and cadences that turn tasks into hours and loads."""

from __future__ import annotations

from civsim.scenario.params import Frozen, param


class WorkloadSpec(Frozen):
    """Capacities and cadences that turn tasks into hours and loads."""

    hours_per_staff_year: float = param(
        1600.0,
        "hours per person-year",
        "assumption: ~200 working days of 8 hours",
        gt=0,
        plausible=(1400.0, 1800.0),
    )
    grid_worker_hours_per_year: float = param(
        1000.0,
        "hours per grid worker-year",
        "assumption: grid workers spend most but not all of their time on campaign checks",
        gt=0,
        plausible=(600.0, 1400.0),
    )
    overload_ratio: float = param(
        1.0,
        "fraction of capacity",
        "assumption: flagged above full capacity",
        gt=0,
        plausible=(0.8, 1.2),
    )
    daily_per_year: float = param(365.0, "executions per year", "calendar days", gt=0)
    weekly_per_year: float = param(52.0, "executions per year", "calendar weeks", gt=0)
    monthly_per_year: float = param(12.0, "executions per year", "calendar months", gt=0)
    quarterly_per_year: float = param(4.0, "executions per year", "calendar quarters", gt=0)
