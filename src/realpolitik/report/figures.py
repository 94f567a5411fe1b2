"""Plotly figures as plain dicts (``{"data": [...], "layout": {...}}``), built from arrays.

No plotly Python objects: the report serialises these dicts once (rounded, compact), which is much
faster than ``plotly.graph_objects`` validation and keeps the file small. Every builder takes
ensemble arrays (member first) and returns one figure; the report reads the run's trajectory, never
an engine's internals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

PALETTE = (
    "#c0392b", "#27ae60", "#2c3e50", "#f1c40f", "#8e44ad", "#2980b9", "#95a5a6", "#d35400",
    "#16a085", "#7f8c8d", "#e84393", "#6c5ce7", "#00b894", "#fdcb6e", "#636e72",
)  # fmt: skip
BANDS = (0.05, 0.25, 0.5, 0.75, 0.95)


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[k : k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha:.2f})"


def layout(title: str, ytitle: str = "", **extra) -> dict:
    out = {
        "title": {"text": title, "font": {"size": 14}},
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "height": 360,
        "yaxis": {"title": {"text": ytitle}},
        "legend": {"font": {"size": 10}},
        "hovermode": "x unified",
    }
    out.update(extra)
    return out


def quantiles(x: np.ndarray) -> np.ndarray:
    """(5, T) quantiles over the first axis of ``x`` (M, T), NaN ignored."""
    x = np.asarray(x, float)
    if np.isnan(x).any():
        return np.nanquantile(x, BANDS, axis=0)
    return np.quantile(x, BANDS, axis=0)


def fan_traces(months: Sequence[str], x: np.ndarray, name: str, c: str) -> list[dict]:
    """Median line with 50 % and 90 % bands of ``x`` (members, months)."""
    q = quantiles(x)
    months = list(months)
    out = []
    for lo, hi, alpha, label in ((0, 4, 0.15, "90 %"), (1, 3, 0.3, "50 %")):
        out.append({"type": "scatter", "x": months, "y": q[lo], "mode": "lines",
                    "line": {"width": 0}, "showlegend": False, "legendgroup": name,
                    "name": f"{name} {label} low", "hoverinfo": "skip"})  # fmt: skip
        out.append({"type": "scatter", "x": months, "y": q[hi], "mode": "lines",
                    "line": {"width": 0}, "fill": "tonexty", "fillcolor": rgba(c, alpha),
                    "showlegend": False, "legendgroup": name, "name": f"{name} {label}",
                    "hoverinfo": "skip"})  # fmt: skip
    out.append({"type": "scatter", "x": months, "y": q[2], "mode": "lines", "name": name,
                "legendgroup": name, "line": {"color": c, "width": 2}})  # fmt: skip
    return out


def fan(months, series: Mapping[str, np.ndarray], title: str, ytitle: str) -> dict:
    """One fan per entry of ``series`` ({name: (members, months)})."""
    data = []
    for i, (name, x) in enumerate(series.items()):
        data += fan_traces(months, x, name, colour(i))
    return {"data": data, "layout": layout(title, ytitle)}


def lines(months, series: Mapping[str, np.ndarray], title: str, ytitle: str, **extra) -> dict:
    """Plain lines ({name: (months,)})."""
    data = [{"type": "scatter", "x": list(months), "y": y, "mode": "lines", "name": name,
             "line": {"color": colour(i), "width": 1.5}}
            for i, (name, y) in enumerate(series.items())]  # fmt: skip
    return {"data": data, "layout": layout(title, ytitle, **extra)}


def heatmap(months, rows: Sequence[str], z: np.ndarray, title: str, zlabel: str) -> dict:
    """Rows × months (z in [0, 1])."""
    return {
        "data": [{"type": "heatmap", "x": list(months), "y": list(rows), "z": z,
                  "zmin": 0, "zmax": 1, "colorscale": "Blues", "reversescale": True,
                  "colorbar": {"title": {"text": zlabel}}}],  # fmt: skip
        "layout": layout(title, "", height=max(300, 18 * len(rows) + 120),
                         margin={"l": 280, "r": 20, "t": 40, "b": 40}, hovermode="closest"),
    }  # fmt: skip


def reliability(rows: Sequence[dict]) -> dict:
    """The reliability diagram from :meth:`realpolitik.scoring.backtest.Report.as_json`'s rows, as
    :func:`realpolitik.report.scores.diagram` draws it: observed frequency against mean forecast
    per bin, each bin's 90 % consistency bar about the diagonal, the questions per bin below."""
    fx = [r["forecast"] for r in rows]
    bx, by = [], []
    for r in rows:  # one vertical segment per bin, None between them
        bx += [r["forecast"], r["forecast"], None]
        by += [r["consistency"][0], r["consistency"][1], None]
    mid = [(r["bin"][0] + r["bin"][1]) / 2 for r in rows]
    data = [
        {"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines", "name": "perfect reliability",
         "line": {"color": "#999", "dash": "dash"}},
        {"type": "scatter", "x": bx, "y": by, "mode": "lines", "name": "90 % consistency bar",
         "line": {"color": "rgba(41,128,185,0.35)", "width": 10}, "hoverinfo": "skip"},
        {"type": "scatter", "x": fx, "y": [r["observed"] for r in rows], "mode": "markers",
         "name": "observed frequency", "marker": {"color": "#c0392b", "size": 9},
         "text": [f"{r['n']} questions" for r in rows]},
        {"type": "bar", "x": mid, "y": [r["n"] for r in rows], "name": "questions per bin",
         "yaxis": "y2", "marker": {"color": "rgba(120,120,120,0.3)"}, "width": 0.08},
    ]  # fmt: skip
    lay = layout("Reliability", "observed frequency", hovermode="closest", height=440)
    lay["xaxis"] = {"title": {"text": "forecast probability"}, "range": [0, 1], "anchor": "y2"}
    lay["yaxis"] = {"title": {"text": "observed frequency"}, "range": [-0.02, 1.02],
                    "domain": [0.3, 1]}  # fmt: skip
    lay["yaxis2"] = {"title": {"text": "questions"}, "domain": [0, 0.22], "anchor": "x"}
    return {"data": data, "layout": lay}


def intervals(labels: Sequence[str], groups: Mapping[str, tuple], title: str, xtitle: str) -> dict:
    """Points with 90 % intervals: groups {name: (means, lows, highs)} over ``labels`` (rows)."""
    data = []
    for i, (name, (m, lo, hi)) in enumerate(groups.items()):
        m, lo, hi = (np.asarray(v, float) for v in (m, lo, hi))
        data.append({"type": "scatter", "x": m, "y": list(labels), "mode": "markers",
                     "name": name, "marker": {"color": colour(i), "size": 8},
                     "error_x": {"type": "data", "symmetric": False, "array": hi - m,
                                 "arrayminus": m - lo, "color": colour(i)}})  # fmt: skip
    lay = layout(title, "", hovermode="closest", height=max(320, 22 * len(labels) + 120),
                 margin={"l": 320, "r": 20, "t": 40, "b": 40})  # fmt: skip
    lay["xaxis"] = {"title": {"text": xtitle}, "zeroline": True, "zerolinecolor": "#444"}
    lay["yaxis"] = {"automargin": True, "autorange": "reversed"}
    return {"data": data, "layout": lay}


def drivers(panels: Sequence[dict]) -> dict:
    """One bar chart per question (PAWN index of its top inputs, the dummies' noise floor as a
    line), a dropdown to choose the question. ``panels``: {question, inputs, pawn, floor}."""
    data, buttons = [], []
    for k, p in enumerate(panels):
        visible = [False] * (2 * len(panels))
        visible[2 * k] = visible[2 * k + 1] = True
        names = list(p["inputs"])[::-1]
        data.append({"type": "bar", "orientation": "h", "x": list(p["pawn"])[::-1], "y": names,
                     "name": "PAWN (median KS)", "visible": k == 0,
                     "marker": {"color": "#2980b9"}})  # fmt: skip
        data.append({"type": "scatter", "x": [p["floor"], p["floor"]], "y": [names[0], names[-1]],
                     "mode": "lines", "name": "noise floor (dummies)", "visible": k == 0,
                     "line": {"color": "#c0392b", "dash": "dash"}})  # fmt: skip
        buttons.append({"label": p["question"], "method": "update",
                        "args": [{"visible": visible}, {"title.text": f"What drives {p['question']}"}]})  # fmt: skip
    first = panels[0]["question"] if panels else ""
    lay = layout(f"What drives {first}", "", hovermode="closest", height=420,
                 margin={"l": 360, "r": 20, "t": 80, "b": 40})  # fmt: skip
    lay["title"].update(x=0.98, xanchor="right")  # the question menu sits at the left
    lay["xaxis"] = {"title": {"text": "PAWN index (median over slides of the KS distance)"}}
    lay["yaxis"] = {"automargin": True}
    lay["updatemenus"] = [{"buttons": buttons, "x": 0, "y": 1.18, "xanchor": "left",
                           "yanchor": "top", "direction": "down"}]  # fmt: skip
    return {"data": data, "layout": lay}
