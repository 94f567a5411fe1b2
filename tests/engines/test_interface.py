"""Every engine module has the same pure interface (DESIGN.md, "Engines") and runs alone through
:func:`realpolitik.engines.run` into a Dataset with named dims."""

import dataclasses
import importlib
import inspect
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from realpolitik import engines
from realpolitik.compile.actions import compile_actions
from realpolitik.compile.alignment import compile_alignment
from realpolitik.compile.bargaining import compile_bargaining
from realpolitik.compile.choice import compile_choice
from realpolitik.compile.combat import air_sorties, compile_combat
from realpolitik.compile.politics import compile_politics
from realpolitik.compile.population import compile_population
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

ROOT = Path(__file__).resolve().parents[2]
ENGINES = ["actions", "alignment", "bargaining", "choice", "combat", "politics", "population"]
SEED, MONTHS = 11, 3


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


@pytest.mark.parametrize("name", ENGINES)
def test_outputs_are_frozen_with_dims_for_every_field(name):
    outputs = importlib.import_module(f"realpolitik.engines.{name}").Outputs
    assert dataclasses.is_dataclass(outputs) and outputs.__dataclass_params__.frozen
    names = {f.name for f in dataclasses.fields(outputs)}
    assert set(outputs.DIMS) == names
    for dims in outputs.DIMS.values():
        assert isinstance(dims, tuple) and all(isinstance(d, str) for d in dims)
        assert "member" not in dims and "month" not in dims and len(set(dims)) == len(dims)


# ------------------------------------------------------------------ tiny Params from the flagship


@pytest.fixture(scope="module")
def flagship():
    return load_scenario(ROOT / "scenarios" / "syria-2015.yaml")


def compiled(s, name: str, start: int, stop: int):
    """(Params, drivers) of one engine for members start…stop-1 of the flagship."""
    smp, n, rng = sample_scenario(s, SEED, start, stop), stop - start, MemberRNG(SEED, start, stop)
    if name == "actions":
        p = compile_actions(s, smp, n, rng)
        return p, {d: p.x_ref[:, k] for k, d in enumerate(p.drivers)}
    if name == "combat":
        p = compile_combat(s, smp, n)
        return p, {"air_sorties": air_sorties(s, smp, p)}
    if name == "population":
        p = compile_population(s, smp, n)
        return p, lambda t: {"fighting-scope": np.full(n, 0.5), "combat-losses": np.full(n, 1e3)}
    if name in ("bargaining", "politics"):
        compile_x = compile_bargaining if name == "bargaining" else compile_politics
        return compile_x(s, smp, n, rng), None
    compile_x = {"alignment": compile_alignment, "choice": compile_choice}[name]
    return compile_x(s, smp, n), None


def run(s, name, start, stop):
    params, drivers = compiled(s, name, start, stop)
    return params, engines.run(name, params, stop - start, MONTHS, SEED, drivers, start=start)


@pytest.mark.parametrize("name", ENGINES)
def test_run_gives_named_dims_labels_and_no_nan(flagship, name):
    params, ds = run(flagship, name, 0, 4)
    outputs = importlib.import_module(f"realpolitik.engines.{name}").Outputs
    assert set(ds.data_vars) == set(outputs.DIMS)
    for field, dims in outputs.DIMS.items():
        var = ds[field]
        assert var.dims == ("member", "month", *dims), field
        assert var.shape[:2] == (4, MONTHS)
        if var.dtype.kind in "fc":
            assert not np.isnan(var.values).any(), field
    np.testing.assert_array_equal(ds["member"], np.arange(4))
    np.testing.assert_array_equal(ds["month"], np.arange(MONTHS))
    for dim in set(ds.dims) - {"member", "month"}:
        want = engines.labels(params, dim)
        if want is not None:
            assert list(ds[dim].values) == want, dim
    assert ds.attrs == {"engine": name, "root_seed": SEED}


@pytest.mark.parametrize("name", ENGINES)
def test_run_is_chunk_invariant(flagship, name):
    _, whole = run(flagship, name, 0, 8)
    parts = [run(flagship, name, lo, hi)[1] for lo, hi in ((0, 3), (3, 8))]
    np.testing.assert_array_equal(parts[1]["member"], np.arange(3, 8))
    xr.testing.assert_identical(xr.concat(parts, dim="member"), whole)


def test_run_drivers_forms_agree(flagship):
    params, drivers = compiled(flagship, "combat", 0, 2)
    fixed = engines.run("combat", params, 2, 2, SEED, drivers)
    called = engines.run(engines.combat, params, 2, 2, SEED, lambda month: drivers)
    xr.testing.assert_identical(fixed, called)
    assert not fixed.equals(engines.run("combat", params, 2, 2, SEED))  # the drivers matter
    with pytest.raises(ValueError, match="n_months >= 1"):
        engines.run("combat", params, 2, 0, SEED)
