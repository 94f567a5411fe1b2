"""Safe YAML 1.2 loading that keeps the line and column of every node.

Refused outright (each one a :class:`Problem` with its position): any explicit tag (``!!python/…``,
``!foo``, even ``!!str``), any anchor or alias (no alias bombs), a ``%YAML`` directive other than 1.2,
a file larger than ``max_bytes``, a binary (NUL byte) or non-UTF-8 file, and duplicate keys.

The result is plain Python data (dict, list, str, int, float, bool, None, ``datetime.date``) plus a
:class:`Positions` table from field path (a tuple of keys and list indices) to ``(line, column)``,
both 1-based. In YAML 1.2, ``on``, ``yes`` and ``no`` are strings.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, DocumentStartEvent, NodeEvent

from .errors import Problem, ScenarioError, short_repr

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

PathT = tuple[str | int, ...]


@dataclass
class Positions:
    """Maps a field path to the (line, column) of its value (and of its key, for mapping entries)."""

    file: str
    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: PathT, prefer_key: bool = False) -> tuple[int | None, int | None]:
        """Position of ``path`` or of its nearest located ancestor."""
        path = tuple(path)
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for t in table:
                if path in t:
                    return t[path]
            if not path:
                return (None, None)
            path = path[:-1]

    def problem(
        self, path: PathT, message: str, value=None, options=(), prefer_key=False
    ) -> Problem:
        line, col = self.locate(path, prefer_key=prefer_key)
        return Problem(
            file=self.file,
            line=line,
            column=col,
            path=format_path(path),
            message=message,
            value=None if value is None else short_repr(value),
            options=tuple(str(o) for o in options),
        )


def format_path(path: PathT) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.version = (1, 2)
    y.allow_duplicate_keys = False
    return y


def _check_events(text: str, file: str) -> list[Problem]:
    """Scan the event stream: refuse tags, anchors, aliases and non-1.2 directives."""
    problems: list[Problem] = []
    y = _yaml()
    for ev in y.parse(io.StringIO(text)):
        mark = ev.start_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)

        def add(msg: str, value: str | None = None, line=line, col=col):
            problems.append(Problem(file, line, col, "", msg, value))

        if isinstance(ev, DocumentStartEvent) and ev.version not in (None, (1, 2)):
            add("only YAML 1.2 documents are read", "%YAML " + ".".join(map(str, ev.version)))
        if isinstance(ev, AliasEvent):
            add("aliases are not allowed (no anchors/aliases in scenario files)", f"*{ev.anchor}")
        elif isinstance(ev, NodeEvent):
            if ev.anchor is not None:
                add(
                    "anchors are not allowed (no anchors/aliases in scenario files)",
                    f"&{ev.anchor}",
                )
            tag = getattr(ev, "tag", None)
            if tag is not None and tag != "!":
                add("YAML tags are not allowed; write plain values", str(tag))
    return problems


def _plain(node, path: PathT, pos: Positions):
    """Convert ruamel round-trip nodes to plain Python, recording positions."""
    if isinstance(node, CommentedMap):
        out = {}
        for key, value in node.items():
            k = key if isinstance(key, str) else str(key)
            child = (*path, k)
            try:
                kl, kc, vl, vc = node.lc.data[key]
                pos.keys[child] = (kl + 1, kc + 1)
                pos.values[child] = (vl + 1, vc + 1)
            except (KeyError, TypeError, AttributeError):
                pass
            out[k] = _plain(value, child, pos)
        return out
    if isinstance(node, CommentedSeq):
        out = []
        for i, value in enumerate(node):
            child = (*path, i)
            try:
                vl, vc = node.lc.data[i]
                pos.values[child] = (vl + 1, vc + 1)
            except (KeyError, TypeError, AttributeError, IndexError):
                pass
            out.append(_plain(value, child, pos))
        return out
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.datetime):
        return node
    if isinstance(node, dt.date):
        return dt.date(node.year, node.month, node.day)
    if isinstance(node, str):
        return str(node)
    return node


def loads(text: str, file: str = "<string>") -> tuple[object, Positions]:
    """Parse YAML text safely; return (plain data, positions) or raise :class:`ScenarioError`."""
    pos = Positions(file)
    try:
        problems = _check_events(text, file)
    except MarkedYAMLError as exc:
        raise ScenarioError([_marked(exc, file)]) from None
    except YAMLError as exc:
        raise ScenarioError([Problem(file, None, None, "", f"not valid YAML: {exc}")]) from None
    if problems:
        raise ScenarioError(problems)
    try:
        docs = list(_yaml().load_all(io.StringIO(text)))
    except MarkedYAMLError as exc:
        raise ScenarioError([_marked(exc, file)]) from None
    except ValueError as exc:  # a value the constructor cannot build, such as the date 2016-13-01
        line, col = _bad_date(text)
        raise ScenarioError([Problem(file, line, col, "", f"not valid YAML: {exc}")]) from None
    except (YAMLError, TypeError, IndexError, RecursionError) as exc:
        # IndexError: ruamel resolves a scalar such as `-_` as an int and then fails to build it
        raise ScenarioError([Problem(file, None, None, "", f"not valid YAML: {exc!r}")]) from None
    if len(docs) > 1:
        raise ScenarioError([Problem(file, None, None, "", "a file holds one YAML document")])
    data = docs[0] if docs else None
    return _plain(data, (), pos), pos


_DATE_LIKE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.:-])")


def _bad_date(text: str) -> tuple[int | None, int | None]:
    """Line and column of the first date-shaped scalar that is not a real date."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        for m in _DATE_LIKE.finditer(line):
            try:
                dt.date(*(int(g) for g in m.groups()))
            except ValueError:
                return lineno, m.start() + 1
    return None, None


def _marked(exc: MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
    what = " ".join(x for x in (exc.context, exc.problem) if x)
    if "duplicate key" in what or "found duplicate" in what:
        what = "duplicate key: " + what
    return Problem(file, line, col, "", f"not valid YAML: {what}")


def load(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[object, Positions]:
    """Read a YAML file with the size, binary and encoding checks, then :func:`loads`."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ScenarioError(
            [Problem(file, None, None, "", f"cannot read file: {exc.strerror}")]
        ) from None
    if size > max_bytes:
        raise ScenarioError(
            [Problem(file, None, None, "", f"file is {size} bytes; the limit is {max_bytes} bytes")]
        )
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ScenarioError(
            [Problem(file, None, None, "", "binary file (NUL byte); expected UTF-8 YAML text")]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        col = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise ScenarioError(
            [
                Problem(
                    file,
                    line,
                    col,
                    "",
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})",
                )
            ]
        ) from None
    return loads(text, file)
