"""Load question and outcome files (YAML 1.2 lists) with one located problem per mistake."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..errors import Problem, ScenarioError
from ..yamlio import Positions, load, loads
from .schema import (
    KINDS,
    Aligned,
    Captures,
    Choice,
    Control,
    Holds,
    HoldsOffice,
    PositionQuery,
    Question,
    Settlement,
    Value,
    is_numeric,
)

OUTCOME_FIELDS = ("outcome", "resolves", "source")
_MODELS: dict[str, type[BaseModel]] = {
    "settlement": Settlement,
    "position": PositionQuery,
    "control": Control,
    "holds": Holds,
    "captures": Captures,
    "holds_office": HoldsOffice,
    "aligned": Aligned,
    "choice": Choice,
    "value": Value,
}


def load_questions(path: str | Path, outcomes: bool = False) -> list[Question]:
    """Read a question file (``outcomes=False``) or an outcome file (``outcomes=True``)."""
    data, pos = load(path)
    return parse_questions(data, pos, outcomes)


def loads_questions(text: str, file: str = "<string>", outcomes: bool = False) -> list[Question]:
    """:func:`load_questions` from text."""
    data, pos = loads(text, file)
    return parse_questions(data, pos, outcomes)


def parse_questions(data: object, pos: Positions, outcomes: bool) -> list[Question]:
    """Validate plain YAML data; raise :class:`ScenarioError` listing every problem."""
    if not isinstance(data, list):
        raise ScenarioError(
            [pos.problem((), "a question file is a YAML list of questions", type(data).__name__)]
        )
    problems: list[Problem] = []
    questions: list[Question] = []
    first: dict[str, int] = {}
    for i, item in enumerate(data):
        qid = item.get("id") if isinstance(item, dict) else None
        if isinstance(qid, str) and qid in first:
            line, _ = pos.locate((first[qid], "id"))
            problems.append(
                pos.problem((i, "id"), f"duplicate question id (first at line {line})", qid)
            )
        elif isinstance(qid, str):
            first[qid] = i
        try:
            q = Question.model_validate(item)
        except ValidationError as exc:
            problems += [_problem(err, i, item, pos) for err in exc.errors()]
            continue
        problems += _outcome_problems(q, i, pos, outcomes)
        questions.append(q.locate(pos, i))
    if problems:
        raise ScenarioError(problems)
    return questions


def _outcome_problems(q: Question, i: int, pos: Positions, outcomes: bool) -> list[Problem]:
    out = []
    for name in OUTCOME_FIELDS:
        present = getattr(q, name) is not None
        if present and not outcomes:
            msg = f"'{name}' belongs in outcome files only (load with outcomes=True)"
            out.append(pos.problem((i, name), msg, getattr(q, name), prefer_key=True))
        if not present and outcomes:
            out.append(
                pos.problem(
                    (i, name), "missing field (an outcome file needs outcome, resolves, source)"
                )
            )
    if outcomes and q.outcome is not None:
        numeric = is_numeric(q.query)
        if numeric == isinstance(q.outcome, bool):
            want = "a number (numeric question)" if numeric else "true or false (binary question)"
            out.append(pos.problem((i, "outcome"), f"outcome must be {want}", q.outcome))
    return out


def _problem(err: dict, i: int, item: object, pos: Positions) -> Problem:
    """Map one pydantic error to a located problem: path, message, bad value, valid options."""
    loc = list(err["loc"])
    if len(loc) >= 2 and loc[0] == "query" and loc[1] in KINDS:
        del loc[1]  # pydantic's discriminator tag is not part of the file's path
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    message, options, prefer_key = err["msg"], tuple(ctx.get("options", ())), False
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        loc.append("kind")
        message = "unknown query kind" if kind == "union_tag_invalid" else "missing field 'kind'"
        value, options = ctx.get("tag"), KINDS
    elif kind == "extra_forbidden":
        message, value, prefer_key = "unknown field", loc[-1], True
        options = _fields(item, loc[:-1])
    elif kind == "missing":
        message, value = "missing field", None
    elif kind == "literal_error":
        message = "not one of the valid values"
        options = tuple(re.findall(r"'([^']*)'", ctx.get("expected", "")))
    elif "field" in ctx:
        loc.append(ctx["field"])
        value = ctx.get("input", _get(item, loc))
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "expected a mapping of fields"
    return pos.problem((i, *loc), message, value=value, options=options, prefer_key=prefer_key)


def _fields(item: object, loc: list) -> tuple[str, ...]:
    """Valid field names of the model at ``loc`` (a question, or its query's kind)."""
    model = _MODELS[str(_get(item, ["query", "kind"]))] if loc == ["query"] else Question
    return tuple(f.alias or name for name, f in model.model_fields.items())


def _get(item: object, loc: list) -> object:
    for part in loc:
        try:
            item = item[part]  # type: ignore[index]
        except (KeyError, IndexError, TypeError):
            return None
    return item
