"""The responsibility chain: structure, queries, and the rules validate_chain enforces."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from conftest import SCENARIOS, write_yaml

from civsim.chain import (
    EDGE_KINDS,
    NODE_KINDS,
    build_chain,
    chain_summary,
    path_from_committee,
    span_of_control,
    validate_chain,
)
from civsim.errors import ChainError
from civsim.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline_chain() -> nx.DiGraph:
    """The baseline scenario's chain, built once for the module."""
    return build_chain(load_scenario(SCENARIOS / "baseline.yaml"))


def test_every_kind_is_present(baseline_chain: nx.DiGraph) -> None:
    """The baseline chain has every node kind and every edge kind."""
    assert {k for _, k in baseline_chain.nodes(data="kind")} == set(NODE_KINDS)
    assert {k for *_, k in baseline_chain.edges(data="kind")} == set(EDGE_KINDS)


def test_nodes_carry_names_and_people(baseline_chain: nx.DiGraph) -> None:
    """Every node has a Chinese name, an ASCII id, staff, grid workers and population."""
    for node, attrs in baseline_chain.nodes(data=True):
        assert node.isascii() and attrs["name_zh"]
        assert {"staff", "grid_workers", "population", "level"} <= attrs.keys()


def test_baseline_has_the_stated_scale(baseline_chain: nx.DiGraph) -> None:
    """About 6 districts, 60 streets, 600 communities, 6,000 grids, 20 units."""
    counts = chain_summary(baseline_chain)["count"]
    assert counts["district"] == 6 and counts["street"] == 60
    assert 500 <= counts["community"] <= 700
    assert 5_000 <= counts["grid"] <= 7_000
    assert 18 <= counts["member_unit"] <= 30


def test_population_is_conserved_at_every_level(baseline_chain: nx.DiGraph) -> None:
    """Each level's residents add up to the city's."""
    pop = chain_summary(baseline_chain)["population"]
    assert pop["district"] == pop["street"] == pop["community"] == pop["grid"]


def test_path_from_committee_to_a_grid(baseline_chain: nx.DiGraph) -> None:
    """The path to a grid passes district, street and community, in order."""
    grid = next(n for n, k in baseline_chain.nodes(data="kind") if k == "grid")
    kinds = [baseline_chain.nodes[n]["kind"] for n in path_from_committee(baseline_chain, grid)]
    assert kinds == ["committee", "district", "street", "community", "grid"]


def test_path_to_unknown_node(baseline_chain: nx.DiGraph) -> None:
    """Asking for a node that does not exist is a ChainError."""
    with pytest.raises(ChainError, match="no node 'zz'"):
        path_from_committee(baseline_chain, "zz")


def test_span_of_control_counts_direct_reports(baseline_chain: nx.DiGraph) -> None:
    """A street's span is its number of communities; a grid leads nobody."""
    span = span_of_control(baseline_chain)
    street = next(n for n, k in baseline_chain.nodes(data="kind") if k == "street")
    communities = [
        m
        for m in baseline_chain.successors(street)
        if baseline_chain.nodes[m]["kind"] == "community"
    ]
    assert span[street] == len(communities)
    grid = next(n for n, k in baseline_chain.nodes(data="kind") if k == "grid")
    assert span[grid] == 0


def test_unit_reporting_to_a_unit_sits_below_it(tmp_path: Path, tiny_dict: dict) -> None:
    """A unit may answer to another unit; it then sits one level lower."""
    tiny_dict["organisation"]["units"][1]["reports_to"] = "urban_mgmt"
    G = build_chain(load_scenario(write_yaml(tmp_path, "s.yaml", tiny_dict)))
    assert G.edges["urban_mgmt", "market_reg"]["kind"] == "leads"
    assert G.nodes["market_reg"]["level"] == G.nodes["urban_mgmt"]["level"] + 1


def test_leadership_cycle_in_a_scenario(tmp_path: Path, tiny_dict: dict) -> None:
    """Two units reporting to each other form a cycle, which is refused."""
    units = tiny_dict["organisation"]["units"]
    units[0]["reports_to"], units[1]["reports_to"] = "market_reg", "urban_mgmt"
    with pytest.raises(ChainError, match="leadership cycle"):
        build_chain(load_scenario(write_yaml(tmp_path, "s.yaml", tiny_dict)))


def _small() -> nx.DiGraph:
    G = nx.DiGraph()
    for node, kind in [
        ("c", "committee"),
        ("d", "district"),
        ("s", "street"),
        ("m", "community"),
        ("g", "grid"),
    ]:
        G.add_node(node, kind=kind)
    nx.add_path(G, ["c", "d", "s", "m", "g"], kind="territorial")
    return G


def test_validate_accepts_a_tree() -> None:
    """A plain committee-to-grid path is valid."""
    validate_chain(_small())


def test_validate_rejects_an_orphan() -> None:
    """A node with no leader is named."""
    G = _small()
    G.add_node("s2", kind="street")
    with pytest.raises(ChainError, match=r"orphans.*'s2'"):
        validate_chain(G)


def test_validate_rejects_an_unreachable_grid() -> None:
    """A grid hanging off a cut-off branch is refused (as an orphan branch or unreachable)."""
    G = _small()
    G.remove_edge("c", "d")
    G.add_edge("g", "d", kind="territorial")  # the branch now leads itself in a loop
    with pytest.raises(ChainError, match="cycle"):
        validate_chain(G)


def test_validate_rejects_two_leaders() -> None:
    """A body led by two bodies breaks the chain's single line of answerability."""
    G = _small()
    G.add_node("d2", kind="district")
    G.add_edge("c", "d2", kind="territorial")
    G.add_edge("d2", "s", kind="territorial")
    with pytest.raises(ChainError, match=r"more than one leader.*'s'"):
        validate_chain(G)


def test_validate_rejects_unknown_kinds() -> None:
    """Kinds outside the vocabulary are refused."""
    G = _small()
    G.nodes["g"]["kind"] = "gird"
    with pytest.raises(ChainError, match="unknown kind"):
        validate_chain(G)
