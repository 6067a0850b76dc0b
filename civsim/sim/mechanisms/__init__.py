"""The core mechanisms of the simulation, one module each, registered here in order.

Registration order is the order in which their processes run within a
simulated day and their year-end steps run: routine upkeep first, then the
documentation of materials, defects, detection, rectification, volunteers,
the evaluation, the minors' assessment and the holder's re-check (their
year-end steps amend the year the evaluation scored), the published
civilization index, and the budget's deliveries; then the governance levers
(issue 16), each off by default: the civilized-behaviour regulations, the
integrity lists, moral points, the practice network, volunteer teams, creation activities,
mobilisation, urban-village governance, the units' reviews. A mechanism of your own
registers itself after these (:func:`civsim.sim.registry.register`); see ``docs/architecture.md``.
"""

from civsim.sim.mechanisms import (
    campaign,
    civilization_index,
    creation,
    defects,
    deliveries,
    detection,
    evaluation,
    integrity_lists,
    materials,
    minors,
    mobilisation,
    moral_points,
    negative_list,
    performance_budget,
    practice_network,
    rectification,
    regulations,
    satisfaction,
    title_holder,
    unit_reviews,
    upkeep,
    urban_villages,
    volunteer_teams,
    volunteers,
)
from civsim.sim.registry import register

__all__ = ["CORE"]

#: The core mechanisms in registration order.
CORE = (
    campaign.MECHANISM,
    upkeep.MECHANISM,
    materials.MECHANISM,
    defects.MECHANISM,
    detection.MECHANISM,
    rectification.MECHANISM,
    volunteers.MECHANISM,
    satisfaction.MECHANISM,
    negative_list.MECHANISM,
    evaluation.MECHANISM,
    minors.MECHANISM,
    title_holder.MECHANISM,
    civilization_index.MECHANISM,
    performance_budget.MECHANISM,
    deliveries.MECHANISM,
    # issue 16's governance levers, off by default, after the core
    regulations.MECHANISM,
    integrity_lists.MECHANISM,
    moral_points.MECHANISM,
    practice_network.MECHANISM,
    volunteer_teams.MECHANISM,
    creation.MECHANISM,
    mobilisation.MECHANISM,
    urban_villages.MECHANISM,
    unit_reviews.MECHANISM,
)
for _mechanism in CORE:
    register(_mechanism)
