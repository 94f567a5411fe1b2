"""Forecast questions as data (DESIGN.md, "Forecast questions"): pydantic v2 models, ``extra="forbid"``.

A :class:`Question` holds one typed query; ``query.kind`` selects one of nine models. Numbers are
strict (no strings, no booleans), dates are ``datetime.date`` (an unquoted YAML date or an ISO
``YYYY-MM-DD`` string). Outcome files add ``outcome``, ``resolves`` and ``source``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..errors import Problem
from ..trajectory import UNITS, parse_unit
from ..yamlio import Positions

LEVELS = ("international", "regional", "local")
KINDS = (
    "settlement",
    "position",
    "control",
    "holds",
    "captures",
    "holds_office",
    "aligned",
    "choice",
    "value",
)
QUERY_UNITS = tuple(UNITS)


def _date(v):
    if isinstance(v, dt.datetime):
        raise PydanticCustomError("date_only", "expected a date YYYY-MM-DD without a time")
    if isinstance(v, dt.date):
        return v
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
        try:
            return dt.date.fromisoformat(v)
        except ValueError:
            pass
    raise PydanticCustomError("date_type", "expected a date YYYY-MM-DD")


def _outcome(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int | float) and math.isfinite(v):
        return float(v)
    raise PydanticCustomError("outcome_type", "expected true, false or a finite number")


Date = Annotated[dt.date, BeforeValidator(_date)]
Id = Annotated[str, StringConstraints(min_length=1, pattern=r"^\S+$")]
Share = Annotated[float, Field(ge=0, le=100)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, populate_by_name=True, allow_inf_nan=False
    )


def _order(start: dt.date, stop: dt.date) -> None:
    if start > stop:
        raise PydanticCustomError(
            "date_order", "'from' is after 'to'", {"field": "to", "input": str(stop)}
        )


class Settlement(_Model):
    """``settled`` is true in some month ≤ ``by``."""

    kind: Literal["settlement"]
    issue: Id
    by: Date


class PositionQuery(_Model):
    """``issue_outcome`` on ``on`` lies in [min, max] (interpolated)."""

    kind: Literal["position"]
    issue: Id
    on: Date
    min: Share
    max: Share

    @model_validator(mode="after")
    def _check(self):
        if self.min > self.max:
            raise PydanticCustomError("range_order", "min must not exceed max", {"field": "max"})
        return self


class Control(_Model):
    """The actor's faction's share of Syria (percent) on ``on``; binary with ``op``/``value``."""

    kind: Literal["control"]
    actor: Id
    measure: Literal["territory", "population"]
    on: Date
    op: Literal["<", "<=", ">", ">=", "=="] | None = None
    value: Share | None = None

    @model_validator(mode="after")
    def _check(self):
        if (self.op is None) != (self.value is None):
            raise PydanticCustomError(
                "op_value",
                "give both 'op' and 'value' (binary) or neither (numeric)",
                {"field": "value" if self.value is None else "op"},
            )
        return self


class Holds(_Model):
    """The actor's faction holds the region (share > capture threshold) at the end of ``on``'s month."""

    kind: Literal["holds"]
    actor: Id
    region: Id
    on: Date


class _Window(_Model):
    """A query over the months that overlap [from, to] (from ≤ to)."""

    from_: Date = Field(alias="from")
    to: Date

    @model_validator(mode="after")
    def _check(self):
        _order(self.from_, self.to)
        return self


class Captures(_Window):
    """Held at some month-end in [from, to], not held at the end of the month before ``from``'s."""

    kind: Literal["captures"]
    actor: Id
    region: Id


class HoldsOffice(_Model):
    """``office_holder`` is the actor at the end of ``on``'s month."""

    kind: Literal["holds_office"]
    actor: Id
    office: Id
    on: Date


class Aligned(_Model):
    """|a(actor) − a(with)| < |a(actor) − a(over)| on ``on`` (alignment interpolated)."""

    kind: Literal["aligned"]
    actor: Id
    with_: Id = Field(alias="with")
    over: Id
    on: Date

    @model_validator(mode="after")
    def _check(self):
        if self.with_ == self.over:
            raise PydanticCustomError(
                "same_ids", "'with' and 'over' must differ", {"field": "over"}
            )
        return self


class Choice(_Window):
    """``acted`` is true in some month overlapping [from, to]."""

    kind: Literal["choice"]
    actor: Id
    strategy: Id


class Value(_Model):
    """Numeric: the series on ``on``, in ``unit`` (see ``realpolitik.trajectory.UNITS``)."""

    kind: Literal["value"]
    series: Id
    on: Date
    unit: str

    @model_validator(mode="after")
    def _check(self):
        try:
            key, since = parse_unit(self.unit)
        except ValueError:
            key, since = "count", None
        if key == "count":
            raise PydanticCustomError(
                "unknown_unit",
                "unknown unit",
                {"field": "unit", "input": self.unit, "options": QUERY_UNITS},
            )
        if since is not None and since > self.on:
            raise PydanticCustomError(
                "date_order",
                "the count-since date is after 'on'",
                {"field": "unit", "input": self.unit},
            )
        return self


Query = Annotated[
    Settlement
    | PositionQuery
    | Control
    | Holds
    | Captures
    | HoldsOffice
    | Aligned
    | Choice
    | Value,
    Field(discriminator="kind"),
]


class Question(_Model):
    """One forecast question; ``outcome``/``resolves``/``source`` only in outcome files."""

    id: Id
    level: Literal["international", "regional", "local"]
    text: Annotated[str, StringConstraints(min_length=1)]
    query: Query
    article: str | None = None
    outcome: Annotated[bool | float, BeforeValidator(_outcome)] | None = None
    resolves: Date | None = None
    source: Annotated[str, StringConstraints(min_length=1)] | None = None

    _positions: Positions | None = PrivateAttr(default=None)
    _index: int = PrivateAttr(default=0)

    def locate(self, positions: Positions, index: int) -> Question:
        """Remember where this question sits in its file (for located errors later)."""
        self._positions, self._index = positions, index
        return self

    def problem(self, path: tuple, message: str, value=None, options=()) -> Problem:
        """A :class:`Problem` at ``path`` inside this question (file:line:col when loaded from a file)."""
        if self._positions is not None:
            return self._positions.problem(
                (self._index, *path), message, value=value, options=options
            )
        where = Positions(f"<question {self.id}>")
        return where.problem(path, message, value=value, options=options)


def is_numeric(query) -> bool:
    """A ``value`` query, or a ``control`` query without ``op``/``value``."""
    return query.kind == "value" or (query.kind == "control" and query.op is None)
