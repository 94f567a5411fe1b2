"""Composite regions (a divided city made of part sites): what the scenario language accepts, and a
located error (file:line:column, field, bad value, valid options) for each way to get one wrong."""

import numpy as np
import pytest

from realpolitik.compile import asof
from realpolitik.compile.combat import structure
from realpolitik.compile.loop import layout
from realpolitik.errors import ScenarioError
from realpolitik.scenario import loads_scenario

CITY = "    - {id: idlib-city, kind: city, parent: idlib, point: true, lon: 36.63, lat: 35.93, control: {rebels: 1.0}}\n"
SPLIT = (
    "    - {id: idlib-city, kind: city, parent: idlib, parts: [idlib-city-north, idlib-city-south]}\n"
    "    - {id: idlib-city-north, kind: city, parent: idlib, area_km2: 30, control: {rebels: 1.0}}\n"
    "    - {id: idlib-city-south, kind: enclave, parent: idlib, area_km2: 10, control: {regime: 1.0}}\n"
)


COMBAT = """
combat:
  src: dev
  attrition: 0.01
  reference_fighters: 10000
  p: 1
  q: 0.2
  csf_decisiveness: 1
  max_advance_km_day: 1
  attack_density: 100
  assault_share: 0.25
  offensive_ratio: 3
  garrison_per_capita: 0.005
  garrison_per_front_km: 15
  supply_decay: 0.1
  supply_recovery: 0.4
  siege_fall_rate: 0.04
  air_m_max: 1.5
  air_s0: 120
  redeploy_rate: 0.1
  demobilisation_rate: 0.01
  site_depth_km: 10
"""


@pytest.fixture
def split_text(mini_text) -> str:
    assert CITY in mini_text
    return mini_text.replace(CITY, SPLIT) + COMBAT


def errors_of(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as exc:
        loads_scenario(text, "s.yaml")
    return [str(p) for p in exc.value.problems]


def test_a_composite_is_not_on_the_map_but_is_a_known_region(split_text):
    s = loads_scenario(split_text, "s.yaml")
    assert [r.id for r in s.composites()] == ["idlib-city"]
    assert "idlib-city" not in s.region_ids()  # not on the combat map, not a driver label
    assert {"idlib-city", "idlib-city-north"} <= s.known_ids()["region"]  # questions may name it
    st = structure(s)
    assert st["regions"] == ("latakia", "idlib", "idlib-city-north", "idlib-city-south")
    # a site with an area: that area is its combat area, √area its depth and internal front
    k = st["regions"].index("idlib-city-north")
    assert st["area_km2"][k] == 30 and st["depth_km"][k] == pytest.approx(np.sqrt(30))
    assert st["internal_front_km"][k] == pytest.approx(np.sqrt(30)) and st["population"][k] == 0
    # national shares still weigh the governorates only
    assert asof.geography(s).governorate.tolist() == [True, True, False, False]
    lay = layout(s, asof.coords(s))["regions"]
    assert list(lay)[-1] == "idlib-city" and lay["idlib-city"]["kind"] == "composite"
    assert lay["idlib-city"]["parts"] == ["idlib-city-north", "idlib-city-south"]


def test_a_point_site_keeps_the_site_depth(mini_text):
    st = structure(loads_scenario(mini_text + COMBAT, "s.yaml"))
    k = st["regions"].index("idlib-city")
    assert st["depth_km"][k] == st["internal_front_km"][k] == 10 and st["area_km2"][k] == 100


@pytest.mark.parametrize(
    "old, new, fragments",
    [
        (  # a part that is not a site
            "parts: [idlib-city-north, idlib-city-south]",
            "parts: [idlib-city-north, latakia]",
            [
                "regions.nodes[2].parts[1]",
                "a part must be a site",
                "(got 'latakia')",
                "valid: idlib-city-north, idlib-city-south",
            ],
        ),
        (  # an unknown part id
            "parts: [idlib-city-north, idlib-city-south]",
            "parts: [idlib-city-north, idlib-city-s]",
            [
                "s.yaml:",
                "regions.nodes[2].parts[1]",
                "unknown part id",
                "(got 'idlib-city-s')",
                "valid: idlib-city-north, idlib-city-south",
            ],
        ),
        (  # a composite with control
            "parts: [idlib-city-north, idlib-city-south]}",
            "parts: [idlib-city-north, idlib-city-south], control: {rebels: 1.0}}",
            [
                "regions.nodes[2].control",
                "a composite region takes no `control`",
                "area-weighted control of its parts",
            ],
        ),
        (  # a composite with an area
            "parts: [idlib-city-north, idlib-city-south]}",
            "parts: [idlib-city-north, idlib-city-south], area_km2: 40}",
            ["regions.nodes[2].area_km2", "takes no `area_km2`", "sum of its parts' areas"],
        ),
        (  # a part without an area
            "area_km2: 10, control: {regime: 1.0}}",
            "point: true, control: {regime: 1.0}}",
            ["regions.nodes[2].parts[1]", "a part needs `area_km2`", "(got 'idlib-city-south')"],
        ),
        (  # a part in another governorate
            "{id: idlib-city-south, kind: enclave, parent: idlib,",
            "{id: idlib-city-south, kind: enclave, parent: latakia,",
            ["regions.nodes[2].parts[1]", "in the composite's governorate ('idlib')"],
        ),
        (  # one part only
            "parts: [idlib-city-north, idlib-city-south]",
            "parts: [idlib-city-north]",
            ["regions.nodes[2].parts", "at least two parts"],
        ),
        (  # a part listed twice
            "parts: [idlib-city-north, idlib-city-south]",
            "parts: [idlib-city-north, idlib-city-north]",
            ["regions.nodes[2].parts[1]", "already listed in this composite"],
        ),
        (  # fighters deployed in a composite
            "{faction: rebels, region: idlib, fighters: 15000}",
            "{faction: rebels, region: idlib-city, fighters: 15000}",
            [
                "regions.deployments[1].region",
                "not on the combat map",
                "(got 'idlib-city')",
                "valid: idlib-city-north, idlib-city-south",
            ],
        ),
        (  # a composite on the map's graph
            "- {a: latakia, b: idlib, border_km: 60}",
            "- {a: latakia, b: idlib-city, border_km: 60}",
            ["regions.adjacency[0].b", "not on the combat map", "name one of its parts"],
        ),
    ],
)
def test_bad_composites_give_located_errors(split_text, old, new, fragments):
    assert old in split_text
    errs = errors_of(split_text.replace(old, new))
    assert len(errs) == 1, errs
    for fragment in fragments:
        assert fragment in errs[0], (fragment, errs[0])
    assert errs[0].startswith("s.yaml:")
