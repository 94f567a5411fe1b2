"""Load a scenario file: safe YAML → pydantic models → cross-reference checks, every problem located."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from .. import yamlio
from ..errors import Problem, ScenarioError
from .checks import check
from .schema import Scenario


@dataclass
class ScenarioDoc:
    """A loaded scenario with what it was made from (for lint, diff and counterfactuals)."""

    scenario: Scenario
    data: dict
    positions: yamlio.Positions
    path: Path | None

    def problem(self, path, message, value=None, options=()) -> Problem:
        return self.positions.problem(path, message, value, options)


def _unwrap(tp):
    """The model class (if any) that values of annotation ``tp`` are validated into, and container kind."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (list, dict):
        return _unwrap(typing.get_args(tp)[-1])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(tp):
            m = _unwrap(arg)
            if m is not None:
                return m
        return None
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    return None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The model class that holds the last key of ``loc`` (for listing valid keys)."""
    model: type[BaseModel] | None = Scenario
    for part in loc[:-1]:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        fields = {(f.alias or n): f for n, f in model.model_fields.items()}
        if part in fields:
            model = _unwrap(fields[part].annotation)
        # else: a dict key (actor id, capability name); stay on the dict's value model
    return model


def _keys(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(f.alias or n for n, f in model.model_fields.items())


def _describe(err: dict) -> tuple[str, tuple[str, ...], bool]:
    """(message, options, points_at_key) for one pydantic error."""
    t, loc, ctx = err["type"], err["loc"], err.get("ctx") or {}
    if t == "extra_forbidden":
        model = _model_at(loc)
        key = loc[-1] if loc else "?"
        return f"unknown key {key!r}", (_keys(model) if model else ()), True
    if t == "missing":
        return "required field is missing", (), False
    if t == "literal_error":
        expected = ctx.get("expected", "")
        opts = tuple(
            x.strip().strip("'") for x in expected.replace(" or ", ",").split(",") if x.strip()
        )
        return "not one of the allowed values", opts, False
    return err["msg"], (), False


_INTERNAL_LOC = re.compile(
    r"^(function-[a-z]+|[a-z-]*union|json-or-python|lax-or-strict|chain)\[.*\]$"
)


def _clean_loc(loc: tuple) -> tuple:
    """Drop pydantic's internal loc parts (union branch names, function-after etc.)."""
    out = []
    for part in loc:
        if isinstance(part, str) and _INTERNAL_LOC.match(part):
            continue
        out.append(part)
    return tuple(out)


def validation_problems(exc: ValidationError, pos: yamlio.Positions) -> list[Problem]:
    problems = []
    for err in exc.errors():
        loc = _clean_loc(err["loc"])
        message, options, at_key = _describe({**err, "loc": loc})
        value = None if err["type"] == "missing" else err.get("input")
        if isinstance(value, dict | list):
            value = None if err["type"] != "extra_forbidden" else value
        problems.append(pos.problem(loc, message, value, options, prefer_key=at_key))
    return problems


def parse(data, pos: yamlio.Positions, path: Path | None = None) -> ScenarioDoc:
    if not isinstance(data, dict):
        raise ScenarioError(
            [
                pos.problem(
                    (), "a scenario is a mapping with meta, actors and issues", type(data).__name__
                )
            ]
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_problems(exc, pos)) from None
    found = [pos.problem(p, msg, val, opts) for p, msg, val, opts in check(scenario)]
    if found:
        raise ScenarioError(found)
    return ScenarioDoc(scenario, data, pos, path)


def load_doc(path: str | Path, max_bytes: int = yamlio.DEFAULT_MAX_BYTES) -> ScenarioDoc:
    path = Path(path)
    data, pos = yamlio.load(path, max_bytes=max_bytes)
    return parse(data, pos, path)


def load_scenario(path: str | Path, max_bytes: int = yamlio.DEFAULT_MAX_BYTES) -> Scenario:
    """Load and check a scenario file; raise :class:`ScenarioError` listing every problem."""
    return load_doc(path, max_bytes).scenario


def loads_scenario(text: str, file: str = "<string>") -> Scenario:
    data, pos = yamlio.loads(text, file)
    return parse(data, pos).scenario
