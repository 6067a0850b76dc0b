"""The explorer as a Solara component: the same ``Explorer`` in JupyterLab and in the browser.

``Page`` is what ``solara run civsim.app.ui`` (and ``civsim app``) serves; in a
notebook, ``widget(folder="../scenarios")`` is the same component as a widget. Moving a lever only
re-validates (:func:`civsim.app.levers.option`); *Run* streams replications in
from worker processes (:class:`civsim.app.runs.Runner`), redrawing after each,
while the controls stay live; *Cancel* stops it.
"""

from __future__ import annotations

import datetime
import html
import io
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import solara
import solara.lab

from civsim.app import levers as lv
from civsim.app.figures import figures
from civsim.app.reproduce import Setting, command, export, overlay, python_call
from civsim.app.runs import Job, Runner, comparison
from civsim.app.serve import FOLDER_ENV
from civsim.errors import CivsimError, ScenarioError
from civsim.results import Comparison
from civsim.scenario import Scenario, load_scenario, override

__all__ = ["Explorer", "Page", "stream", "widget"]

#: The scenario picked first, when the folder has it.
FIRST = "baseline.yaml"
#: The option's name (the scenario with the levers moved).
OPTION = "explorer"
#: Replications a run starts with, and the most the control allows.
REPS, MAX_REPS = 2, 100
#: Where exported reports go (a folder per export, named by the time).
EXPORTS = Path("out") / "explorer"
#: Figures' resolution in the page.
DPI = 80
#: Number fields take each keystroke as it comes. Taken on Enter or leaving the field instead,
#: a value typed while replications streamed in was often lost (the field went back to the old
#: one): Solara read the field when the Enter came, and renders in between could reset it.
CONTINUOUS = True
#: Seconds between two drawings of the figures while replications stream in: each takes
#: about a second of the server's time, which the controls share.
REDRAW_SECONDS = 3.0
#: The numbers' table and its cells: ruled and padded, as the Markdown table it replaced.
TABLE_STYLE = "border-collapse: collapse; margin: 8px 0"
CELL_STYLE = "padding: 2px 10px; border-bottom: 1px solid #ccc; text-align: left"
#: The reproduce panel's blocks of code.
CODE_STYLE = "background: #f5f5f5; padding: 8px; overflow-x: auto; white-space: pre"

_runner: Runner | None = None
_runner_lock = threading.Lock()


def runner() -> Runner:
    """The server's one pool of workers (shared by every session: kept runs serve them all)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = Runner()
        return _runner


@dataclass(frozen=True)
class Shown:
    """What a run has brought in so far."""

    setting: Setting
    number: int
    done: int
    total: int
    comparison: Comparison | None
    images: dict[str, bytes]
    finished: bool = False


def stream(
    setting: Setting, base: Scenario, stop: threading.Event, number: int = 1
) -> Iterator[Shown]:
    """Run ``number`` of a setting: one :class:`Shown` after each replication (pairs first).

    The numbers follow each completed pair; the figures at most every
    :data:`REDRAW_SECONDS`, and once more when the run ends or is stopped, so
    that the last :class:`Shown` draws every pair in.
    """
    jobs = [Job(sc, setting.seed, r) for r in range(setting.reps) for sc in (base, setting.option)]
    results = {}
    images: dict[str, bytes] = {}
    drawn = 0  # rows of the comparison (scenario and replication) the figures were drawn from
    last = -math.inf  # when they were drawn
    yield Shown(setting, number, 0, len(jobs), None, images)
    cmp: Comparison | None = None
    names = {base.name, setting.option.name}
    for job, result in runner().stream(jobs, stop.is_set):
        results[(job.scenario.name, job.replication)] = result
        if all((name, job.replication) in results for name in names):
            cmp = comparison(base, setting.option, results)  # only a completed pair changes it
        done, finished = len(results), len(results) == len(jobs)
        due = finished or time.monotonic() - last >= REDRAW_SECONDS
        if cmp is not None and len(cmp.replications) > drawn and due:
            # the numbers first; the figures (a second or so to draw) follow
            yield Shown(setting, number, done, len(jobs), cmp, images)
            images, drawn = _draw(cmp, setting.option), len(cmp.replications)
            last = time.monotonic()
        yield Shown(setting, number, done, len(jobs), cmp, images, finished)
    if cmp is not None and len(cmp.replications) > drawn:  # stopped: the figures catch up
        yield Shown(setting, number, len(results), len(jobs), cmp, _draw(cmp, setting.option))


def _draw(cmp: Comparison, option: Scenario) -> dict[str, bytes]:
    """The figures of a comparison, each as PNG bytes."""
    out = {}
    for name, fig in figures(cmp, option).items():
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI)
        out[name] = buffer.getvalue()
    return out


def widget(folder: str = "scenarios") -> Any:
    """The explorer as an ipywidget, for a notebook.

    Rendered directly, not through Solara's notebook display, which adds a
    one-off call to solara.dev and usage statistics.
    """
    box, _ = solara.render(Explorer(folder=folder), handle_error=False)
    return box


@solara.component
def Page() -> None:
    """The standalone app: the explorer over the folder named by :data:`FOLDER_ENV`."""
    solara.Title("civsim explorer")
    Explorer(folder=os.environ.get(FOLDER_ENV, "scenarios"))


@solara.component
def Explorer(folder: str = "scenarios") -> None:
    """Pick a scenario, move levers and uncertainties, run, compare, reproduce."""
    files = sorted(Path(folder).glob("*.yaml"))
    names = [f.name for f in files]
    picked = solara.use_reactive(FIRST if FIRST in names else (names[0] if names else ""))
    settings: solara.Reactive[dict[str, Any]] = solara.use_reactive({})
    unknowns: solara.Reactive[dict[str, Any]] = solara.use_reactive({})
    reps = solara.use_reactive(REPS)
    stop = solara.use_ref(threading.Event())
    number = solara.use_ref(0)
    task = solara.lab.use_task(_run, dependencies=None, raise_error=False)

    base_name = picked.value
    base, load_error = solara.use_memo(lambda: _load(Path(folder) / base_name), [base_name])
    if base is None:
        solara.Error(f"{picked.value}: {load_error}")
        return
    setting, world, errors = _setting(base, settings.value, unknowns.value, reps.value)

    def start() -> None:
        # The controls' values now, not at the last render: a click that arrives
        # before the render of a lever's change still runs that change.
        now = base if picked.value == base_name else _load(Path(folder) / picked.value)[0]
        if now is None:
            return
        current, current_world, _ = _setting(now, settings.value, unknowns.value, reps.value)
        stop.current.set()
        stop.current = threading.Event()
        if current is not None and current_world is not None:
            number.current += 1
            task(current, current_world, stop.current, number.current)

    def cancel() -> None:
        stop.current.set()

    def pick(name: str) -> None:
        picked.set(name)
        settings.set({})
        unknowns.set({})

    latest = cast(Shown | None, task.latest)
    running = task.pending and not (latest is not None and latest.finished)
    with solara.Columns([1, 3]):
        with solara.Column():
            solara.Select("scenario", values=names, value=picked.value, on_value=pick)
            Controls(base, settings, errors)
            Uncertainties(world or base, unknowns, errors)
            solara.InputInt(
                "replications",
                value=reps,
                on_value=lambda n: reps.set(_bounded(n)),
                continuous_update=CONTINUOUS,
            )
            with solara.Row():
                solara.Button("Run", on_click=start, color="primary", disabled=setting is None)
                solara.Button("Cancel", on_click=cancel, disabled=not running)
            if task.error:
                solara.Error(f"the run failed: {task.exception}")
            if "" in errors:
                solara.Error(errors[""])
            if setting is None:
                solara.Warning("A setting does not validate; nothing runs until it does.")
            else:
                solara.Text(_moved(setting), classes=["civsim-moved"])
        with solara.Column():
            Results(latest, running)


def _run(setting: Setting, world: Scenario, stop: threading.Event, number: int) -> Iterator[Shown]:
    yield from stream(setting, world, stop, number)


def _setting(
    base: Scenario, settings: dict[str, Any], unknowns: dict[str, Any], reps: int
) -> tuple[Setting | None, Scenario | None, dict[str, str]]:
    """The setting the controls make (None while one fails), the world it runs in, messages."""
    world, errors = _world(base, unknowns)
    if world is None:
        return None, None, errors
    option, changes, errors = lv.option(world, settings, OPTION)
    if option is None:
        return None, world, errors
    return Setting(base, option, changes, unknowns, reps, base.seed), world, errors


def _moved(setting: Setting) -> str:
    """What the next run compares: the levers moved, and the uncertainties set in both.

    Examples
    --------
    >>> from civsim.scenario import load_scenario
    >>> base = load_scenario("scenarios/county_nominee.yaml")
    >>> _moved(_setting(base, {}, {}, 1)[0])
    'explorer: county_nominee as it is'
    >>> _moved(_setting(base, {"simulation.campaign.mode": "campaign"}, {}, 1)[0])
    'explorer: county_nominee with simulation.campaign.mode = campaign'
    """
    levers = "; ".join(f"{path} = {value}" for path, value in setting.levers.items())
    text = f"{OPTION}: {setting.base.name} " + (f"with {levers}" if levers else "as it is")
    if setting.uncertainties:
        both = "; ".join(f"{path} = {value}" for path, value in setting.uncertainties.items())
        text += f" (both with {both})"
    return text


def _load(path: Path) -> tuple[Scenario | None, str]:
    try:
        return load_scenario(path), ""
    except CivsimError as exc:
        return None, str(exc)


def _world(base: Scenario, unknowns: dict[str, Any]) -> tuple[Scenario | None, dict[str, str]]:
    """The picked scenario with the uncertainties set, or the message by the path at fault."""
    if not unknowns:
        return base, {}
    try:
        return override(base, unknowns), {}
    except ScenarioError as exc:
        return None, {exc.where or "": exc.message}


def _bounded(n: int | None) -> int:
    return min(max(n or 1, 1), MAX_REPS)


@solara.component
def Controls(base: Scenario, settings: solara.Reactive[dict], errors: dict[str, str]) -> None:
    """The levers: the named ones open, budget lines and mechanisms' switches folded."""
    groups: dict[str, list[lv.Control]] = {}
    for control in lv.levers(base):
        groups.setdefault(control.group, []).append(control)

    def setter(path: str) -> Callable[[Any], None]:
        return lambda value: settings.set({**settings.value, path: value})

    for control in groups.get("lever", []):
        Input(control, settings.value.get(control.path, control.value), setter, errors)
    for group, title in (("line", "budget lines (units)"), ("switch", "mechanisms (on/off)")):
        if groups.get(group):
            children = [
                Input(c, settings.value.get(c.path, c.value), setter, errors) for c in groups[group]
            ]
            moved = any(c.path in settings.value for c in groups[group])
            solara.Details(summary=title, children=children, expand=moved)


@solara.component
def Input(
    control: lv.Control,
    value: Any,
    setter: Callable[[str], Callable[[Any], None]],
    errors: dict[str, str],
) -> None:
    """One control, with the validation message of its path under it."""
    on_value = setter(control.path)
    label = control.label if control.group != "switch" else control.path.removeprefix("simulation.")
    if control.kind == "choice":
        solara.Select(label, values=list(control.choices), value=value, on_value=on_value)
    elif control.kind == "switch":
        solara.Checkbox(label=label, value=bool(value), on_value=on_value)
    elif control.kind == "integer":
        solara.InputInt(label, value=value, on_value=on_value, continuous_update=CONTINUOUS)
    else:
        solara.InputFloat(label, value=value, on_value=on_value, continuous_update=CONTINUOUS)
    if control.path in errors:
        solara.Error(f"{control.path}: {errors[control.path]}", classes=["civsim-invalid"])


@solara.component
def Uncertainties(base: Scenario, unknowns: solara.Reactive[dict], errors: dict[str, str]) -> None:
    """Parameters with a plausible range: pick one, set its value; each set one listed."""
    controls = {c.path: c for c in lv.uncertainties(base)}
    path = solara.use_reactive(next(iter(controls), ""))
    chosen = controls.get(path.value)

    def setter(p: str) -> Callable[[Any], None]:
        return lambda value: unknowns.set({**unknowns.value, p: value})

    def forget(p: str) -> Callable[[], None]:
        return lambda: unknowns.set({k: v for k, v in unknowns.value.items() if k != p})

    children: list[Any] = [solara.Select("uncertainty", values=list(controls), value=path)]
    if chosen is not None:
        children.append(solara.Text(f"{chosen.label}; plausible {chosen.low:g} to {chosen.high:g}"))
        children.append(
            Input(chosen, unknowns.value.get(chosen.path, chosen.value), setter, errors)
        )
    for p, value in unknowns.value.items():
        children.append(solara.Button(f"{p} = {value} ✕", on_click=forget(p), text=True))
    solara.Details(summary="uncertainties", children=children, expand=bool(unknowns.value))


@solara.component
def Results(shown: Shown | None, running: bool) -> None:
    """Progress, the numbers, the figures and the reproduce panel of the latest run."""
    if shown is None:
        solara.Info("Move levers, then Run: replications stream in as each finishes.")
        return
    solara.ProgressLinear(value=100 * shown.done / shown.total if running else False)
    state = "running" if running and not shown.finished else "done" if shown.finished else "stopped"
    solara.Text(f"run {shown.number}: {shown.done} of {shown.total} replications in ({state})")
    if shown.comparison is not None:
        solara.HTML(unsafe_innerHTML=_numbers(shown.comparison), classes=["civsim-numbers"])
        for name, png in shown.images.items():
            solara.Image(png, classes=[f"civsim-figure-{name}"])
        Reproduce(shown)


def _numbers(cmp: Comparison) -> str:
    """The comparison's summary as an HTML table, every cell escaped.

    HTML made here, not ``solara.Markdown``: that component fetches KaTeX from a
    CDN through the server each time it is shown, and offline (an office's
    intranet, CI) each fetch failed only after seconds of retries, holding a
    server thread while a run streamed in.

    Examples
    --------
    >>> from civsim.experiments import compare
    >>> from civsim.scenario import load_scenario
    >>> county = load_scenario("scenarios/county_nominee.yaml")
    >>> table = _numbers(compare([county], reps=1, progress=False))
    >>> table.startswith("<table") and ">county_nominee</td>" in table
    True
    """
    s = cmp.summary
    heads = (
        "scenario",
        "replications",
        "cycle score",
        "90% of replications",
        "chance of the title",
        "difference",
        "quota line",
    )
    rows = [_row("th", heads)]
    for name, r in s.iterrows():
        cells = (
            str(name),
            f"{r['reps']:.0f}",
            f"{r['mean']:.2f}",
            f"{r['low']:.2f} to {r['high']:.2f}",
            f"{r['title_probability']:.0%}",
            f"{r['difference']:+.2f}",
            f"{r['quota_score']:.2f}",
        )
        rows.append(_row("td", cells))
    return f"<table style='{TABLE_STYLE}'>" + "".join(rows) + "</table>"


def _row(tag: str, cells: Iterable[str]) -> str:
    style = f" style='{CELL_STYLE}'"
    return "<tr>" + "".join(f"<{tag}{style}>{html.escape(c)}</{tag}>" for c in cells) + "</tr>"


def _code(text: str) -> str:
    """A block of code as HTML, escaped (the panel's YAML, Python call and command).

    Examples
    --------
    >>> _code("a < b").endswith("<code>a &lt; b</code></pre>")
    True
    """
    return f"<pre style='{CODE_STYLE}'><code>{html.escape(text)}</code></pre>"


@solara.component
def Reproduce(shown: Shown) -> None:
    """The YAML overlay, the Python call and the command; export writes the report (in a thread)."""
    writing = solara.lab.use_task(_write, dependencies=None, raise_error=False)

    def write() -> None:
        if shown.comparison is not None:
            writing(shown.comparison, shown.setting)

    with solara.Card("reproduce"):
        with solara.Div(classes=["civsim-overlay"]):
            solara.HTML(unsafe_innerHTML=_code(overlay(shown.setting)))
        solara.HTML(unsafe_innerHTML=_code(python_call(shown.setting)))
        solara.HTML(unsafe_innerHTML=_code(command(shown.setting)))
        solara.Button("Export the report", on_click=write, disabled=writing.pending)
        if writing.pending:
            solara.Text("writing the report ...")
        elif writing.finished:
            solara.Text(str(writing.value))


def _write(cmp: Comparison, setting: Setting) -> str:
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        return f"wrote {export(cmp, setting, EXPORTS / stamp)}"
    except (CivsimError, OSError) as exc:
        return f"not written: {exc}"
