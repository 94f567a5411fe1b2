"""Stored runs and paired comparisons as tables and JSON (``realpolitik runs``, ``compare``)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from ..runs import Difference
from ..store import Chunk, RunInfo

COLUMNS = ("id", "scenario", "counterfactual", "seed", "members", "stored", "status", "created")


def _row(info: RunInfo, stored: int) -> dict:
    return {"id": info.id, "scenario": info.scenario_id, "counterfactual": info.counterfactual,
            "seed": info.seed, "members": info.members, "stored": stored, "status": info.state,
            "created": info.created.isoformat(sep=" ", timespec="seconds")}  # fmt: skip


def runs_table(runs: Sequence[tuple[RunInfo, int]], console: Console, store: str) -> None:
    if not runs:
        console.print(f"no runs in {store}")
        return
    t = Table(title=f"Runs in {store}", title_justify="left")
    for c in COLUMNS:
        t.add_column(c, justify="right" if c in ("seed", "members", "stored") else "left")
    for info, stored in runs:
        row = _row(info, stored)
        t.add_row(*(f"{row[c]:,}" if isinstance(row[c], int) else str(row[c]) for c in COLUMNS))
    console.print(t)


def runs_json(runs: Sequence[tuple[RunInfo, int]]) -> str:
    return json.dumps([_row(info, stored) for info, stored in runs], indent=2)


def run_detail(info: RunInfo, chunks: Sequence[Chunk], console: Console, bad=None) -> None:
    stored = sum(c.count for c in chunks)
    size = sum(c.file.stat().st_size for c in chunks if c.file.is_file())
    t = Table(show_header=False, title=f"Run {info.id}", title_justify="left")
    t.add_column("field")
    t.add_column("value")
    for key, value in info.as_dict().items():
        if key != "id":
            t.add_row(key, "" if value is None else f"{value}")
    t.add_row("chunks", f"{len(chunks)} stored: {stored:,} of {info.members:,} members, "
              f"{size / 1e6:,.1f} MB")  # fmt: skip
    if chunks:
        t.add_row("files", str(chunks[0].file.parent))
    if bad is not None:
        t.add_row("checksums", "ok" if not bad else f"{len(bad)} missing or corrupt: {bad[0].file}")
    console.print(t)


def differences_table(diffs: Sequence[Difference], console: Console, title: str) -> None:
    t = Table(title=title, title_justify="left")
    for col in ("question", "A", "B", "A − B", "90 % interval"):
        t.add_column(col, justify="left" if col == "question" else "right")
    for d in diffs:
        plain = _num if d.numeric else (lambda x: f"{x:.3f}")
        signed = (lambda x: ("+" if x >= 0 else "−") + _num(abs(x))) if d.numeric else (
            lambda x: f"{x:+.3f}"
        )  # fmt: skip
        t.add_row(d.question, plain(d.a), plain(d.b), signed(d.mean),
                  f"{signed(d.low)} … {signed(d.high)}")  # fmt: skip
    console.print(t)


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.3g}"


def differences_json(diffs: Sequence[Difference], **meta) -> str:
    return json.dumps({**meta, "questions": [d.__dict__ for d in diffs]}, indent=2)
