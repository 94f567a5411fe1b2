"""Sensitivity analysis: the estimators on synthetic functions whose sensitivities are known (a
linear Gaussian model, exact by quadrature; Ishigami; a linear model for Morris), PAWN identical to
SALib's, the run's inputs reproduced from the keyed draws, and the flagship end to end."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from scipy import integrate, stats
from typer.testing import CliRunner

import realpolitik as rp
from realpolitik import sensitivity as sa
from realpolitik.api import compile_run, read_questions
from realpolitik.cli import app
from realpolitik.compile.inputs import sampled_inputs
from realpolitik.errors import ScenarioError

from .conftest import FLAGSHIP, FLAGSHIP_QUESTIONS

A = (1.0, 0.5)  # Y = 1.0·X1 + 0.5·X2 + 0.5·ε, X ~ N(0, 1)
NOISE = 0.5


class Q:  # the least of a question that analyze() reads
    def __init__(self, qid: str, numeric: bool):
        self.id, self.text = qid, qid
        self.query = type("Query", (), {"kind": "value" if numeric else "holds", "op": None})()


def linear_sample(n: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))  # X3 does nothing
    y = A[0] * x[:, 0] + A[1] * x[:, 1] + NOISE * rng.normal(size=n)
    return x, y


def exact_delta_numeric(i: int) -> float:
    """½ E_x ∫ |N(y; 0, s²) − N(y; a_i x, s²_{−i})| dy by quadrature."""
    s = np.sqrt(sum(a * a for a in A) + NOISE**2)
    rest = np.sqrt(s**2 - A[i] ** 2)

    def l1(x):
        f = lambda y: abs(stats.norm.pdf(y, 0, s) - stats.norm.pdf(y, A[i] * x, rest))  # noqa: E731
        return integrate.quad(f, -12, 12, points=[A[i] * x], limit=200)[0]

    return 0.5 * integrate.quad(lambda x: l1(x) * stats.norm.pdf(x), -8, 8, limit=200)[0]


def exact_delta_binary(i: int, c: float) -> float:
    """E|p − p(X_i)| for Y = 1{a·X + ε > c}."""
    s = np.sqrt(sum(a * a for a in A) + NOISE**2)
    rest = np.sqrt(s**2 - A[i] ** 2)
    p = stats.norm.sf(c / s)
    return integrate.quad(lambda x: abs(p - stats.norm.sf((c - A[i] * x) / rest))
                          * stats.norm.pdf(x), -8, 8, limit=200)[0]  # fmt: skip


def exact_pawn(i: int, slides: int = sa.SLIDES) -> float:
    """The median over slides of sup_y |F(y | X_i in slide) − F(y)| for the linear model."""
    s = np.sqrt(sum(a * a for a in A) + NOISE**2)
    rest = np.sqrt(s**2 - A[i] ** 2)
    edges = stats.norm.ppf(np.linspace(0, 1, slides + 1))
    ys = np.linspace(-4 * s, 4 * s, 801)
    ks = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        x = np.linspace(max(lo, -8), min(hi, 8), 401)
        w = stats.norm.pdf(x)
        cond = np.trapezoid(stats.norm.cdf((ys[:, None] - A[i] * x) / rest) * w, x, axis=1)
        cond /= np.trapezoid(w, x)
        ks.append(np.max(np.abs(cond - stats.norm.cdf(ys / s))))
    return float(np.median(ks))


def test_pawn_is_salibs_pawn_exactly_on_continuous_binary_and_tied_data():
    from SALib.analyze import pawn as salib_pawn

    rng = np.random.default_rng(4)
    x = rng.uniform(size=(600, 6))
    x[:, 2] = np.round(x[:, 2] * 3)  # ties: empty slides
    y = x[:, 0] + rng.normal(size=600)
    problem = {"num_vars": 6, "names": list("abcdef"), "bounds": [[0, 1]] * 6}
    for out in (y, (y > 1).astype(float), np.round(y)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = salib_pawn.analyze(problem, x, out, S=10)
        ours = sa.pawn(x, out)
        for k in ("minimum", "mean", "median", "maximum", "CV", "stdev"):
            np.testing.assert_allclose(ours[k], ref[k], atol=1e-12, equal_nan=True, err_msg=k)


def test_pawn_and_delta_recover_the_known_sensitivities_of_a_linear_gaussian_model():
    x, y = linear_sample(4000)
    inputs = {"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]}
    numeric = sa.analyze(inputs, y, Q("linear", True), seed=1, resamples=30)
    t = numeric.to_df()
    for i, name in enumerate(("x1", "x2")):
        assert t.loc[name, "pawn"] == pytest.approx(exact_pawn(i), abs=0.03)
        assert t.loc[name, "delta"] == pytest.approx(exact_delta_numeric(i), abs=0.04)
    assert list(t.index[:2]) == ["x1", "x2"]
    assert list(numeric.drivers().index) == ["x1", "x2"]  # x3 and the dummies below the floor
    assert t.loc["x3", "pawn"] <= numeric.floor["pawn"] + 0.02

    c = 1.0
    binary = sa.analyze(inputs, (y > c).astype(float), Q("linear-binary", False), seed=1)
    b = binary.to_df()
    for i, name in enumerate(("x1", "x2")):
        # six equal-count classes average p(x) within each: a small, known downward bias
        assert b.loc[name, "delta"] == pytest.approx(exact_delta_binary(i, c), abs=0.02)
        assert b.loc[name, "delta_low"] <= b.loc[name, "delta"] <= b.loc[name, "delta_high"]
    assert b.loc["x3", "delta"] < b.loc["x2", "delta"] / 2
    assert list(binary.drivers().index) == ["x1", "x2"]


def test_ishigami_moment_independent_indices_see_x3s_interaction():
    from SALib.test_functions import Ishigami

    rng = np.random.default_rng(7)
    x = rng.uniform(-np.pi, np.pi, size=(3000, 4))  # x4: a spare input that does nothing
    y = Ishigami.evaluate(x[:, :3])
    r = sa.analyze({f"x{i + 1}": x[:, i] for i in range(4)}, y, Q("ishigami", True), seed=2,
                   resamples=20)  # fmt: skip
    t = r.to_df()
    # x3 has no first-order (variance) effect, but it changes Y's distribution: δ and PAWN see it
    assert set(r.drivers().index) == {"x1", "x2", "x3"}
    assert t.loc["x3", "delta"] > r.floor["delta"]
    assert t.loc["x4", "pawn"] <= r.floor["pawn"] + 0.02


def test_morris_screening_of_a_linear_function_gives_its_coefficients():
    a = np.array([3.0, -1.0, 0.0, 0.5])
    names = [f"x{i}" for i in range(4)]
    table = sa.morris_screen(names, names, lambda X: X @ a, seed=3, trajectories=8)
    np.testing.assert_allclose(table.loc[names, "mu_star"], np.abs(a), atol=1e-12)
    np.testing.assert_allclose(table.loc[names, "sigma"], 0.0, atol=1e-12)
    grouped = sa.morris_screen(names, ["g", "g", "h", "h"], lambda X: X @ a, seed=3)
    # a group's inputs each step ±Δ (Campolongo et al. 2007): |3·s₀ − 1·s₁| is 2 or 4
    assert 2.0 - 1e-12 <= grouped.loc["g", "mu_star"] <= 4.0 + 1e-12
    assert grouped.loc["h", "mu_star"] == pytest.approx(0.5)


def test_the_run_inputs_are_the_draws_the_compiler_used():
    doc = rp.load(FLAGSHIP)
    c = compile_run(doc, 12, 9, first_member=4)
    x = sampled_inputs(doc.scenario, 9, 4, 16)
    acts = c.engines["actions"].params
    for i, act in enumerate(doc.scenario.actions):
        rows = np.flatnonzero(acts.row_action == i)
        if len(rows) == 1:
            np.testing.assert_array_equal(
                acts.base_rate[:, rows[0]], x[f"actions.{act.id}.base_rate"]
            )
    bp = c.engines["bargaining"].params
    for k, issue in enumerate(bp.issues):
        key = f"issues.{issue}.settlement.base_rate"
        if key in x:
            np.testing.assert_array_equal(np.asarray(bp.hazard_base)[:, k], x[key])
    lead = c.engines["politics"].params.leader
    for o, office in enumerate(lead.offices):
        np.testing.assert_array_equal(
            np.asarray(lead.coup_base)[:, o], x[f"leadership.{office}.coup"]
        )
        np.testing.assert_array_equal(
            np.asarray(lead.exit_base)[:, o], x[f"leadership.{office}.exit"]
        )
    assert "council.seat.held" in x and all(v.shape == (12,) for v in x.values())


def test_the_flagship_run_gives_a_ranked_table_a_plot_and_json(flagship_runs):
    import matplotlib

    matplotlib.use("Agg")
    st, base, _ = flagship_runs
    r = rp.sensitivity(base, "regime-territory-share-2017-12", FLAGSHIP_QUESTIONS, delta_top=3,
                       resamples=10)  # fmt: skip
    t = r.to_df()
    assert r.members == 40 and r.run == base.id and r.constant > 0
    assert len(t) > 300 and t["pawn"].is_monotonic_decreasing
    assert t.loc[t["delta"].notna()].shape[0] == 4  # the top three and one dummy
    assert (t["section"] == "dummy").sum() == (t["section"] != "dummy").sum()  # K = the inputs
    assert r.plot().get_title().startswith("regime-territory-share-2017-12")
    json.dumps(r.as_dict(top=10))
    binary = rp.sensitivity(base, "assad-president-2020-12-31", FLAGSHIP_QUESTIONS)
    assert binary.to_df()["delta"].notna().all()


def test_the_cli_prints_the_table_and_json_and_refuses_bad_input(flagship_runs):
    st, base, _ = flagship_runs
    runner = CliRunner()
    env = {"COLUMNS": "160"}
    args = ["sensitivity", base.id, "--question", "assad-president-2020-12-31", "--store",
            str(st.path), "--top", "5"]  # fmt: skip
    ok = runner.invoke(app, args, env=env)
    assert ok.exit_code == 0, ok.output
    assert "assad-president-2020-12-31" in ok.output and "noise floor" in ok.output
    js = runner.invoke(app, [*args, "--format", "json"], env=env)
    assert json.loads(js.output)["question"] == "assad-president-2020-12-31"
    numeric = [a if a != "assad-president-2020-12-31" else "regime-territory-share-2017-12"
               for a in args]  # fmt: skip
    js = runner.invoke(app, [*numeric, "--top", "5000", "--format", "json"], env=env)
    rows = json.loads(js.output)["inputs"]  # parseable: SALib's notices kept off stdout
    assert sum(r["delta"] is not None for r in rows) == sa.DELTA_TOP + 1
    bad = runner.invoke(app, ["sensitivity", base.id, "--question", "no-such-question", "--store",
                              str(st.path)], env=env)  # fmt: skip
    assert bad.exit_code == 2 and "unknown question id" in bad.output
    assert "Traceback" not in bad.output
    unknown = runner.invoke(app, ["sensitivity", "deadbeef", "--question", "x", "--store",
                                  str(st.path)], env=env)  # fmt: skip
    assert unknown.exit_code == 2 and "unknown run" in unknown.output


def test_a_run_whose_scenario_changed_cannot_be_analysed(flagship_runs, tmp_path, monkeypatch):
    st, base, _ = flagship_runs
    info = base.info
    changed = tmp_path / "syria.yaml"
    changed.write_text(FLAGSHIP.read_text().replace('title: "', 'title: "Changed: ', 1))
    monkeypatch.setattr(type(base), "info", property(lambda self: info.__class__(
        **{**info.__dict__, "scenario_path": str(changed)})))  # fmt: skip
    with pytest.raises(ScenarioError, match="changed since the run"):
        sa.run_inputs(base)


def test_the_analysis_is_reproducible_and_a_shared_design_changes_nothing():
    x, y = linear_sample(800, seed=5)
    inputs = {"x1": x[:, 0], "x2": x[:, 1], "x3": x[:, 2]}
    binary = (y > 0.5).astype(float)
    first = sa.analyze(inputs, binary, Q("b", False), seed=4, resamples=20).to_df()
    again = sa.analyze(inputs, binary, Q("b", False), seed=4, resamples=20).to_df()
    shared = sa.analyze(sa.Design.of(inputs, 4), binary, Q("b", False), seed=4, resamples=20)
    import pandas as pd

    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shared.to_df())
    assert first.index[0] == "x1"
    pawn_only = sa.analyze(inputs, binary, Q("b", False), seed=4, delta=False).to_df()
    assert pawn_only["delta"].isna().all()
    np.testing.assert_array_equal(pawn_only.loc[first.index, "pawn"], first["pawn"])


@pytest.mark.slow
def test_morris_on_the_flagship_runs_design_points_on_the_workers():
    doc = rp.load(FLAGSHIP)
    from realpolitik.runs import job

    qs = read_questions(FLAGSHIP_QUESTIONS)
    q = next(q for q in qs if q.id == "assad-president-2020-12-31")
    table = sa.morris_of_job(job(doc, 1), q, trajectories=1, members=2, workers=1)
    sections = {sa.section(k) for k, _ in sa.morris_inputs(doc.scenario)}
    assert set(table.index) == sections
    assert (table["mu_star"] >= 0).all() and table["mu_star"].is_monotonic_decreasing
