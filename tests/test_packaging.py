"""Set-up: the conda and pip dependency lists agree; the console script is declared."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower()


def test_environment_yml_matches_pyproject() -> None:
    """environment.yml lists exactly the runtime and optional dependencies of pyproject.toml."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pip_side = {r.lower() for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_side |= {r.lower() for r in extra}
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    conda_side: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            conda_side |= {d.lower() for d in dep["pip"]}
        elif _name(dep) not in ("python", "pip"):
            conda_side.add(dep.lower())
    assert {_name(r): r for r in conda_side} == {_name(r): r for r in pip_side}


def test_console_script_is_declared() -> None:
    """`civsim` is installed as a command."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["civsim"] == "civsim.cli:main"
