"""Figures, each drawn by a ``plot_*(..., ax=None) -> Axes`` function.

Functions never call ``plt.show()``; they draw on the axes given (or a new
figure's) and return them. :func:`save_figure` writes a figure atomically.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import networkx as nx
from matplotlib import font_manager, rcParams
from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["CJK_FONT", "plot_chain", "save_figure", "use_cjk_font"]

#: The font that draws Chinese labels; its file ships with the ``mplfonts`` package.
CJK_FONT = "Noto Sans CJK SC"
_CJK_FILE = "NotoSansCJKsc-Regular.otf"


@functools.cache
def use_cjk_font() -> str:
    """Register the bundled CJK font with matplotlib and put it first among sans-serif fonts.

    Called by every plot function, so Chinese labels render on a fresh machine
    without system fonts. Safe to call many times.

    Returns
    -------
    str
        The font's family name.
    """
    from mplfonts.conf import FONT_DIR  # the package only carries font files

    font_manager.fontManager.addfont(os.path.join(FONT_DIR, _CJK_FILE))
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [CJK_FONT, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus glyph
    return CJK_FONT


_KIND_COLOURS = {
    "committee": "#b2182b",
    "office": "#ef8a62",
    "member_unit": "#67a9cf",
    "district": "#2166ac",
}


def plot_chain(G: nx.DiGraph, ax: Axes | None = None, levels: int = 3) -> Axes:
    """Draw the top ``levels`` levels of a responsibility chain, top-down.

    Lower levels are aggregated into the label of their district
    (streets / communities / grids counted).

    Parameters
    ----------
    G : networkx.DiGraph
        A chain from :func:`civsim.chain.build_chain`.
    ax : matplotlib.axes.Axes, optional
    levels : int
        How many levels to draw (committee = level 1).

    Returns
    -------
    matplotlib.axes.Axes
    """
    use_cjk_font()
    if ax is None:
        _, ax = plt.subplots(figsize=(16, 9))
    top = [n for n, lvl in G.nodes(data="level") if lvl < levels]
    # Only leadership edges: the office's coordination edges would cross every line.
    H = nx.subgraph_view(
        G.subgraph(top), filter_edge=lambda u, v: G.edges[u, v]["kind"] in ("leads", "territorial")
    )
    layers: dict[int, list[str]] = {}
    for n in top:
        layers.setdefault(G.nodes[n]["level"], []).append(n)
    pos = {}
    for lvl, nodes in layers.items():
        nodes.sort(key=lambda n: (G.nodes[n]["kind"] != "office", G.nodes[n]["kind"], n))
        for i, n in enumerate(nodes):
            pos[n] = ((i + 0.5) / len(nodes), -lvl)
    colours = [_KIND_COLOURS.get(G.nodes[n]["kind"], "#999999") for n in H]
    nx.draw_networkx_edges(H, pos, ax=ax, alpha=0.25, arrows=False)
    nx.draw_networkx_nodes(H, pos, ax=ax, node_color=colours, node_size=60)
    for n, (x, y) in pos.items():
        attrs = G.nodes[n]
        label = attrs["name_zh"]
        if attrs["kind"] in ("district", "street"):
            grids = sum(1 for m in nx.descendants(G, n) if G.nodes[m]["kind"] == "grid")
            label = f"{label}（{grids:,}格）"
        crowded = len(layers[-round(y)]) > 8
        ax.annotate(
            label,
            (x, y),
            xytext=(0, -6),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=6 if crowded else 9,
            rotation=90 if crowded else 0,
        )
    ax.set_title(f"Responsibility chain: top {levels} levels")
    ax.set_axis_off()
    ax.set_ylim(-levels + 0.2, 0.3)
    return ax


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> Path:
    """Write ``fig`` to ``path`` atomically (a partial file never appears)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        plt.close(fig)
    return path
