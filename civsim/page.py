"""The report page's parts: sections, tables and figures as HTML.

:mod:`civsim.report` builds its page from these, and a later stage (an
experiment's section, :mod:`civsim.exploration_report`) builds a
:class:`Section` from them for the report to place.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml
from matplotlib.axes import Axes

__all__ = [
    "FIGURE_DPI",
    "Section",
    "cell_text",
    "figure_html",
    "in_language",
    "localise",
    "table_html",
]

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


@functools.cache
def _terms() -> tuple[tuple[re.Pattern[str], dict[str, str]], ...]:
    """The figures' words (``civsim/data/figure_terms.yaml``) as patterns and their languages."""
    source = resources.files("civsim") / "data" / "figure_terms.yaml"
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    out = []
    for entry in entries:
        holes = re.split(r"(\{name\}|\{n\})", entry["text"])
        pattern = "".join(
            f"(?P<{h[1:-1]}>.+?)" if h in ("{name}", "{n}") else re.escape(h) for h in holes
        )
        out.append((re.compile(f"^{pattern}$"), {k: entry[k] for k in ("zh", "en")}))
    return tuple(out)


def in_language(text: str, lang: str) -> str:
    """A figure's word in one language, or ``text`` as it is when it is not a known term.

    Examples
    --------
    >>> in_language("quota line (50% title chance)", "zh")
    '入选线（获评概率一半）'
    >>> in_language("campaign_mode (基准 baseline)", "en"), in_language("东城区", "en")
    ('campaign_mode (baseline)', '东城区')
    """
    for pattern, words in _terms():
        found = pattern.match(text)
        if found:
            return words[lang].format(**found.groupdict())
    return text


def localise(ax: Axes, title: str, lang: str) -> Axes:
    """Put a figure's title, axis labels and legend in one language (names stay as they are).

    The title becomes ``title`` (the caption the report gives the figure); every
    axis label and legend entry that is a known term (:func:`in_language`) is
    replaced, on every axes of the figure (a colour bar's label too).
    """
    ax.set_title(title)
    for each in ax.figure.axes:
        each.set_xlabel(in_language(each.get_xlabel(), lang))
        each.set_ylabel(in_language(each.get_ylabel(), lang))
        legend = each.get_legend()
        for text in legend.get_texts() if legend is not None else ():
            text.set_text(in_language(text.get_text(), lang))
    return ax
