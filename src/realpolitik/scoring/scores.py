"""Proper scores, their decomposition, calibration and keyed bootstrap intervals.

Binary forecasts p ∈ [0, 1] against outcomes o ∈ {0, 1}:

* **Brier** on the 0–1 scale: BS = (p − o)² (0 best; a constant ½ scores 0.25).
* **Log score** (ignorance, in nats): LS = −ln(p if o else 1 − p).
* **Decomposition** over K equal-width bins (Murphy 1973, with the two within-bin terms of
  Stephenson, Coelho & Jolliffe 2008, *Wea. Forecasting* 23, so that it is exact):
  BS̄ = REL − RES + UNC + WBV − WBC, REL = Σ n_k(p̄_k − ō_k)²/N, RES = Σ n_k(ō_k − ō)²/N,
  UNC = ō(1 − ō), WBV = Σ_k Σ_i (p_i − p̄_k)²/N, WBC = 2 Σ_k Σ_i (p_i − p̄_k)(o_i − ō_k)/N.
* **ECE** = Σ_k (n_k/N)·|p̄_k − ō_k| over the same bins.
* **Reliability with consistency bars** (Bröcker & Smith 2007, *Wea. Forecasting* 22): the
  observed frequency ō_k per bin beside the 5–95 % range that ō_k − p̄_k takes when the forecasts
  are reliable — forecasts resampled with replacement and outcomes drawn as o* ~ Bernoulli(p*) —
  drawn about the diagonal at p̄_k.

Numeric forecasts, an ensemble x_1…x_M against y:

* **Fair CRPS** (Ferro 2014, *QJRMS* 140): CRPS_F = (1/M)Σ|x_i − y| − Σ_i Σ_j |x_i − x_j|/(2M(M−1)),
  with Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − M − 1)·x_(i) on the sorted members. In the question's
  unit, so only comparable within a question; across questions use the skill
  CRPSS = 1 − CRPS/CRPS_reference.

Intervals: a nonparametric bootstrap over questions, B resamples whose indices come from keyed
uniforms (``realpolitik.rng.uniforms(seed, "scoring/bootstrap/<key>", 0, B, n)``), so an interval
is reproducible from the root seed and its key; a paired difference resamples both forecasters with
the same indices. 90 % = the 5th and 95th percentiles.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..rng import uniforms

BINS = 10
RESAMPLES = 2000
LEVEL = 0.9


def brier(p, o) -> np.ndarray:
    """(p − o)², elementwise."""
    return (np.asarray(p, float) - np.asarray(o, float)) ** 2


def log_score(p, o) -> np.ndarray:
    """−ln(p) where o, −ln(1 − p) where not, elementwise (nats)."""
    p, o = np.asarray(p, float), np.asarray(o, bool)
    with np.errstate(divide="ignore"):
        return -np.log(np.where(o, p, 1.0 - p))


def crps_fair(x, y) -> np.ndarray:
    """Fair CRPS of ensembles ``x`` (…, M) against ``y`` (…); M ≥ 2."""
    x = np.sort(np.asarray(x, float), axis=-1)
    y = np.asarray(y, float)
    m = x.shape[-1]
    if m < 2:
        raise ValueError("the fair CRPS needs at least two members")
    spread = 2.0 * np.sum((2.0 * np.arange(1, m + 1) - m - 1) * x, axis=-1)
    return np.mean(np.abs(x - y[..., None]), axis=-1) - spread / (2.0 * m * (m - 1))


def bin_index(p, bins: int = BINS) -> np.ndarray:
    """Equal-width bins on [0, 1]: k = min(⌊p·K⌋, K − 1)."""
    return np.minimum((np.asarray(p, float) * bins).astype(int), bins - 1)


@dataclass(frozen=True)
class Decomposition:
    reliability: float
    resolution: float
    uncertainty: float
    within_variance: float
    within_covariance: float

    def as_dict(self) -> dict:
        return {k: float(v) for k, v in self.__dict__.items()}


def _binned(p: np.ndarray, o: np.ndarray, bins: int):
    """(bin of each forecast, count per bin, mean forecast p̄_k, observed frequency ō_k); an empty
    bin's means are 0."""
    k = bin_index(p, bins)
    count = np.bincount(k, minlength=bins)
    safe = np.maximum(count, 1)
    return k, count, np.bincount(k, p, bins) / safe, np.bincount(k, o, bins) / safe


def decompose(p, o, bins: int = BINS) -> Decomposition:
    """The exact decomposition of the mean Brier score (module docstring)."""
    p, o = np.asarray(p, float), np.asarray(o, float)
    n = p.size
    k, count, pbar, obar = _binned(p, o, bins)
    o_all = o.mean()
    dp, do = p - pbar[k], o - obar[k]
    return Decomposition(
        reliability=float(np.sum(count * (pbar - obar) ** 2) / n),
        resolution=float(np.sum(count * (obar - o_all) ** 2) / n),
        uncertainty=float(o_all * (1 - o_all)),
        within_variance=float(np.sum(dp**2) / n),
        within_covariance=float(2 * np.sum(dp * do) / n),
    )


def ece(p, o, bins: int = BINS) -> float:
    """Expected calibration error Σ (n_k/N)|p̄_k − ō_k|."""
    p, o = np.asarray(p, float), np.asarray(o, float)
    k = bin_index(p, bins)
    count = np.bincount(k, minlength=bins)
    safe = np.maximum(count, 1)
    gap = np.abs(np.bincount(k, p, bins) - np.bincount(k, o, bins)) / safe
    return float(np.sum(count * gap) / p.size)


@dataclass(frozen=True)
class Reliability:
    """Per bin: count, mean forecast, observed frequency, consistency bar (low, high) about p̄_k."""

    count: np.ndarray
    forecast: np.ndarray
    observed: np.ndarray
    low: np.ndarray
    high: np.ndarray

    def rows(self) -> list[dict]:
        return [
            {"bin": [k / len(self.count), (k + 1) / len(self.count)], "n": int(self.count[k]),
             "forecast": float(self.forecast[k]), "observed": float(self.observed[k]),
             "consistency": [float(self.low[k]), float(self.high[k])]}
            for k in range(len(self.count)) if self.count[k]
        ]  # fmt: skip


def reliability(
    p, o, seed: int, bins: int = BINS, resamples: int = 1000, level: float = LEVEL
) -> Reliability:
    """Observed frequencies per bin and Bröcker & Smith's consistency bars (module docstring),
    from keyed uniforms ``scoring/consistency/forecasts`` and ``…/outcomes``."""
    p, o = np.asarray(p, float), np.asarray(o, float)
    n = p.size
    _, count, pbar, obar = _binned(p, o, bins)
    obar = np.where(count > 0, obar, np.nan)
    pick = _indices(seed, "scoring/consistency/forecasts", resamples, n)
    ps = p[pick]
    os_ = uniforms(seed, "scoring/consistency/outcomes", 0, resamples, n) < ps
    ks = bin_index(ps, bins) + bins * np.arange(resamples)[:, None]
    size = bins * resamples
    cs = np.bincount(ks.ravel(), minlength=size).reshape(resamples, bins)
    gap = np.bincount(ks.ravel(), (os_ - ps).ravel(), size).reshape(resamples, bins)
    dev = np.where(cs > 0, gap / np.maximum(cs, 1), np.nan)
    tail = (1 - level) / 2
    with warnings.catch_warnings():  # a bin empty in every resample gives NaN bars
        warnings.simplefilter("ignore", RuntimeWarning)
        lo, hi = np.nanquantile(dev, [tail, 1 - tail], axis=0)
    return Reliability(count, pbar, obar, np.clip(pbar + lo, 0, 1), np.clip(pbar + hi, 0, 1))


def _indices(seed: int, key: str, resamples: int, n: int) -> np.ndarray:
    """(B, n) bootstrap indices from keyed uniforms: ⌊u·n⌋."""
    u = uniforms(seed, key, 0, resamples, n)
    return np.minimum((u * n).astype(np.int64), n - 1)


def bootstrap(
    stat: Callable[..., np.ndarray],
    arrays: tuple[np.ndarray, ...],
    seed: int,
    key: str,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> tuple[float, float]:
    """The ``level`` percentile interval of ``stat(*resampled arrays)`` over B resamples of the
    questions (the same indices for every array: paired). ``stat`` maps (B, n) arrays to (B,)."""
    n = arrays[0].shape[0]
    if n == 0:
        return (float("nan"), float("nan"))
    idx = _indices(seed, f"scoring/bootstrap/{key}", resamples, n)
    values = np.asarray(stat(*(np.asarray(a, float)[idx] for a in arrays)), float)
    tail = (1 - level) / 2
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (float("nan"), float("nan"))
    lo, hi = np.quantile(values, [tail, 1 - tail])
    return (float(lo), float(hi))


def mean(a: np.ndarray) -> np.ndarray:
    """Row means of resampled (B, n) values (a ``stat`` for :func:`bootstrap`)."""
    return a.mean(axis=-1)


def paired_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mean of a − b per resample."""
    return (a - b).mean(axis=-1)


def skill(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Skill 1 − mean(a)/mean(b) per resample (NaN where mean(b) = 0)."""
    den = b.mean(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, 1.0 - a.mean(axis=-1) / den, np.nan)
