"""The architecture's promises: stages in one direction, the city built once, small modules."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest

import civsim
from civsim.city import build_city, clear_city_cache
from civsim.scenario import load_scenario
from civsim.sim import prepare, simulate

PACKAGE = Path(civsim.__file__).parent
SCENARIOS = PACKAGE.parent / "scenarios"

#: The pipeline's stages in order; a module may import its own stage or an earlier one.
STAGES = (
    ("shared", ("civsim.errors", "civsim.apportion", "civsim.labels", "civsim.sums")),
    ("scenario", ("civsim.scenario",)),
    (
        "city",
        (
            "civsim.places",
            "civsim.responsibility",
            "civsim.chain",
            "civsim.tasks",
            "civsim.staffing",
            "civsim.checkpoints",
            "civsim.city",
            "civsim.generate",
        ),
    ),
    (
        "fund",
        (
            "civsim.gains",
            "civsim.allocation",
            "civsim.optimiser",
            "civsim.budget",
            "civsim.readiness",
        ),
    ),
    ("scoring", ("civsim.scoring",)),
    ("sim", ("civsim.sim",)),
    (
        "analysis",
        (
            "civsim.results",
            "civsim.experiments",
            "civsim.variants",
            "civsim.inertness",
            "civsim.statistics",
            "civsim.trial",
            "civsim.reality",
            "civsim.validation",
            "civsim.fund_value",
            "civsim.archive",
        ),
    ),
    (
        "outputs",
        (
            "civsim.plots",
            "civsim.index_figure",
            "civsim.export",
            "civsim.sheets",
            "civsim.findings",
            "civsim.webfont",
            "civsim.assumptions",
            "civsim.summary",
            "civsim.page",
            "civsim.governance_progress",
            "civsim.progress_section",
            "civsim.report",
        ),
    ),
    (
        "exploration",
        (
            "civsim.outcomes",
            "civsim.experiment",
            "civsim.sensitivity",
            "civsim.robustness",
            "civsim.store",
            "civsim.check_runs",
            "civsim.cluster",
            "civsim.explore",
            "civsim.exploration_figures",
            "civsim.exploration_report",
        ),
    ),
    (
        "calibration",
        (
            "civsim.targets",
            "civsim.identifiability",
            "civsim.calibrate",
            "civsim.synthetic",
            "civsim.calibration_outputs",
        ),
    ),
    ("app", ("civsim.app",)),
    ("interface", ("civsim.arguments", "civsim.console", "civsim.cli", "civsim")),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every civsim module a file imports, at any level (TYPE_CHECKING blocks included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("civsim"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("civsim"))
    return found


def _graph() -> nx.DiGraph:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    G = nx.DiGraph()
    G.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path):
            # "from civsim.sim import kernels" names a module; "from civsim.x import f" does not
            while target not in modules and "." in target:
                target = target.rsplit(".", 1)[0]
            if target in modules and target != name and not name.startswith(f"{target}."):
                G.add_edge(name, target)
    return G


def _stage(module: str) -> int:
    best, rank = -1, -1
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), i
    assert rank >= 0, f"{module} belongs to no stage in this test's STAGES"
    return rank


def test_no_import_cycle() -> None:
    """No module imports itself back through others, not even under TYPE_CHECKING."""
    G = _graph()
    # a package's __init__ importing its own modules is how a package is made, not a cycle
    H = G.copy()
    H.remove_edges_from([(a, b) for a, b in G.edges if b.startswith(f"{a}.")])
    assert list(nx.simple_cycles(H)) == []


def test_no_module_imports_a_later_stage() -> None:
    """Data flows one way: scenario -> city -> fund -> scoring -> sim -> analysis -> outputs."""
    late = [
        f"{a} ({STAGES[_stage(a)][0]}) imports {b} ({STAGES[_stage(b)][0]})"
        for a, b in _graph().edges
        if _stage(b) > _stage(a)
    ]
    assert late == []


def test_importing_one_stage_loads_no_later_one() -> None:
    """``import civsim.scoring`` loads neither the simulation nor numba.

    The package's public names load on first use, so a test of one stage starts fast.
    """
    code = (
        "import sys, civsim.scoring; "
        "print(sorted(m for m in sys.modules if m == 'numba' or m.startswith('civsim.sim')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_public_name_loads_on_first_use() -> None:
    """Each name in ``civsim.__all__`` is there when asked for; a typo is an AttributeError."""
    for name in civsim.__all__:
        assert getattr(civsim, name) is not None, name
    assert "simulate" in dir(civsim)
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        civsim.simulat  # noqa: B018


def test_no_module_over_600_lines() -> None:
    """One concept per module: none grows past about 600 lines."""
    sizes = {
        _module_name(p): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {m: n for m, n in sizes.items() if n > 600} == {}


def _stage_entries(call) -> Counter:
    """Calls of a stage's module-level functions from another stage, while ``call()`` runs.

    Methods and properties of a built object (reading the city's arrays) are
    not entries: only functions that build or compute from inputs are.
    """
    entries: Counter = Counter()

    def profile(frame, event, arg):
        if event != "call" or frame.f_back is None:
            return
        callee = frame.f_globals.get("__name__", "")
        caller = frame.f_back.f_globals.get("__name__", "")
        if not callee.startswith("civsim"):
            return
        function = frame.f_globals.get(frame.f_code.co_name)
        if getattr(function, "__code__", None) is not frame.f_code:
            return  # a method, a property, a lambda or a nested function
        s_callee = _stage(callee)
        if not caller.startswith("civsim") or _stage(caller) != s_callee:
            entries[(STAGES[s_callee][0], frame.f_code.co_name)] += 1

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return entries


def test_each_upstream_stage_is_entered_once_through_simulate() -> None:
    """Following a scenario through simulate, the city and the fund are each built once."""
    scenario = load_scenario(SCENARIOS / "county_nominee.yaml")
    clear_city_cache()
    entries = _stage_entries(lambda: simulate(scenario, seed=1))
    city_calls = {name: n for (stage, name), n in entries.items() if stage == "city"}
    fund_calls = {name: n for (stage, name), n in entries.items() if stage == "fund"}
    assert city_calls == {"build_city": 1}
    assert fund_calls == {"budget_inputs": 1, "allocate_years": 1}


def test_a_variant_downstream_reuses_the_city() -> None:
    """A variant that changes only a simulation parameter pays no decomposition."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    campaign = load_scenario(SCENARIOS / "campaign_mode.yaml")
    clear_city_cache()
    first = prepare(base)
    entries = _stage_entries(lambda: prepare(campaign))
    built = {name for (stage, name), _ in entries.items() if stage == "city"}
    assert built == {"build_city"}  # entered, and it returned the city already built
    assert prepare(campaign).city is first.city


def test_a_city_from_other_upstream_sections_is_refused() -> None:
    """Handing prepare the wrong city is an error, not a silent mix of two cities."""
    base = load_scenario(SCENARIOS / "baseline.yaml")
    county = load_scenario(SCENARIOS / "county_nominee.yaml")
    with pytest.raises(civsim.CivsimError, match="other organisation"):
        prepare(county, city=build_city(base))
