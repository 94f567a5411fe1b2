"""Syria's map as a region tree and a supply graph (data/syria/, see its SOURCES.md).

Regions are the 14 governorates (official CBS ``area_km2`` and 2011 population) followed by the sites
of ``sites.csv`` (cities, enclaves), each a child of the governorate it lies in. A site carries no
area or population of its own, so nothing is counted twice: national shares weight governorates only.

Graph nodes are the regions plus external supply nodes. Edges: governorate neighbours
(``adjacency.csv``, with shared-border km), each site to its parent governorate, and each supply node
to the governorates on that border. Which governorate touches which border is derived from the
polygons: each reference point below (a border crossing or border town, coordinates rounded to
~0.01°) is assigned to the nearest governorate polygon, and must lie within ``BORDER_TOLERANCE_KM`` of
both that polygon and Syria's outer boundary (checked in tests/test_geo.py).

=============  =====================================================================================
supply node    governorates (reference points)
=============  =====================================================================================
turkey         latakia (Kessab), idlib (Bab al-Hawa), aleppo (Bab al-Salameh, Jarabulus),
               raqqa (Tal Abyad), hasakah (Ras al-Ayn, Qamishli)
iraq           hasakah (al-Yarubiyah), deir-ez-zor (Albu Kamal), homs and rif-dimashq
               (two points on the desert border, 39.0°E and 39.9°E; the OCHA Rif Dimashq reaches Iraq)
lebanon        rif-dimashq (Jdeidet Yabous), homs (Jousieh), tartus (al-Arida)
jordan         daraa (Nasib), as-suwayda (southern border), rif-dimashq (Jordan–Iraq tripoint)
mediterranean  latakia, tartus (ports of Latakia and Tartus; not a land border)
=============  =====================================================================================

Israel (the Golan line, Quneitra) is not a supply node.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import numpy as np
from shapely.geometry import Point, shape
from shapely.ops import unary_union

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "syria"
BORDER_TOLERANCE_KM = 12.0
KM_PER_DEGREE = 111.0  # at Syria's latitude, adequate for a 12 km tolerance

BORDER_POINTS: dict[str, list[tuple[str, float, float]]] = {
    "turkey": [
        ("Kessab", 35.99, 35.93),
        ("Bab al-Hawa", 36.66, 36.23),
        ("Bab al-Salameh", 37.07, 36.64),
        ("Jarabulus", 38.01, 36.82),
        ("Tal Abyad", 38.95, 36.70),
        ("Ras al-Ayn", 40.07, 36.85),
        ("Qamishli", 41.23, 37.05),
    ],
    "iraq": [
        ("al-Yarubiyah", 42.06, 36.81),
        ("Albu Kamal", 40.93, 34.45),
        ("border near the Jordan tripoint", 39.02, 33.48),
        ("border in the Homs desert", 39.88, 33.89),
    ],
    "lebanon": [
        ("Jdeidet Yabous", 36.07, 33.67),
        ("Jousieh", 36.57, 34.43),
        ("al-Arida", 35.97, 34.63),
    ],
    "jordan": [
        ("Nasib", 36.30, 32.55),
        ("As-Suwayda south", 36.85, 32.35),
        ("Jordan-Iraq tripoint", 38.79, 33.38),
    ],
    "mediterranean": [
        ("Latakia port", 35.77, 35.52),
        ("Tartus port", 35.87, 34.90),
    ],
}


@dataclass(frozen=True)
class SyriaMap:
    """Regions (governorates then sites), supply nodes and the arrays the combat engine needs."""

    regions: tuple[str, ...]
    names: tuple[str, ...]
    parent: np.ndarray  # (R,) index of the parent governorate, -1 for a governorate
    area_km2: np.ndarray  # (R,) official CBS area; 0 for sites
    population: np.ndarray  # (R,) 2011 residents; 0 for sites
    length_km: np.ndarray  # (R,) sqrt(area): a governorate's characteristic length; NaN for sites
    adjacency: np.ndarray  # (R, R) bool, symmetric
    border_km: np.ndarray  # (R, R) shared border length; 0 on site edges
    supply_nodes: tuple[str, ...]
    supply_adjacency: np.ndarray  # (S, R) bool
    lonlat: np.ndarray  # (R, 2) label point of a governorate, coordinates of a site
    polygons: dict  # governorate id -> shapely geometry

    def index(self, region: str) -> int:
        """Index of a region id; ValueError listing the valid ids otherwise."""
        if region not in self.regions:
            raise ValueError(f"unknown region id {region!r}; valid: {', '.join(self.regions)}")
        return self.regions.index(region)

    @property
    def is_site(self) -> np.ndarray:
        return self.parent >= 0

    def graph(self) -> nx.Graph:
        """The supply graph: region nodes and supply nodes, edges as described in the module."""
        g = nx.Graph()
        g.add_nodes_from(self.regions, kind="region")
        g.add_nodes_from(self.supply_nodes, kind="supply")
        for i, j in zip(*np.nonzero(np.triu(self.adjacency)), strict=True):
            g.add_edge(self.regions[i], self.regions[j], km=float(self.border_km[i, j]))
        for s, r in zip(*np.nonzero(self.supply_adjacency), strict=True):
            g.add_edge(self.supply_nodes[s], self.regions[r])
        return g


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def border_governorates(polygons: dict) -> dict[str, dict[str, str]]:
    """For each supply node, {reference point: nearest governorate}, from the polygons."""
    out: dict[str, dict[str, str]] = {}
    for node, points in BORDER_POINTS.items():
        out[node] = {
            name: min(polygons, key=lambda g: polygons[g].distance(Point(lon, lat)))  # noqa: B023
            for name, lon, lat in points
        }
    return out


def border_distances_km(polygons: dict) -> dict[str, tuple[float, float]]:
    """Each reference point's distance (km) to its governorate and to Syria's outer boundary."""
    outline = unary_union(list(polygons.values())).boundary
    found = border_governorates(polygons)
    dist = {}
    for node, points in BORDER_POINTS.items():
        for name, lon, lat in points:
            pt = Point(lon, lat)
            gov = polygons[found[node][name]]
            dist[name] = (gov.distance(pt) * KM_PER_DEGREE, outline.distance(pt) * KM_PER_DEGREE)
    return dist


def load_syria(data_dir: Path | str = DATA_DIR) -> SyriaMap:
    """Read governorates, adjacency, sites and polygons into a :class:`SyriaMap`."""
    data_dir = Path(data_dir)
    govs = _rows(data_dir / "governorates.csv")
    sites = _rows(data_dir / "sites.csv")
    with (data_dir / "governorates.geojson").open(encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    polygons = {f["properties"]["id"]: shape(f["geometry"]) for f in features}

    gov_ids = [g["id"] for g in govs]
    regions = tuple(gov_ids + [s["id"] for s in sites])
    n_gov, n = len(govs), len(regions)
    parent = np.array([-1] * n_gov + [gov_ids.index(s["governorate"]) for s in sites])
    area = np.array([float(g["area_km2"]) for g in govs] + [0.0] * len(sites))
    pop = np.array([float(g["population_2011"]) for g in govs] + [0.0] * len(sites))
    length = np.where(parent < 0, np.sqrt(area), np.nan)
    lonlat = np.array(
        [(float(g["label_lon"]), float(g["label_lat"])) for g in govs]
        + [(float(s["lon"]), float(s["lat"])) for s in sites]
    )

    adjacency = np.zeros((n, n), bool)
    border = np.zeros((n, n))
    for row in _rows(data_dir / "adjacency.csv"):
        i, j = regions.index(row["a"]), regions.index(row["b"])
        adjacency[i, j] = adjacency[j, i] = True
        border[i, j] = border[j, i] = float(row["shared_border_km"])
    for k in range(n_gov, n):
        adjacency[k, parent[k]] = adjacency[parent[k], k] = True

    nodes = tuple(BORDER_POINTS)
    supply = np.zeros((len(nodes), n), bool)
    for s, (_node, found) in enumerate(border_governorates(polygons).items()):
        for gov in found.values():
            supply[s, regions.index(gov)] = True

    return SyriaMap(
        regions=regions,
        names=tuple([g["name"] for g in govs] + [s["name"] for s in sites]),
        parent=parent,
        area_km2=area,
        population=pop,
        length_km=length,
        adjacency=adjacency,
        border_km=border,
        supply_nodes=nodes,
        supply_adjacency=supply,
        lonlat=lonlat,
        polygons=polygons,
    )


FACTION_COLOURS = (
    "#c0392b", "#27ae60", "#2c3e50", "#f1c40f", "#8e44ad", "#2980b9", "#95a5a6",
    "#d35400", "#16a085", "#7f8c8d",
)  # fmt: skip
CONTESTED_COLOUR = "#ffffff"


def plot_control_map(ds, month, ax=None, syria: SyriaMap | None = None):
    """Governorate polygons coloured by the faction with the largest ensemble-mean share at ``month``
    (shading = that share), sites as points coloured by their holder. Returns the axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Polygon

    syria = syria or load_syria()
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 6))
    ctrl = ds["control"].sel(month=month) if "month" in ds["control"].dims else ds["control"]
    if "member" in ctrl.dims:
        ctrl = ctrl.mean("member")
    factions = [str(f) for f in ctrl["faction"].values]
    others = [f for f in factions if f != "contested"]
    colour = {f: FACTION_COLOURS[i % len(FACTION_COLOURS)] for i, f in enumerate(others)}
    colour["contested"] = CONTESTED_COLOUR
    for region in [str(r) for r in ctrl["region"].values]:
        shares = ctrl.sel(region=region).values
        holder = factions[int(np.argmax(shares))]
        if region in syria.polygons:
            geom = syria.polygons[region]
            for poly in getattr(geom, "geoms", [geom]):
                ax.add_patch(
                    Polygon(
                        np.asarray(poly.exterior.coords),
                        facecolor=colour[holder],
                        alpha=0.25 + 0.6 * float(shares.max()),
                        edgecolor="white",
                        linewidth=0.8,
                    )
                )
        else:
            lon, lat = syria.lonlat[syria.index(region)]
            ax.plot(lon, lat, "o", color=colour[holder], markeredgecolor="black", markersize=7)
    ax.autoscale_view()
    ax.set_aspect("equal")
    ax.set_title(f"control, month {month}")
    ax.legend(
        handles=[
            Patch(facecolor=colour[f], edgecolor="black", linewidth=0.5, label=f) for f in factions
        ],
        loc="lower right",
        fontsize="small",
    )
    return ax
