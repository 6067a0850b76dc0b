"""The HTML report and `civsim compare`: self-contained, complete, all or nothing."""

from __future__ import annotations

import dataclasses
import re
import string
from pathlib import Path

import pandas as pd
import pytest
from conftest import SCENARIOS, variant, write_yaml

from civsim.assumptions import assumptions_table
from civsim.cli import main
from civsim.experiments import compare
from civsim.report import comparison_table, render_report
from civsim.results import build_comparison
from civsim.sim import prepare
from civsim.summary import _all_text, report_text

#: Fixed run details, so two renderings of one comparison can be compared byte for byte.
META = {"created": "2026-01-02T03:04:05+00:00", "seed": 11, "executor": "serial"}


@pytest.fixture(scope="module")
def county_pair(county):
    """The county and a smart-platform copy of it."""
    return [county, variant(county, "smart", detection={"platform": True})]


@pytest.fixture(scope="module")
def county_cmp(county_pair, county_prep):
    """The comparison of the county pair, two replications each."""
    smart = prepare(county_pair[1], city=county_prep.city)
    return compare([county_prep, smart], 2, progress=False)


@pytest.fixture(scope="module")
def page(county_pair, county_prep, county_cmp) -> str:
    """The report of the county pair, in English."""
    return render_report(county_cmp, county_pair, city=county_prep.city, metadata=META, lang="en")


@pytest.fixture(scope="module")
def page_zh(county_pair, county_prep, county_cmp) -> str:
    """The report of the county pair, in Chinese (the default)."""
    return render_report(county_cmp, county_pair, city=county_prep.city, metadata=META)


def test_report_is_self_contained(page: str) -> None:
    """Every figure is embedded; nothing is fetched from elsewhere."""
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    images = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert len(images) == 9
    assert all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(src|href)="(https?:|//|/)', page)


def test_report_has_comparison_and_assumptions(page: str) -> None:
    """The comparison table names both scenarios; the assumptions table shows the switch."""
    assert '<h2 id="comparison">Comparison table</h2>' in page
    assert '<h2 id="assumptions">Assumptions and parameters</h2>' in page
    assert "提名县" in page and ">smart<" in page
    assert "simulation.detection.platform" in page


def test_every_text_exists_in_both_languages_with_the_same_placeholders() -> None:
    """No heading, caption or sentence is missing in a language, or fills other numbers."""
    fields = string.Formatter()
    for key, text in _all_text().items():
        assert set(text) == {"zh", "en"} and all(text.values()), key
        zh, en = ({f for _, f, _, _ in fields.parse(text[lang]) if f} for lang in ("zh", "en"))
        assert zh == en, key


def test_chinese_is_the_default_and_english_is_complete(page: str, page_zh: str) -> None:
    """The default page's headings are Chinese; the English one's have no Chinese.

    No raw column name (``title_zh``) appears in either.
    """
    zh, en = report_text("zh"), report_text("en")
    assert page_zh.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')
    for key in ("h_summary", "h_comparison", "h_figures", "h_assumptions", "h_metadata"):
        assert f">{zh[key]}</h2>" in page_zh and f">{en[key]}</h2>" in page
    headings = re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", page)
    assert not [h for h in headings if re.search(r"[\u4e00-\u9fff]", h)]
    assert "title_zh" not in page and "title_zh" not in page_zh


def test_every_metric_is_explained_where_it_appears(page: str) -> None:
    """Each row of the comparison table carries its explanation; each figure its note."""
    en = report_text("en")
    for key in ("score", "difference_interval", "beat_share", "cost", "late_share"):
        assert f'<th>{en[f"col_{key}"]}<span class="explain">' in page
    assert page.count("<figure ") == 9 == page.count('</figcaption><img alt="Figure: ')
    assert len(re.findall(r"</p></figure>", page)) == 9


def test_report_is_a_pure_function_of_its_inputs(county_pair, county_prep, county_cmp, page):
    """The same inputs give the same bytes: no clock, no random names, the same font subset."""
    again = render_report(county_cmp, county_pair, city=county_prep.city, metadata=META, lang="en")
    assert again == page


def test_run_details_are_shown_and_filled_in(page: str, county_pair) -> None:
    """Date, version, seed, replications, executor and each scenario's hash are on the page."""
    from civsim.scenario import scenario_hash

    for value in (META["created"], "0.1.0", ">11<", ">2<", ">serial<"):
        assert value in page
    for sc in county_pair:
        assert f"scenario hash: {sc.name}</dt><dd>{scenario_hash(sc)}</dd>" in page


def test_summary_names_the_better_option_and_its_cost(page: str, county_cmp) -> None:
    """The summary gives each option's verdict, from the paired differences."""
    v = county_cmp.summary.loc["smart"]
    verdict = (
        "beats the baseline"
        if v["difference_low"] > 0
        else "scores below"
        if v["difference_high"] < 0
        else "cannot be told apart"
    )
    summary = page[page.index('<h2 id="summary">') : page.index('<h2 id="comparison">')]
    assert "<b>smart</b>" in summary and verdict in summary
    assert "Recommendation" in summary and "Warnings" in summary
    assert "replications (at least 20 advised)" in summary  # two replications are rough
    # What the option changes, from the scenarios themselves (not the whole assumptions table).
    assert "<li>smart: simulation.detection.platform from False to True</li>" in summary


def test_protocol_outcomes_only_when_a_scenario_has_them(county_pair, county_prep, county_cmp):
    """Nominees have no re-check outcomes: no such section; a holder's keep chance shows it."""
    assert county_cmp.summary["keep_chance"].isna().all()
    holder = dataclasses.replace(
        county_cmp, summary=county_cmp.summary.assign(keep_chance=[0.9, 0.95], years_held=2.5)
    )
    page = render_report(holder, county_pair, city=county_prep.city, metadata=META, lang="en")
    assert '<h2 id="protocol">' in page and "yearly keep chance" in page and ">0.95<" in page


def _hand_comparison(spend: dict[str, int]):
    """A hand-built comparison: ``a`` gains 1-2 points, ``b`` -1..3 (crosses zero)."""
    from test_compare import _result

    scores = {"base": [80.0, 82.0], "a": [81.0, 84.0], "b": [79.0, 85.0]}
    return build_comparison(_result(scores, spend), {})


@pytest.mark.parametrize(
    ("spend", "a_cost"),
    [
        ({"base": 600_000, "a": 600_000, "b": 900_000}, "same spend as the baseline"),
        ({"base": 600_000, "a": 300_000, "b": 900_000}, "cheaper and better"),
        ({"base": 600_000, "a": 900_000, "b": 900_000}, "20.0"),  # 300,000 yuan / 1.5 points
    ],
)
def test_cost_column_prices_extra_money_only(spend, a_cost) -> None:
    """Extra 万元 per extra point against the baseline, or why there is no such figure."""
    table = comparison_table(_hand_comparison(spend), lang="en")
    cost = table.set_index("scenario")["extra cost per extra point (10,000 yuan)"]
    assert cost.tolist() == ["baseline", a_cost, "gain not distinguishable from zero"]
    zh = comparison_table(_hand_comparison(spend), lang="zh").iloc[:, 12].tolist()
    assert zh[2] == "多得分与零无法区分"


def test_the_baseline_is_not_compared_with_itself() -> None:
    """Its gain, the gain's range and its share beating the baseline say so, in both languages."""
    spend = {"base": 600_000, "a": 600_000, "b": 900_000}
    columns = ("gain over baseline", "gain 90% range", "share beating baseline")
    table = comparison_table(_hand_comparison(spend), lang="en").set_index("scenario")
    assert table.loc["base", list(columns)].tolist() == ["baseline"] * 3
    assert table.loc["a", "gain 90% range"] != "baseline"
    assert isinstance(table.loc["a", "gain over baseline"], float)
    zh = comparison_table(_hand_comparison(spend), lang="zh")
    assert zh.iloc[0, 5:8].tolist() == ["基准"] * 3


def test_assumptions_list_changed_and_assumed_parameters(county_pair) -> None:
    """Changed parameters are listed per scenario; shared assumptions once, as 'all'."""
    table = assumptions_table(county_pair)
    assert list(table.columns) == [
        "scenario",
        "path",
        "value",
        "default",
        "unit",
        "plausible",
        "source",
    ]
    platform = table[table["path"] == "simulation.detection.platform"]
    assert platform[["scenario", "value", "default"]].values.tolist() == [
        ["smart", "True", "False"]
    ]
    upkeep = table[table["path"] == "simulation.dynamics.upkeep_rate"]
    assert upkeep["scenario"].tolist() == ["all"]
    # a parameter left unset (no cap) shows empty, as its unit says, not Python's "None"
    cap = table[table["path"] == "budget.district_cap_yuan"]
    assert cap[["value", "default"]].values.tolist() == [["", ""]]
    assert "empty: no cap" in cap["unit"].iloc[0]
    assert not table.isin(["None"]).any().any()
    assert upkeep["plausible"].tolist() == ["0.02 – 0.12"]  # an assumption shows its range
    workers = table[table["path"] == "territory.generator.grid_workers_per_grid"]
    assert workers["value"].tolist() == ["1.4"] and workers["default"].tolist() != ["1.4"]


def test_compare_command_writes_report_and_tables(tmp_path: Path, capsys) -> None:
    """`civsim compare` prints the comparison and writes report.html and the CSV tables.

    ``--lang en`` makes both English; the run's seed, replications and executor reach the page.
    """
    out = tmp_path / "cmp"
    county = str(SCENARIOS / "county_nominee.yaml")
    args = ["--reps", "2", "--out", str(out), "--executor", "serial", "--seed", "5", "--lang", "en"]
    assert main(["compare", county, *args]) == 0
    text = capsys.readouterr().out
    assert "county_nominee" in text and f"report written   {out / 'report.html'}" in text
    assert "gain 90% range" in text
    # the report summary's warnings follow the table, in plain text
    warned = text[text.index("Warnings:") : text.index("report written")]
    assert "- Each scenario ran only 2 replications" in warned and "<b>" not in warned
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in page
    assert "<dt>seed</dt><dd>5</dd>" in page and "<dt>executor</dt><dd>serial</dd>" in page
    assert sorted(p.name for p in out.iterdir()) == [
        "comparison.json",
        "comparison_replications.csv",
        "comparison_summary.csv",
        "report.html",
        "runs",
    ]
    summary = pd.read_csv(out / "comparison_summary.csv")
    assert summary["scenario"].tolist() == ["county_nominee"] and summary["reps"].tolist() == [2]


def test_compare_command_bad_input_writes_nothing(tmp_path: Path, tiny_dict: dict, capsys) -> None:
    """A bad second scenario: exit 2 naming it, before any run, and no folder."""
    tiny_dict["colour"] = "red"
    bad = write_yaml(tmp_path, "bad.yaml", tiny_dict)
    out = tmp_path / "cmp"
    county = str(SCENARIOS / "county_nominee.yaml")
    assert main(["compare", county, str(bad), "--reps", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "colour" in err and "Traceback" not in err
    assert not out.exists()


def test_comparison_table_writes_intervals(county_pair, county_prep) -> None:
    """Intervals are written low .. high, and the Chinese title is carried."""
    cmp = compare([county_prep], 2, progress=False)
    table = comparison_table(cmp, county_pair[:1], lang="en")
    low, high = (float(x) for x in table.loc[0, "score 90% range"].split(" .. "))
    assert low <= table.loc[0, "cycle score"] <= high
    assert table.loc[0, "title"] == county_pair[0].title_zh


def test_compare_refuses_another_city_unless_allowed(tmp_path: Path, capsys) -> None:
    """The county is not the baseline's city: exit 2 before any run, naming it and the way out."""
    out = tmp_path / "cmp"
    files = [str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "county_nominee.yaml")]
    assert main(["compare", *files, "--reps", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "county_nominee is not the city of the baseline baseline" in err
    assert "--allow-different-cities" in err and "Traceback" not in err
    assert not out.exists()


def test_report_warns_when_a_scenario_is_another_city(county_pair, county_prep, county_cmp):
    """With another city allowed in, the report says its differences compare places."""
    page = render_report(
        county_cmp, county_pair, city=county_prep.city, other_cities=["smart"], lang="en"
    )
    assert "<li><b>smart</b>: another city than the baseline" in page
    plain = render_report(county_cmp, county_pair, city=county_prep.city, lang="en")
    assert "another city than the baseline" not in plain


def test_an_unknown_language_is_refused() -> None:
    """A language without text is a user's mistake, named, not a KeyError deep in the page."""
    from civsim.errors import CivsimError

    with pytest.raises(CivsimError, match="report language 'fr': use one of zh, en"):
        report_text("fr")


def test_a_published_index_shows_its_spread_and_its_figure(county, county_prep) -> None:
    """A scenario publishing the civilization index: its spread and figure are in the report."""
    index = {"civilization_index": {"enabled": True, "publish_every_days": 60}}
    published = variant(county, "published", evaluation=index)
    cmp = compare([county_prep, prepare(published, city=county_prep.city)], 1, progress=False)
    page = render_report(cmp, [county, published], city=county_prep.city, metadata=META, lang="en")
    assert '<h2 id="protocol">' in page and "index spread across districts" in page
    assert 'id="fig-civilization_index"' in page
    spread = cmp.summary.loc["published", "index_spread"]
    assert spread > 0 and f">{round(float(spread), 2)}<" in page  # two places, no trailing 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figure_words_are_in_the_report_language(county_pair, county_prep, county_cmp, lang):
    """Titles, axis labels and legends of every figure: one language (names stay as they are)."""
    import matplotlib.pyplot as plt

    from civsim.page import localise
    from civsim.report import _figures

    t = report_text(lang)
    names = set(county_cmp.scenarios)
    foreign = re.compile(r"[A-Za-z]{3,}") if lang == "zh" else re.compile(r"[\u4e00-\u9fff]")
    for key, draw, size in _figures(county_cmp, county_pair[0], county_prep.city):
        fig, ax = plt.subplots(figsize=size)
        try:
            localise(draw(ax), t[f"fig_{key}"].format(baseline="x"), lang)
            words = [a.get_title() for a in fig.axes]
            words += [a.get_xlabel() for a in fig.axes] + [a.get_ylabel() for a in fig.axes]
            if lang == "zh":  # English legends hold scenario names; Chinese ones place names
                legends = [a.get_legend() for a in fig.axes if a.get_legend() is not None]
                words += [x.get_text() for leg in legends for x in leg.get_texts()]
        finally:
            plt.close(fig)
        for word in words:
            for name in names:
                word = word.replace(name, "")
            assert not foreign.search(word), f"{key}: {word!r}"
