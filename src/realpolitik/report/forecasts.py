"""Forecasts as tables, CSV and JSON (``realpolitik forecast``, ``explain`` and ``demo``)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from scipy import stats

from ..api import Answer
from ..explain import Effect

LEVELS = ("international", "regional", "local")


def interval(answer: Answer, level: float = 0.9) -> tuple[float, float]:
    """A binary forecast's Jeffreys interval: Beta(k + ½, n − k + ½) quantiles (the Monte Carlo
    uncertainty of p from n members)."""
    k, n = answer.members_true, answer.members
    tail = (1 - level) / 2
    return (float(stats.beta.ppf(tail, k + 0.5, n - k + 0.5)),
            float(stats.beta.ppf(1 - tail, k + 0.5, n - k + 0.5)))  # fmt: skip


def _value(a: Answer) -> str:
    if a.p is not None:
        lo, hi = interval(a)
        return f"p = {a.p:.2f}  [{lo:.2f}–{hi:.2f}]  ({a.members_true}/{a.members})"
    q = a.quantiles
    return f"median {_num(q[0.5])}  [5–95 %: {_num(q[0.05])} – {_num(q[0.95])}]"


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def table(answers: Sequence[Answer], console: Console, title: str = "Forecasts") -> None:
    for level in LEVELS:
        rows = [a for a in answers if a.level == level]
        if not rows:
            continue
        t = Table(title=f"{title}: {level} level", show_lines=False, title_justify="left")
        t.add_column("question")
        t.add_column("forecast")
        for a in rows:
            t.add_row(a.id, _value(a))
        console.print(t)


def as_csv(answers: Sequence[Answer]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["id", "level", "kind", "members", "p", "members_true",
                "q05", "q25", "q50", "q75", "q95"])  # fmt: skip
    for a in answers:
        qs = [a.quantiles[q] for q in (0.05, 0.25, 0.5, 0.75, 0.95)] if a.quantiles else [""] * 5
        w.writerow(
            [
                a.id,
                a.level,
                a.kind,
                a.members,
                "" if a.p is None else a.p,
                "" if a.p is None else a.members_true,
                *qs,
            ]
        )
    return buf.getvalue()


def as_json(answers: Sequence[Answer], **meta) -> str:
    return json.dumps({**meta, "questions": [a.as_dict() for a in answers]}, indent=2)


def effects_table(effects: Sequence[Effect], console: Console) -> None:
    links = list(dict.fromkeys(e.link for e in effects))
    for link in links:
        t = Table(title=f"Rule {link}: as sampled − switched off (paired, 90 % interval)",
                  title_justify="left")  # fmt: skip
        for col in ("question", "as sampled", "off", "difference", "90 % interval"):
            t.add_column(col, justify="left" if col == "question" else "right")
        for e in (e for e in effects if e.link == link):
            fmt = _num if e.numeric else (lambda x: f"{x:+.3f}")
            plain = _num if e.numeric else (lambda x: f"{x:.3f}")
            t.add_row(e.question, plain(e.sampled), plain(e.off), fmt(e.mean),
                      f"{fmt(e.low)} … {fmt(e.high)}")  # fmt: skip
        console.print(t)
