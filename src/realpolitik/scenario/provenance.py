"""Provenance of every number in a scenario, and the lint that enforces the knowledge cut-off.

Every number carries (or inherits from the nearest enclosing entity) at least one of:

* ``seed:`` a verbatim quotation of the analysis — checked after normalising Unicode (NFC), curly
  quotes, dashes and whitespace: it must be an exact substring of the seed of at least 6 words;
* ``cite:`` a publication with its ``published`` date (and ``measured_on`` for an earlier measurement);
  a measurement after ``meta.as_of`` fails; a publication after it must say ``published_after_as_of``;
* ``judgement:`` who, when and why;
* ``src:`` the id of a ``sources`` entry holding a ``cite`` or a ``judgement``;

optionally with ``derivation:`` saying how the number follows from its source.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem
from .loader import ScenarioDoc
from .quantities import Citation, Sourced
from .walk import iter_values, walk

MIN_QUOTE_WORDS = 6
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
        "\u2026": "...", "\u00a0": " ",
    }
)  # fmt: skip


def normalise(text: str) -> str:
    """NFC, straight quotes, ASCII dashes, '...' for the ellipsis, single spaces."""
    text = unicodedata.normalize("NFC", text).translate(_TRANSLATE)
    text = text.replace(" - ", "-").replace("- ", "-").replace(" -", "-")
    return " ".join(text.split())


@dataclass(frozen=True)
class ValueRecord:
    """One number of the scenario with the provenance that applies to it."""

    path: tuple
    kinds: frozenset[str]  # subset of {seed, cite, judgement}
    origin: tuple  # path of the entity whose provenance applies (== path when its own)
    derivation: str | None


@dataclass
class LintReport:
    problems: list[Problem] = field(default_factory=list)
    values: list[ValueRecord] = field(default_factory=list)
    judgements: list[tuple[str, str]] = field(default_factory=list)  # (where, by/date/rationale)
    late: list[tuple[str, str]] = field(default_factory=list)  # (where, citation)

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> Counter:
        c = Counter()
        for v in self.values:
            for k in v.kinds:
                c[k] += 1
            if not v.kinds:
                c["none"] += 1
        return c


def _own_kinds(node: Sourced, sources) -> set[str]:
    kinds = set()
    if node.seed is not None:
        kinds.add("seed")
    if node.cite is not None:
        kinds.add("cite")
    if node.judgement is not None:
        kinds.add("judgement")
    refs = [node.src] if isinstance(node.src, str) else (node.src or [])
    for ref in refs:
        entry = sources.get(ref)
        if entry is not None:
            kinds.add("cite" if entry.cite is not None else "judgement")
    return kinds


def collect_values(doc: ScenarioDoc) -> list[ValueRecord]:
    """Every number in the scenario with its own or inherited provenance."""
    sources = doc.scenario.sources
    out = []
    for v in iter_values(doc.scenario):
        kinds = _own_kinds(v.owner, sources) if v.owner is not None else set()
        derivation = getattr(v.value, "derivation", None) or (
            v.owner.derivation if v.owner else None
        )
        out.append(ValueRecord(v.path, frozenset(kinds), v.owner_path, derivation))
    return out


def _check_citation(
    doc: ScenarioDoc, path: tuple, c: Citation, report: LintReport, as_of: dt.date
) -> None:
    measured = c.measured_on or c.published
    label = f"{c.title} (published {c.published}" + (
        f", measured {c.measured_on})" if c.measured_on else ")"
    )
    if measured > as_of:
        report.problems.append(
            doc.problem(
                (*path, "cite"), f"measured after the knowledge cut-off {as_of}", str(measured)
            )
        )
    if c.published > as_of:
        if c.measured_on is not None and not c.published_after_as_of:
            report.problems.append(
                doc.problem(
                    (*path, "cite"),
                    "published after the cut-off: add `published_after_as_of: true`",
                    str(c.published),
                )
            )
        report.late.append((_fmt(path), label))


def _fmt(path) -> str:
    from ..yamlio import format_path

    return format_path(path)


def read_seed(doc: ScenarioDoc) -> str | None:
    if doc.scenario.meta.seed_file is None:
        return None
    base = doc.path.parent if doc.path is not None else Path(".")
    return (base / doc.scenario.meta.seed_file).read_text(encoding="utf-8")


def lint(doc: ScenarioDoc) -> LintReport:
    """Check quotations, dates and coverage; list judgements and late publications."""
    s = doc.scenario
    report = LintReport()
    as_of = s.meta.as_of
    seed_text = None
    if s.meta.seed_file is not None:
        try:
            seed_text = normalise(read_seed(doc))
        except OSError as exc:
            report.problems.append(
                doc.problem(("meta", "seed_file"), f"cannot read the seed: {exc}", s.meta.seed_file)
            )
    for sid, entry in s.sources.items():
        if entry.cite is not None:
            _check_citation(doc, ("sources", sid), entry.cite, report, as_of)
        else:
            j = entry.judgement
            report.judgements.append((f"sources.{sid}", f"{j.by}, {j.date}: {j.rationale}"))
    for path, node in ((n.path, n.value) for n in walk(s) if isinstance(n.value, Sourced)):
        if node.cite is not None:
            _check_citation(doc, path, node.cite, report, as_of)
        if node.judgement is not None:
            j = node.judgement
            report.judgements.append((_fmt(path), f"{j.by}, {j.date}: {j.rationale}"))
        quotes = [node.seed] if isinstance(node.seed, str) else (node.seed or [])
        for k, q in enumerate(quotes):
            qpath = (*path, "seed") if isinstance(node.seed, str) else (*path, "seed", k)
            nq = normalise(q)
            if len(nq.split()) < MIN_QUOTE_WORDS:
                report.problems.append(
                    doc.problem(
                        qpath, f"a seed quotation needs at least {MIN_QUOTE_WORDS} words", q
                    )
                )
            elif seed_text is None:
                report.problems.append(
                    doc.problem(qpath, "a seed quotation needs meta.seed_file", q)
                )
            elif nq not in seed_text:
                report.problems.append(
                    doc.problem(qpath, "quotation not found verbatim in the seed", q)
                )
    report.values = collect_values(doc)
    for v in report.values:
        if not v.kinds:
            report.problems.append(
                doc.problem(
                    v.path,
                    "value without provenance (add seed:, cite:, judgement: or src:, here or on "
                    "the enclosing entity)",
                )
            )
    return report
