"""Numbers with provenance, and the distributions that may stand wherever a number is expected.

A quantity is written either as a bare number (its provenance is inherited from the nearest enclosing
entity that declares one) or as a mapping with ``value`` (fixed) or ``dist`` plus its parameters, each
optionally carrying its own provenance keys (``seed``, ``cite``, ``judgement``, ``src``, ``derivation``).

Sampling is by inverse CDF of keyed uniforms (:mod:`realpolitik.rng`), so draws depend only on
(root seed, parameter path, member).

| dist | parameters | support |
|---|---|---|
| (fixed) | ``value`` | the value |
| uniform | ``low``, ``high`` | [low, high] |
| triangular | ``low``, ``mode``, ``high`` | [low, high] |
| normal | ``mean``, ``sd`` | ℝ |
| truncnormal | ``mean``, ``sd``, ``low``, ``high`` | [low, high] |
| lognormal | ``median``, ``sigma`` (of log) | (0, ∞) |
| beta | ``a``, ``b``, optional ``low``, ``high`` | [low, high] |
| gamma | ``shape``, ``rate`` | (0, ∞) |
| dirichlet | ``mean`` (mapping of shares summing to 1), ``concentration`` | the simplex |
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from scipy import special, stats

from .. import rng as keyed


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Citation(Strict):
    """A publication: ``published`` date, and ``measured_on`` when it reports an earlier measurement."""

    title: str = Field(min_length=3)
    published: dt.date
    measured_on: dt.date | None = None
    url: str | None = None
    published_after_as_of: bool = False


class Judgement(Strict):
    """Expert judgement: who, when, and why."""

    by: str = Field(min_length=2)
    date: dt.date
    rationale: str = Field(min_length=10)


class Sourced(Strict):
    """Provenance keys that any entity or quantity may carry (DESIGN.md, "Provenance")."""

    seed: str | list[str] | None = None
    cite: Citation | None = None
    judgement: Judgement | None = None
    src: str | list[str] | None = Field(
        default=None, description="id(s) in the scenario's `sources`"
    )
    derivation: str | None = None

    def has_provenance(self) -> bool:
        return any(x is not None for x in (self.seed, self.cite, self.judgement, self.src))


def _finite(*values: float) -> None:
    for v in values:
        if not np.isfinite(v):
            raise ValueError(f"must be a finite number, got {v}")


class Fixed(Sourced):
    value: float

    @model_validator(mode="after")
    def _check(self):
        _finite(self.value)
        return self

    def ppf(self, u):
        return np.full(np.shape(u), self.value)

    def bounds(self):
        return self.value, self.value

    def mean(self):
        return self.value


class Uniform(Sourced):
    dist: Literal["uniform"]
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self):
        _finite(self.low, self.high)
        if not self.low <= self.high:
            raise ValueError(f"uniform needs low <= high, got low={self.low}, high={self.high}")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * u

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return 0.5 * (self.low + self.high)


class Triangular(Sourced):
    dist: Literal["triangular"]
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self):
        _finite(self.low, self.mode, self.high)
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError(
                f"triangular needs low <= mode <= high and low < high, got {self.low}, {self.mode}, {self.high}"
            )
        return self

    def ppf(self, u):
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return (self.low + self.mode + self.high) / 3


class Normal(Sourced):
    dist: Literal["normal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(ge=0)

    @model_validator(mode="after")
    def _check(self):
        _finite(self.mean_, self.sd)
        return self

    def ppf(self, u):
        return self.mean_ + self.sd * special.ndtri(u)

    def bounds(self):
        return -np.inf, np.inf

    def mean(self):
        return self.mean_


class TruncNormal(Sourced):
    dist: Literal["truncnormal"]
    mean_: float = Field(alias="mean")
    sd: float = Field(gt=0)
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self):
        _finite(self.mean_, self.sd, self.low, self.high)
        if not self.low < self.high:
            raise ValueError(f"truncnormal needs low < high, got low={self.low}, high={self.high}")
        return self

    def _frozen(self):
        a = (self.low - self.mean_) / self.sd
        b = (self.high - self.mean_) / self.sd
        return stats.truncnorm(a, b, loc=self.mean_, scale=self.sd)

    def ppf(self, u):
        return np.clip(self._frozen().ppf(u), self.low, self.high)

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return float(self._frozen().mean())


class LogNormal(Sourced):
    dist: Literal["lognormal"]
    median: float = Field(gt=0)
    sigma: float = Field(ge=0)

    @model_validator(mode="after")
    def _check(self):
        _finite(self.median, self.sigma)
        return self

    def ppf(self, u):
        return self.median * np.exp(self.sigma * special.ndtri(u))

    def bounds(self):
        return 0.0, np.inf

    def mean(self):
        return self.median * np.exp(0.5 * self.sigma**2)


class Beta(Sourced):
    dist: Literal["beta"]
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _check(self):
        _finite(self.a, self.b, self.low, self.high)
        if not self.low < self.high:
            raise ValueError(f"beta needs low < high, got low={self.low}, high={self.high}")
        return self

    def ppf(self, u):
        return self.low + (self.high - self.low) * special.betaincinv(self.a, self.b, u)

    def bounds(self):
        return self.low, self.high

    def mean(self):
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)


class Gamma(Sourced):
    dist: Literal["gamma"]
    shape: float = Field(gt=0)
    rate: float = Field(gt=0)

    @model_validator(mode="after")
    def _check(self):
        _finite(self.shape, self.rate)
        return self

    def ppf(self, u):
        return special.gammaincinv(self.shape, u) / self.rate

    def bounds(self):
        return 0.0, np.inf

    def mean(self):
        return self.shape / self.rate


Distribution = Annotated[
    Uniform | Triangular | Normal | TruncNormal | LogNormal | Beta | Gamma,
    Field(discriminator="dist"),
]
Quantity = float | Fixed | Distribution
"""A number, a sourced fixed value, or a distribution."""


class Dirichlet(Sourced):
    """Shares that sum to 1, keyed by name (e.g. faction ids). ``concentration`` κ: Var_i = m_i(1−m_i)/(κ+1)."""

    dist: Literal["dirichlet"]
    mean_: dict[str, float] = Field(alias="mean")
    concentration: float = Field(gt=0)

    @field_validator("mean_")
    @classmethod
    def _shares(cls, v: dict[str, float]):
        if not v:
            raise ValueError("dirichlet needs at least one share")
        bad = {k: x for k, x in v.items() if not (np.isfinite(x) and x >= 0)}
        if bad:
            raise ValueError(f"shares must be finite and >= 0, got {bad}")
        total = sum(v.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"shares must sum to 1, they sum to {total:.6g}")
        return v

    def sample(self, root_seed: int, key: str, start: int, stop: int) -> dict[str, np.ndarray]:
        """Member draws by normalised inverse-CDF Gamma(κ·m_i) variates, one keyed uniform per share."""
        out, total = {}, np.zeros(stop - start)
        for name, m in self.mean_.items():
            if m <= 0:
                out[name] = np.zeros(stop - start)
                continue
            u = keyed.uniforms(root_seed, f"{key}.{name}", start, stop, 1)[:, 0]
            g = special.gammaincinv(self.concentration * m, u)
            g = np.where(np.isfinite(g), np.maximum(g, 1e-300), 1e-300)
            out[name] = g
            total += g
        return {k: v / total for k, v in out.items()}


def as_dist(q: Quantity) -> Fixed | Distribution:
    return Fixed(value=q) if isinstance(q, int | float) else q


def sample(q: Quantity, root_seed: int, key: str, start: int, stop: int) -> np.ndarray:
    """Draws of one quantity for members ``start … stop-1`` (inverse CDF of keyed uniforms)."""
    d = as_dist(q)
    if isinstance(d, Fixed):
        return np.full(stop - start, d.value)
    u = keyed.uniforms(root_seed, key, start, stop, 1)[:, 0]
    return np.asarray(d.ppf(u), dtype=float)


def central(q: Quantity) -> float:
    """The quantity's mean (for summaries and deterministic runs)."""
    return float(as_dist(q).mean())


def describe(q: Quantity) -> str:
    """A short human-readable form: ``3``, ``triangular(low=1, mode=2, high=5)``, ``dirichlet(κ=30; …)``."""
    if isinstance(q, Dirichlet):
        shares = ", ".join(f"{k}={v:.4g}" for k, v in q.mean_.items())
        return f"dirichlet(κ={q.concentration:.4g}; {shares})"
    d = as_dist(q)
    if isinstance(d, Fixed):
        return f"{d.value:.4g}"
    params = {
        k: v
        for k, v in d.model_dump(by_alias=True).items()
        if k not in ("dist", "seed", "cite", "judgement", "src", "derivation") and v is not None
    }
    return f"{d.dist}(" + ", ".join(f"{k}={v:.4g}" for k, v in params.items()) + ")"
