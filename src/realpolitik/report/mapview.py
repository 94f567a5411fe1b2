"""The map of the report: Syria's governorates on their real polygons (data/syria, OCHA/UNCS via
:func:`realpolitik.geo.load_syria`) and the scenario's sites and divided cities as points, coloured
by holder, with one animation frame per month and a slider.

A faction *holds* a region in a member when its control share is above the run's capture threshold
(``attrs['capture_threshold']``, 0.5 by default); P(held) is the fraction of members in which it
does. A place is coloured by the faction most likely to hold it, opaque in proportion to that
probability; white when no faction holds it in most members (contested). Hovering gives every
faction's probability.
"""

from __future__ import annotations

import numpy as np

from ..geo import CONTESTED_COLOUR, load_syria
from .figures import colour, rgba

Y_SCALE = 1.22  # 1 / cos(35°): a degree of latitude against a degree of longitude at Syria


def held_probability(control: np.ndarray, threshold: float) -> np.ndarray:
    """P(held) (months, factions, regions) from control (members, months, factions, regions)."""
    out = np.empty(control.shape[1:], np.float32)
    for t in range(control.shape[1]):  # month by month: no (M, T, F, R) bool copy at once
        out[t] = (control[:, t] > threshold).mean(axis=0)
    return out


def faction_colours(factions) -> dict[str, str]:
    """One colour per faction (the report's palette, in the trajectory's faction order)."""
    out, k = {}, 0
    for f in factions:
        if f == "contested":
            out[f] = CONTESTED_COLOUR
        else:
            out[f] = colour(k)
            k += 1
    return out


def _points(scenario, regions, kinds, parents, syria) -> dict[str, tuple[float, float]]:
    """(lon, lat) of every non-governorate region: its own point, else its composite's shifted
    west/east for a part, else its governorate's label point."""
    nodes = {n.id: n for n in scenario.regions.nodes} if scenario.regions else {}
    composite_of = {p: n.id for n in nodes.values() for p in (n.parts or [])}
    out = {}
    for r, kind, parent in zip(regions, kinds, parents, strict=True):
        if kind == "governorate":
            continue
        n = nodes.get(r)
        if n is not None and n.lon is not None and n.lat is not None:
            out[r] = (float(n.lon), float(n.lat))
            continue
        c = nodes.get(composite_of.get(r, ""))
        if c is not None and c.lon is not None:
            k = c.parts.index(r)
            out[r] = (float(c.lon) + 0.06 * (2 * k - len(c.parts) + 1), float(c.lat) - 0.03)
        elif r in syria.regions:
            lon, lat = syria.lonlat[syria.index(r)]
            out[r] = (float(lon), float(lat))
        elif parent in syria.regions:
            lon, lat = syria.lonlat[syria.index(parent)]
            out[r] = (float(lon) + 0.1, float(lat) + 0.1)
    return out


def _outline(geom) -> tuple[list, list]:
    xs, ys = [], []
    for poly in getattr(geom, "geoms", [geom]):
        c = np.asarray(poly.exterior.coords)
        xs += [*np.round(c[:, 0], 3).tolist(), None]
        ys += [*np.round(c[:, 1], 3).tolist(), None]
    return xs[:-1], ys[:-1]


def _hover(name: str, month: str, p: np.ndarray, factions) -> str:
    order = np.argsort(-p)
    parts = [
        f"{factions[i]}: {p[i]:.2f}" for i in order if p[i] >= 0.005 and factions[i] != "contested"
    ]
    held = float(p[[i for i, f in enumerate(factions) if f != "contested"]].sum())
    return (f"<b>{name}</b> {month}<br>P(held by)<br>" + "<br>".join(parts or ["no faction"])
            + f"<br>held by none: {max(0.0, 1 - held):.2f}")  # fmt: skip


def map_figure(ds, control: np.ndarray, scenario, syria=None) -> dict:
    """The map figure (data, layout, frames) of a trajectory: ``control`` is its (members, months,
    factions, regions) array, read once by the caller."""
    syria = syria or load_syria()
    months = [str(m) for m in ds["month"].values]
    factions = [str(f) for f in ds["faction"].values]
    regions = [str(r) for r in ds["region"].values]
    kinds = [str(k) for k in ds["region_kind"].values]
    parents = [str(p) for p in ds["region_parent"].values]
    names = {n.id: (n.name or n.id) for n in scenario.regions.nodes} if scenario.regions else {}
    threshold = float(ds.attrs.get("capture_threshold", 0.5))
    p = held_probability(control, threshold)  # (T, F, R)
    holders = [i for i, f in enumerate(factions) if f != "contested"]
    colours = faction_colours(factions)
    govs = [i for i, k in enumerate(kinds) if k == "governorate" and regions[i] in syria.polygons]
    points = _points(scenario, regions, kinds, parents, syria)
    sites = [i for i, r in enumerate(regions) if r in points]

    def look(t: int, r: int) -> tuple[str, float]:
        ph = p[t, holders, r]
        k = int(np.argmax(ph))
        if ph[k] < 0.5:
            return CONTESTED_COLOUR, float(ph[k])
        return colours[factions[holders[k]]], float(ph[k])

    def fill(t: int, r: int) -> str:
        c, prob = look(t, r)
        return rgba(c, 0.25 + 0.7 * prob) if c != CONTESTED_COLOUR else "rgba(255,255,255,0.9)"

    def hover(t: int, r: int) -> str:
        return _hover(names.get(regions[r], regions[r]), months[t], p[t, :, r], factions)

    t0 = 0
    data = []
    for r in govs:
        xs, ys = _outline(syria.polygons[regions[r]])
        data.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines", "fill": "toself",
                     "fillcolor": fill(t0, r), "line": {"color": "#555", "width": 0.8},
                     "name": names.get(regions[r], regions[r]), "hoveron": "fills",
                     "hoverinfo": "text", "text": hover(t0, r), "showlegend": False,
                     "meta": {"region": regions[r]}})  # fmt: skip
    data.append({
        "type": "scatter", "mode": "markers+text", "name": "sites",
        "x": [points[regions[r]][0] for r in sites], "y": [points[regions[r]][1] for r in sites],
        "customdata": [regions[r] for r in sites],
        "marker": {"size": [14 if kinds[r] == "composite" else 9 for r in sites],
                   "symbol": ["diamond" if kinds[r] == "composite" else "circle" for r in sites],
                   "color": [look(t0, r)[0] for r in sites], "line": {"color": "#000", "width": 1}},
        "text": ["" for _ in sites], "hovertext": [hover(t0, r) for r in sites],
        "hoverinfo": "text", "showlegend": False, "meta": {"regions": [regions[r] for r in sites]},
    })  # fmt: skip
    frames = []
    for t, m in enumerate(months):
        fd = [{"fillcolor": fill(t, r), "text": hover(t, r)} for r in govs]
        fd.append({"marker": {"color": [look(t, r)[0] for r in sites]},
                   "hovertext": [hover(t, r) for r in sites]})  # fmt: skip
        frames.append({"name": m, "data": fd, "traces": list(range(len(data)))})
    steps = [{"label": m, "method": "animate",
              "args": [[m], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                             "transition": {"duration": 0}}]} for m in months]  # fmt: skip
    lay = {
        "title": {"text": "Who holds what, month by month", "font": {"size": 14}},
        "height": 640, "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "xaxis": {"visible": False, "constrain": "domain"},
        "yaxis": {"visible": False, "scaleanchor": "x", "scaleratio": Y_SCALE},
        "hovermode": "closest", "plot_bgcolor": "#eef3f7",
        "sliders": [{"active": t0, "steps": steps, "currentvalue": {"prefix": "month: "},
                     "pad": {"t": 10}, "len": 0.95, "x": 0.025}],
    }  # fmt: skip
    return {"data": data, "layout": lay, "frames": frames,
            "legend": {f: colours[f] for f in factions}}  # fmt: skip
