"""The ids questions use, and a check that a scenario knows each of them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from ..errors import Problem, ScenarioError
from ..yamlio import load
from .schema import Question

ID_KINDS = ("actors", "regions", "issues", "offices", "series", "strategies")
# query kind -> (field as written in the file, model attribute, id kind)
ID_FIELDS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "settlement": (("issue", "issue", "issues"),),
    "position": (("issue", "issue", "issues"),),
    "control": (("actor", "actor", "actors"),),
    "holds": (("actor", "actor", "actors"), ("region", "region", "regions")),
    "captures": (("actor", "actor", "actors"), ("region", "region", "regions")),
    "holds_office": (("actor", "actor", "actors"), ("office", "office", "offices")),
    "aligned": (
        ("actor", "actor", "actors"),
        ("with", "with_", "actors"),
        ("over", "over", "actors"),
    ),
    "choice": (("actor", "actor", "actors"), ("strategy", "strategy", "strategies")),
    "value": (("series", "series", "series"),),
}


def _uses(q: Question) -> Iterable[tuple[str, str, str]]:
    """(field, id kind, id) for each id the question's query names."""
    for field, attr, kind in ID_FIELDS[q.query.kind]:
        yield field, kind, getattr(q.query, attr)


def vocabulary(questions: Iterable[Question]) -> dict:
    """Ids used, by kind: sets for actors, regions, issues, offices, series; strategies as {actor: set}."""
    out: dict = {k: set() for k in ID_KINDS if k != "strategies"}
    out["strategies"] = {}
    for q in questions:
        for _, kind, value in _uses(q):
            if kind == "strategies":
                out["strategies"].setdefault(q.query.actor, set()).add(value)
            else:
                out[kind].add(value)
    return out


def check_ids(
    questions: Iterable[Question], known: Mapping[str, Collection[str] | Mapping]
) -> list[Problem]:
    """One problem per id not in ``known`` (keys as :data:`ID_KINDS`; a missing key knows no id).

    ``known['strategies']`` is either ``{actor: strategies}`` (checked per actor) or one collection.
    """
    problems = []
    for q in questions:
        for field, kind, value in _uses(q):
            pool = known.get(kind, ())
            if kind == "strategies" and isinstance(pool, Mapping):
                pool = pool.get(q.query.actor, ())
                what = f"strategy of {q.query.actor!r}"
            else:
                what = kind.removesuffix("s") if kind != "series" else "series"
            if value not in pool:
                msg = f"unknown {what} in question {q.id!r}"
                problems.append(q.problem(("query", field), msg, value, sorted(pool)))
    return problems


def known_from_vocabulary(path: str | Path) -> dict:
    """Read ``question-vocabulary.yaml`` into the ``known`` mapping of :func:`check_ids`."""
    data, pos = load(path)
    if not isinstance(data, dict):
        raise ScenarioError(
            [pos.problem((), "a vocabulary file is a mapping", type(data).__name__)]
        )
    known: dict = {k: set(data.get(k) or ()) for k in ID_KINDS if k != "strategies"}
    known["strategies"] = {a: set(s) for a, s in (data.get("strategies") or {}).items()}
    return known
