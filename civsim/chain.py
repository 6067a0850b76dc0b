"""The responsibility chain (责任链) as a directed graph.

Nodes are the bodies that answer for the campaign; each carries ``kind`` (one of
:data:`NODE_KINDS`), ``name_zh``, ``level`` (0 for the committee, growing
downwards), ``staff``, ``grid_workers`` and ``population``. Edges point from
the body that answers for another to that body and carry ``kind`` (one of
:data:`EDGE_KINDS`):

- ``leads``: the committee leads the office and the member units (a unit may
  report to another unit instead);
- ``coordinates``: the office coordinates the member units;
- ``supervises``: the office supervises (督查) the districts;
- ``territorial``: committee -> district -> street -> community -> grid
  (属地责任).

Leadership, the union of ``leads`` and ``territorial`` edges, must form a tree
rooted at the committee: :func:`validate_chain` checks that.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx
import pandas as pd

from civsim.errors import ChainError
from civsim.places import TerritoryTables, build_territory
from civsim.scenario import Scenario

__all__ = [
    "EDGE_KINDS",
    "LEADERSHIP",
    "NODE_KINDS",
    "build_chain",
    "chain_summary",
    "leadership_view",
    "path_from_committee",
    "span_of_control",
    "validate_chain",
]

NODE_KINDS = ("committee", "office", "member_unit", "district", "street", "community", "grid")
EDGE_KINDS = ("leads", "coordinates", "territorial", "supervises")
#: Edge kinds that carry answerability down the chain.
LEADERSHIP = frozenset({"leads", "territorial"})


def build_chain(scenario: Scenario, territory: TerritoryTables | None = None) -> nx.DiGraph:
    """Build the responsibility chain of a scenario.

    Parameters
    ----------
    scenario : Scenario
    territory : TerritoryTables, optional
        The territory, if already built (saves building it twice).

    Returns
    -------
    networkx.DiGraph
        The chain; validated with :func:`validate_chain`.

    Raises
    ------
    ChainError
        If the chain breaks a structural rule.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> G = build_chain(load_scenario("scenarios/baseline.yaml"))
    >>> G.nodes["office"]["kind"], G.edges["committee", "office"]["kind"]
    ('office', 'leads')
    """
    t = territory if territory is not None else build_territory(scenario)
    org = scenario.organisation
    G: nx.DiGraph[str] = nx.DiGraph(name=scenario.name)
    root = org.committee.id
    _add(G, [(root, "committee", org.committee.name_zh, org.committee.staff, 0)], 0)
    _add(G, [(org.office.id, "office", org.office.name_zh, org.office.staff, 0)], 1)
    _add(G, [(u.id, "member_unit", u.name_zh, u.staff, 0) for u in org.units], 1)
    G.add_edge(root, org.office.id, kind="leads")
    for u in org.units:
        G.add_edge(u.reports_to, u.id, kind="leads")
        G.add_edge(org.office.id, u.id, kind="coordinates")
    for kind, table, parent, level in (
        ("district", t.districts, None, 1),
        ("street", t.streets, "district", 2),
        ("community", t.communities, "street", 3),
        ("grid", t.grids, "community", 4),
    ):
        workers = table["grid_workers"] if "grid_workers" in table else [0] * len(table)
        rows = zip(
            table["id"],
            table["name_zh"],
            table["staff"] if "staff" in table else [0] * len(table),
            workers,
            strict=True,
        )
        _add(G, [(i, kind, n, s, w) for i, n, s, w in rows], level, population=table["population"])
        parents = table[parent] if parent else [root] * len(table)
        G.add_edges_from(zip(parents, table["id"], strict=True), kind="territorial")
    G.add_edges_from(((org.office.id, d) for d in t.districts["id"]), kind="supervises")
    _fix_unit_levels(G, root)
    try:
        validate_chain(G)
    except ChainError as exc:
        raise ChainError(f"{scenario.source_file or scenario.name}: {exc}") from None
    return G


def _add(G: nx.DiGraph, rows: Iterable[tuple], level: int, population=None) -> None:
    pops = iter(population) if population is not None else None
    for node, kind, name, staff, workers in rows:
        if node in G:
            raise ChainError(
                f"duplicate id {node!r}: used by a {G.nodes[node]['kind']} and a {kind}"
            )
        G.add_node(
            node,
            kind=kind,
            name_zh=name,
            level=level,
            staff=int(staff),
            grid_workers=int(workers),
            population=int(next(pops)) if pops is not None else 0,
        )


def _fix_unit_levels(G: nx.DiGraph, root: str) -> None:
    """A unit that reports to another unit sits one level below it."""
    lead = leadership_view(G)
    if not nx.is_directed_acyclic_graph(lead):
        return  # validate_chain names the cycle
    for node, depth in nx.single_source_shortest_path_length(lead, root).items():
        if G.nodes[node]["kind"] == "member_unit":
            G.nodes[node]["level"] = depth


def leadership_view(G: nx.DiGraph) -> nx.DiGraph:
    """The subgraph of leadership edges (``leads`` and ``territorial``), as a read-only view."""
    return nx.subgraph_view(G, filter_edge=lambda u, v: G.edges[u, v]["kind"] in LEADERSHIP)


def validate_chain(G: nx.DiGraph) -> None:
    """Check the structural rules of a responsibility chain.

    Preconditions checked: exactly one committee; node and edge kinds known;
    leadership edges form no cycle; every node but the committee has a leader
    (no orphans) and at most one; every grid is reachable from the committee.

    Parameters
    ----------
    G : networkx.DiGraph

    Raises
    ------
    ChainError
        Naming the first rule broken and the nodes involved.

    Examples
    --------
    >>> G = nx.DiGraph()
    >>> G.add_node("c", kind="committee"); G.add_node("g", kind="grid")
    >>> validate_chain(G)
    Traceback (most recent call last):
    ...
    civsim.errors.ChainError: orphans (no leader): 'g'
    """
    kinds: dict[str, str] = nx.get_node_attributes(G, "kind")
    unknown = [n for n in G if kinds.get(n) not in NODE_KINDS]
    if unknown:
        raise ChainError(f"nodes of unknown kind: {_few(unknown)}; expected one of {NODE_KINDS}")
    edge_kinds: Iterable[tuple[str, str, str | None]] = G.edges(data="kind")
    bad_edges = [(u, v) for u, v, k in edge_kinds if k not in EDGE_KINDS]
    if bad_edges:
        raise ChainError(f"edges of unknown kind: {bad_edges[:5]}; expected one of {EDGE_KINDS}")
    roots = [n for n, k in kinds.items() if k == "committee"]
    if len(roots) != 1:
        raise ChainError(f"expected exactly one committee, found {len(roots)}: {_few(roots)}")
    lead = leadership_view(G)
    try:
        cycle = nx.find_cycle(lead)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        raise ChainError("leadership cycle: " + " -> ".join([u for u, _ in cycle] + [cycle[0][0]]))
    orphans = [n for n in G if n != roots[0] and lead.in_degree(n) == 0]
    if orphans:
        raise ChainError(f"orphans (no leader): {_few(orphans)}")
    doubled = [n for n in G if lead.in_degree(n) > 1]
    if doubled:
        raise ChainError(f"nodes with more than one leader: {_few(doubled)}")
    reached = nx.descendants(lead, roots[0])
    cut_off = [n for n, k in kinds.items() if k == "grid" and n not in reached]
    if cut_off:
        raise ChainError(f"grids unreachable from the committee: {_few(cut_off)}")


def _few(nodes: list, n: int = 5) -> str:
    shown = ", ".join(repr(x) for x in nodes[:n])
    return shown + (f" and {len(nodes) - n} more" if len(nodes) > n else "")


def path_from_committee(G: nx.DiGraph, node: str) -> list[str]:
    """The chain of leadership from the committee down to ``node``.

    Parameters
    ----------
    G : networkx.DiGraph
        A validated chain.
    node : str
        Any node id, typically a grid.

    Returns
    -------
    list of str
        Node ids from the committee to ``node``, both included.

    Raises
    ------
    ChainError
        If ``node`` is not in the chain.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> G = build_chain(load_scenario("scenarios/baseline.yaml"))
    >>> path_from_committee(G, "d01s01c01g01")
    ['committee', 'd01', 'd01s01', 'd01s01c01', 'd01s01c01g01']
    """
    if node not in G:
        raise ChainError(f"no node {node!r} in the chain")
    root = next(n for n, k in G.nodes(data="kind") if k == "committee")
    return nx.shortest_path(leadership_view(G), root, node)


def span_of_control(G: nx.DiGraph) -> pd.Series:
    """How many bodies each node leads directly (leadership edges only).

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> G = build_chain(load_scenario("scenarios/baseline.yaml"))
    >>> int(span_of_control(G)["committee"])  # office + 22 units + 6 districts
    29
    """
    lead = leadership_view(G)
    return pd.Series({n: lead.out_degree(n) for n in G}, name="span", dtype="int64")


def chain_summary(G: nx.DiGraph) -> pd.DataFrame:
    """One row per node kind: count, staff, grid workers, population and span of control.

    Returns
    -------
    pandas.DataFrame
        Indexed by kind in chain order, with columns ``count``, ``staff``,
        ``grid_workers``, ``population``, ``span_mean`` and ``span_max``.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> s = chain_summary(build_chain(load_scenario("scenarios/baseline.yaml")))
    >>> int(s.loc["district", "count"])
    6
    """
    nodes = pd.DataFrame.from_dict(dict(G.nodes(data=True)), orient="index")
    nodes["span"] = span_of_control(G)
    grouped = nodes.groupby("kind").agg(
        count=("kind", "size"),
        staff=("staff", "sum"),
        grid_workers=("grid_workers", "sum"),
        population=("population", "sum"),
        span_mean=("span", "mean"),
        span_max=("span", "max"),
    )
    return grouped.reindex([k for k in NODE_KINDS if k in grouped.index]).rename_axis("kind")
