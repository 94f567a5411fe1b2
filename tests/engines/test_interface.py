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
from realpolitik.compile import draws
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario

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
    """(Params, inputs at the as_of drivers) of one engine for members start…stop-1 of the
    flagship, through the engine's compile module."""
    d = draws(s, MemberRNG(SEED, start, stop))
    spec = importlib.import_module(f"realpolitik.compile.{name}").compile(d)
    return spec.params, {k: r.read(d.drivers0) for k, r in spec.inputs.items()}


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


@pytest.mark.parametrize("name", ENGINES)
def test_params_and_state_pickle_and_slice_by_member(flagship, name):
    """Params and State survive pickling (workers get them) and a member slice of them runs the
    same members' months as the whole (chunking)."""
    import pickle

    module = importlib.import_module(f"realpolitik.engines.{name}")
    params, inputs = compiled(flagship, name, 0, 6)
    again = pickle.loads(pickle.dumps(params))
    state = module.init_state(again, 6)
    pickle.loads(pickle.dumps(state))
    part = engines.member_slice(params, 2, 5)
    sub_inputs = {k: v[2:5] for k, v in inputs.items()}
    _, whole = module.step(module.init_state(params, 6), params, inputs, 0, MemberRNG(SEED, 0, 6))
    _, piece = module.step(module.init_state(part, 3), part, sub_inputs, 0, MemberRNG(SEED, 2, 5))
    for f in dataclasses.fields(whole):
        np.testing.assert_array_equal(getattr(whole, f.name)[2:5], getattr(piece, f.name), f.name)
    sliced_state = engines.member_slice(module.init_state(params, 6), 2, 5)
    for f in dataclasses.fields(sliced_state):
        want = getattr(module.init_state(part, 3), f.name)
        np.testing.assert_array_equal(np.broadcast_to(getattr(sliced_state, f.name), np.shape(want)),
                                      want, f.name)  # fmt: skip
