"""The flagship scenario (scenarios/syria-2015.yaml): valid, linted, complete against the question
vocabulary, traceable to the seed, and consistent with the data it was built from (data/syria/)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from realpolitik import yamlio
from realpolitik.scenario import load_doc
from realpolitik.scenario.patch import apply_counterfactual
from realpolitik.scenario.provenance import lint, normalise

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "syria-2015.yaml"
VOCABULARY = ROOT / "data" / "questions" / "question-vocabulary.yaml"
SYRIA = ROOT / "data" / "syria"
OFFICIAL_TOTAL_KM2 = 185_180  # Syrian CBS national area (data/syria/SOURCES.md)

# Actors the seed names, each with the words the seed uses for it (all must occur in the seed).
SEED_ACTORS = {
    "russia": ["Russia", "Putin", "Moscow"],
    "usa": ["United States", "Washington"],
    "nato": ["NATO"],
    "unsc": ["Security Council"],
    "europe": ["Europe"],
    "iran": ["Iran", "Tehran"],
    "iraq": ["Iraq", "Baghdad"],
    "egypt": ["Egypt", "Sisi"],
    "turkey": ["Turkey"],
    "saudi-arabia": ["Saudi Arabia"],
    "gulf-states": ["Gulf states"],
    "hezbollah": ["Hezbollah"],
    "assad": ["Assad"],
    "regime": ["regime"],
    "army-command": ["generals"],
    "rebels": ["rebels"],
    "isis": ["ISIS"],
}


@pytest.fixture(scope="module")
def doc():
    return load_doc(SCENARIO)


@pytest.fixture(scope="module")
def scenario(doc):
    return doc.scenario


@pytest.fixture(scope="module")
def vocabulary():
    data, _ = yamlio.load(VOCABULARY)
    return data


def _rows(name):
    with open(SYRIA / name, newline="", encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def test_meta(scenario):
    m = scenario.meta
    assert (str(m.as_of), m.start, m.end, m.area_basis) == (
        "2015-10-05",
        "2015-10",
        "2024-12",
        "official-cbs",
    )


def test_lints_clean_and_every_value_has_provenance(doc):
    report = lint(doc)
    assert report.ok, [str(p) for p in report.problems]
    counts = report.counts()
    assert counts["none"] == 0
    assert counts["seed"] > 50 and counts["cite"] > 50


def test_every_vocabulary_id_exists(scenario, vocabulary):
    known = scenario.known_ids()
    for kind, plural in (
        ("actor", "actors"),
        ("region", "regions"),
        ("issue", "issues"),
        ("office", "offices"),
    ):
        missing = set(vocabulary[plural]) - known[kind]
        assert not missing, f"{plural} missing: {sorted(missing)}"
    strategies = scenario.strategies()
    for actor, strats in vocabulary["strategies"].items():
        missing = set(strats) - set(strategies.get(actor, []))
        assert not missing, f"{actor} strategies missing: {sorted(missing)}"
        for s in strats:  # declared exactly once
            assert strategies[actor].count(s) == 1, (actor, s)
    # `control:territory` is resolved from the control variable, not a declared series
    declared = {s.id: s for s in scenario.series}
    for sid, unit in vocabulary["series"].items():
        if ":" in sid:
            continue
        assert sid in declared, sid
        assert declared[sid].unit == unit, (sid, declared[sid].unit, unit)


def test_questions_validate_against_the_scenario(scenario):
    from realpolitik.questions import check_ids, load_questions

    questions = load_questions(ROOT / "data" / "questions" / "questions-syria-2015.yaml")
    assert questions
    assert check_ids(questions, scenario.known_ids()) == []


def test_seed_actors_carry_a_seed_quotation(scenario, doc):
    seed = normalise((SCENARIO.parent / scenario.meta.seed_file).read_text(encoding="utf-8"))
    actors = {a.id: a for a in scenario.actors}
    for actor_id, names in SEED_ACTORS.items():
        for name in names:
            assert name in seed, f"{name!r} is not in the seed: fix SEED_ACTORS"
        assert actor_id in actors, actor_id
        assert actors[actor_id].seed, f"actor {actor_id} has no seed quotation"


def test_seed_relations_are_quoted(scenario):
    quoted = {(r.from_, r.to, r.type) for r in scenario.relations if r.seed}
    for rel in (
        ("russia", "regime", "support"),
        ("iran", "regime", "support"),
        ("hezbollah", "regime", "support"),
        ("turkey", "rebels", "support"),
        ("saudi-arabia", "rebels", "support"),
        ("usa", "rebels", "support"),
        ("russia", "iran", "alliance"),
        ("iraq", "russia", "propensity"),
        ("egypt", "russia", "propensity"),
        ("iran", "usa", "hostility"),
    ):
        assert rel in quoted, rel


def test_governorates_match_official_areas(scenario):
    govs = {r.id: r for r in scenario.regions.nodes if r.kind == "governorate"}
    rows = _rows("governorates.csv")
    assert set(govs) == set(rows) and len(govs) == 14
    for gid, row in rows.items():
        assert govs[gid].area_km2 == float(row["area_km2"])
        assert govs[gid].population == float(row["population_2011"])
    total = sum(r.area_km2 for r in govs.values())
    assert abs(total - OFFICIAL_TOTAL_KM2) / OFFICIAL_TOTAL_KM2 < 1e-3


def test_adjacency_matches_data(scenario):
    """Governorate edges are the data's; the other edges join sites (parts of a divided city, a
    corridor, an enclave) to each other or to a governorate."""
    rows = _rows_list("adjacency.csv")
    kind = {r.id: r.kind for r in scenario.regions.nodes}
    edges = scenario.regions.adjacency
    got = {(a.a, a.b): a.border_km for a in edges if kind[a.a] == kind[a.b] == "governorate"}
    assert got == {(r["a"], r["b"]): float(r["shared_border_km"]) for r in rows}
    assert all("governorate" != kind[a.a] or "governorate" != kind[a.b] for a in edges
               if (a.a, a.b) not in got)  # fmt: skip


def _rows_list(name):
    with open(SYRIA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_control_means_match_the_estimates(scenario):
    govs = {r.id: r for r in scenario.regions.nodes if r.kind == "governorate"}
    for gid, row in _rows("control-2015-09.csv").items():
        mean = govs[gid].control.mean_
        for col in ("regime", "rebels", "isis", "sdf"):
            assert mean.get(col, 0.0) == pytest.approx(float(row[col])), (gid, col)
        other = mean.get("israel", 0.0) + mean.get("contested", 0.0)
        assert other == pytest.approx(float(row["other"])), gid
        assert sum(mean.values()) == pytest.approx(1.0)


def test_dirichlet_concentration_follows_the_stated_uncertainty(scenario):
    """κ = m(1−m)/sd² − 1 for the largest share m and sd = uncertainty_pp/100 where that is ≥ 2."""
    govs = {r.id: r for r in scenario.regions.nodes if r.kind == "governorate"}
    checked = 0
    for gid, row in _rows("control-2015-09.csv").items():
        d = govs[gid].control
        if "israel" in d.mean_:
            continue  # Quneitra: κ from the occupation line's small uncertainty (documented)
        m = max(d.mean_.values())
        sd = float(row["uncertainty_pp"]) / 100
        kappa = m * (1 - m) / sd**2 - 1
        if kappa >= 2:
            assert d.concentration == pytest.approx(kappa, abs=0.01), gid
            checked += 1
        else:
            assert d.concentration >= 1 / min(x for x in d.mean_.values() if x > 0) - 1e-9
    assert checked >= 10


def test_sites_match_sites_csv(scenario):
    nodes = {r.id: r for r in scenario.regions.nodes}
    for sid, row in _rows("sites.csv").items():
        site = nodes[sid]
        assert site.parent == row["governorate"]
        assert (site.lon, site.lat) == (float(row["lon"]), float(row["lat"]))
        holder = row["controller_2015_09_30"]
        if holder == "split":  # a divided city: a composite of parts held by different factions
            assert site.composite and site.control is None
            holders = {max(nodes[p].control.mean_, key=nodes[p].control.mean_.get)
                       for p in site.parts}  # fmt: skip
            assert len(holders) == len(site.parts) >= 2
        else:
            assert site.control.mean_ == {holder: 1.0}


def test_factions_contract(scenario):
    factions = {f.id: f for f in scenario.factions}
    assert {"regime", "army-command", "assad", "hezbollah"} <= set(factions["regime"].members)
    turkey = [d for d in scenario.regions.deployments if d.faction == "turkey"]
    assert turkey and all(d.fighters == 0 for d in turkey)
    assert not [d for d in scenario.regions.deployments if d.faction == "israel"]


def test_issues_have_positions_vetoes_and_settlement(scenario):
    for issue in scenario.issues:
        assert issue.veto_players and set(issue.veto_players) <= set(issue.positions)
        assert "isis" not in issue.positions
        s = issue.settlement
        assert s.rule == "hazard" and s.base_rate is not None and s.slope is not None
        assert 0 < s.base_rate.rate < 0.05


def test_action_base_rates_are_jeffreys(scenario):
    for a in scenario.actions:
        br = a.base_rate
        assert br.rate == pytest.approx((br.events + 0.5) / br.exposure)
        assert br.has_provenance(), a.id


def test_counterfactuals_apply_and_lint(doc):
    ids = {c.id for c in doc.scenario.counterfactuals}
    assert ids == {
        "no-russian-intervention",
        "assad-departs-2016",
        "turkey-escalates",
        "russia-doubles-down",
    }
    for cf in sorted(ids):
        patched = apply_counterfactual(doc, cf)
        assert lint(patched).ok, cf
    russia = next(
        f
        for f in apply_counterfactual(doc, "no-russian-intervention").scenario.factions
        if f.id == "russia"
    )
    assert russia.parameters["combat_aircraft"].value == 0


NATIONAL_TOTALS = {  # deploy-totals: (low, mode, high) of each faction's fighters in October 2015
    "regime": (160000, 205000, 278000),
    "rebels": (70000, 90000, 120000),
    "isis": (15000, 25000, 45000),
    "sdf": (25000, 35000, 50000),
}


def test_site_garrisons_leave_the_national_totals_unchanged(scenario):
    """Each faction's deployments (governorates and the sites carved out of them) add up, low, mode
    and high, to its national total: a site's garrison is taken out of its governorate's."""
    kind = {r.id: r.kind for r in scenario.regions.nodes}
    for faction, total in NATIONAL_TOTALS.items():
        rows = [d for d in scenario.regions.deployments if d.faction == faction]
        got = [sum(getattr(d.fighters, k) for d in rows) for k in ("low", "mode", "high")]
        assert got == pytest.approx(total), faction
        assert any(kind[d.region] != "governorate" for d in rows), faction


def test_every_site_a_question_names_is_garrisoned_or_held_by_a_part(scenario):
    """The questions' places: each is a site with its holder's fighters in it at as_of, or a
    composite whose every part is."""
    nodes = {r.id: r for r in scenario.regions.nodes}
    placed = {(d.faction, d.region) for d in scenario.regions.deployments}
    vocab, _ = yamlio.load(VOCABULARY)
    for rid in vocab["regions"]:
        r = nodes[rid]
        if r.kind == "governorate":
            continue
        for part in r.parts or [rid]:
            shares = nodes[part].control.mean_
            holder = max(shares, key=shares.get)
            assert (holder, part) in placed, (rid, part, holder)
