"""One error type for every bad input: a list of problems, each with file:line:column."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``path`` is the field path (``actors[3].level``), ``value`` the offending value (repr'd),
    ``options`` the valid alternatives when there is a closed set (known ids, enum values).
    """

    file: str
    line: int | None
    column: int | None
    path: str
    message: str
    value: str | None = None
    options: tuple[str, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}:{self.column or 1}"
        text = f"{where}: {self.path or '<document>'}: {self.message}"
        if self.value is not None:
            text += f" (got {self.value})"
        if self.options:
            shown = ", ".join(self.options[:25])
            more = f", … ({len(self.options) - 25} more)" if len(self.options) > 25 else ""
            text += f"; valid: {shown}{more}"
        return text


class ScenarioError(Exception):
    """Raised for any invalid scenario or question file; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fail(where: str, path: str, message: str, value: object = None, options=()) -> None:
    """Raise a :class:`ScenarioError` with one problem that has no file position (compiled inputs)."""
    shown = None if value is None else short_repr(value)
    raise ScenarioError(
        [Problem(where, None, None, path, message, shown, tuple(str(o) for o in options))]
    )
