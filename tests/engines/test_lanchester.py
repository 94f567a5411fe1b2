"""Lanchester laws: Engel's Iwo Jima data, analytic invariants, the multi-sided kernel, Ardennes."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp

from realpolitik.engines.lanchester import (
    attrition_substeps,
    constant_loss_baseline,
    engel_estimates,
    engel_model,
    fire_matrices,
    fit_exponents,
    integrate_two_sided,
    linear_law_closed_form,
    square_law_invariant,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "lanchester"
A_ENGEL, B_ENGEL, N0 = 0.0544, 0.0106, 21_500


@pytest.fixture(scope="module")
def iwo():
    return pd.read_csv(DATA / "iwo_jima.csv")


@pytest.fixture(scope="module")
def model(iwo):
    return engel_model(iwo["us_reinforcements"].to_numpy(), A_ENGEL, B_ENGEL, N0)


def test_engel_model_matches_an_independent_solver(iwo, model):
    """Our RK4 (landings spread over their day) against scipy's adaptive solver: ≤ 1 person."""
    landings = iwo["us_reinforcements"].to_numpy(float)
    y, ref = [0.0, float(N0)], []
    for p in landings:
        sol = solve_ivp(
            lambda t, v, p=p: [p - A_ENGEL * v[1], -B_ENGEL * v[0]],
            (0, 1),
            y,
            rtol=1e-11,
            atol=1e-6,
        )
        y = sol.y[:, -1]
        ref.append(y)
    ref = np.array(ref)
    assert np.abs(model[0] - ref[:, 0]).max() <= 1.0
    assert np.abs(model[1] - ref[:, 1]).max() <= 1.0


def test_engel_model_against_the_files_model_columns(iwo, model):
    """The file's Japanese column is reproduced to ≤ 1 person on day 1 and ≤ 5 after 36 days; its US
    column sits 9–12 persons below ours from day 1 on: the file's generator lands slightly fewer
    troops at each day's end (see the next test, which reproduces both columns to ≤ 1 person)."""
    us, jp = model
    assert abs(jp[0] - iwo["jp_active_model"].iloc[0]) <= 1.0
    assert np.abs(jp - iwo["jp_active_model"]).max() <= 5.0
    assert np.abs(us - iwo["us_active_model"]).max() <= 13.0


def _files_generator(landings, n_steps_per_day=1000):
    """The convention that reproduces the file's model columns: classic RK4 with h = 1/1000 day, the
    running time accumulated as t += h, and the landing rate read at every RK4 stage as
    P[int(stage time)]. At a day's last step the k4 stage (t + h ≈ d) may read day d+1's rate, so
    about h/6·(P_d − P_{d+1}) fewer troops land by the end of day d: 9 on day 1 (54,000 landed),
    which is why the file's day-1 US loss (1,174) exceeds A·N(0) = 1,169.6."""
    h, t, m, n = 1.0 / n_steps_per_day, 0.0, 0.0, float(N0)
    days = len(landings)

    def f(tau, m, n):
        day = int(tau)
        return (landings[day] if day < days else 0.0) - A_ENGEL * n, -B_ENGEL * m

    out = []
    for _ in range(days):
        for _ in range(n_steps_per_day):
            k1 = f(t, m, n)
            k2 = f(t + h / 2, m + h / 2 * k1[0], n + h / 2 * k1[1])
            k3 = f(t + h / 2, m + h / 2 * k2[0], n + h / 2 * k2[1])
            k4 = f(t + h, m + h * k3[0], n + h * k3[1])
            m += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
            n += h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
            t += h
        out.append((m, n))
    return np.array(out).T


def test_files_model_columns_are_reproduced_to_one_person(iwo):
    """Engel's equations (A = 0.0544, B = 0.0106, N(0) = 21,500) under the generator's convention
    reproduce both rounded model columns of the file to ≤ 1 person on all 36 days (measured: 0.5)."""
    us, jp = _files_generator(iwo["us_reinforcements"].to_numpy(float))
    assert np.abs(us - iwo["us_active_model"]).max() <= 1.0
    assert np.abs(jp - iwo["jp_active_model"]).max() <= 1.0


def test_engels_estimators_recover_a_and_b(iwo, model):
    """B = 21,500 / Σ M(t) on the data (day 35 carried to day 36); A = US casualties / Σ N_model."""
    active = iwo["us_active"].to_numpy()[:35]
    active36 = np.r_[active, active[-1]]
    casualties = iwo["us_casualties_cum"].iloc[34]
    a_hat, b_hat = engel_estimates(active36, casualties, N0, model[1])
    assert abs(a_hat / A_ENGEL - 1) <= 0.03
    assert abs(b_hat / B_ENGEL - 1) <= 0.03


def test_us_strength_fit_beats_a_constant_loss_baseline(iwo, model):
    """RMSE of the model's US strength on the data (days 1–35) ≤ 1,000 and ≤ ½ that of a constant
    daily casualty count fitted by least squares (independently measured: ~920 and ~3,040)."""
    obs = iwo["us_active"].to_numpy(float)[:35]
    rmse = np.sqrt(np.mean((model[0][:35] - obs) ** 2))
    _, base = constant_loss_baseline(iwo["us_landed_cum"].to_numpy(float)[:35], obs)
    rmse_base = np.sqrt(np.mean((base - obs) ** 2))
    print(f"Iwo Jima RMSE model {rmse:.0f}, constant-loss baseline {rmse_base:.0f}")
    assert rmse <= 1000
    assert rmse <= 0.5 * rmse_base


def test_square_law_invariant_is_conserved():
    t, x, y = integrate_two_sided(1000.0, 800.0, 0.02, 0.03, 1.0, 0.0, 20.0, 2000)
    inv = square_law_invariant(x, y, 0.02, 0.03)
    assert x[-1] < 1000 and y[-1] < 800
    assert np.abs(inv / inv[0] - 1).max() <= 1e-6


def test_linear_law_matches_its_closed_form():
    t, x, y = integrate_two_sided(500.0, 300.0, 2e-4, 1e-4, 1.0, 1.0, 30.0, 3000)
    closed = linear_law_closed_form(500.0, 300.0, 2e-4, 1e-4, t)
    assert np.abs(x / closed - 1).max() <= 1e-8
    assert np.abs((1e-4 * x - 2e-4 * y) / (1e-4 * 500 - 2e-4 * 300) - 1).max() <= 1e-8


def _two_sided_kernel(x0, y0, a, b, p, q, months, n_sub, guerrilla=(False, False)):
    X = np.array([[[x0], [y0]]], float)
    attr = np.array([[[0.0, b], [a, 0.0]]])  # attr[i, j]: i's fire on j
    w = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    a1, a2 = fire_matrices(attr, w, np.array([p]), np.array(guerrilla))
    c = np.ones_like(X)
    for _ in range(months):
        X, _ = attrition_substeps(X, a1, a2, w, c, np.array([p]), np.array([q]), 1 / n_sub, n_sub)
    return X[0, :, 0]


@pytest.mark.parametrize("p,q", [(1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.7, 0.4)])
def test_multi_sided_kernel_with_two_sides_is_the_generalised_law(p, q):
    """φ = 1 with two sides, so the batched Euler kernel converges to the RK4 two-sided law."""
    scale = 900.0 ** (1 - p - q)  # keeps monthly losses at a few percent whatever the law
    a, b = 0.02 * scale, 0.03 * scale
    _, x, y = integrate_two_sided(1000.0, 800.0, a, b, p, q, 5.0, 5000)
    got = _two_sided_kernel(1000.0, 800.0, a, b, p, q, 5, 2000)
    assert np.allclose(got, [x[-1], y[-1]], rtol=2e-3)


def test_deitchman_guerrillas_take_area_fire():
    """Conventional X vs guerrilla G: dG/dt = −b·X·G (area fire), dX/dt = −a·G (aimed fire)."""
    a, b = 0.05, 2e-5
    got = _two_sided_kernel(2000.0, 400.0, a, b, 1.0, 0.0, 1, 20000, guerrilla=(False, True))
    sol = solve_ivp(lambda s, v: [-a * v[1], -b * v[0] * v[1]], (0, 1), [2000.0, 400.0], rtol=1e-10)
    assert np.allclose(got, sol.y[:, -1], rtol=1e-3)


def test_three_sided_fire_is_split_in_proportion_to_targets():
    """Square law, proportional allocation: one tiny step's losses equal a_ij·X_i·X_j / Σ_k X_k."""
    X = np.array([[[1000.0], [300.0], [700.0]]])
    w = np.ones((1, 3, 3)) - np.eye(3)
    attr = 0.01 * w
    a1, a2 = fire_matrices(attr, w, np.array([1.0]), np.zeros(3, bool))
    dt = 1e-6
    _, lost = attrition_substeps(
        X, a1, a2, w, np.ones_like(X), np.array([1.0]), np.array([0.0]), dt, 1
    )
    x = X[0, :, 0]
    expect = [
        dt * 0.01 * sum(x[i] * x[j] / (x.sum() - x[i]) for i in range(3) if i != j)
        for j in range(3)
    ]
    assert np.allclose(lost[0, :, 0], expect, rtol=1e-9)


def test_fit_exponents_recovers_known_exponents():
    rng = np.random.default_rng(3)
    x, y = rng.uniform(5e3, 2e4, 40), rng.uniform(5e3, 2e4, 40)
    lx = 0.002 * y**1.3 * x**0.4
    ly = 0.003 * x**1.3 * y**0.4
    a, b, p, q = fit_exponents(x, y, lx, ly)
    assert np.allclose([a, b, p, q], [0.002, 0.003, 1.3, 0.4], rtol=1e-6)


def test_ardennes_exponents_are_fitted_and_reported():
    """No pass/fail on the values (the data's provenance is partly unverified): print them.

    Recorded 2026-11: p ≈ 2.62, q ≈ 2.28 with a, b ~ 1e-25 — forces move by < 10 % over the
    campaign, so log X and log Y are nearly collinear and the exponents are poorly identified."""
    d = pd.read_csv(DATA / "ardennes.csv")
    a, b, p, q = fit_exponents(
        d["allied_forces"], d["german_forces"], d["allied_casualties"], d["german_casualties"]
    )
    print(f"Ardennes (days 2–33) log-OLS: p = {p:.2f}, q = {q:.2f}, a = {a:.3g}, b = {b:.3g}")
    assert np.isfinite([a, b, p, q]).all()
