"""Which uncertain inputs drive a forecast: sensitivity analysis on the ensemble already run.

**Inputs** X: every value the run sampled for each member (:mod:`realpolitik.compile.inputs`: the
scenario's distributions and the reference-class base rates), reproduced from the keyed random
numbers — nothing is stored — and checked against the run's scenario hash. Inputs constant over the
members are left out (counted). **Output** Y: the question's per-member resolution read from the
store (0/1 for a binary question, the value for a numeric one). The rest of a member's variation
comes from the stochastic processes (monthly hazards, votes, ...), which no index attributes.

**Noise floor.** K dummy inputs — keyed uniforms (``sensitivity/dummy/<k>``) that nothing reads —
go through the same estimators; the largest of their indices is the level a non-influential input
reaches at this ensemble size by chance (the dummy-parameter threshold of Khorashadi Zadeh, Nossent,
Sarrazin, Pianosi & van Griensven 2017, *Env. Modelling & Software* 91). An input is a *driver* when
its PAWN index lies above that floor. A non-influential input beats the largest of K exchangeable
dummies with probability at most 1/(K + 1), so K is the number of varying inputs (at least
:data:`DUMMIES`): about one false driver is expected however many inputs a scenario samples (with 20
dummies and 500 inputs it would be about 24).

**Given-data estimators** (no extra runs; SALib 1.6 is the reference implementation):

* **PAWN** (Pianosi & Wagener 2015, *Env. Modelling & Software* 67; given-data form 2018, 108):
  each input's range is cut into S = :data:`SLIDES` equal-count slides (its sample quantiles), and
  in each slide the Kolmogorov–Smirnov distance between the output's conditional and unconditional
  empirical CDFs is taken; the index is their median over slides (min, mean, max, CV also given).
  :func:`pawn` computes exactly what ``SALib.analyze.pawn.analyze`` does, for every input at once
  (the suite checks equality to 1e-12), since SALib's loop takes about 3 s per question.
* **Borgonovo's δ** (Borgonovo 2007, *RESS* 92), δ_i = ½ E_{X_i}[∫|f_Y(y) − f_{Y|X_i}(y)| dy], by
  the given-data estimator of Plischke, Borgonovo & Smith (2013, *EJOR* 226): the sample is
  partitioned into M(N) equal-count classes of X_i (M = 6 at N = 1,000). For a numeric output,
  ``SALib.analyze.delta.analyze`` (kernel densities, bias-reduced by bootstrap; its ``raw`` mode: the
  sample as drawn) on the :data:`DELTA_TOP` inputs with the largest PAWN index and one dummy. For a
  binary output the densities are two atoms and the integral is exact, ½Σ_y|P(y) − P(y | class j)| =
  |p − p_j|, so δ̂ = Σ_j (n_j/N)|p − p_j| for every input, bias-reduced as SALib does,
  2δ̂ − mean(δ̂*), over :data:`RESAMPLES` keyed bootstrap resamples with the partition held fixed;
  the interval is the resamples' 5–95 % range. (SALib's kernel densities smooth two atoms into bumps
  and skip classes where Y is constant, which biases δ for rare events.)

**Morris screening** (Morris 1991; μ* of Campolongo, Cariboni & Saltelli 2007), an option because it
needs extra runs: SALib's trajectory design over groups of inputs (by default the scenario's
sections), each level x ∈ {0, 1/(p−1), …, 1} mapped to the centre of one of p equiprobable strata of
every input in the group, u = (x(p − 1) + ½)/p, and the value = the input's inverse CDF at u. Each
design point is simulated as a small ensemble of m members that share the run's keyed draws of
everything else (members 0 … m − 1: the same base rates and process streams at every design point,
common random numbers), and its output is the members' mean (a probability for a binary question).
Dirichlet shares and reference-class base rates keep their member draws. μ* is in the output's
unit per unit of the [0, 1] design scale.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import Problem, ScenarioError
from .rng import uniforms

SLIDES = 10
DUMMIES = 20
DELTA_TOP = 15
RESAMPLES = 100
LEVEL = 0.9
DUMMY = "(dummy {k})"
TIE = 1e-9  # KS distances equal but for rounding are ties: an input must beat the floor by more


# --- the estimators ---------------------------------------------------------------------------------


def slides(X: np.ndarray, S: int = SLIDES) -> np.ndarray:
    """(D, N) slide of each member for each column of ``X`` (N, D): slide s holds the members with
    q_s ≤ x < q_{s+1} (q: the column's sample quantiles at 0, 1/S, …, 1, as SALib takes them); S
    marks a member in no slide (the maximum, NaN). The same for every output: computed once."""
    X = np.asarray(X, float)
    n, d = X.shape
    step = 1 / S
    seq = np.arange(0, 1 + step, step)  # SALib's quantile levels, floating point included
    quantile = np.nanquantile if np.isnan(X).any() else np.quantile  # equal without NaN, faster
    q = quantile(X, seq, axis=0)  # (S + 1, D)
    slide = np.empty((d, n), np.int64)
    for j in range(d):
        s = np.searchsorted(q[:, j], X[:, j], side="right") - 1
        ok = (s >= 0) & (s < S)
        ok[ok] &= X[ok, j] < q[s[ok] + 1, j]
        slide[j] = np.where(ok, s, S)
    return slide


def pawn(
    X: np.ndarray | None, Y: np.ndarray, S: int = SLIDES, slide: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """PAWN indices of every column of ``X`` (N, D) for output ``Y`` (N,): ``minimum``, ``mean``,
    ``median``, ``maximum``, ``CV``, ``stdev`` over the S slides — the numbers of
    ``SALib.analyze.pawn.analyze(problem, X, Y, S)``, computed at once: in each slide
    (:func:`slides`; given as ``slide`` when already computed, a slide with no member skipped),
    KS = max_y |F_s(y) − F(y)| over the output's values."""
    Y = np.asarray(Y, float)
    if slide is None:
        slide = slides(X, S)
    d, n = slide.shape
    values, y_index = np.unique(Y, return_inverse=True)
    k = values.size
    cell = (np.arange(d)[:, None] * (S + 1) + slide) * k + y_index[None, :]
    counts = np.bincount(cell.ravel(), minlength=d * (S + 1) * k).reshape(d, S + 1, k)[:, :S]
    size = counts.sum(axis=2)
    full = np.cumsum(np.bincount(y_index, minlength=k)) / n
    with np.errstate(invalid="ignore", divide="ignore"):
        cond = np.cumsum(counts, axis=2) / size[:, :, None]
        ks = np.where(size > 0, np.max(np.abs(cond - full), axis=2), np.nan).T  # (S, D)
        mean = np.nanmean(ks, axis=0)
        stdev = np.nanstd(ks, axis=0)
        return {
            "minimum": np.nanmin(ks, axis=0),
            "mean": mean,
            "median": np.nanmedian(ks, axis=0),
            "maximum": np.nanmax(ks, axis=0),
            "CV": stdev / mean,
            "stdev": stdev,
        }


def classes(n: int) -> int:
    """M(N), the number of equal-count classes of Plischke et al.'s δ estimator as SALib sets it."""
    exp = 2.0 / (7.0 + np.tanh((1500.0 - n) / 500.0))
    return int(np.round(min(int(np.ceil(n**exp)), 48)))


def delta_binary(
    X: np.ndarray, Y: np.ndarray, seed: int, key: str, resamples: int = RESAMPLES
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Borgonovo's δ of every column of ``X`` for a 0/1 output (module docstring): (bias-reduced δ,
    low, high), each (D,)."""
    X, Y = np.asarray(X, float), np.asarray(Y, float)
    n, d = X.shape
    m = classes(n)
    rank = np.argsort(np.argsort(X, axis=0, kind="stable"), axis=0, kind="stable") + 1  # ordinal
    cls = np.minimum(np.ceil(rank * m / n).astype(np.int64) - 1, m - 1)  # m[j] < rank ≤ m[j+1]
    onehot = np.zeros((n, d * m))
    onehot[np.arange(n)[:, None], np.arange(d) * m + cls] = 1.0

    def estimate(w: np.ndarray) -> np.ndarray:  # w (B, N) multiplicities -> (B, D)
        size = (w @ onehot).reshape(-1, d, m)
        hits = ((w * Y) @ onehot).reshape(-1, d, m)
        total = w.sum(axis=1)
        p = (w @ Y) / total
        with np.errstate(invalid="ignore", divide="ignore"):
            pj = np.where(size > 0, hits / np.maximum(size, 1), 0.0)
        return np.sum(size / total[:, None, None] * np.abs(p[:, None, None] - pj), axis=2)

    point = estimate(np.ones((1, n)))[0]
    u = uniforms(seed, f"sensitivity/delta/{key}", 0, resamples, n)
    idx = np.minimum((u * n).astype(np.int64), n - 1)
    w = np.zeros((resamples, n))
    np.add.at(w, (np.repeat(np.arange(resamples), n), idx.ravel()), 1.0)
    reduced = 2.0 * point - estimate(w)
    tail = (1 - LEVEL) / 2
    lo, hi = np.quantile(reduced, [tail, 1 - tail], axis=0)
    return reduced.mean(axis=0), lo, hi


@contextmanager
def _salib(seed: int):
    """SALib's calls: one BLAS thread (its kernel densities are tiny triangular solves that many
    threads slow twentyfold), numpy's global random state seeded and restored, its global warning
    filters restored, its warnings and printed notices kept quiet (off the JSON on stdout)."""
    from threadpoolctl import threadpool_limits

    state = np.random.get_state()  # noqa: NPY002 - SALib draws from the global state
    formatter = warnings.formatwarning  # SALib's delta replaces it for good, and its filters too
    quiet = contextlib.redirect_stdout(io.StringIO())
    with threadpool_limits(1), warnings.catch_warnings(record=True), quiet:  # recorded, not shown
        warnings.simplefilter("ignore")
        np.random.seed(seed)  # noqa: NPY002
        try:
            yield
        finally:
            np.random.set_state(state)  # noqa: NPY002
            warnings.formatwarning = formatter


def _salib_seed(seed: int, key: str) -> int:
    """A nonzero 31-bit seed for SALib (which seeds numpy only when the seed is truthy), keyed."""
    return 1 + int(uniforms(seed, f"sensitivity/salib/{key}", 0, 1)[0, 0] * (2**31 - 2))


def delta_numeric(
    X: np.ndarray, Y: np.ndarray, names: Sequence[str], seed: int, key: str,
    resamples: int = RESAMPLES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Borgonovo's δ of a numeric output by ``SALib.analyze.delta.analyze`` (``raw``): (δ, low,
    high) with SALib's normal interval δ ± z·sd at :data:`LEVEL`."""
    from SALib.analyze import delta

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    with _salib(_salib_seed(seed, key)):
        s = delta.analyze(problem, np.asarray(X, float), np.asarray(Y, float),
                          num_resamples=resamples, conf_level=LEVEL, method="delta")  # fmt: skip
    d, half = np.asarray(s["delta_raw"], float), np.asarray(s["delta_raw_conf"], float)
    return d, d - half, d + half


def morris_screen(
    names: Sequence[str],
    groups: Sequence[str],
    evaluate: Callable[[np.ndarray], np.ndarray],
    seed: int,
    trajectories: int = 10,
    levels: int = 4,
) -> pd.DataFrame:
    """Morris screening (SALib's design and analysis) of ``evaluate``, which maps design rows on
    [0, 1]^D (one column per name; the names of a group move together) to outputs: one row per
    group with ``mu_star``, ``mu_star_low``, ``mu_star_high``, ``mu``, ``sigma``."""
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names),
               "groups": list(groups)}  # fmt: skip
    s = _salib_seed(seed, "morris")
    with _salib(s):
        X = sample.sample(problem, trajectories, num_levels=levels, seed=s)
    Y = np.asarray(evaluate(X), float)
    with _salib(s):
        r = analyze.analyze(problem, X, Y, num_resamples=RESAMPLES, conf_level=LEVEL,
                            num_levels=levels, seed=s)  # fmt: skip
    star, half = np.asarray(r["mu_star"], float), np.asarray(r["mu_star_conf"], float)
    return pd.DataFrame(
        {"mu_star": star, "mu_star_low": star - half, "mu_star_high": star + half,
         "mu": np.asarray(r["mu"], float), "sigma": np.asarray(r["sigma"], float)},
        index=pd.Index(list(r["names"]), name="group"),
    )  # fmt: skip


# --- on a run ---------------------------------------------------------------------------------------


def section(key: str) -> str:
    """An input's section of the scenario (its key's first part): the default Morris group."""
    return key.split(".", 1)[0]


@dataclass
class Sensitivity:
    """Which inputs drive one question's forecast (module docstring). :meth:`to_df` gives one row
    per input, ranked by PAWN: ``section``, ``pawn`` (median over slides), ``pawn_max``, ``delta``
    with ``delta_low``/``delta_high`` (NaN where not computed), ``driver`` (PAWN above the floor);
    with Morris, one row per group (``mu_star`` …) in :attr:`morris`."""

    question: str
    text: str
    numeric: bool
    members: int
    table: pd.DataFrame
    floor: dict[str, float]  # the largest dummy's pawn and delta
    constant: int  # inputs left out: the same for every member
    run: str | None = None
    morris: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def to_df(self) -> pd.DataFrame:
        return self.table.copy()

    def drivers(self, top: int | None = None) -> pd.DataFrame:
        """The inputs above the noise floor, strongest first."""
        rows = self.table[self.table["driver"]]
        return rows if top is None else rows.head(top)

    def plot(self, ax=None, top: int = 12):
        """Horizontal bars of the top inputs' PAWN index and δ (with its interval), the noise floor
        as dashed lines. Returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.35 * top + 1.5))
        rows = self.table.head(top).iloc[::-1]
        y = np.arange(len(rows))
        ax.barh(y + 0.2, rows["pawn"], height=0.4, color="tab:blue", label="PAWN (median KS)")
        d = rows["delta"].to_numpy(float)
        err = np.vstack([d - rows["delta_low"].to_numpy(float),
                         rows["delta_high"].to_numpy(float) - d])  # fmt: skip
        ax.barh(y - 0.2, np.nan_to_num(d), height=0.4, color="tab:orange", label="δ (90 %)",
                xerr=np.nan_to_num(np.clip(err, 0, None)), error_kw={"lw": 0.8})  # fmt: skip
        for name, colour in (("pawn", "tab:blue"), ("delta", "tab:orange")):
            if np.isfinite(self.floor.get(name, np.nan)):
                ax.axvline(self.floor[name], color=colour, ls="--", lw=0.8)
        ax.set_yticks(y, [_short(i) for i in rows.index], fontsize=7)
        ax.set_xlabel("index (dashed: noise floor of the dummy inputs)")
        ax.set_title(f"{self.question}: what drives it ({self.members:,} members)", fontsize=9)
        ax.legend(fontsize=7, loc="lower right")
        return ax

    def as_dict(self, top: int | None = None) -> dict:
        rows = self.table if top is None else self.table.head(top)
        out = {
            "question": self.question, "numeric": self.numeric, "members": self.members,
            "run": self.run, "floor": self.floor, "constant_inputs": self.constant,
            "inputs": [{"input": i, **{k: _json(v) for k, v in r.items()}}
                       for i, r in rows.iterrows()],
            "notes": self.notes,
        }  # fmt: skip
        if self.morris is not None:
            out["morris"] = [{"group": g, **{k: _json(v) for k, v in r.items()}}
                             for g, r in self.morris.iterrows()]  # fmt: skip
        return out


def _json(v):
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, str):
        return v
    v = float(v)
    return v if math.isfinite(v) else None


def _short(name: str, limit: int = 60) -> str:
    return name if len(name) <= limit else "…" + name[-(limit - 1) :]


def dummies(seed: int, n: int, count: int = DUMMIES) -> dict[str, np.ndarray]:
    """The dummy inputs: keyed uniforms nothing in the model reads."""
    return {DUMMY.format(k=k): uniforms(seed, f"sensitivity/dummy/{k}", 0, n)[:, 0]
            for k in range(count)}  # fmt: skip


@dataclass
class Design:
    """A run's inputs arranged once for many questions: the varying inputs and the dummies as the
    columns of ``X``, and their PAWN slides."""

    names: list[str]
    X: np.ndarray
    varying: int  # the first ``varying`` columns are real inputs, the rest dummies
    constant: int
    slide: np.ndarray

    @classmethod
    def of(cls, inputs: dict[str, np.ndarray], seed: int) -> Design:
        n = len(next(iter(inputs.values())))
        varying = {k: np.asarray(v, float) for k, v in inputs.items() if np.ptp(v) > 0}
        noise = dummies(seed, n, max(DUMMIES, len(varying)))
        X = np.column_stack([*varying.values(), *noise.values()])
        return cls([*varying, *noise], X, len(varying), len(inputs) - len(varying), slides(X))


def analyze(
    inputs: dict[str, np.ndarray] | Design,
    y: np.ndarray,
    question,
    seed: int,
    delta_top: int = DELTA_TOP,
    resamples: int = RESAMPLES,
    delta: bool = True,
) -> Sensitivity:
    """PAWN and δ of every varying input (and the dummies) for a question's per-member outcomes
    (``inputs``: {key: (N,) draws}, or a :class:`Design` of them shared by many questions; without
    ``delta``, PAWN alone)."""
    from .questions.schema import is_numeric

    numeric = is_numeric(question.query)
    y = np.asarray(y, float)
    n = y.size
    design = inputs if isinstance(inputs, Design) else Design.of(inputs, seed)
    names, X = design.names, design.X
    real = set(names[: design.varying])
    table = pd.DataFrame(index=pd.Index(names, name="input"))
    table["section"] = [section(k) if k in real else "dummy" for k in names]
    notes = []
    if np.ptp(y) == 0:
        notes.append("every member resolves the same way: no input moves it in this ensemble")
        p = dict.fromkeys(("median", "maximum"), np.zeros(len(names)))
    else:
        p = pawn(None, y, slide=design.slide)
    table["pawn"], table["pawn_max"] = p["median"], p["maximum"]
    table["delta"] = table["delta_low"] = table["delta_high"] = np.nan
    if delta and np.ptp(y) > 0 and not numeric:
        d, lo, hi = delta_binary(X, y, seed, question.id, resamples)
        table["delta"], table["delta_low"], table["delta_high"] = d, lo, hi
    elif delta and np.ptp(y) > 0 and delta_top > 0:
        top = table.iloc[: design.varying].sort_values("pawn", ascending=False).index[:delta_top]
        pick = [*top, DUMMY.format(k=0)]
        cols = [names.index(k) for k in pick]
        d, lo, hi = delta_numeric(X[:, cols], y, pick, seed, question.id, resamples)
        table.loc[pick, "delta"], table.loc[pick, "delta_low"], table.loc[pick, "delta_high"] = (
            d, lo, hi,
        )  # fmt: skip
        notes.append(f"δ by SALib's kernel estimator for the {len(top)} inputs with the largest "
                     "PAWN index and one dummy")  # fmt: skip
    is_dummy = table["section"] == "dummy"
    floor = {k: float(table.loc[is_dummy, k].max()) if table.loc[is_dummy, k].notna().any()
             else float("nan") for k in ("pawn", "delta")}  # fmt: skip
    table["driver"] = (~is_dummy) & (table["pawn"] > floor["pawn"] + TIE)
    table = table.sort_values(["pawn", "delta"], ascending=False, kind="stable")
    return Sensitivity(question.id, question.text, numeric, n, table, floor, design.constant,
                       notes=notes)  # fmt: skip


# --- a stored run -----------------------------------------------------------------------------------


def _problem(field: str, message: str, value=None, options=()) -> ScenarioError:
    return ScenarioError([Problem("<arguments>", None, None, field, message,
                                  None if value is None else str(value), tuple(options))])  # fmt: skip


def run_inputs(run, doc=None) -> tuple[object, dict[str, np.ndarray]]:
    """(the run's :class:`realpolitik.ensemble.Job`, its members' inputs), reproduced from the
    scenario file the run was made from (or ``doc``, that file already loaded), which must still
    hash to the run's scenario hash."""
    from .api import load
    from .compile import scenario_hash
    from .compile.inputs import sampled_inputs
    from .runs import job

    info = run.info
    if not info.scenario_path:
        raise _problem("run id", "the run records no scenario file, so its inputs cannot be "
                       "reproduced", run.id)  # fmt: skip
    the_job = job(doc or load(info.scenario_path), info.seed, info.counterfactual or None)
    if scenario_hash(the_job.target) != info.scenario_hash:
        raise _problem("run id", f"{info.scenario_path} changed since the run was made (its hash "
                       "differs), so the run's sampled inputs cannot be reproduced", run.id)  # fmt: skip
    return the_job, sampled_inputs(the_job.target, info.seed, 0, info.members)


def question_of(questions, question: str):
    """The question ``question`` (an id) of a question list; ScenarioError listing the ids."""
    found = next((q for q in questions if q.id == question), None)
    if found is None:
        raise _problem("--question", "unknown question id", question, [q.id for q in questions])
    return found


def of_run(
    run,
    question: str,
    questions,
    delta_top: int = DELTA_TOP,
    resamples: int = RESAMPLES,
    morris: bool = False,
    trajectories: int = 10,
    levels: int = 4,
    morris_members: int = 20,
    backend: str = "local",
    workers: int | None = None,
) -> Sensitivity:
    """The sensitivity of one question (an id in ``questions``, a file or a list) on a stored run;
    with ``morris``, also Morris screening by section (extra simulations on the workers)."""
    from .runs import _questions

    qs = _questions(questions)
    q = question_of(qs, question)
    the_job, inputs = run_inputs(run)
    y = run.resolve([q])[q.id]
    out = analyze(inputs, y, q, run.info.seed, delta_top, resamples)
    out.run = run.id
    if morris:
        out.morris = morris_of_job(the_job, q, trajectories, levels, morris_members, backend,
                                   workers)  # fmt: skip
    return out


# --- Morris on the simulation -----------------------------------------------------------------------


@dataclass(frozen=True)
class MorrisJob:
    """A :mod:`realpolitik.ensemble` job whose chunk [d·m, (d+1)·m) is design point d simulated as
    members 0 … m − 1 with the design's values in place of their draws of ``keys``."""

    scenario: object
    counterfactual: tuple | None
    seed: int
    questions: tuple
    keys: tuple[str, ...]
    values: np.ndarray  # (P, K) design values, in the inputs' units
    members: int

    @property
    def target(self):
        return self.scenario if self.counterfactual is None else self.counterfactual[1]

    def compiled(self, lo: int, hi: int):
        from .compile import compile
        from .rng import MemberRNG
        from .scenario.sampling import sample_scenario

        point, m = lo // self.members, self.members
        samples = sample_scenario(self.target, self.seed, 0, m)
        for key, v in zip(self.keys, self.values[point], strict=True):
            samples[key] = np.full(m, v)
        return compile(self.scenario, m, MemberRNG(self.seed, 0, m), self.counterfactual, samples)


def morris_inputs(scenario) -> list[tuple[str, object]]:
    """(key, distribution) of every scalar uncertain value of a scenario (not Dirichlet shares)."""
    from .scenario.quantities import Dirichlet, Fixed, as_dist
    from .scenario.walk import iter_values

    out = []
    for v in iter_values(scenario):
        if isinstance(v.value, Dirichlet):
            continue
        dist = as_dist(v.value)
        if not isinstance(dist, Fixed):
            out.append((v.key, dist))
    return out


def morris_of_job(
    the_job, question, trajectories: int = 10, levels: int = 4, members: int = 20,
    backend: str = "local", workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Morris screening of one question by section (module docstring), each design point an
    ensemble of ``members`` members on the backend's workers."""
    from . import ensemble
    from .api import check_members
    from .questions.schema import is_numeric

    check_members(members, 10_000, "--morris-members")
    if not 1 <= trajectories <= 1000 or not 2 <= levels <= 20:
        raise _problem("--trajectories", "trajectories must be in [1, 1000] and levels in "
                       "[2, 20]", f"{trajectories}, {levels}")  # fmt: skip
    dists = morris_inputs(the_job.target)
    keys = tuple(k for k, _ in dists)

    def evaluate(design: np.ndarray) -> np.ndarray:
        u = (design * (levels - 1) + 0.5) / levels
        values = np.column_stack([np.asarray(d.ppf(u[:, j]), float)
                                  for j, (_, d) in enumerate(dists)])  # fmt: skip
        job = MorrisJob(the_job.scenario, the_job.counterfactual, the_job.seed, (question,), keys,
                        values, members)  # fmt: skip
        chunks = [(p * members, (p + 1) * members) for p in range(len(design))]
        out = np.empty(len(design))

        def done(lo, hi, result):
            out[lo // members] = float(np.mean(np.asarray(result[question.id], float)))
            if progress is not None:
                progress(1)

        with ensemble.backend(backend, workers) as be:
            be.run(job, chunks, done)
        return out

    table = morris_screen(keys, [section(k) for k in keys], evaluate, the_job.seed, trajectories,
                          levels)  # fmt: skip
    table.attrs["unit"] = "probability" if not is_numeric(question.query) else "question's unit"
    return table.sort_values("mu_star", ascending=False)


class _CallableModule(types.ModuleType):
    """Importing this module binds ``realpolitik.sensitivity`` to it, where the Python API promises
    the function ``rp.sensitivity(run, question, questions, …)``: calling the module calls
    :func:`of_run` (as :mod:`realpolitik.simulate` does)."""

    def __call__(self, *args, **kwargs):
        return of_run(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
