"""The report's sections: each a title, a reading guide, its data definition, figures and tables,
computed from a stored run (its trajectory read once) and the packages that already compute the
numbers — :mod:`realpolitik.questions` (resolutions), :mod:`realpolitik.scoring` (scores and
baselines), :func:`realpolitik.runs.compare` (counterfactuals), :mod:`realpolitik.sensitivity`
(drivers). Nothing here simulates or reaches into an engine.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from . import figures as fg
from .forecasts import LEVELS, interval
from .mapview import map_figure

ALIGNMENT_ACTORS = ("iraq", "egypt", "turkey")
UNREAD = ("losses", "forces")  # no question reads them: a counterfactual run's are never loaded
TOP_DRIVERS = 8


def _num(x, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    x = float(x)
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.{digits}g}"


def section(sid: str, title: str, guide: str, definition: str, **parts) -> dict:
    return {"id": sid, "title": title, "guide": guide, "definition": definition,
            "figs": parts.pop("figs", []), "tables": parts.pop("tables", []),
            "notes": parts.pop("notes", []), **parts}  # fmt: skip


def table(columns, rows, caption: str = "") -> dict:
    return {"columns": list(columns), "rows": [[str(c) for c in r] for r in rows],
            "caption": caption}  # fmt: skip


# --- the scenario ----------------------------------------------------------------------------------


def levels(s) -> dict:
    """The scenario at its three levels: actors, their kind and faction, what they want (their
    description and their stances on the issues)."""
    from ..scenario.quantities import central

    faction_of = s.faction_of()
    stances: dict[str, list[str]] = {}
    for issue in s.issues:
        for actor, st in issue.positions.items():
            sal = f", salience {central(st.salience):.2f}" if st.salience is not None else ""
            stances.setdefault(actor, []).append(
                f"{issue.name or issue.id}: {central(st.position):.0f}{sal}"
            )
    strategies = s.strategies()
    tables = []
    for level in LEVELS:
        rows = [(a.name or a.id, a.kind, faction_of.get(a.id, "–"), a.description or "",
                 "; ".join(stances.get(a.id, [])) or "–", ", ".join(strategies.get(a.id, [])) or "–")
                for a in s.actors if a.level == level]  # fmt: skip
        tables.append(table(("actor", "kind", "faction", "motive (as the analysis states it)",
                             "stances (central position 0–100 on each issue's scale)", "courses of action"),
                            rows, f"{level} level"))  # fmt: skip
    issues = [(i.name or i.id, f"0 = {i.scale.low}; 100 = {i.scale.high}" if i.scale else "0–100",
               ", ".join(i.veto_players) or "–") for i in s.issues]  # fmt: skip
    tables.append(table(("issue", "scale", "veto players"), issues, "issues"))
    m = s.meta
    return section(
        "scenario", "The scenario at three levels",
        "Who acts at each level and what they want, as the analysis states it; each actor's stances "
        "are the bargaining positions the simulation starts from (a range is the uncertainty the "
        "ensemble samples).",
        f"Scenario {m.id}, knowledge cut-off {m.as_of}, simulated {m.start} → {m.end}. Motives are "
        "the actors' descriptions and issue stances in the scenario file; '–' where it gives none.",
        tables=tables,
    )  # fmt: skip


# --- the trajectory --------------------------------------------------------------------------------


class Arrays:
    """The trajectory's arrays, each read once (members first)."""

    def __init__(self, ds):
        self.ds = ds
        self.months = [str(m) for m in ds["month"].values]
        self.factions = [str(f) for f in ds["faction"].values]
        self.kinds = np.array([str(k) for k in ds["region_kind"].values])
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = self.ds[name].values
        return self._cache[name]

    def has(self, name: str) -> bool:
        return name in self.ds.data_vars


def territory(a: Arrays) -> dict:
    from ..trajectory import national_shares

    gov = a.kinds == "governorate"
    area = np.nan_to_num(a.ds["region_area"].values)
    # the governorates' columns only (the same shares: sites weigh nothing), half the work
    shares = 100 * national_shares(a["control"][..., gov], area[gov], gov[gov])  # (M, T, F)
    series = {
        f: shares[:, :, i] for i, f in enumerate(a.factions) if np.nanmax(shares[:, :, i]) > 0.5
    }
    basis = a.ds.attrs.get("area_basis", "")
    return section(
        "territory", "Territory",
        "Each faction's share of Syria's area: the line is the ensemble's median, the dark band "
        "holds half the members, the light band 90 %. A widening band is growing uncertainty, not a "
        "trend.",
        f"Area-weighted control over the 14 governorates (area basis: {basis or 'the scenario’s'}; "
        "sites lie inside governorates and are not counted twice), percent of Syria; 'contested' is "
        "the area no faction controls. Factions that never exceed 0.5 % are left out.",
        figs=[("territory", fg.fan(a.months, series, "Share of Syria held (%)", "% of area"))],
    )  # fmt: skip


def forces(a: Arrays) -> dict:
    on_map = a.kinds != "composite"
    f = a["forces"][..., on_map].sum(axis=-1)  # (M, T, F)
    series = {
        n: f[:, :, i] for i, n in enumerate(a.factions) if n != "contested" and f[:, :, i].max() > 0
    }
    return section(
        "forces", "Forces",
        "Fighters each faction fields across Syria (median, 50 % and 90 % bands).",
        "Sum of the faction's fighters over every region on the map (composites — divided cities — "
        "are sums of their parts and left out so nothing is counted twice), at each month's end.",
        figs=[("forces", fg.fan(a.months, series, "Fighters in Syria", "fighters"))],
    )  # fmt: skip


def series(a: Arrays) -> dict | None:
    if not a.has("series"):
        return None
    x = a["series"]
    ids = [str(s) for s in a.ds["series_id"].values]
    units = [str(u) for u in a.ds["series_unit"].values]
    kinds = [str(k) for k in a.ds["series_kind"].values]
    first = a.ds.attrs.get("first_step", a.months[0])
    t0 = a.months.index(first) if first in a.months else 0
    figs = []
    order = sorted(
        range(len(ids)),
        key=lambda i: (("refugee" not in ids[i]) and ("death" not in ids[i]), ids[i]),
    )
    for i in order:
        y = x[:, t0:, i] if kinds[i] == "flow" else x[:, :, i]
        months = a.months[t0:] if kinds[i] == "flow" else a.months
        if not np.isfinite(y).any():
            continue
        figs.append((f"series-{ids[i]}", fg.fan(months, {ids[i]: y}, ids[i], units[i])))
    return section(
        "series", "Refugees, deaths and other series",
        "The humanitarian and political series the scenario tracks, each with its median and 50 % "
        "and 90 % bands; refugees and deaths first.",
        "Each series in its declared unit: a stock is the level at the month's end, a flow the "
        "amount during the month (from the first simulated month), a count the running number of "
        "events. Deaths are cumulative conflict deaths on the SOHR basis.",
        figs=figs,
    )  # fmt: skip


def bargaining(a: Arrays, s) -> dict | None:
    if not a.has("position"):
        return None
    pos = a["position"]  # (M, T, I, A)
    actors = [str(x) for x in a.ds["actor"].values]
    names = {i.id: (i.name or i.id) for i in s.issues}
    figs = []
    for k, issue in enumerate(str(i) for i in a.ds["issue"].values):
        lines = {}
        for j, actor in enumerate(actors):
            col = pos[:, :, k, j]
            if np.isfinite(col).any():
                lines[actor] = (
                    np.nanmedian(col, axis=0) if np.isnan(col).any() else np.median(col, axis=0)
                )
        data = []
        if a.has("issue_outcome"):
            data += fg.fan_traces(
                a.months, a["issue_outcome"][:, :, k], "forecast outcome", "#000000"
            )
        data += fg.lines(a.months, lines, "", "")["data"]
        if a.has("settled"):
            data.append({"type": "scatter", "x": a.months, "y": 100 * a["settled"][:, :, k].mean(axis=0),
                         "mode": "lines", "name": "P(settled) × 100",
                         "line": {"color": "#888", "dash": "dot"}})  # fmt: skip
        figs.append(
            (
                f"issue-{issue}",
                {"data": data, "layout": fg.layout(names.get(issue, issue), "position (0–100)")},
            )
        )
    scale = "; ".join(
        f"{i.name or i.id}: 0 = {i.scale.low}, 100 = {i.scale.high}" for i in s.issues if i.scale
    )
    return section(
        "bargaining", "Bargaining positions over time",
        "Each actor's median position on each issue, the bargaining model's forecast outcome with "
        "its bands, and the probability that the issue is settled by then (dotted, × 100).",
        f"Positions on each issue's 0–100 scale ({scale}). Median over members; an actor without a "
        "stance on an issue is not drawn.",
        figs=figs,
    )  # fmt: skip


def alignment(a: Arrays) -> dict | None:
    if not a.has("alignment"):
        return None
    actors = [str(x) for x in a.ds["actor"].values]
    x = a["alignment"]
    series = {n: x[:, :, actors.index(n)] for n in ALIGNMENT_ACTORS if n in actors}
    if not series:
        return None
    fig = fg.fan(a.months, series, "Alignment between Washington (0) and Moscow (1)", "alignment")
    fig["layout"]["yaxis"]["range"] = [0, 1]
    return section(
        "alignment", "Alignment drift",
        "Where Iraq, Egypt and Turkey stand between the United States and Russia, month by month; a "
        "band that moves up is drift towards Moscow.",
        "Alignment on the scenario's 0–1 scale (0 = with the United States … 1 = with Russia), "
        "initialised from UN General Assembly ideal points, arms transfers and alliances; median "
        "and 50 %/90 % bands over members.",
        figs=[("alignment", fig)],
    )  # fmt: skip


def choices(a: Arrays) -> dict | None:
    if not a.has("strategy_prob"):
        return None
    courses = [str(c) for c in a.ds["course"].values]
    first = a.ds.attrs.get("first_step", a.months[0])
    t0 = a.months.index(first) if first in a.months else 0
    months = a.months[t0:]
    prob = np.nan_to_num(a["strategy_prob"][:, t0:, :].astype(float)).mean(axis=0).T
    figs = [
        ("choices", fg.heatmap(months, courses, prob, "Probability of each course, by month", "P"))
    ]
    if a.has("acted"):
        acted = a["acted"][:, t0:, :]
        ever = np.logical_or.accumulate(acted, axis=1).mean(axis=0).T
        figs.append(
            (
                "acts",
                fg.heatmap(months, courses, ever, "Probability the act has happened by then", "P"),
            )
        )
    return section(
        "choices", "Choices and acts",
        "Top: how likely each actor is to choose each course in a month (the mean over members of the "
        "choice model's probability). Bottom: the probability that the act has happened at least "
        "once by that month.",
        "Courses are labelled actor/strategy (the scenario's games and hazard acts); months from the "
        "first simulated month.",
        figs=figs,
    )  # fmt: skip


# --- the questions ---------------------------------------------------------------------------------


def resolutions(ds, qs) -> tuple[list, dict, list[str]]:
    """(questions this trajectory can resolve, {id: per-member resolutions}, notes)."""
    from ..questions.resolve import resolve

    keep, x, notes = [], {}, []
    for q in qs:
        try:
            x[q.id] = resolve(q, ds)
            keep.append(q)
        except (ScenarioError, KeyError, ValueError) as exc:
            notes.append(f"{q.id}: not resolvable on this run ({type(exc).__name__})")
    return keep, x, notes


def outcomes_of(qs, path: Path | None) -> dict:
    """{id: outcome} from an outcome file whose queries match the questions'."""
    from ..api import read_questions
    from ..scoring.backtest import outcomes_by_id

    found = outcomes_by_id(qs)
    if path is not None and Path(path).is_file():
        by_id = {q.id: q for q in qs}
        recorded = [
            o for o in read_questions(path) if o.id in by_id and o.query == by_id[o.id].query
        ]
        found.update(outcomes_by_id(qs, recorded))
    return found


def forecasts(qs, x: dict, outcomes: dict, notes) -> dict:
    from ..api import summarise

    rows = []
    for q in qs:
        ans = summarise(q, x[q.id])
        if ans.p is not None:
            lo, hi = interval(ans)
            value = f"{ans.p:.2f} [{lo:.2f}–{hi:.2f}]"
        else:
            qq = ans.quantiles
            value = f"{_num(qq[0.5])} [{_num(qq[0.05])} – {_num(qq[0.95])}]"
        o = outcomes.get(q.id)
        shown = "–" if o is None else ("yes" if o is True else "no" if o is False else _num(o))
        rows.append((q.id, q.level, q.text, value, shown))
    return section(
        "forecasts", "Forecasts",
        "Every question answered by the ensemble, with the recorded outcome where one is known.",
        "Binary: p = (k + ½)/(n + 1) of n members with the 90 % Jeffreys interval of that Monte "
        "Carlo estimate; numeric: the median and 5–95 % range over members. Outcomes from "
        "data/questions/outcomes-dev.yaml (the development set; '–' where none is recorded).",
        tables=[table(("question", "level", "text", "forecast", "outcome"), rows)],
        notes=notes,
    )  # fmt: skip


def scores(doc, ds, qs, outcomes: dict, run) -> dict:
    """The scores against the baselines, by :mod:`realpolitik.scoring` (as ``realpolitik score``)."""
    from ..api import compile_run
    from ..scoring import backtest as bt
    from ..scoring import baselines as bl
    from .html import data_file

    info = run.info
    if not outcomes:
        return section(
            "scores",
            "Scores",
            "No outcome is recorded for these questions.",
            "",
            notes=["no outcomes"],
        )
    analyst_path = data_file("analyst-probabilities.yaml")
    analyst = bl.load_analyst(analyst_path, qs) if analyst_path else None
    trends = data_file("persistence-trends.yaml")
    slopes = bl.trends(trends, doc.scenario.meta.as_of) if trends else {}
    compiled = compile_run(doc, ds.sizes["member"], info.seed, info.counterfactual or None,
                           first_member=int(ds["member"].values[0]))  # fmt: skip
    scored = bt.score_questions(qs, outcomes, ds, doc.scenario, compiled, analyst, slopes)
    report = bt.Report(scored, info.seed).as_json()
    m = report["model"]

    def ci(pair):
        return "–" if not pair or pair[0] is None else f"[{_num(pair[0])}, {_num(pair[1])}]"

    rows = [("model", m["n_binary"], _num(m["brier"]), ci(m["brier_ci"]), "", "", "", "")]
    for name, b in report["baselines"].items():
        rows.append((name, b["n"], _num(b["brier"]), ci(b["brier_ci"]), _num(b["model_brier"]),
                     _num(b["bss"]), ci(b["bss_ci"]), f"{_num(b['model_minus'])} {ci(b['model_minus_ci'])}"))  # fmt: skip
    crps = m["crps"]
    notes = [f"numeric questions: CRPS skill against persistence {_num(crps['crpss_persistence'])} "
             f"{ci(crps['crpss_ci'])} over {m['n_numeric']} questions"]  # fmt: skip
    if m.get("ece") is not None:
        notes.append(f"expected calibration error {_num(m['ece'])}")
    figs = [("reliability", fg.reliability(report["reliability"]))] if report["reliability"] else []
    return section(
        "scores", "Scores against the baselines",
        "Points on the diagonal are calibrated forecasts; a bar that misses the diagonal is a bin "
        "whose frequency chance alone rarely gives. Below zero in the last column, the model beats "
        "that baseline on the same questions.",
        f"Brier score (0 best, 1 worst) of the {m['n_binary']} binary questions with outcomes, "
        "90 % paired bootstrap intervals (keyed resamples of questions); BSS = 1 − Brier(model)/"
        "Brier(baseline) on the questions the baseline covers. Baselines as `realpolitik score`: "
        "uniform, persistence, base rate, the analyst, the compromise model. Development outcomes: "
        "in sample for any tuning done on them.",
        figs=figs,
        tables=[table(("forecaster", "questions", "Brier", "90 %", "model Brier (same q.)", "BSS",
                       "BSS 90 %", "model − baseline [90 %]"), rows)],
        notes=notes,
    )  # fmt: skip


def counterfactuals(base, cfs, qs, x: dict | None = None, limit: int | None = None) -> dict:
    from ..runs import compare

    if not cfs:
        info = base.info
        return section(
            "counterfactuals", "Counterfactuals",
            "No counterfactual run of this scenario on this seed is in the store.",
            f"Run one with `realpolitik run SCENARIO -c ID --seed {info.seed}` and rebuild the report.",
            notes=["no counterfactual runs"],
        )  # fmt: skip
    tables, groups, labels = [], {}, [q.id for q in qs if not _numeric(q)]
    for cf in cfs:
        cds = cf.dataset().isel(member=slice(0, limit))
        for v in cds.data_vars:
            if v not in UNREAD:
                cds[v].load()  # in place: one read each; forces and losses stay on disk
        xa = resolutions(cds, qs)[1]
        diffs = compare(cf, base, qs, resolved_b=x, resolved_a=xa if len(xa) == len(qs) else None)
        name = cf.info.counterfactual
        rows = [(d.question, _num(d.a), _num(d.b), _num(d.mean), f"[{_num(d.low)}, {_num(d.high)}]")
                for d in diffs]  # fmt: skip
        tables.append(table(("question", name, "base", "difference", "90 %"), rows,
                            f"{name} − base ({diffs[0].members:,} paired members)"))  # fmt: skip
        b = {d.question: d for d in diffs if not d.numeric}
        groups[name] = (
            [b[q].mean for q in labels],
            [b[q].low for q in labels],
            [b[q].high for q in labels],
        )
    return section(
        "counterfactuals", "Counterfactuals",
        "How each counterfactual changes each forecast: a point right of zero makes the event more "
        "likely than in the base run; an interval that crosses zero is a change the ensemble cannot "
        "tell from none.",
        "Paired differences counterfactual − base over the members both runs hold, on the same seed "
        "(common random numbers: a difference is the change alone); mean difference with its 90 % "
        "interval, mean ± 1.645·sd/√n (realpolitik.runs.compare). Binary questions in the chart (a "
        "difference of probabilities), every question in the tables.",
        figs=[("counterfactuals", fg.intervals(labels, groups, "Counterfactual − base", "difference in probability"))],
        tables=tables,
    )  # fmt: skip


def _numeric(q) -> bool:
    from ..questions.schema import is_numeric

    return is_numeric(q.query)


def sensitivity_panel(run, qs, x: dict, doc=None) -> dict:
    """PAWN of every question on the members of ``x`` (the run's first members)."""
    from .. import sensitivity as sa

    try:
        _, inputs = sa.run_inputs(run, doc)
        n = len(next(iter(x.values())))
        inputs = {k: v[:n] for k, v in inputs.items()}
    except ScenarioError as exc:
        return section("drivers", "What drives each forecast", str(exc.problems[0].message), "",
                       notes=[str(exc.problems[0])])  # fmt: skip
    seed, panels, rows = run.info.seed, [], []
    design = sa.Design.of(inputs, seed)
    for q in qs:
        r = sa.analyze(design, x[q.id], q, seed, delta=False)
        t = r.to_df()
        top = t[t["section"] != "dummy"].head(TOP_DRIVERS)
        if r.notes and np.ptp(np.asarray(x[q.id], float)) == 0:
            rows.append((q.id, "– (every member resolves the same way)", "", ""))
            continue
        panels.append({"question": q.id, "inputs": list(top.index), "pawn": top["pawn"].to_numpy(),
                       "floor": r.floor["pawn"]})  # fmt: skip
        above = r.drivers(3)
        rows.append((q.id, "; ".join(f"{i} ({v:.2f})" for i, v in above["pawn"].items()) or "none above the floor",
                     _num(r.floor["pawn"]), len(r.drivers())))  # fmt: skip
    figs = [("drivers", fg.drivers(panels))] if panels else []
    n = len(inputs)
    return section(
        "drivers", "What drives each forecast",
        "For each question, the uncertain inputs whose sampled value moves its outcome most; an "
        "input is a driver when its index is above the red dashed noise floor. Choose the question "
        "in the menu.",
        f"PAWN index (Pianosi & Wagener 2015; median over 10 slides of the Kolmogorov–Smirnov "
        f"distance between the outcome's distribution given the input's slide and its distribution "
        f"overall) on the run's own members — no extra runs — for the {n} sampled inputs (scenario "
        f"distributions and reference-class rates; those constant over the members are left out); "
        "the floor is the largest index of as many dummy inputs as inputs vary, which nothing reads, "
        "so about one listed driver per question is expected by chance. Borgonovo's δ and Morris "
        "screening: `realpolitik sensitivity RUN --question Q`.",
        figs=figs,
        tables=[table(("question", "top drivers above the floor (PAWN)", "noise floor", "drivers"), rows)],
    )  # fmt: skip


# --- everything ------------------------------------------------------------------------------------


def build(
    base,
    doc,
    cfs,
    qpath: Path | None,
    opath: Path | None,
    drivers: bool = True,
    max_members: int | None = None,
) -> dict:
    """The template's context: header facts, sections, figures (id → figure dict). With
    ``max_members``, every section reads the run's first ``max_members`` members only (the
    trajectory is held in memory: about 0.3 GB per 1,000 members)."""
    from ..api import read_questions

    s = doc.scenario
    info = base.info
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = now - clock
        clock = now

    ds = base.dataset().isel(member=slice(0, max_members))
    ds = ds[[v for v in ds.data_vars if v != "losses"]].load()  # the questions never read losses
    a = Arrays(ds)
    lap("read the trajectory")
    mapfig = map_figure(ds, a["control"], s)
    legend = mapfig.pop("legend")
    out = [levels(s)]
    out.append(section(
        "map", "The map",
        "Move the slider to step through the months; hover over a governorate or a site for the "
        "probability that each faction holds it. Colour: the most likely holder; opacity: how "
        "likely.",
        "Governorates on their OCHA/UN Cartographic Section polygons (data/syria/governorates.geojson, "
        "CC BY 3.0 IGO); sites and divided cities (diamonds) as points. A faction holds a place when "
        f"its control share is above {ds.attrs.get('capture_threshold', 0.5)}; P(held) is the share of "
        "members in which it does; white: no faction holds it in most members.",
        figs=[("map", mapfig)], legend=legend,
    ))  # fmt: skip
    lap("scenario and map")
    out += [territory(a), forces(a)]
    out += [x for x in (series(a), bargaining(a, s), alignment(a), choices(a)) if x is not None]
    lap("fan charts, bargaining, alignment, choices")
    qs_all = read_questions(qpath) if qpath is not None and Path(qpath).is_file() else []
    qs, x, notes = resolutions(ds, qs_all)
    outcomes = outcomes_of(qs, opath)
    lap("questions resolved")
    if qs:
        out.append(forecasts(qs, x, outcomes, notes))
        out.append(scores(doc, ds, qs, outcomes, base))
        lap("forecasts and scores")
        out.append(counterfactuals(base, cfs, qs, x, max_members))
        lap("counterfactuals")
        if drivers:
            out.append(sensitivity_panel(base, qs, x, doc))
            lap("drivers")
    figs = {}
    for sec in out:
        ids = []
        for fid, fig in sec["figs"]:
            figs[fid] = fig
            ids.append(fid)
        sec["figs"] = ids
    m = s.meta
    return {
        "title": m.title or m.id,
        "facts": [("scenario", m.id), ("run", base.id),
                  ("counterfactual", info.counterfactual or "none (base run)"),
                  ("members", f"{ds.sizes['member']:,}" + (f" (the first of {info.members:,})"
                   if ds.sizes["member"] < info.members else "")), ("seed", info.seed),
                  ("knowledge cut-off", m.as_of), ("simulated", f"{m.start} → {m.end}"),
                  ("area basis", ds.attrs.get("area_basis", "")),
                  ("counterfactual runs", ", ".join(f"{c.info.counterfactual} ({c.id})" for c in cfs) or "none"),
                  ("package", ds.attrs.get("package_version", ""))],
        "sections": out,
        "figures": figs,
        "timings": timings,
    }  # fmt: skip
