"""The ``places`` section: explicit places (点位), replacing the generated ones."""

from __future__ import annotations

from pydantic import Field

from civsim.scenario.params import Frozen, IdStr


class PlaceRow(Frozen):
    """An explicit place (点位); a places table replaces the generated places."""

    id: IdStr
    place_type: IdStr
    grid: IdStr
    name_zh: str = Field(min_length=1)
    claimed_by: IdStr | None = Field(
        default=None,
        description="unit or district answering for the place; empty: the type's lead unit, "
        "else the district (属地)",
    )
