"""Settings of mechanisms added to the core simulation, under ``simulation.mechanisms``.

A mechanism outside the core (:mod:`civsim.sim.registry`) brings its own
pydantic model of parameters; registering the mechanism registers the model
here, so a scenario's ``simulation.mechanisms.<name>`` section is validated
against it when the scenario loads, like every other section::

    simulation:
      mechanisms:
        moral_points: {enabled: true, satisfaction_per_point: 0.002}
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel, ValidationError

from civsim.scenario.checks import hint

__all__ = [
    "mechanism_params",
    "register_mechanism_params",
    "unregister_mechanism_params",
    "validate_mechanisms",
]

_params: dict[str, type[BaseModel]] = {}


def register_mechanism_params(name: str, model: type[BaseModel]) -> None:
    """Accept ``simulation.mechanisms.<name>`` in scenarios, validated by ``model``."""
    _params[name] = model


def unregister_mechanism_params(name: str) -> None:
    """Stop accepting ``simulation.mechanisms.<name>``."""
    _params.pop(name, None)


def mechanism_params() -> Mapping[str, type[BaseModel]]:
    """The parameter models of registered mechanisms, by name (read-only)."""
    return MappingProxyType(_params)


def validate_mechanisms(value: Any) -> dict[str, BaseModel]:
    """Each section validated by its mechanism's model; an unknown name is an error.

    Raises
    ------
    ValueError
        Naming the mechanism and, for a bad value, the field inside it.
    """
    if not isinstance(value, Mapping):
        raise ValueError(f"expected a mapping of mechanism names to settings, got {value!r}")
    out: dict[str, BaseModel] = {}
    for name, settings in value.items():
        model = _params.get(str(name))
        if model is None:
            known = ", ".join(sorted(_params)) or "none registered"
            raise ValueError(
                f"unknown mechanism {name!r}{hint(str(name), set(_params))} (known: {known})"
            )
        if isinstance(settings, model):
            out[str(name)] = settings
            continue
        try:
            out[str(name)] = model.model_validate(settings if settings is not None else {})
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or name}: {e['msg']}" for e in exc.errors()
            )
            raise ValueError(f"mechanism {name}: {problems}") from None
    return out
