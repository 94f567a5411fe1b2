"""Landscape theory, heat-bath dynamics and constrained triad dynamics.

Reference numbers are computed independently here: the Boltzmann law by exhaustive enumeration of
all configurations, triad counts by brute force. (Axelrod & Bennett's 1936 sizes and propensities
could not be retrieved; see the helper's report.)
"""

import itertools

import numpy as np
import pytest

from realpolitik.engines import alignment as al
from realpolitik.engines import member_slice
from realpolitik.errors import ScenarioError
from realpolitik.rng import MemberRNG


def _instance(n, seed):
    rng = np.random.default_rng(seed)
    p = rng.uniform(-1, 1, (n, n))
    p = (p + p.T) / 2
    np.fill_diagonal(p, 0)
    return rng.uniform(0.2, 1.0, n), p


def _params(size, p, beta, anchor=None, **kw):
    n = len(size)
    anchor = np.zeros(n, int) if anchor is None else np.asarray(anchor)
    return al.Params(
        tuple(f"a{i}" for i in range(n)), anchor, size[None], p[None], np.asarray(beta, float), **kw
    )


def test_energy_matches_the_double_sum_of_axelrod_bennett():
    size, p = _instance(6, 1)
    spin = np.array([1, -1, -1, 1, 1, -1.0])
    brute = sum(
        size[i] * size[j] * p[i, j] * (spin[i] != spin[j])
        for i in range(6)
        for j in range(6)
        if i != j
    )
    assert al.energy(spin, size, p) == pytest.approx(brute, rel=1e-12)


def test_a_switch_changes_energy_by_the_local_field_term():
    """A&B footnote 2: with symmetric propensities, i's switch changes E by 2 s_i Σ_j s_j p_ij S_j."""
    size, p = _instance(7, 2)
    spins, energies = al.enumerate_energies(size, p)
    for k in range(0, len(spins), 9):
        s = spins[k]
        for i in range(1, 7):
            flipped = s.copy()
            flipped[i] *= -1
            delta = 2 * size[i] * (size * p[i] * s).sum()  # E(i in B) − E(i in A) with S = s
            sign = 1 if s[i] > 0 else -1
            assert al.energy(flipped, size, p) - al.energy(s, size, p) == pytest.approx(
                sign * delta, abs=1e-12
            )
    assert energies.shape == (2**6,)


def test_heat_bath_samples_the_boltzmann_law():
    n, m, beta = 5, 40000, 1.5
    size, p = _instance(n, 3)
    params = _params(size, p, np.full(m, beta))
    state = al.init_state(params, m)
    rng = MemberRNG(7, 0, m)
    for month in range(25):
        state, out = al.step(state, params, {}, month, rng)
    codes = ((out.camp < 0) * (2 ** np.arange(n))).sum(axis=1)
    empirical = np.bincount(codes, minlength=2**n) / m
    all_spins = np.array(list(itertools.product([1.0, -1.0], repeat=n)))[:, ::-1]
    exact = np.exp(-beta * al.energy(all_spins, size, p))
    exact /= exact.sum()
    exact_codes = ((all_spins < 0) * (2 ** np.arange(n))).sum(axis=1)
    exact_by_code = np.zeros(2**n)
    exact_by_code[exact_codes] = exact
    assert 0.5 * np.abs(empirical - exact_by_code).sum() < 0.02


def test_cold_heat_bath_ends_in_an_axelrod_bennett_local_minimum():
    n, m = 9, 300
    size, p = _instance(n, 4)
    params = _params(size, p, np.full(m, 1e6), sweeps=3)
    state = al.init_state(params, m)
    state.spin = np.where(np.random.default_rng(0).uniform(size=(m, n)) < 0.5, 1.0, -1.0)
    rng = MemberRNG(1, 0, m)
    for month in range(10):
        state, out = al.step(state, params, {}, month, rng)
    e0 = al.energy(out.camp, size[None], p[None])
    for i in range(n):
        flipped = out.camp.copy()
        flipped[:, i] *= -1
        assert np.all(al.energy(flipped, size[None], p[None]) >= e0 - 1e-12)
    spins, energies = al.enumerate_energies(size, p)
    reached = np.minimum(e0.min(), energies.min())
    assert reached == pytest.approx(energies.min())  # some member finds the global minimum


def test_anchors_hold_and_alignment_is_a_probability_without_nan():
    n, m = 6, 50
    size, p = _instance(n, 5)
    size[2] = 0.0
    params = _params(size, p, np.full(m, 1e9), anchor=[1, -1, 0, 0, 0, 0])
    state = al.init_state(params, m)
    rng = MemberRNG(3, 0, m)
    for month in range(5):
        state, out = al.step(state, params, {}, month, rng)
        assert np.all(out.camp[:, 0] == 1) and np.all(out.camp[:, 1] == -1)
        assert np.all(out.alignment[:, 1] == 1) and np.all(out.alignment[:, 0] == 0)
        assert (
            np.all(np.isfinite(out.alignment))
            and out.alignment.min() >= 0
            and out.alignment.max() <= 1
        )
    assert np.all(out.alignment[:, 2] == 0.5)  # a size-0 actor is indifferent


def test_a_strong_ally_of_the_us_is_pulled_into_camp_a():
    size = np.ones(3)
    p = np.array([[0, -1, 0.8], [-1, 0, -0.8], [0.8, -0.8, 0.0]])
    params = _params(size, p, np.full(200, 2.0), anchor=[1, -1, 0])
    state, out = al.step(al.init_state(params, 200), params, {}, 0, MemberRNG(1, 0, 200))
    assert out.alignment[0, 2] == pytest.approx(1 / (1 + np.exp(2.0 * 2 * 1.6)))


def test_support_hostility_and_balance_drift_directions():
    size, p = _instance(4, 6)
    m = 3
    support = np.zeros((m, 4, 4))
    support[:, 0, 1] = 1.0
    hostility = np.zeros((m, 4, 4))
    hostility[:, 2, 3] = 1.0
    params = _params(size, p, np.ones(m), eta_support=0.1, eta_hostility=0.1)
    state = al.init_state(params, m)
    state2, _ = al.step(
        state, params, {"support": support, "hostility": hostility}, 0, MemberRNG(1, 0, m)
    )
    q = state2.propensity
    assert np.all(q[:, 0, 1] > p[0, 1]) and np.all(q[:, 1, 0] == q[:, 0, 1])
    assert np.all(q[:, 2, 3] < p[2, 3])
    assert np.allclose(q[:, 0, 2], p[0, 2])
    # shared enemy: i and j both hostile to k become friendlier
    pb = np.array([[0, 0, -1], [0, 0, -1], [-1, -1, 0.0]])
    params = _params(np.ones(3), pb, np.ones(1), eta_balance=0.2)
    st, _ = al.step(al.init_state(params, 1), params, {}, 0, MemberRNG(1, 0, 1))
    assert st.propensity[0, 0, 1] > 0 and np.abs(st.propensity).max() <= 1


def test_balance_index_counts_triads():
    rng = np.random.default_rng(8)
    n = 7
    s = np.where(rng.uniform(size=(n, n)) < 0.4, -1.0, 1.0)
    s = np.triu(s, 1)
    s = s + s.T
    balanced = sum(
        s[i, j] * s[j, k] * s[i, k] > 0 for i, j, k in itertools.combinations(range(n), 3)
    )
    assert al.balance_index(s) == pytest.approx(balanced / 35)


def test_a_balanced_complete_signed_graph_has_at_most_two_camps():
    """Cartwright & Harary (1956): exhaustively over all signed complete graphs on 5 nodes."""
    n = 5
    iu, ju = np.triu_indices(n, 1)
    found = 0
    for code in range(2 ** len(iu)):
        s = np.zeros((n, n))
        s[iu, ju] = np.where((code >> np.arange(len(iu))) & 1, -1.0, 1.0)
        s = s + s.T
        if al.balance_index(s) == 1.0:
            found += 1
            camp = np.r_[1.0, s[0, 1:]]
            assert np.all(s[iu, ju] == camp[iu] * camp[ju])
    assert found == 2 ** (n - 1)  # one balanced graph per bipartition into ≤ 2 camps


def test_ctd_never_lowers_the_balance_index():
    m, n = 400, 8
    rng = np.random.default_rng(9)
    s = np.where(rng.uniform(size=(m, n, n)) < 0.5, -1.0, 1.0)
    s = np.triu(s, 1)
    s = s + np.swapaxes(s, 1, 2)
    index = al.balance_index(s)
    for _ in range(300):
        s, change = al.ctd_update(s, rng.uniform(size=m), rng.uniform(size=m))
        new = al.balance_index(s)
        assert np.allclose(new, index - change / 56)  # C(8, 3) = 56 triads
        assert np.all(new >= index - 1e-12)
        index = new
    assert index.mean() > 0.9


def test_results_do_not_depend_on_member_chunking():
    size, p = _instance(5, 10)
    m = 12
    params = _params(size, p, np.linspace(0.5, 3, m), ctd_updates=3)

    def run(start, stop):
        sub = member_slice(params, start, stop)
        st = al.init_state(sub, stop - start)
        rng = MemberRNG(5, start, stop)
        for month in range(4):
            st, out = al.step(st, sub, {}, month, rng)
        return out

    whole = run(0, m)
    parts = [run(0, 5), run(5, m)]
    assert np.array_equal(whole.camp, np.concatenate([parts[0].camp, parts[1].camp]))
    assert np.array_equal(whole.balance, np.concatenate([parts[0].balance, parts[1].balance]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p * 1.5, "must lie in"),
        (lambda p: p / 2 + np.triu(np.full_like(p, 0.1), 1), "symmetric"),
    ],
)
def test_bad_propensities_are_refused(change, message):
    size, p = _instance(4, 11)
    p = p / np.abs(p).max()
    with pytest.raises(ScenarioError, match=message):
        al.check(_params(size, change(p), np.ones(1)))
    al.check(_params(size, p, np.ones(1)))
