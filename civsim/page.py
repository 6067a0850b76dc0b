"""The report page's parts: sections, tables and figures as HTML.

:mod:`civsim.report` builds its page from these, and a later stage (an
experiment's section, :mod:`civsim.exploration_report`) builds a
:class:`Section` from them for the report to place.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

__all__ = ["FIGURE_DPI", "Section", "cell_text", "figure_html", "table_html"]

#: Resolution of the embedded figures (dots per inch).
FIGURE_DPI = 100


@dataclass(frozen=True)
class Section:
    """A section a later stage adds to the report (the exploration's, say).

    Attributes
    ----------
    key : str
        Its anchor (``id``) for the table of contents.
    title : str
        Its heading, in the report's language.
    body : str
        Its HTML (escaped by the caller: :func:`table_html` and :func:`figure_html` help).
    drivers : str
        HTML replacing the summary's "which assumptions decide it" when not empty.
    """

    key: str
    title: str
    body: str
    drivers: str = ""


def figure_html(draw: Callable[[Axes], Axes], size: tuple[float, float], alt: str) -> str:
    """Draw a figure and return it as an embedded PNG ``<img>``."""
    fig, ax = plt.subplots(figsize=size)
    try:
        draw(ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=FIGURE_DPI, bbox_inches="tight")
    finally:
        plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{alt}" src="data:image/png;base64,{data}">'


def cell_text(value: Any) -> str:
    """One table cell's text: a dash for a missing number."""
    if isinstance(value, float | np.floating) and np.isnan(value):
        return "—"
    number = isinstance(value, int | float | np.integer | np.floating)
    return html.escape(f"{value:,}" if number else str(value))


def table_html(table: pd.DataFrame, css_class: str = "") -> str:
    """An HTML table with every cell escaped, its header repeated on each printed page."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in table.columns)
    rows = "".join(
        "<tr>" + "".join(f'<td class="text">{cell_text(v)}</td>' for v in row) + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
