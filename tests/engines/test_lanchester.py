"""The attrition kernel that combat.step calls: exact Euler invariants, convergence to scipy's
solver, Engel's Iwo Jima equations, and the validation of tools/validate_lanchester.py."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from realpolitik.engines.lanchester import attrition_substeps, fire_matrices

ROOT = Path(__file__).resolve().parents[2]


def _tool():
    spec = importlib.util.spec_from_file_location(
        "validate_lanchester", ROOT / "tools" / "validate_lanchester.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


V = _tool()


def _two_sided(x0, y0, a, b, p, q, t_end, substeps):
    x, y = V.two_sided(x0, y0, a, b, p, q, t_end, substeps)
    return x[0, -1], y[0, -1]


def test_square_law_invariant_changes_exactly_as_euler_predicts():
    """Square law, one Euler step: b·X'² − a·Y'² = (b·X² − a·Y²)(1 − a·b·dt²), exactly."""
    a, b, n, t = 0.02, 0.03, 2000, 20.0
    x, y = _two_sided(1000.0, 800.0, a, b, 1.0, 0.0, t, n)
    inv0 = b * 1000.0**2 - a * 800.0**2
    assert x < 1000 and y < 800
    assert b * x**2 - a * y**2 == pytest.approx(inv0 * (1 - a * b * (t / n) ** 2) ** n, rel=1e-9)


def test_linear_law_invariant_is_exact_and_the_kernel_converges_at_first_order():
    """Linear law: each Euler step keeps b·X − a·Y exactly; X converges to the closed form
    X(t) = c·X0 / (b·X0 − (b·X0 − c)·e^(−ct)), c = b·X0 − a·Y0, with error ∝ dt (Euler)."""
    a, b, x0, y0, t = 2e-4, 1e-4, 500.0, 300.0, 30.0
    c = b * x0 - a * y0
    exact = c * x0 / (b * x0 - (b * x0 - c) * np.exp(-c * t))
    errors = []
    for n in (500, 1000, 2000):
        x, y = _two_sided(x0, y0, a, b, 1.0, 1.0, t, n)
        assert b * x - a * y == pytest.approx(c, rel=1e-12)
        errors.append(x - exact)
    assert errors[0] / errors[1] == pytest.approx(2.0, rel=0.01)
    assert errors[1] / errors[2] == pytest.approx(2.0, rel=0.01)


@pytest.mark.parametrize("p,q", [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.7, 0.4)])
def test_two_sided_kernel_converges_to_the_generalised_law(p, q):
    """φ = 1 with two sides: the Euler kernel's error against scipy's solver halves with dt."""
    scale = 900.0 ** (1 - p - q)  # keeps monthly losses at a few percent whatever the law
    a, b = 0.02 * scale, 0.03 * scale

    def rhs(_, v):
        x, y = np.maximum(v, 0.0)
        return [-a * y**p * x**q, -b * x**p * y**q]

    ref = solve_ivp(rhs, (0, 5), [1000.0, 800.0], rtol=1e-12, atol=1e-9).y[:, -1]
    err = [np.abs(np.array(_two_sided(1000.0, 800.0, a, b, p, q, 5.0, n)) - ref) for n in (50, 100)]
    assert err[1].max() <= 1e-2 * ref.min()
    assert err[0].max() / err[1].max() == pytest.approx(2.0, rel=0.05)


def _kernel_once(X, attr, w, guerrilla, p, q, dt, n_sub):
    a1, a2 = fire_matrices(attr, w, np.array([p]), np.array(guerrilla))
    return attrition_substeps(
        X, a1, a2, w, np.ones_like(X), np.array([p]), np.array([q]), dt, n_sub
    )


def test_deitchman_guerrillas_take_area_fire():
    """Conventional X vs guerrilla G: dG/dt = −b·X·G (area fire), dX/dt = −a·G (aimed fire)."""
    a, b = 0.05, 2e-5
    X = np.array([[[2000.0], [400.0]]])
    attr = np.array([[[0.0, b], [a, 0.0]]])  # attr[i, j]: i's fire on j
    w = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    got, _ = _kernel_once(X, attr, w, (False, True), 1.0, 0.0, 1 / 20000, 20000)
    sol = solve_ivp(lambda s, v: [-a * v[1], -b * v[0] * v[1]], (0, 1), [2000.0, 400.0], rtol=1e-10)
    assert np.allclose(got[0, :, 0], sol.y[:, -1], rtol=1e-3)


def test_three_sided_fire_is_split_in_proportion_to_targets():
    """Square law, proportional allocation: one tiny step's losses equal a_ij·X_i·X_j / Σ_k X_k."""
    X = np.array([[[1000.0], [300.0], [700.0]]])
    w = np.ones((1, 3, 3)) - np.eye(3)
    dt = 1e-6
    _, lost = _kernel_once(X, 0.01 * w, w, (False, False, False), 1.0, 0.0, dt, 1)
    x = X[0, :, 0]
    expect = [
        dt * 0.01 * sum(x[i] * x[j] / (x.sum() - x[i]) for i in range(3) if i != j)
        for j in range(3)
    ]
    assert np.allclose(lost[0, :, 0], expect, rtol=1e-9)


def test_kernel_solves_engels_iwo_jima_equations_within_the_euler_bound():
    """Engel's dM/dt = P(t) − A·N, dN/dt = −B·M on the kernel (landings in hourly instalments) vs
    scipy on the same instalments. Tolerance: the explicit-Euler global bound
    h·max|y''|/(2L)·(e^(LT) − 1), L = max(A, B) the right-hand side's Lipschitz constant."""
    landings, _, _ = V.load_iwo()
    m, n = V.engel_run(V.ENGEL_A, V.ENGEL_B, landings)
    a, b, hours = V.ENGEL_A, V.ENGEL_B, V.HOURS
    y, ref = np.array([0.0, float(V.N0)]), []
    for day in landings:
        for _ in range(hours):
            y = y + [day / hours, 0.0]
            sol = solve_ivp(
                lambda _, v: [-a * v[1], -b * v[0]], (0, 1 / hours), y, rtol=1e-12, atol=1e-6
            )
            y = sol.y[:, -1]
        ref.append(y)
    ref = np.array(ref)
    y2 = np.max(np.abs([a * b * ref[:, 0], a * b * ref[:, 1]]))  # |M''| = A·B·M, |N''| = A·B·N
    h, lip, t = 1 / (hours * V.SUBSTEPS), max(a, b), len(landings)
    bound = h * y2 / (2 * lip) * np.expm1(lip * t)
    assert 1.0 < bound < 50.0  # a bound tight enough to catch a wrong kernel
    assert np.abs(m[0] - ref[:, 0]).max() <= bound
    assert np.abs(n[0] - ref[:, 1]).max() <= bound


@pytest.fixture(scope="module")
def validation():
    return {"iwo_jima": V.iwo_jima(), "ardennes": V.ardennes()}


def test_stored_validation_is_what_the_tool_computes(validation):
    """data/lanchester/validation.json (quoted in the README) is reproduced by the kernel."""
    stored = json.loads(V.OUT.read_text())

    def close(a, b):
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
        if isinstance(a, list | type(None) | int):
            return a == b
        return a == pytest.approx(b, rel=1e-6)

    assert close(validation, stored)


def test_iwo_jima_fit_uses_only_its_days_and_beats_baselines_in_sample(validation):
    """In sample (days 1–35) the kernel's least-squares fit has a lower RMSE than both baselines
    without a Lanchester term fitted the same way; the hold-out fit never sees days 19–35."""
    iwo = validation["iwo_jima"]
    ins = iwo["in_sample"]
    assert (
        ins["lanchester_kernel"]["rmse"] < ins["power_law"]["rmse"] < ins["constant_loss"]["rmse"]
    )
    landings, landed, active = V.load_iwo()
    changed = active.copy()
    changed[V.TRAIN_DAYS :] += 5000.0  # moving the held-out days must not move the fit
    a, b = V.fit_engel(landings, changed, V.TRAIN_DAYS)
    held = iwo["hold_out"]["lanchester_kernel"]["params"]
    assert (a, b) == pytest.approx((held["A"], held["B"]), rel=1e-9)


def test_fit_exponents_recovers_known_exponents():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(5e3, 2e4, 40), rng.uniform(5e3, 2e4, 40)
    lx = 0.002 * y**1.3 * x**0.4
    ly = 0.003 * x**1.3 * y**0.4
    a, b, p, q = V.fit_exponents(x, y, lx, ly)
    assert np.allclose([a, b, p, q], [0.002, 0.003, 1.3, 0.4], rtol=1e-6)


def test_ardennes_fit_solves_its_normal_equations_and_the_kernel_applies_it():
    """The log fit on the Ardennes days is the least-squares solution (residuals orthogonal to every
    column of the design), and the kernel's one-day losses at the fitted (a, b, p, q) are the law
    integrated over the day by scipy, within twice the leading Euler error h/2·max|X''| per day,
    |X''| ≤ L·r with L the loss rate and r = |p|·L_Y/Y + |q|·L_X/X its relative change a day."""
    _, x, y, lx, ly = V.load_ardennes()
    a, b, p, q = V.fit_exponents(x, y, lx, ly)
    design, target = V.log_design(x, y, lx, ly)
    resid = target - design @ np.r_[np.log(a), np.log(b), p, q]
    assert np.abs(design.T @ resid).max() <= 1e-8 * np.abs(design.T @ target).max()
    substeps = 24
    kx, ky = V.kernel_daily_losses(x, y, a, b, p, q, substeps)
    for i in range(len(x)):
        sol = solve_ivp(
            lambda _, v: [-a * v[1] ** p * v[0] ** q, -b * v[0] ** p * v[1] ** q],
            (0, 1),
            [x[i], y[i]],
            rtol=1e-12,
            atol=1e-6,
        )
        ref_x, ref_y = x[i] - sol.y[0, -1], y[i] - sol.y[1, -1]
        r = (abs(p) + abs(q)) * max(ref_x / x[i], ref_y / y[i])
        assert abs(kx[i] - ref_x) <= ref_x * r / substeps
        assert abs(ky[i] - ref_y) <= ref_y * r / substeps
