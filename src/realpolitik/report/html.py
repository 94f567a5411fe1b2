"""``realpolitik report``: one self-contained, offline HTML file of a run.

    from realpolitik.report.html import write_report
    write_report("scenarios/syria-2015.yaml", Path("report.html"))   # runs an ensemble first
    write_report("0e606c17", Path("report.html"), store=Path("runs.duckdb"))   # a stored run

The file holds plotly.js once (inline, no CDN) and every figure as JSON; it makes no network request
(tests/report/test_html.py checks this in Chromium). Sections: the scenario at its three levels, the
map with a month slider, fan charts, bargaining, alignment drift, choice and act probabilities, the
forecast table with outcomes where known, scores against the baselines, counterfactuals, and the
drivers of each forecast. The numbers come from the run's trajectory (:mod:`realpolitik.runs`), the
scoring package (:mod:`realpolitik.scoring`) and :mod:`realpolitik.sensitivity`; this module only
arranges them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import Problem, ScenarioError
from . import sections

ROOT = Path(__file__).resolve().parents[3]
QUESTIONS = "questions-syria-2015.yaml"
OUTCOMES = "outcomes-dev.yaml"
LAST_TIMINGS: dict[str, float] = {}  # seconds per step of the last write_report (bench/report.py)


def data_file(name: str) -> Path | None:
    """``data/questions/<name>`` under the working directory, else under the source checkout."""
    for root in (Path.cwd(), ROOT):
        if (root / "data/questions" / name).is_file():
            return root / "data/questions" / name
    return None


def _is_scenario(source: str) -> bool:
    return Path(source).is_file() or source.endswith((".yaml", ".yml")) or "/" in source


def _problem(field: str, message: str, value=None) -> ScenarioError:
    return ScenarioError([Problem("<arguments>", None, None, field, message, value)])


def resolve_source(
    source: str,
    store,
    members: int,
    seed: int,
    progress: Callable | None = None,
    counterfactuals: Sequence[str] | None = None,
):
    """(base run, document, counterfactual runs) of ``source``: a run id in ``store`` (its
    counterfactuals are the finished runs of the same scenario and seed in the store), or a scenario
    file (then the base run and ``counterfactuals`` — default: every counterfactual of the
    scenario — are run into the store first)."""
    from ..api import load
    from ..runs import open_run
    from ..runs import run as start

    if _is_scenario(str(source)):
        if not Path(source).is_file():
            raise _problem("SOURCE", "no such scenario file (and not a run id)", str(source))
        doc = load(source)
        known = [c.id for c in doc.scenario.counterfactuals]
        wanted = known if counterfactuals is None else list(counterfactuals)
        for c in wanted:
            if c not in known:
                raise ScenarioError([Problem("<arguments>", None, None, "counterfactual",
                                             "unknown counterfactual id", c, tuple(known))])  # fmt: skip
        base = start(doc, members, seed, store=store, progress=progress)
        cfs = [start(doc, members, seed, c, store=store, progress=progress) for c in wanted]
        return base, doc, cfs
    base = open_run(str(source), store)
    info = base.info
    if not info.scenario_path or not Path(info.scenario_path).is_file():
        raise _problem("SOURCE", "the run's scenario file is gone, so the report cannot show the "
                       "scenario", info.scenario_path)  # fmt: skip
    doc = load(info.scenario_path)
    cfs = []
    if not info.counterfactual:
        latest = {}
        for other in base.store.runs():
            if (
                other.scenario_id == info.scenario_id
                and other.seed == info.seed
                and other.counterfactual
                and other.status == "done"
                and (counterfactuals is None or other.counterfactual in counterfactuals)
            ):
                latest[other.counterfactual] = other.id  # runs() lists oldest first
        cfs = [open_run(i, base.store) for i in latest.values()]
    return base, doc, cfs


def write_report(
    source: str,
    out: Path,
    *,
    store: Path | None = None,
    members: int = 200,
    seed: int = 1,
    progress=None,
    questions: Path | None = None,
    outcomes: Path | None = None,
    counterfactuals: Sequence[str] | None = None,
    drivers: bool = True,
    max_members: int | None = None,
) -> Path:
    """Write the report of ``source`` (a run id in ``store``, or a scenario file, which is first run
    with ``members`` and ``seed`` into the store, with its counterfactuals) to ``out``; returns
    ``out``. ``progress(k)`` is called as members are simulated (``members`` × (1 + the number of
    counterfactuals) in all). ``max_members`` caps the members the report reads (the trajectory is
    held in memory, about 0.3 GB per 1,000 members; peak about 1.3 GB at 1,000). ScenarioError on
    bad input."""
    from ..store import Store

    t0 = time.perf_counter()
    st = store if isinstance(store, Store) else Store(store)
    base, doc, cfs = resolve_source(str(source), st, members, seed, progress, counterfactuals)
    t1 = time.perf_counter()
    qpath = questions or data_file(QUESTIONS)
    opath = outcomes if outcomes is not None else data_file(OUTCOMES)
    if max_members is not None and max_members < 1:
        raise _problem("max_members", "must be at least 1", max_members)
    ctx = sections.build(base, doc, cfs, qpath, opath, drivers=drivers, max_members=max_members)
    ctx["generated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    ctx["seconds"] = time.perf_counter() - t0
    t2 = time.perf_counter()
    html = render(ctx)
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, out)
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update({"source (run or load the scenario)": t1 - t0, **ctx["timings"],
                         "render and write": time.perf_counter() - t2})  # fmt: skip
    return out


def _compact(obj) -> str:
    """JSON of a figure: numpy arrays as lists rounded to 4 significant digits, NaN as null."""

    def default(o):
        if isinstance(o, np.ndarray):
            a = np.asarray(o, float)
            with np.errstate(all="ignore"):
                mag = np.where(np.isfinite(a) & (a != 0), np.floor(np.log10(np.abs(a))), 0)
                scale = 10.0 ** (3 - mag)
                r = np.round(a * scale) / scale
            if np.isfinite(r).all():
                return r.tolist()
            return np.where(np.isfinite(r), r, None).tolist()
        if isinstance(o, np.integer | np.floating | np.bool_):
            return o.item()
        raise TypeError(type(o))

    text = json.dumps(obj, default=default, separators=(",", ":"), allow_nan=False)
    return text.replace("</", "<\\/")


def _nan_safe(fig):
    """Replace float NaN (outside numpy arrays) by None, recursively."""
    if isinstance(fig, dict):
        return {k: _nan_safe(v) for k, v in fig.items()}
    if isinstance(fig, list | tuple):
        return [_nan_safe(v) for v in fig]
    if isinstance(fig, float) and not np.isfinite(fig):
        return None
    return fig


def render(ctx: dict) -> str:
    """The HTML text: the jinja2 template with plotly.js inline and each figure as JSON."""
    import jinja2
    from plotly.offline import get_plotlyjs

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("realpolitik.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    figures = {k: _compact(_nan_safe(v)) for k, v in ctx.pop("figures").items()}
    tpl = env.get_template("report.html.j2")
    return tpl.render(plotly_js=get_plotlyjs(), figures=figures, **ctx)
