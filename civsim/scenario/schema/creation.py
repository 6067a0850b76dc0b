"""Creation activities (群众性精神文明创建): civilized units, villages, families and campuses.

Seed 000: "广泛开展形式多样的群众性精神文明创建活动，深化文明单位、文明村镇、文明家庭、文明校园
创建内涵"; seed 002 names the same four; seed 004: the committee names the year's city-level
文明单位 (and their 标兵) at its yearly meeting. Each year the city guides, assesses and names
some of each kind; a title is re-checked (动态管理), so its holder keeps its own place in order
(a 文明校园 its school's surroundings, a 文明单位 its premises), and the creations' records fill
the dossiers of the framework's creation content. Guidance and assessment take the organising
unit's staff hours; awards cost yuan. It sits in ``simulation.creation``; off by default.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field

from civsim.scenario.params import ASSUMPTION, Frozen, IdStr, param, split_list

__all__ = [
    "KINDS",
    "CivilizedCampuses",
    "CivilizedFamilies",
    "CivilizedUnits",
    "CivilizedVillages",
    "Creation",
    "CreationKind",
]

IdList = Annotated[tuple[IdStr, ...], BeforeValidator(split_list)]

#: The four kinds of creation, as fields of :class:`Creation` (seed 000's order).
KINDS = ("unit", "village", "family", "campus")


class CreationKind(Frozen):
    """One kind of creation: how many a year, what one costs, where its holder keeps order.

    ``per_10k_residents_year`` creations are named a year per 10,000 residents
    (the unit the place densities use); a creation keeps ``places_per_creation``
    places of ``place_types`` in order (a share of a place for a family: its
    stairwell and lane), costs ``yuan_per_creation`` (awards and guidance) and
    ``hours_per_creation`` staff-hours of the organising unit (guidance,
    assessment, 测评验收).
    """

    place_types: IdList = ()
    per_10k_residents_year: float = 0.0
    places_per_creation: float = 1.0
    yuan_per_creation: float = 0.0
    hours_per_creation: float = 0.0


class CivilizedUnits(CreationKind):
    """文明单位: an agency, hospital or venue keeps its own premises (its service windows)."""

    place_types: IdList = Field(
        default=("service_hall", "hospital", "library_venue"),
        description="the premises a civilized unit keeps (窗口单位); each a place type of the "
        "framework",
    )
    per_10k_residents_year: float = param(
        0.1,
        "civilized units named a year per 10,000 residents",
        "assumption: a prefecture city names some 150 city-level units a three-year batch "
        "(seed 004: named yearly by the committee)",
        plausible=(0.02, 0.3),
        ge=0,
    )
    places_per_creation: float = param(
        1.0,
        "places a civilized unit keeps (its own premises)",
        "assumption: one unit, one service hall, hospital or venue",
        plausible=(0.5, 2.0),
        gt=0,
    )
    yuan_per_creation: float = param(
        10_000.0,
        "yuan: award and guidance of one civilized unit",
        ASSUMPTION,
        plausible=(2_000.0, 50_000.0),
        ge=0,
    )
    hours_per_creation: float = param(
        16.0,
        "staff-hours of the organising unit to guide and assess one civilized unit",
        "assumption: two staff-days of review, visit and assessment",
        plausible=(4.0, 40.0),
        ge=0,
    )


class CivilizedVillages(CreationKind):
    """文明村镇: a village (in a city: an urban village) keeps its lanes and commons."""

    place_types: IdList = Field(
        default=("urban_village",),
        description="the villages a civilized village keeps (a county adds 'village'); each a "
        "place type of the framework",
    )
    per_10k_residents_year: float = param(
        0.02,
        "civilized villages named a year per 10,000 residents",
        "assumption: about a seventh of the urban villages a year",
        plausible=(0.005, 0.1),
        ge=0,
    )
    places_per_creation: float = param(
        1.0,
        "places a civilized village keeps",
        "assumption: one village, its own lanes and commons",
        plausible=(0.5, 2.0),
        gt=0,
    )
    yuan_per_creation: float = param(
        20_000.0,
        "yuan: award and guidance of one civilized village",
        "assumption: the award buys small works (signs, bins, a notice board)",
        plausible=(5_000.0, 100_000.0),
        ge=0,
    )
    hours_per_creation: float = param(
        16.0,
        "staff-hours of the organising unit to guide and assess one civilized village",
        ASSUMPTION,
        plausible=(4.0, 40.0),
        ge=0,
    )


class CivilizedFamilies(CreationKind):
    """文明家庭: a family sets the tone in its compound (its stairwell, its lane)."""

    place_types: IdList = Field(
        default=("old_compound",),
        description="the compounds civilized families live in; each a place type of the framework",
    )
    per_10k_residents_year: float = param(
        2.0,
        "civilized families named a year per 10,000 residents",
        "assumption: a household in about 1,500 a year",
        plausible=(0.5, 10.0),
        ge=0,
    )
    places_per_creation: float = param(
        0.05,
        "compounds one civilized family keeps in order (its stairwell and neighbours)",
        "assumption: a model family sets the tone in a twentieth of its compound",
        plausible=(0.01, 0.2),
        gt=0,
    )
    yuan_per_creation: float = param(
        500.0,
        "yuan: award of one civilized family (a plaque, a gift)",
        ASSUMPTION,
        plausible=(100.0, 2_000.0),
        ge=0,
    )
    hours_per_creation: float = param(
        1.0,
        "staff-hours of the organising unit to assess one civilized family",
        "assumption: the community proposes, the unit checks the list",
        plausible=(0.25, 4.0),
        ge=0,
    )


class CivilizedCampuses(CreationKind):
    """文明校园: a school keeps its surroundings (traffic, vendors, internet cafes nearby)."""

    place_types: IdList = Field(
        default=("school",),
        description="the surroundings a civilized campus keeps; each a place type of the framework",
    )
    per_10k_residents_year: float = param(
        0.2,
        "civilized campuses named a year per 10,000 residents",
        "assumption: about a twelfth of the schools a year",
        plausible=(0.05, 0.5),
        ge=0,
    )
    places_per_creation: float = param(
        1.0,
        "school surroundings a civilized campus keeps",
        "assumption: one school, its own gate and street",
        plausible=(0.5, 2.0),
        gt=0,
    )
    yuan_per_creation: float = param(
        10_000.0,
        "yuan: award and guidance of one civilized campus",
        ASSUMPTION,
        plausible=(2_000.0, 50_000.0),
        ge=0,
    )
    hours_per_creation: float = param(
        16.0,
        "staff-hours of the organising unit to guide and assess one civilized campus",
        ASSUMPTION,
        plausible=(4.0, 40.0),
        ge=0,
    )


class Creation(Frozen):
    """The city's creation activities: the four kinds, what a title does and who organises.

    Each year every kind's creations are named month by month (a twelfth a
    month), each district's by its residents. A title held cuts the decay of
    the places its holder keeps by ``decay_cut_titled``: with ``n`` titles of
    a kind in a district of ``P`` places of its types, the decay there falls by
    ``decay_cut_titled * min(1, n * places_per_creation / P)``; titles last the
    cycle. Guidance and assessment take ``hours_per_creation`` of the
    ``organising_unit``'s staff hours, which its routine upkeep loses (the
    rectification review's rule, as the regulations' enforcement); a creation's
    records, ``documentation_share`` of those hours, add to the documentation
    of the material standards of ``material_contents`` (the materials
    mechanism's dossiers, :mod:`civsim.sim.mechanisms.materials`). Awards are
    paid month by month.

    Examples
    --------
    >>> cr = Creation(enabled=True)
    >>> round(cr.campus.per_10k_residents_year * 480, 1)  # a city of 4.8 million
    96.0
    >>> round(cr.cut(titles=60, places=1200, places_per_creation=1.0), 3)  # 60 of 1,200 schools
    0.015
    >>> cr.cut(titles=2000, places=1200, places_per_creation=1.0)  # every school titled
    0.3
    """

    enabled: bool = Field(default=False, description="the creation activities run")
    unit: CivilizedUnits = CivilizedUnits()
    village: CivilizedVillages = CivilizedVillages()
    family: CivilizedFamilies = CivilizedFamilies()
    campus: CivilizedCampuses = CivilizedCampuses()
    organising_unit: IdStr = Field(
        default="propaganda",
        description="the member unit whose staff guide and assess creations (宣传部, home of "
        "the 文明办); a unit of the organisation",
    )
    material_contents: IdList = Field(
        default=("C040",),
        description="the framework contents whose material standards the creations' records "
        "document (文明实践活动与文明创建); each a content of the framework",
    )
    decay_cut_titled: float = param(
        0.3,
        "share of the daily decay removed at a place its title holder keeps",
        "assumption: a title is re-checked and can be withdrawn (动态管理), so its holder keeps "
        "its place up; no figure in the sources",
        plausible=(0.1, 0.5),
        ge=0,
        le=0.9,
    )
    documentation_share: float = param(
        0.5,
        "documentation hours a creation adds to its content's dossiers per hour of guidance",
        "assumption: every creation leaves an application, an assessment and a ledger (有方案、"
        "有台账、有总结)",
        plausible=(0.1, 1.0),
        ge=0,
    )

    def kinds(self) -> dict[str, CreationKind]:
        """The four kinds by name (:data:`KINDS`)."""
        return {k: getattr(self, k) for k in KINDS}

    def cut(self, titles: float, places: float, places_per_creation: float) -> float:
        """Share of decay removed at ``places`` places of a kind holding ``titles`` titles."""
        if places <= 0:
            return 0.0
        return self.decay_cut_titled * min(1.0, titles * places_per_creation / places)
