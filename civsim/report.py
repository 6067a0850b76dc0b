"""The comparison report: one self-contained HTML page a city's leadership can read.

:func:`render_report` turns a :class:`~civsim.results.Comparison` into HTML, in
Chinese (the default) or English: an executive summary written from the results
(:mod:`civsim.findings`: which options beat the baseline, by how much, how surely
and at what cost; which assumptions decide it; warnings), a table of contents,
the comparison table with every metric explained, the title holders' re-check
outcomes when a scenario has them, the figures (embedded PNG), the assumptions
table and the run's details (date, version, seed, scenario hashes). The page
embeds the subset of the CJK font it needs (:mod:`civsim.webfont`), so its
Chinese shows on a machine without one, and prints cleanly on A4. Its wording
lives in ``civsim/data/report_text.yaml``. The page is a pure function of its
inputs: the same inputs (with ``metadata["created"]``) give the same bytes.
:func:`write_report` writes it with the comparison tables as CSV, all or nothing.
"""

from __future__ import annotations

import datetime
import html
import importlib.metadata
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from civsim import plots
from civsim.assumptions import assumptions_table
from civsim.city import City, build_city
from civsim.export import staged_folder, write_csv
from civsim.findings import verdicts, warnings
from civsim.index_figure import plot_civilization_index
from civsim.page import Section, cell_text, figure_html, localise, table_html
from civsim.progress_section import governance_section
from civsim.results import Comparison
from civsim.scenario import Scenario, scenario_hash
from civsim.summary import executive_summary, report_text, wan
from civsim.tasks import workload
from civsim.webfont import WEB_FONT, font_face

__all__ = [
    "comparison_table",
    "protocol_table",
    "render_report",
    "report_text",
    "run_metadata",
    "write_report",
]


#: The comparison table's rows (metrics), in order; each has ``col_`` and ``explain_`` text.
COMPARISON_COLUMNS = (
    "scenario",
    "title",
    "reps",
    "score",
    "score_interval",
    "difference",
    "difference_interval",
    "beat_share",
    "title_probability",
    "quota",
    "spent",
    "extra",
    "cost",
    "unspent",
    "satisfaction",
    "open_orders",
    "late_share",
)
#: The title holders' outcomes, shown only when some scenario has them.
PROTOCOL_COLUMNS = (
    "keep_chance",
    "years_held",
    "years_held_interval",
    "precondition",
    "index_spread",
    "index_worst",
)

_STYLE = """
body { font-family: "%(font)s", "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif;
       margin: 2em auto; max-width: 1100px; padding: 0 1em; color: #222; line-height: 1.5; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { border-bottom: 2px solid #b2182b; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.8em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.5em; text-align: right; vertical-align: top; }
thead th { background: #f0f0f0; }
td:first-child, th:first-child, td.text { text-align: left; }
tbody th { text-align: left; font-weight: normal; background: #fafafa; max-width: 22em; }
tbody th .explain { display: block; color: #666; font-size: 0.85em; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%%; box-sizing: border-box; border: 1px solid #eee; }
figcaption { font-weight: bold; margin-bottom: 0.3em; }
.note { color: #555; font-size: 0.9em; }
.summary li { margin: 0.4em 0; }
table.assumptions { table-layout: fixed; width: 100%%; }
table.assumptions th:nth-child(1) { width: 11%%; }
table.assumptions th:nth-child(2) { width: 25%%; }
table.assumptions th:nth-child(3), table.assumptions th:nth-child(4) { width: 8%%; }
table.assumptions th:nth-child(5) { width: 14%%; }
table.assumptions th:nth-child(6) { width: 9%%; }
table.assumptions td { overflow-wrap: anywhere; }
table.assumptions th { text-align: left; }
.warning { color: #8a2a0b; background: #fff4e5; padding: 0.5em 0.5em 0.5em 2em;
           border-left: 4px solid #d9480f; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.meta dt { color: #555; } dl.meta dd { margin: 0; font-family: monospace; }
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10pt; }
  h2 { break-before: page; margin-top: 0; }
  h2.first { break-before: auto; }
  h2, h3, figcaption { break-after: avoid; }
  figure, .warning li, .summary li, dl.meta { break-inside: avoid; }
  .summary li { margin: 0.15em 0; }
  figure img { max-height: 230mm; object-fit: contain; }
  table { width: 100%%; font-size: 8pt; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  th, td { overflow-wrap: anywhere; }
  nav a, nav a:visited { color: inherit; text-decoration: none; }
}
"""


def comparison_table(
    comparison: Comparison, scenarios: Sequence[Scenario] = (), lang: str = "zh"
) -> pd.DataFrame:
    """The comparison summary, rounded and labelled for reading.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario, optional
        Adds each scenario's Chinese title.
    lang : {"zh", "en"}
        Language of the column headers and of the cost cells' words.

    Returns
    -------
    pandas.DataFrame
        One row per scenario; intervals written as ``low .. high``; money in 万元. The
        baseline's gain, its range and its share beating the baseline say "baseline".
        The cost column gives extra 万元 per extra point against the baseline, or
        says why there is no such figure (same spend, cheaper and better, a gain
        not distinguishable from zero, no gain).
    """
    t = report_text(lang)
    s = comparison.summary
    titles = {sc.name: sc.title_zh for sc in scenarios}
    v = verdicts(comparison).set_index("scenario")

    def against_baseline(values: Any) -> list[Any]:
        # the baseline against itself is no comparison: say so, not 0.00 or NaN
        is_base = s.index == comparison.baseline
        return [t["cost_baseline"] if b else x for b, x in zip(is_base, values, strict=True)]

    cost = [
        t["cost_baseline"]
        if name == comparison.baseline
        else wan(v.loc[name, "extra_yuan_per_point"])
        if v.loc[name, "cost"] == "priced"
        else t[f"cost_{v.loc[name, 'cost']}"]
        for name in s.index
    ]
    columns: dict[str, Any] = {
        "scenario": s.index,
        "title": [titles.get(n, "") for n in s.index],
        "reps": s["reps"].to_numpy(),
        "score": s["mean"].round(2).to_numpy(),
        "score_interval": [
            f"{lo:.2f} .. {hi:.2f}" for lo, hi in zip(s["low"], s["high"], strict=True)
        ],
        "difference": against_baseline(s["difference"].round(2)),
        "difference_interval": against_baseline(
            f"{lo:+.2f} .. {hi:+.2f}"
            for lo, hi in zip(s["difference_low"], s["difference_high"], strict=True)
        ),
        "beat_share": against_baseline(v["beat_share"].reindex(s.index).round(2)),
        "title_probability": s["title_probability"].round(2).to_numpy(),
        "quota": s["quota_score"].round(2).to_numpy(),
        "spent": (s["yuan"] / plots.WAN).round(1).to_numpy(),
        "extra": (s["extra_yuan"] / plots.WAN).round(1).to_numpy(),
        "cost": cost,
        "unspent": (s["unspent_yuan"] / plots.WAN).round(1).to_numpy(),
        "satisfaction": s["satisfaction"].round(3).to_numpy(),
        "open_orders": s["open_orders"].round(1).to_numpy(),
        "late_share": s["late_share"].round(3).to_numpy(),
    }
    return pd.DataFrame({t[f"col_{k}"]: columns[k] for k in COMPARISON_COLUMNS})


def protocol_table(comparison: Comparison, lang: str = "zh") -> pd.DataFrame | None:
    """The protocol's outcomes per scenario, or None when no scenario has any.

    Keep chance and years held are NaN for nominees, the minors' precondition
    where the minors' assessment is off, and the civilization index's spread
    and worst district where no index is published; a table of dashes tells nothing.
    """
    t = report_text(lang)
    s = comparison.summary
    cols = ["keep_chance", "years_held", "years_held_low", "years_held_high"]
    index = ["index_spread", "index_worst"]
    if s[[*cols, "precondition_passed", *index]].isna().all().all():
        return None
    columns = {
        "scenario": s.index,
        "keep_chance": s["keep_chance"].round(2).to_numpy(),
        "years_held": s["years_held"].round(2).to_numpy(),
        "years_held_interval": [
            "—" if pd.isna(lo) else f"{lo:.1f} .. {hi:.1f}"
            for lo, hi in zip(s["years_held_low"], s["years_held_high"], strict=True)
        ],
        "precondition": s["precondition_passed"].round(2).to_numpy(),
        "index_spread": s["index_spread"].round(2).to_numpy(),
        "index_worst": s["index_worst"].round(2).to_numpy(),
    }
    return pd.DataFrame({t[f"col_{k}"]: columns[k] for k in ("scenario", *PROTOCOL_COLUMNS)})


def run_metadata(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The run's details for the report, ``metadata`` completed where it can be.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario
    metadata : mapping, optional
        Any of ``created`` (ISO date and time), ``civsim_version``, ``seed``,
        ``replications``, ``executor``, ``scenario_hashes`` (name to hash), as
        stored with a run.

    Returns
    -------
    dict
        Those keys. Missing ones are filled: the installed version, the
        replications of the summary, the scenarios' hashes, and now (UTC) for
        ``created``; ``seed`` and ``executor`` stay None (not recorded) since the
        comparison does not hold them.
    """
    meta = dict(metadata or {})
    if meta.get("created") is None:
        meta["created"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    if meta.get("civsim_version") is None:
        meta["civsim_version"] = importlib.metadata.version("civsim")
    if meta.get("replications") is None:
        meta["replications"] = int(comparison.summary["reps"].min())
    if not meta.get("scenario_hashes"):
        meta["scenario_hashes"] = {sc.name: scenario_hash(sc) for sc in scenarios}
    meta.setdefault("seed", None)
    meta.setdefault("executor", None)
    return meta


def render_report(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    city: City | None = None,
    other_cities: Sequence[str] = (),
    metadata: Mapping[str, Any] | None = None,
    lang: str = "zh",
    sections: Sequence[Section] = (),
    found: pd.DataFrame | None = None,
) -> str:
    """The whole report as one HTML page.

    Parameters
    ----------
    comparison : Comparison
    scenarios : sequence of Scenario
        The compared scenarios, baseline first (for titles, labels and assumptions).
    city : City, optional
        The baseline's city (built, or reused, when not given), for the chain and
        the load figures.
    other_cities : sequence of str
        Scenarios that are another place than the baseline: a warning says their
        differences compare places, not options.
    metadata : mapping, optional
        The run's details (see :func:`run_metadata`); given ``created``, the page
        depends on nothing but the arguments.
    lang : {"zh", "en"}
        The page's language.
    sections : sequence of Section
        Sections of later stages, after the figures; the first with ``drivers``
        also says in the summary which assumptions decide the result. The
        governance levers' progress comes first, where a scenario runs them
        (:func:`civsim.progress_section.governance_section`).

    Returns
    -------
    str

    Raises
    ------
    CivsimError
        If ``lang`` is not one of :data:`LANGS`.
    """
    t = report_text(lang)
    base = scenarios[0]
    meta = run_metadata(comparison, scenarios, metadata)
    levers = governance_section(comparison.results, scenarios, lang)
    sections = [*([levers] if levers is not None else []), *sections]
    city = build_city(base) if city is None else city
    if found is None:  # the summary's warnings, with the city at hand
        found = warnings(comparison, other_cities, scenarios, city)
    esc = html.escape
    toc = [("summary", t["h_summary"]), ("comparison", t["h_comparison"])]
    protocol = protocol_table(comparison, lang)
    if protocol is not None:
        toc.append(("protocol", t["h_protocol"]))
    toc += [
        ("figures", t["h_figures"]),
        *((extra.key, extra.title) for extra in sections),
        ("assumptions", t["h_assumptions"]),
        ("metadata", t["h_metadata"]),
    ]
    figures = _figures(comparison, base, city)
    assumptions = assumptions_table(scenarios)
    body = [
        f"<h1>{esc(t['title'])}</h1>",
        '<p class="note">'
        + esc(
            t["subtitle"].format(
                baseline=comparison.baseline,
                city=base.title_zh,
                n=len(comparison.scenarios),
                reps=meta["replications"],
                created=meta["created"],
            )
        )
        + "</p>",
        f'<nav><h2 class="first">{esc(t["toc"])}</h2><ol>',
        *(
            f'<li><a href="#{key}">{esc(title)}</a>'
            + (
                "<ol>"
                + "".join(
                    f'<li><a href="#fig-{f}">{esc(t[f"fig_{f}"].format(baseline=base.name))}</a>'
                    "</li>"
                    for f, _, _ in figures
                )
                + "</ol>"
                if key == "figures"
                else ""
            )
            + "</li>"
            for key, title in toc
        ),
        "</ol></nav>",
        f'<h2 id="summary">{esc(t["h_summary"])}</h2>',
        executive_summary(
            comparison,
            scenarios,
            other_cities,
            assumptions,
            lang,
            drivers=next((extra.drivers for extra in sections if extra.drivers), ""),
            found=found,
        ),
        f'<h2 id="comparison">{esc(t["h_comparison"])}</h2>',
        f'<p class="note">{esc(t["note_comparison"])}</p>',
        _metric_table(comparison_table(comparison, scenarios, lang), COMPARISON_COLUMNS, t),
    ]
    if protocol is not None:
        body += [
            f'<h2 id="protocol">{esc(t["h_protocol"])}</h2>',
            f'<p class="note">{esc(t["note_protocol"])}</p>',
            _metric_table(protocol, ("scenario", *PROTOCOL_COLUMNS), t),
        ]
    body.append(f'<h2 id="figures">{esc(t["h_figures"])}</h2>')
    kept = int(comparison.results.cycle.groupby("scenario", observed=True).size().min())
    if kept < int(comparison.summary["reps"].min()):  # compare keeps the first few's tables
        body.append(f'<p class="note">{esc(t["note_tables_kept"].format(kept=kept))}</p>')
    for key, draw, size in figures:
        title = t[f"fig_{key}"].format(baseline=base.name)
        caption = esc(title)

        def drawn(ax: Axes, draw: Callable[[Axes], Axes] = draw, title: str = title) -> Axes:
            return localise(draw(ax), title, lang)

        body.append(
            f'<figure id="fig-{key}"><figcaption>{caption}</figcaption>'
            f"{figure_html(drawn, size, t['figure_alt'] + caption)}"
            f'<p class="note">{esc(t[f"fig_{key}_note"])}</p></figure>'
        )
    for extra in sections:
        body += [f'<h2 id="{esc(extra.key)}">{esc(extra.title)}</h2>', extra.body]
    shown_assumptions = assumptions.replace({"scenario": {"all": t["all_scenarios"]}})
    shown_assumptions.columns = [t[f"col_{c}"] for c in assumptions.columns]
    body += [
        f'<h2 id="assumptions">{esc(t["h_assumptions"])}</h2>',
        f'<p class="note">{esc(t["note_assumptions"])}</p>',
        table_html(shown_assumptions, "assumptions"),
        f'<h2 id="metadata">{esc(t["h_metadata"])}</h2>',
        _metadata(meta, t),
    ]
    page_body = "\n".join(body)
    title = f"civsim: {', '.join(comparison.scenarios)}"
    # The font holds exactly the characters shown: the text between tags, the title too.
    shown = html.unescape(re.sub(r"<[^>]*>", "", page_body)) + title
    style = _STYLE % {"font": WEB_FONT}
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
            f"<title>{esc(title)}</title>",
            f"<style>{font_face(shown)}\n{style}</style></head><body>",
            page_body,
            "</body></html>",
        ]
    )


def _figures(
    comparison: Comparison, base: Scenario, city: City
) -> list[tuple[str, Callable[[Axes], Axes], tuple[float, float]]]:
    """The figures: key (for the caption text), drawing function, size in inches."""
    load = workload(base, city.tasks)
    res = comparison.results
    first = comparison.baseline
    alloc = res.allocation[res.allocation["scenario"] == first]
    index = res.civilization_index
    # The index's figure, of the first scenario publishing one.
    published = list(dict.fromkeys(index["scenario"])) if len(index) else []
    return [
        ("cycle_scores", lambda ax: plots.plot_cycle_scores(comparison, ax), (10, 5)),
        ("shadow", lambda ax: plots.plot_shadow(res, ax), (11, 5)),
        ("annual", lambda ax: plots.plot_annual(res, ax), (12, 5)),
        ("budget", lambda ax: plots.plot_budget(alloc, ax, scenario=base), (8, 4.5)),
        (
            "district_items",
            lambda ax: plots.plot_district_items(res, ax, scenario=base, which=first),
            (9, 10),
        ),
        ("queues", lambda ax: plots.plot_queues(res, ax, scenario=base, which=first), (11, 5)),
        ("chain", lambda ax: plots.plot_chain(city.chain, ax), (16, 8)),
        ("unit_load", lambda ax: plots.plot_unit_load(load, ax, scenario=base), (8, 7)),
        ("grid_worker_load", lambda ax: plots.plot_grid_worker_load(load, ax), (8, 4)),
        *(
            [
                (
                    "civilization_index",
                    lambda ax: plot_civilization_index(res, ax, scenario=base, which=published[0]),
                    (11, 5),
                )
            ]
            if published
            else []
        ),
    ]


def _metadata(meta: Mapping[str, Any], t: dict[str, str]) -> str:
    """The run's details as a definition list."""
    esc = html.escape
    unknown = t["meta_unknown"]
    rows = [
        (t["meta_created"], meta["created"]),
        (t["meta_version"], meta["civsim_version"]),
        (t["meta_seed"], meta["seed"]),
        (t["meta_replications"], meta["replications"]),
        (t["meta_executor"], meta["executor"]),
        *(
            (t["meta_hash"].format(name=name), digest)
            for name, digest in meta["scenario_hashes"].items()
        ),
    ]
    items = "".join(
        f"<dt>{esc(label)}</dt><dd>{esc(unknown if value is None else str(value))}</dd>"
        for label, value in rows
    )
    return f'<dl class="meta">{items}</dl><p class="note">{esc(t["meta_note"])}</p>'


def write_report(
    comparison: Comparison,
    scenarios: Sequence[Scenario],
    out: str | Path,
    city: City | None = None,
    other_cities: Sequence[str] = (),
    metadata: Mapping[str, Any] | None = None,
    lang: str = "zh",
    sections: Sequence[Section] = (),
    found: pd.DataFrame | None = None,
) -> Path:
    """Write ``report.html`` and the comparison tables as CSV into ``out``, all or nothing.

    ``other_cities`` names compared scenarios that are another place than the
    baseline (:func:`civsim.city.other_cities`); the report says so. ``metadata``
    and ``lang`` are as for :func:`render_report`; ``found``, the comparison's
    :func:`civsim.findings.warnings` when the caller has them already.

    Returns
    -------
    Path
        The report file.
    """
    page = render_report(comparison, scenarios, city, other_cities, metadata, lang, sections, found)
    out = Path(out)
    with staged_folder(out) as tmp:
        (tmp / "report.html").write_text(page, encoding="utf-8")
        for name, table in comparison.tables().items():
            write_csv(table, tmp / f"{name}.csv")
    return out / "report.html"


def _metric_table(table: pd.DataFrame, keys: Sequence[str], t: dict[str, str]) -> str:
    """A table turned on its side: a column per scenario, a row per metric with its meaning.

    Seven scenarios side by side still fit an A4 page; sixteen metrics across would not.
    """
    esc = html.escape
    head = "".join(f"<th>{cell_text(name)}</th>" for name in table.iloc[:, 0])
    rows = []
    for key, column in zip(keys[1:], table.columns[1:], strict=True):
        cells = "".join(f"<td>{cell_text(v)}</td>" for v in table[column])
        rows.append(
            f"<tr><th>{esc(str(column))}"
            f'<span class="explain">{esc(t[f"explain_{key}"])}</span></th>{cells}</tr>'
        )
    first = esc(str(table.columns[0]))
    body = "".join(rows)
    return f"<table><thead><tr><th>{first}</th>{head}</tr></thead><tbody>{body}</tbody></table>"
