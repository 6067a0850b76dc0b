"""The scenario's schema: one module per top-level section, and the root model.

===================  ==========================================================
module               section
===================  ==========================================================
``cycle``            ``cycle``: years, year weights, points per method
``organisation``     ``organisation``: committee, office, member units
``territory``        ``territory``: districts, streets, communities, grids
``framework``        ``framework``: items, contents, standards, place types,
                     responsibility table
``simulation``       ``simulation``: every parameter of the simulation
``budget``           ``budget``: the special fund and its project lines
``places``           ``places``: explicit places
``workload``         ``workload``: capacities and cadences
``scenario``         the root :class:`Scenario` and its cross-section checks
===================  ==========================================================
"""
