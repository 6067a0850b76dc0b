"""What the explorer shows, again without it: a YAML overlay, a Python call, a ``civsim`` command.

The levers make the *option*, a scenario file that ``extends`` the one picked
(saved beside it); the uncertainties change both, so they go to ``--set``
(which ``civsim compare`` applies to every scenario) and to
:func:`civsim.override` of the base. Exporting writes the report of what is
on screen (:func:`civsim.report.write_report`).
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import yaml

from civsim.report import write_report
from civsim.results import Comparison
from civsim.scenario import Scenario, override

__all__ = ["Setting", "command", "export", "overlay", "python_call"]

#: Where the command writes its report.
OUT = "out/explorer"


class Setting:
    """What the explorer has on screen: a scenario file, the levers, uncertainties, a run.

    Parameters
    ----------
    base : Scenario
        The scenario picked (loaded from its file).
    option : Scenario
        The base with the uncertainties and the levers' changes, validated.
    levers, uncertainties : dict
        Changes by dotted path.
    reps, seed : int
        Replications and master seed.
    """

    def __init__(
        self,
        base: Scenario,
        option: Scenario,
        levers: dict[str, Any],
        uncertainties: dict[str, Any],
        reps: int,
        seed: int,
    ) -> None:
        self.base, self.option = base, option
        self.levers, self.uncertainties = dict(levers), dict(uncertainties)
        self.reps, self.seed = reps, seed

    @property
    def base_path(self) -> Path:
        """The picked scenario's file, relative to the working folder."""
        path = Path(self.base.source_file or f"{self.base.name}.yaml")
        return Path(os.path.relpath(path.resolve(), Path.cwd()))

    @property
    def option_path(self) -> Path:
        """Where the overlay is to be saved: beside the picked scenario."""
        return self.base_path.with_name(f"{self.option.name}.yaml")


def overlay(setting: Setting) -> str:
    """The option as a scenario file extending the picked one (the levers' changes only).

    A change inside a table (a budget line's units) gives the option's whole
    table inline, since an overlay replaces a table whole.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> levers = {"simulation.campaign.mode": "campaign"}
    >>> option = override(base, {"name": "surge", **levers})
    >>> print(overlay(Setting(base, option, levers, {}, 2, 1)), end="")
    # civsim app: save as scenarios/surge.yaml
    extends: baseline.yaml
    name: surge
    simulation:
      campaign:
        mode: campaign
    """
    tree: dict[str, Any] = {}
    for path, value in setting.levers.items():
        node, model = tree, setting.option
        parts = path.split(".")
        for i, part in enumerate(parts[:-1]):
            model = getattr(model, part)
            if isinstance(model, tuple):  # a table: the option's rows, inline
                node[part] = [row.model_dump(mode="json", exclude_defaults=True) for row in model]
                break
            node = node.setdefault(part, {})
            if i == len(parts) - 2:
                node[parts[-1]] = _plain(value)
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, width=100)
    head = {"extends": setting.base_path.name, "name": setting.option.name}
    return (
        f"# civsim app: save as {setting.option_path}\n"
        + yaml.safe_dump(head, allow_unicode=True, sort_keys=False)
        + (text if tree else "")
    )


def python_call(setting: Setting) -> str:
    """The Python that runs the same comparison.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> levers = {"simulation.detection.platform": True}
    >>> option = override(base, {"name": "smart", **levers})
    >>> print(python_call(Setting(base, option, levers, {}, 2, 7)))
    import civsim
    from civsim.experiments import compare
    <BLANKLINE>
    base = civsim.override(civsim.load_scenario('scenarios/baseline.yaml'), {})
    option = civsim.override(base, {'name': 'smart', 'simulation.detection.platform': True})
    comparison = compare([base, option], reps=2, seed=7)
    print(comparison.summary)
    """
    levers = {"name": setting.option.name, **setting.levers}
    return "\n".join(
        [
            "import civsim",
            "from civsim.experiments import compare",
            "",
            f"base = civsim.override(civsim.load_scenario({str(setting.base_path)!r}), "
            f"{_literal(setting.uncertainties)})",
            f"option = civsim.override(base, {_literal(levers)})",
            f"comparison = compare([base, option], reps={setting.reps}, seed={setting.seed})",
            "print(comparison.summary)",
        ]
    )


def command(setting: Setting) -> str:
    r"""The ``civsim compare`` command, once the overlay is saved.

    Examples
    --------
    >>> from civsim.scenario import load_scenario, override
    >>> base = load_scenario("scenarios/baseline.yaml")
    >>> u = {"simulation.dynamics.upkeep_rate": 0.05}
    >>> option = override(base, {"name": "explorer", **u})
    >>> print(command(Setting(base, option, {}, u, 3, 5)))
    civsim compare scenarios/baseline.yaml scenarios/explorer.yaml --reps 3 --seed 5 \
        --set simulation.dynamics.upkeep_rate=0.05 \
        --out out/explorer
    """
    sets = [
        f"--set {shlex.quote(f'{path}={_yaml_value(value)}')}"
        for path, value in setting.uncertainties.items()
    ]
    words = [
        f"civsim compare {shlex.quote(str(setting.base_path))} "
        f"{shlex.quote(str(setting.option_path))} --reps {setting.reps} --seed {setting.seed}",
        *sets,
        f"--out {OUT}",
    ]
    return " \\\n    ".join(words)


def export(comparison: Comparison, setting: Setting, out: str | Path) -> Path:
    """Write the report of the comparison on screen into ``out`` (all or nothing).

    Returns
    -------
    Path
        The report file.
    """
    base = override(setting.base, setting.uncertainties) if setting.uncertainties else setting.base
    meta = {"seed": setting.seed, "executor": "civsim app"}
    return write_report(comparison, [base, setting.option], out, metadata=meta)


def _plain(value: Any) -> Any:
    """A value as YAML writes it plainly (tuples as lists)."""
    return list(value) if isinstance(value, tuple) else value


def _literal(changes: dict[str, Any]) -> str:
    inner = ", ".join(f"{path!r}: {value!r}" for path, value in changes.items())
    return "{" + inner + "}"


def _yaml_value(value: Any) -> str:
    return yaml.safe_dump(_plain(value), default_flow_style=True).removesuffix("\n...\n").strip()
