"""Live comparison of the batched logit QRE with pygambit 16.7.0 (``make test-reference``)."""

import numpy as np
import pytest

from realpolitik.engines.choice import logit_qre

pytestmark = pytest.mark.reference


def test_logit_qre_matches_live_pygambit_on_random_games():
    gbt = pytest.importorskip("pygambit")
    rng = np.random.default_rng(77)
    shapes = [(2, 2), (2, 3), (3, 2), (3, 3)] * 15
    lams = [0.3, 1.0, 4.0, 15.0, 40.0]
    worst = 0.0
    for rows, cols in shapes:
        a = np.round(rng.uniform(-1, 1, (rows, cols)), 3)
        b = np.round(rng.uniform(-1, 1, (rows, cols)), 3)
        game = getattr(gbt, "StrategicGame", gbt.Game).from_arrays(a, b)
        for ref in gbt.qre.logit_solve_lambda(game, lam=lams):
            big_a, big_b = np.zeros((1, 3, 3)), np.zeros((1, 3, 3))
            big_a[0, :rows, :cols], big_b[0, :rows, :cols] = a, b
            p, q = logit_qre(big_a, big_b, np.array([rows]), np.array([cols]), np.array([ref.lam]))
            want_p = [float(ref.profile["1"][str(i + 1)]) for i in range(rows)]
            want_q = [float(ref.profile["2"][str(j + 1)]) for j in range(cols)]
            worst = max(
                worst, np.abs(p[0, :rows] - want_p).max(), np.abs(q[0, :cols] - want_q).max()
            )
    assert worst < 1e-6
