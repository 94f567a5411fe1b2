"""Syria's region tree and supply graph, and the control map."""

import matplotlib

matplotlib.use("Agg")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import xarray as xr  # noqa: E402

from realpolitik.geo import (  # noqa: E402
    BORDER_TOLERANCE_KM,
    border_distances_km,
    load_syria,
    plot_control_map,
)


@pytest.fixture(scope="module")
def syria():
    return load_syria()


def test_region_tree_counts_no_area_twice(syria):
    gov = ~syria.is_site
    assert gov.sum() == 14 and syria.is_site.sum() == 9
    assert syria.area_km2[gov].sum() == pytest.approx(185_162)
    assert (syria.area_km2[syria.is_site] == 0).all() and (
        syria.population[syria.is_site] == 0
    ).all()
    assert syria.regions[syria.parent[syria.index("aleppo-city")]] == "aleppo"
    assert syria.regions[syria.parent[syria.index("palmyra")]] == "homs"
    assert (syria.parent[gov] == -1).all()


def test_graph_edges(syria):
    g = syria.graph()
    assert nx.is_connected(g)
    regions = g.subgraph(syria.regions)
    assert regions.number_of_edges() == 23 + 9
    assert g["hama"]["raqqa"]["km"] == pytest.approx(11.6)
    assert set(g["damascus"]) == {"rif-dimashq"}


def test_border_governorates_follow_the_polygons(syria):
    """Every reference point lies within tolerance of its governorate and of Syria's outer boundary."""
    for name, (to_gov, to_outline) in border_distances_km(syria.polygons).items():
        assert to_gov <= BORDER_TOLERANCE_KM, name
        assert to_outline <= BORDER_TOLERANCE_KM, name
    touching = {
        node: {syria.regions[r] for r in np.nonzero(row)[0]}
        for node, row in zip(syria.supply_nodes, syria.supply_adjacency, strict=True)
    }
    assert touching["turkey"] == {"latakia", "idlib", "aleppo", "raqqa", "hasakah"}
    assert touching["iraq"] == {"hasakah", "deir-ez-zor", "homs", "rif-dimashq"}
    assert touching["lebanon"] == {"rif-dimashq", "homs", "tartus"}
    assert touching["jordan"] == {"daraa", "as-suwayda", "rif-dimashq"}
    assert touching["mediterranean"] == {"latakia", "tartus"}
    landlocked = {"hama", "damascus"}
    assert not landlocked & set().union(*touching.values())


def test_unknown_region_id_is_a_clear_error(syria):
    with pytest.raises(ValueError, match="unknown region id 'alepo'.*aleppo"):
        syria.index("alepo")


def test_plot_control_map_draws_polygons_and_sites(syria):
    factions = ["regime", "rebels"]
    ctrl = np.zeros((2, 1, 2, len(syria.regions)))
    ctrl[:, :, 0] = 1.0
    ctrl[:, :, :, syria.index("idlib")] = [0.0, 1.0]
    ds = xr.Dataset(
        {"control": (("member", "month", "faction", "region"), ctrl)},
        coords={"month": [0], "faction": factions, "region": list(syria.regions)},
    )
    ax = plot_control_map(ds, 0, syria=syria)
    assert len(ax.patches) >= 14
    assert len(ax.lines) == 9
    colours = {tuple(p.get_facecolor()[:3]) for p in ax.patches}
    assert len(colours) == 2
    matplotlib.pyplot.close(ax.figure)
