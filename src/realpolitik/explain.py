"""What a coupling rule does to each question: the run as sampled against the run with the rule's
magnitude at zero, on common random numbers (``realpolitik explain``).

Both runs share every draw but the rule's magnitude (draws are keyed by id), so the per-member
difference d_m = x_m(as sampled) − x_m(rule off) is the rule's effect alone. A binary question's
effect is the mean of d (a change of probability), a numeric question's the mean of d in its unit;
each with a 90 % interval mean ± 1.645·sd(d)/√n (the paired mean's normal interval: members are
independent draws).

A *link* is a coupling rule's id, or the path of a hazard act's driver coefficient
``actions.<act>.drivers.<feature>``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .api import compile_run, read_questions
from .errors import Problem, ScenarioError
from .questions.resolve import resolve
from .scenario import ScenarioDoc
from .scenario.loader import parse
from .scenario.patch import merge_patch
from .simulate import simulate

Z90 = 1.6448536269514722


def links(doc: ScenarioDoc) -> list[str]:
    """Every link :func:`switch_off` takes: coupling rules, then act drivers."""
    s = doc.scenario
    return [r.id for r in s.coupling] + [
        f"actions.{a.id}.drivers.{spec}" for a in s.actions for spec in a.drivers
    ]


def switch_off(doc: ScenarioDoc, link: str) -> ScenarioDoc:
    """The scenario with ``link``'s magnitude fixed at 0 (every other value, and draw, unchanged)."""
    zero = {"value": 0.0, "judgement": {"by": "realpolitik explain", "date": "2026-12-07",
                                        "rationale": f"{link} switched off"}}  # fmt: skip
    if link in {r.id for r in doc.scenario.coupling}:
        patch = {"coupling": {link: {"magnitude": zero}}}
    elif link.startswith("actions.") and ".drivers." in link:
        act, _, spec = link.removeprefix("actions.").partition(".drivers.")
        if not any(a.id == act and spec in a.drivers for a in doc.scenario.actions):
            _unknown(doc, link)
        patch = {"actions": {act: {"drivers": {spec: zero}}}}
    else:
        _unknown(doc, link)
    return parse(merge_patch(doc.data, patch), doc.positions, doc.path)


def _unknown(doc: ScenarioDoc, link: str):
    raise ScenarioError(
        [
            Problem(
                str(doc.path or doc.scenario.meta.id),
                None,
                None,
                "--rule",
                "unknown coupling rule or act driver",
                link,
                tuple(links(doc)),
            )
        ]  # fmt: skip
    )


@dataclass(frozen=True)
class Effect:
    link: str
    question: str
    numeric: bool
    sampled: float  # p (binary) or mean (numeric), as sampled
    off: float  # the same with the link off
    mean: float  # mean paired difference
    low: float  # 90 % interval
    high: float


def explain(
    doc: ScenarioDoc,
    rules: list[str],
    questions,
    members: int = 500,
    seed: int = 0,
    counterfactual: str | None = None,
) -> list[Effect]:
    """The effect of each link in ``rules`` on each question (see the module docstring), in the
    base run or in a counterfactual (where a rule read at its as_of reference may matter more)."""
    from .questions.schema import is_numeric

    qs = read_questions(questions) if not isinstance(questions, list) else questions
    base = simulate(compile_run(doc, members, seed, counterfactual))
    out = []
    for link in rules:
        off = simulate(compile_run(switch_off(doc, link), members, seed, counterfactual))
        for q in qs:
            a = np.asarray(resolve(q, base), float)
            b = np.asarray(resolve(q, off), float)
            d = a - b
            half = Z90 * d.std(ddof=1) / np.sqrt(d.size) if d.size > 1 else 0.0
            out.append(
                Effect(
                    link,
                    q.id,
                    is_numeric(q.query),
                    float(a.mean()),
                    float(b.mean()),
                    float(d.mean()),
                    float(d.mean() - half),
                    float(d.mean() + half),
                )
            )
    return out
