"""Every engine module has the same pure interface (DESIGN.md, "Engines")."""

import dataclasses
import importlib
import inspect

import pytest

ENGINES = ["actions", "alignment", "bargaining", "choice", "combat", "politics", "population"]


@pytest.mark.parametrize("name", ENGINES)
def test_engine_interface(name):
    module = importlib.import_module(f"realpolitik.engines.{name}")
    assert module.__doc__ and len(module.__doc__) > 200, (
        "the docstring cites the model and its equations"
    )
    assert dataclasses.is_dataclass(module.Params) and module.Params.__dataclass_params__.frozen
    assert dataclasses.is_dataclass(module.State)
    init = list(inspect.signature(module.init_state).parameters)
    assert init[:2] == ["params", "n_members"]
    step = list(inspect.signature(module.step).parameters)
    assert step[:5] == ["state", "params", "drivers", "month", "rng"]
