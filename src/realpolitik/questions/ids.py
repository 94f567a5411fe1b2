"""The ids questions use, and a check that a scenario knows each of them.

Ids are grouped as in ``Scenario.known_ids()``: keys ``actor``, ``region``, ``issue``, ``office``,
``series`` and ``strategy:<actor>`` (the strategies of one actor), each a set of ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ..errors import Problem, ScenarioError
from ..yamlio import load
from .schema import Question

# query kind -> (field as written in the file, model attribute, id kind)
ID_FIELDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "settlement": (("issue", "issue", "issue"),),
    "position": (("issue", "issue", "issue"),),
    "control": (("actor", "actor", "actor"),),
    "holds": (("actor", "actor", "actor"), ("region", "region", "region")),
    "captures": (("actor", "actor", "actor"), ("region", "region", "region")),
    "holds_office": (("actor", "actor", "actor"), ("office", "office", "office")),
    "aligned": (("actor", "actor", "actor"), ("with", "with_", "actor"), ("over", "over", "actor")),
    "choice": (("actor", "actor", "actor"), ("strategy", "strategy", "strategy")),
    "value": (("series", "series", "series"),),
}


def _uses(q: Question) -> Iterable[tuple[str, str, str]]:
    """(field, id kind, id) for each id the question's query names; strategies keyed by actor."""
    for field, attr, kind in ID_FIELDS[q.query.kind]:
        yield (
            field,
            (f"strategy:{q.query.actor}" if kind == "strategy" else kind),
            getattr(q.query, attr),
        )


def vocabulary(questions: Iterable[Question]) -> dict[str, set[str]]:
    """The ids the questions use, by kind (``actor``, …, ``strategy:<actor>``)."""
    out: dict[str, set[str]] = {k: set() for k in ("actor", "region", "issue", "office", "series")}
    for q in questions:
        for _, kind, value in _uses(q):
            out.setdefault(kind, set()).add(value)
    return out


def check_ids(questions: Iterable[Question], known: Mapping[str, Iterable[str]]) -> list[Problem]:
    """One located problem per id not in ``known`` (a missing key knows no id), with the valid ids."""
    problems = []
    for q in questions:
        for field, kind, value in _uses(q):
            pool = set(known.get(kind, ()))
            if value not in pool:
                what = kind.replace("strategy:", "strategy of ")
                problems.append(
                    q.problem(
                        ("query", field),
                        f"unknown {what} in question {q.id!r}",
                        value,
                        sorted(pool),
                    )
                )
    return problems


def known_from_vocabulary(path: str | Path) -> dict[str, set[str]]:
    """Read ``question-vocabulary.yaml`` into the ``known`` mapping of :func:`check_ids`."""
    data, pos = load(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            [pos.problem((), "a vocabulary file is a mapping", type(data).__name__)]
        )
    plural = {
        "actor": "actors",
        "region": "regions",
        "issue": "issues",
        "office": "offices",
        "series": "series",
    }
    known = {k: set(data.get(p) or ()) for k, p in plural.items()}
    known.update({f"strategy:{a}": set(s) for a, s in (data.get("strategies") or {}).items()})
    return known
