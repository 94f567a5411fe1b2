"""Readable terminal views of a scenario: the briefing (`show`), the lint report and `diff`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ..scenario.loader import ScenarioDoc
from ..scenario.provenance import LintReport
from ..scenario.quantities import central, describe
from ..scenario.schema import Scenario
from ..scenario.walk import iter_values
from ..yamlio import format_path

LEVELS = ("international", "regional", "local")


def _name(s: Scenario, actor_id: str) -> str:
    a = next((a for a in s.actors if a.id == actor_id), None)
    return a.name if a is not None and a.name else actor_id


def briefing(s: Scenario, console: Console) -> None:
    m = s.meta
    console.rule(f"[bold]{m.title}[/bold]")
    span = f"{m.start} → {m.end}" if m.start else "no run period"
    console.print(
        f"id [bold]{m.id}[/bold] · knowledge cut-off [bold]{m.as_of}[/bold] · {span}"
        + (f" · area basis {m.area_basis}" if m.area_basis else "")
    )
    if m.description:
        console.print(m.description)

    faction_of = s.faction_of()
    t = Table(title="Actors by level", show_lines=False)
    for col in ("level", "actor", "kind", "faction", "capabilities"):
        t.add_column(col)
    for level in LEVELS:
        for a in (a for a in s.actors if a.level == level):
            caps = ", ".join(f"{k} {describe(v)}" for k, v in list(a.capabilities.items())[:3])
            t.add_row(level, a.name or a.id, a.kind, faction_of.get(a.id, "—"), caps)
    console.print(t)

    if s.relations:
        t = Table(title="Who backs whom")
        for col in ("from", "relation", "to", "intensity"):
            t.add_column(col)
        order = {"support": 0, "alliance": 1, "hostility": 2, "propensity": 3}
        for r in sorted(s.relations, key=lambda r: (order[r.type], r.from_)):
            what = f"{r.type} ({r.kind})" if r.kind else r.type
            t.add_row(_name(s, r.from_), what, _name(s, r.to), describe(r.intensity))
        console.print(t)

    for issue in s.issues:
        title = f"Issue [bold]{issue.name or issue.id}[/bold]"
        if issue.scale:
            title += f"  (0 = {issue.scale.low}; 100 = {issue.scale.high})"
        t = Table(title=title)
        for col in ("actor", "position", "salience", "veto"):
            t.add_column(col)
        rows = sorted(issue.positions.items(), key=lambda kv: central(kv[1].position))
        for actor, st in rows:
            t.add_row(
                _name(s, actor),
                describe(st.position),
                describe(st.salience),
                "veto" if actor in issue.veto_players else "",
            )
        console.print(t)

    if s.regions:
        holders = [f.id for f in s.factions] + ["contested"]
        t = Table(title="Who holds what (initial control, mean shares)")
        t.add_column("region")
        t.add_column("kind")
        for h in holders:
            t.add_column(h, justify="right")
        for r in s.regions.nodes:
            shares = r.control.mean_ if r.control is not None else {}
            t.add_row(
                r.name or r.id,
                r.kind if not r.parent else f"{r.kind} in {r.parent}",
                *[f"{shares.get(h, 0):.2f}" if shares.get(h) else "" for h in holders],
            )
        console.print(t)

    if s.offices:
        console.print(
            "Offices: " + "; ".join(f"{o.name or o.id}: {_name(s, o.holder)}" for o in s.offices)
        )
    strategies = s.strategies()
    if strategies:
        t = Table(title="Courses of action (games and hazard acts)")
        t.add_column("actor")
        t.add_column("strategies")
        for actor, strats in strategies.items():
            t.add_row(_name(s, actor), ", ".join(strats))
        console.print(t)
    if s.series:
        console.print(
            "Series: "
            + "; ".join(
                f"{x.id} = {describe(x.start)} {x.unit} on {x.start_date}" for x in s.series
            )
        )
    if s.counterfactuals:
        console.print("Counterfactuals: " + "; ".join(f"{c.id}" for c in s.counterfactuals))


def print_lint(report: LintReport, console: Console, verbose: bool = True) -> None:
    counts = report.counts()
    t = Table(title="Values by provenance", caption="a value may have several kinds")
    t.add_column("kind")
    t.add_column("values", justify="right")
    for k in ("seed", "cite", "judgement", "none"):
        t.add_row(k, str(counts.get(k, 0)))
    t.add_row("all values", str(len(report.values)))
    console.print(t)
    judged = sum(1 for v in report.values if "judgement" in v.kinds)
    console.print(
        f"{len(report.judgements)} judgement sources cover {judged} values; "
        f"{len(report.late)} publications dated after the cut-off (measurements before it)"
    )
    if verbose:
        for where, text in report.judgements:
            console.print(f"  judgement {where}: {text}", soft_wrap=True)
        for where, text in report.late:
            console.print(f"  late publication {where}: {text}", soft_wrap=True)
    console.print(
        "[green]lint ok[/green]"
        if report.ok
        else f"[red]lint: {len(report.problems)} problem(s)[/red]"
    )


def _flat_values(doc: ScenarioDoc) -> dict[str, tuple[str, str, str]]:
    """Every number by its id-based key: (description, provenance origin, exact form for comparing)."""
    return {
        v.key: (describe(v.value), format_path(v.owner_path) or "—", repr(v.value))
        for v in iter_values(doc.scenario)
    }


def print_diff(a: ScenarioDoc, b: ScenarioDoc, console: Console) -> None:
    va, vb = _flat_values(a), _flat_values(b)
    t = Table(title=f"{a.scenario.meta.id} → {b.scenario.meta.id}: values that differ")
    for col in ("value", "A", "B", "source (B)"):
        t.add_column(col)
    n = 0
    for key in sorted(set(va) | set(vb)):
        x, y = va.get(key), vb.get(key)
        if (x and x[2]) != (y and y[2]):
            n += 1
            t.add_row(key, x[0] if x else "—", y[0] if y else "—", (y or x)[1])
    console.print(t)
    console.print(f"{n} value(s) differ")


def summary(s: Scenario, console: Console) -> None:
    """A one-screen summary: what the scenario holds, by level and section."""
    m = s.meta
    console.rule(f"[bold]{m.title}[/bold]")
    span = f"{m.start} → {m.end}" if m.start else "no run period"
    console.print(f"id [bold]{m.id}[/bold] · knowledge cut-off [bold]{m.as_of}[/bold] · {span}")
    t = Table(show_header=False, box=None, padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    for level in LEVELS:
        names = [a.id for a in s.actors if a.level == level]
        t.add_row(f"{level} actors", ", ".join(names))
    t.add_row(
        "factions",
        "; ".join(f"{f.id} ({', '.join(a for a in f.members) or '—'})" for f in s.factions) or "—",
    )
    support = sum(r.type == "support" for r in s.relations)
    t.add_row(
        "relations",
        f"{len(s.relations)} ({support} support, "
        f"{sum(r.type == 'hostility' for r in s.relations)} hostility, "
        f"{sum(r.type == 'alliance' for r in s.relations)} alliance, "
        f"{sum(r.type == 'propensity' for r in s.relations)} propensity)",
    )
    for issue in s.issues:
        veto = ", ".join(issue.veto_players) or "none"
        t.add_row(f"issue {issue.id}", f"{len(issue.positions)} actors; veto players: {veto}")
    if s.regions:
        kinds = {}
        for r in s.regions.nodes:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        t.add_row(
            "regions",
            ", ".join(f"{k} {n}" for k, n in kinds.items())
            + f"; {len(s.regions.supply_nodes)} supply nodes; {len(s.regions.deployments)} deployments",
        )
    strategies = s.strategies()
    t.add_row(
        "courses of action",
        f"{sum(len(v) for v in strategies.values())} strategies of "
        f"{len(strategies)} actors ({len(s.games)} games, {len(s.actions)} hazard acts)",
    )
    t.add_row("series", ", ".join(x.id for x in s.series) or "—")
    t.add_row("counterfactuals", ", ".join(c.id for c in s.counterfactuals) or "—")
    console.print(t)
    console.print("The full briefing: [bold]realpolitik show FILE[/bold]")


def _range(values) -> str:
    import numpy as np

    lo, mid, hi = np.nanquantile(np.asarray(values, float), [0.05, 0.5, 0.95])
    return f"{mid:.2f} [{lo:.2f}–{hi:.2f}]"


def state_summary(ds, console: Console, months=("2016-12", "2019-12", "2024-12")) -> None:
    """The ensemble's state at each level at a few dates: median [5–95 %] of territory shares,
    alignments and settlement, and who holds each office."""
    import numpy as np

    from ..trajectory import national_shares

    months = [m for m in months if m in ds["month"].values]
    t = Table(
        title="What the ensemble says (median [5–95 %] over members)",
        title_justify="left",
        caption="alignment: 0 = with the United States … 1 = with Russia",
        caption_justify="left",
    )
    t.add_column("level")
    t.add_column("quantity", no_wrap=True)
    for m in months:
        t.add_column(m, justify="right")
    if "settled" in ds:
        for issue in ds["issue"].values:
            cells = [f"{float(ds['settled'].sel(issue=issue, month=m).mean()):.2f}" for m in months]
            t.add_row("international", f"P(settled) {issue}"[:40], *cells)
    if "alignment" in ds:
        for actor in ("iraq", "egypt", "turkey", "saudi-arabia", "iran"):
            if actor in ds["actor"].values:
                cells = [_range(ds["alignment"].sel(actor=actor, month=m)) for m in months]
                t.add_row("regional", f"alignment {actor}", *cells)
    if "control" in ds:
        gov = ds["region_kind"].values == "governorate"
        area = np.nan_to_num(ds["region_area"].values)
        for f in ds["faction"].values:
            if f in ("contested", "israel"):
                continue
            cells = [
                _range(100 * national_shares(ds["control"].sel(month=m).values, area, gov)[
                    :, list(ds["faction"].values).index(f)])
                for m in months
            ]  # fmt: skip
            t.add_row("local", f"% of Syria held: {f}", *cells)
    if "office_holder" in ds:
        actors = ds["actor"].values
        for office in ds["office"].values:
            cells = []
            for m in months:
                held = ds["office_holder"].sel(office=office, month=m).values
                first = ds["office_holder"].sel(office=office).isel(month=0).values
                cells.append(f"{np.mean(held == first):.2f} ({actors[first[0]]})")
            t.add_row("local", f"P(holds office) {office}", *cells)
    console.print(t)
