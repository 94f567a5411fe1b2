"""The Python API: load a scenario, simulate it (or a counterfactual of it), answer questions.

    import realpolitik as rp
    doc = rp.load("scenarios/syria-2015.yaml")
    ds = rp.simulate(doc, members=1000, seed=1)                 # an xarray.Dataset (the trajectory)
    table = rp.forecast(doc, "data/questions/questions-syria-2015.yaml", members=1000, seed=1)
    run = rp.run(doc, members=10_000, seed=1)                   # chunks on every core, stored
    table = run.forecast("data/questions/questions-syria-2015.yaml")   # read from the store

``rp.run``, ``rp.open_run`` and ``rp.compare`` are :mod:`realpolitik.runs`.

A binary forecast is p = (k + ½)/(n + 1) with k of n members resolving true (the Jeffreys-smoothed
share, never exactly 0 or 1); a numeric one is the ensemble's 5/25/50/75/95 % quantiles.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from .compile import Compiled, compile
from .errors import Problem, ScenarioError
from .rng import MemberRNG
from .scenario import ScenarioDoc, load_doc
from .scenario.loader import parse
from .scenario.patch import apply_counterfactual
from .scenario.schema import Scenario
from .yamlio import Positions

MAX_MEMBERS = 1_000_000  # the default limit; $REALPOLITIK_MAX_MEMBERS sets another


def load(path: str | Path) -> ScenarioDoc:
    """A scenario file, validated (raises :class:`ScenarioError` with every located problem)."""
    return load_doc(path)


def _doc(scenario: ScenarioDoc | Scenario | str | Path) -> ScenarioDoc:
    if isinstance(scenario, ScenarioDoc):
        return scenario
    if isinstance(scenario, Scenario):
        data = scenario.model_dump(by_alias=True, exclude_none=True, mode="json")
        return parse(data, Positions(scenario.meta.id))
    return load_doc(scenario)


def max_members() -> int:
    """The largest ensemble accepted: ``$REALPOLITIK_MAX_MEMBERS``, else :data:`MAX_MEMBERS`."""
    import os

    raw = os.environ.get("REALPOLITIK_MAX_MEMBERS", "")
    return int(raw) if raw.isdigit() and int(raw) > 0 else MAX_MEMBERS


def check_members(members: int, limit: int | None = None, where: str = "members") -> None:
    limit = max_members() if limit is None else limit
    if not isinstance(members, int | np.integer) or not 1 <= members <= limit:
        raise ScenarioError(
            [
                Problem(
                    "<arguments>",
                    None,
                    None,
                    where,
                    f"must be an integer in [1, {limit:,}]",
                    repr(members),
                )
            ]  # fmt: skip
        )


def compile_run(
    scenario: ScenarioDoc | Scenario | str | Path,
    members: int = 1000,
    seed: int = 0,
    counterfactual: str | None = None,
    first_member: int = 0,
    hold: Iterable[str] = (),
) -> Compiled:
    """Compile members ``first_member …`` of a run (of a counterfactual, given its id); the
    mechanisms in ``hold`` run as their nulls (:mod:`realpolitik.nulls`: held at ``as_of``)."""
    from .nulls import engines

    check_members(members)
    held = engines(hold)
    doc = _doc(scenario)
    rng = MemberRNG(seed, first_member, first_member + members)
    c = compile(doc.scenario, members, rng, counterfactual_spec(doc, counterfactual))
    return dataclasses.replace(c, hold=held & set(c.engines))


def counterfactual_spec(doc: ScenarioDoc, counterfactual: str | None) -> tuple | None:
    """What :func:`compile` takes for a counterfactual: (id, patched scenario, do list), or None
    for the base run (ScenarioError for an unknown id)."""
    if counterfactual is None:
        return None
    patched = apply_counterfactual(doc, counterfactual)
    cf = next(c for c in doc.scenario.counterfactuals if c.id == counterfactual)
    return (counterfactual, patched.scenario, tuple(cf.do))


def simulate(
    scenario: ScenarioDoc | Scenario | str | Path,
    members: int = 1000,
    seed: int = 0,
    counterfactual: str | None = None,
    chunk: int = 1000,
    progress: Callable[[int], None] | None = None,
) -> xr.Dataset:
    """The coupled simulation of ``members`` members: the trajectory as an ``xarray.Dataset``. Each
    chunk of ``chunk`` members is compiled as it runs (the same bits as compiling them all first)."""
    from .ensemble import Job
    from .simulate import simulate_chunks

    check_members(members)
    doc = _doc(scenario)
    job = Job(doc.scenario, counterfactual_spec(doc, counterfactual), int(seed))  # patched once
    return simulate_chunks(job.compiled, members, chunk, progress)


@dataclass(frozen=True)
class Answer:
    """One question's forecast: binary (``p``, ``members_true``, ``members``) or numeric
    (``quantiles``)."""

    id: str
    level: str
    text: str
    kind: str
    members: int
    p: float | None = None
    members_true: int | None = None
    quantiles: dict[float, float] | None = None

    def as_dict(self) -> dict:
        out = {"id": self.id, "level": self.level, "kind": self.kind, "text": self.text,
               "members": self.members}  # fmt: skip
        if self.p is not None:
            out.update(p=self.p, members_true=self.members_true)
        else:
            out["quantiles"] = {f"{q:g}": v for q, v in self.quantiles.items()}
        return out


def answer(question, ds: xr.Dataset) -> Answer:
    """Resolve one question on every member of ``ds`` and summarise (:func:`summarise`)."""
    from .questions.resolve import resolve

    return summarise(question, resolve(question, ds))


def summarise(question, x: np.ndarray) -> Answer:
    """A question's forecast from its per-member resolutions ``x`` (bool, or float if numeric)."""
    from .questions.resolve import QUANTILES
    from .questions.schema import is_numeric

    q = question.query
    base = dict(id=question.id, level=question.level, text=question.text, kind=q.kind,
                members=int(x.size))  # fmt: skip
    if is_numeric(q):
        qs = np.quantile(x, QUANTILES)
        return Answer(**base, quantiles={k: float(v) for k, v in zip(QUANTILES, qs, strict=True)})
    k = int(np.sum(x))
    return Answer(**base, p=(k + 0.5) / (x.size + 1), members_true=k)


def read_questions(path: str | Path) -> list:
    """A question or outcome file (outcome fields are accepted and ignored by forecasts)."""
    from . import yamlio
    from .questions.loader import parse_questions

    data, pos = yamlio.load(Path(path))
    has_outcomes = isinstance(data, list) and any(
        isinstance(q, dict) and "outcome" in q for q in data
    )
    return parse_questions(data, pos, outcomes=has_outcomes)


def forecast(
    scenario: ScenarioDoc | Scenario | str | Path | xr.Dataset,
    questions: str | Path | Iterable,
    members: int = 1000,
    seed: int = 0,
    counterfactual: str | None = None,
) -> list[Answer]:
    """Answer every question on a trajectory (given, or simulated here)."""
    qs = read_questions(questions) if isinstance(questions, str | Path) else list(questions)
    ds = scenario if isinstance(scenario, xr.Dataset) else simulate(
        scenario, members, seed, counterfactual
    )  # fmt: skip
    return [answer(q, ds) for q in qs]
