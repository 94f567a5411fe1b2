"""Cross-reference checks that pydantic cannot do field by field.

Each check yields ``(path, message, value, options)``; the loader turns them into located problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..trajectory import CONTESTED
from .findings import Finding
from .findings import bounded as _bounded
from .findings import ref as _ref
from .quantities import Sourced, as_dist
from .schema import Scenario
from .sections import check_sections

UNITS = ("persons", "persons-per-calendar-year", "percent-of-syria")
_COUNT_SINCE = re.compile(r"^count-since-\d{4}-\d{2}-\d{2}$")


def _dupes(items, section: str) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            yield (
                (section, i, "id"),
                f"duplicate id (first at {section}[{seen[item.id]}])",
                item.id,
                (),
            )
        seen.setdefault(item.id, i)


def check(s: Scenario) -> Iterator[Finding]:
    for section in (
        "actors",
        "factions",
        "issues",
        "offices",
        "games",
        "actions",
        "series",
        "events",
        "counterfactuals",
    ):
        yield from _dupes(getattr(s, section), section)
    actors = set(s.actor_ids())
    factions = {f.id for f in s.factions}
    regions = set(s.region_ids())
    sources = set(s.sources)
    issues = {i.id for i in s.issues}
    series_ids = {x.id for x in s.series}

    # meta and dates
    if s.meta.start and s.meta.end and s.meta.start > s.meta.end:
        yield (("meta", "end"), "end is before start", s.meta.end, ())
    if s.meta.start and f"{s.meta.as_of:%Y-%m}" > s.meta.start:
        yield (
            ("meta", "start"),
            "the run starts before the knowledge cut-off's month",
            s.meta.start,
            (),
        )

    # actors
    for i, a in enumerate(s.actors):
        for key, q in a.capabilities.items():
            yield from _bounded(
                ("actors", i, "capabilities", key), q, 0, float("inf"), "a capability"
            )
        yield from _bounded(("actors", i, "alignment"), a.alignment, 0, 1, "an alignment")

    # factions: every member an actor, each actor in at most one faction
    owner: dict[str, str] = {}
    for i, f in enumerate(s.factions):
        if f.id == CONTESTED:
            yield (
                ("factions", i, "id"),
                f"'{CONTESTED}' is reserved for contested ground",
                f.id,
                (),
            )
        for j, m in enumerate(f.members):
            yield from _ref(("factions", i, "members", j), m, actors, "actor")
            if m in owner:
                yield (
                    ("factions", i, "members", j),
                    f"actor already belongs to faction {owner[m]!r}",
                    m,
                    (),
                )
            owner.setdefault(m, f.id)
        for j, r in enumerate(f.bases):
            yield from _ref(("factions", i, "bases", j), r, regions, "region")

    # relations
    for i, r in enumerate(s.relations):
        yield from _ref(("relations", i, "from"), r.from_, actors, "actor")
        yield from _ref(("relations", i, "to"), r.to, actors, "actor")
        if r.from_ == r.to:
            yield (("relations", i, "to"), "a relation needs two different actors", r.to, ())
        if r.type == "support" and r.kind is None:
            yield (("relations", i, "kind"), "a support relation needs a kind", None, ())
        lo = -1.0 if r.type == "propensity" else 0.0
        yield from _bounded(("relations", i, "intensity"), r.intensity, lo, 1.0, "intensity")

    # issues
    for i, issue in enumerate(s.issues):
        active = 0
        for actor, st in issue.positions.items():
            p = ("issues", i, "positions", actor)
            yield from _ref(p, actor, actors, "actor")
            yield from _bounded((*p, "position"), st.position, 0, 100, "a position")
            yield from _bounded((*p, "salience"), st.salience, 0, 1, "a salience")
            yield from _bounded((*p, "capability"), st.capability, 0, float("inf"), "a capability")
            if as_dist(st.salience).bounds()[1] > 0:
                active += 1
            cap_key = issue.capability
            if st.capability is None and cap_key not in (None, "leverage"):
                actor_obj = next((a for a in s.actors if a.id == actor), None)
                if actor_obj is not None and cap_key not in actor_obj.capabilities:
                    yield (
                        (*p,),
                        f"no capability on the stance and actor has no capability {cap_key!r}",
                        actor,
                        tuple(actor_obj.capabilities),
                    )
            if st.capability is None and cap_key is None:
                yield (
                    (*p,),
                    "the stance needs a capability (or the issue a `capability` key)",
                    actor,
                    (),
                )
        if issue.settlement is not None:
            yield from _bounded(("issues", i, "settlement", "min_outcome"),
                                issue.settlement.min_outcome, 0, 100, "a settled outcome")  # fmt: skip
        if active < 2:
            yield (
                ("issues", i, "positions"),
                "an issue needs at least two actors with salience > 0",
                active,
                (),
            )
        for j, v in enumerate(issue.veto_players):
            yield from _ref(
                ("issues", i, "veto_players", j), v, set(issue.positions), "actor with a position"
            )

    for i, o in enumerate(s.offices):
        yield from _ref(("offices", i, "holder"), o.holder, actors, "actor")
        for j, a in enumerate(o.successors):
            yield from _ref(("offices", i, "successors", j), a, actors, "actor")

    if s.regions is not None:
        yield from _check_regions(s, actors, factions)
    if s.alignment is not None:
        yield from _check_alignment(s, actors)

    # games and actions: each strategy declared once per actor
    declared: dict[tuple[str, str], str] = {}
    for i, g in enumerate(s.games):
        for player, strats in g.players.items():
            yield from _ref(("games", i, "players", player), player, actors, "actor")
            for j, st in enumerate(strats):
                key = (player, st)
                if key in declared:
                    yield (
                        ("games", i, "players", player, j),
                        f"strategy already declared in {declared[key]}",
                        st,
                        (),
                    )
                declared.setdefault(key, f"games[{i}]")
        yield from _bounded(("games", i, "lambda"), g.lambda_, 0, float("inf"), "lambda")
        yield from _bounded(("games", i, "switch_prob"), g.switch_prob, 0, 1, "switch_prob")
        for player, st in g.initial.items():
            if st not in g.players.get(player, []):
                yield (
                    ("games", i, "initial", player),
                    "not a strategy of that player",
                    st,
                    tuple(g.players.get(player, [])),
                )
        all_strategies = tuple(x for strats in g.players.values() for x in strats)
        for strat, effects in g.effects.items():
            if strat not in all_strategies:
                yield (
                    ("games", i, "effects", strat),
                    "not a strategy of this game",
                    strat,
                    all_strategies,
                )
            for j, e in enumerate(effects):
                yield from _check_effect(
                    ("games", i, "effects", strat, j),
                    e,
                    actors,
                    factions,
                    regions,
                    issues,
                    series_ids,
                )
        for j, pay in enumerate(g.payoffs):
            p = ("games", i, "payoffs", j)
            if pay.player not in g.players:
                yield ((*p, "player"), "not a player of this game", pay.player, tuple(g.players))
            elif pay.strategy not in g.players[pay.player]:
                yield (
                    (*p, "strategy"),
                    "not a strategy of that player",
                    pay.strategy,
                    tuple(g.players[pay.player]),
                )
            for other, st in pay.against.items():
                if other not in g.players or other == pay.player:
                    yield (
                        (*p, "against", other),
                        "not another player of this game",
                        other,
                        tuple(g.players),
                    )
                elif st not in g.players[other]:
                    yield (
                        (*p, "against", other),
                        "not a strategy of that player",
                        st,
                        tuple(g.players[other]),
                    )
    for i, a in enumerate(s.actions):
        yield from _ref(("actions", i, "actor"), a.actor, actors, "actor")
        for j, m in enumerate(a.participants):
            yield from _ref(("actions", i, "participants", j), m, actors, "actor")
        key = (a.actor, a.id)
        if key in declared:
            yield (("actions", i, "id"), f"strategy already declared in {declared[key]}", a.id, ())
        declared.setdefault(key, f"actions[{i}]")
        for j, e in enumerate(a.effects):
            yield from _check_effect(
                ("actions", i, "effects", j), e, actors, factions, regions, issues, series_ids
            )

    for i, x in enumerate(s.series):
        if x.unit not in UNITS and not _COUNT_SINCE.match(x.unit):
            yield (
                ("series", i, "unit"),
                "unknown unit",
                x.unit,
                (*UNITS, "count-since-YYYY-MM-DD"),
            )
        if x.start_date > s.meta.as_of:
            yield (
                ("series", i, "start_date"),
                "a start value must be measured by the cut-off (meta.as_of)",
                str(x.start_date),
                (),
            )

    for i, e in enumerate(s.events):
        if (
            s.meta.start
            and f"{e.date:%Y-%m}" < s.meta.start
            or s.meta.end
            and f"{e.date:%Y-%m}" > s.meta.end
        ):
            yield (("events", i, "date"), "event date outside the run", str(e.date), ())
        for j, eff in enumerate(e.effects):
            yield from _check_effect(
                ("events", i, "effects", j), eff, actors, factions, regions, issues, series_ids
            )

    strategies = s.strategies()
    for i, cf in enumerate(s.counterfactuals):
        for j, d in enumerate(cf.do):
            yield from _ref(("counterfactuals", i, "do", j, "actor"), d.actor, actors, "actor")
            if d.strategy not in strategies.get(d.actor, []):
                yield (
                    ("counterfactuals", i, "do", j, "strategy"),
                    "unknown strategy of that actor",
                    d.strategy,
                    tuple(strategies.get(d.actor, [])),
                )

    yield from _check_features(s)
    yield from _check_coupling(s)
    yield from _check_sources(s, sources)
    yield from check_sections(s)
    from .military import check_combat  # imported late: military imports schema

    yield from check_combat(s)
    from .leverage import check_leverage

    yield from check_leverage(s)


def _check_effect(p, e, actors, factions, regions, issues, series_ids) -> Iterator[Finding]:
    yield from _ref((*p, "actor"), e.actor, actors, "actor")
    yield from _ref((*p, "target"), e.target, actors, "actor")
    yield from _ref((*p, "faction"), e.faction, factions, "faction")
    yield from _ref((*p, "region"), e.region, regions, "region")
    yield from _ref((*p, "issue"), e.issue, issues, "issue")
    yield from _ref((*p, "series"), e.series, series_ids, "series")
    needs = {
        "forces": ("faction", "amount"),
        "relation": ("actor", "target", "relation", "amount"),
        "series": ("series", "amount"),
        "settle": ("issue",),
        "salience": ("actor", "issue", "amount"),
        "sorties": ("faction", "amount"),
        "control": ("faction", "region", "amount"),
        "office": ("office", "actor"),
    }
    for field in needs.get(e.kind, ()):
        if getattr(e, field) is None:
            yield ((*p, field), f"a {e.kind!r} effect needs `{field}`", None, ())


def _check_regions(s: Scenario, actors, factions) -> Iterator[Finding]:
    nodes = s.regions.nodes
    yield from _dupes(nodes, "regions.nodes")
    by_id = {r.id: r for r in nodes}
    base = ("regions", "nodes")
    holders = factions | {CONTESTED}
    for i, r in enumerate(nodes):
        if r.kind == "governorate":
            if r.parent is not None:
                yield (
                    (*base, i, "parent"),
                    "a governorate has no parent (governorates partition the country)",
                    r.parent,
                    (),
                )
            if r.area_km2 is None:
                yield ((*base, i, "area_km2"), "a governorate needs its area", None, ())
        else:
            if r.parent is None or r.parent not in by_id:
                yield (
                    (*base, i, "parent"),
                    "a site needs a parent governorate",
                    r.parent,
                    tuple(x.id for x in nodes if x.kind == "governorate"),
                )
            elif by_id[r.parent].kind != "governorate":
                yield ((*base, i, "parent"), "a site's parent must be a governorate", r.parent, ())
            if r.area_km2 is None and not r.point:
                yield ((*base, i), "a site needs `area_km2` or `point: true`", r.id, ())
        yield from _bounded((*base, i, "area_km2"), r.area_km2, 0, float("inf"), "an area")
        yield from _bounded((*base, i, "population"), r.population, 0, float("inf"), "a population")
        if r.control is not None:
            for k in r.control.mean_:
                if k not in holders:
                    yield (
                        (*base, i, "control", "mean", k),
                        "unknown faction",
                        k,
                        tuple(sorted(holders)),
                    )
    region_ids = set(by_id)
    supply_ids = {n.id for n in s.regions.supply_nodes}
    for i, adj in enumerate(s.regions.adjacency):
        for f in ("a", "b"):
            yield from _ref(("regions", "adjacency", i, f), getattr(adj, f), region_ids, "region")
    for i, n in enumerate(s.regions.supply_nodes):
        if n.id in region_ids:
            yield (
                ("regions", "supply_nodes", i, "id"),
                "a supply node id must differ from region ids",
                n.id,
                (),
            )
        if not n.adjacent:
            yield (
                ("regions", "supply_nodes", i, "adjacent"),
                "a supply node must touch at least one region",
                [],
                (),
            )
        for j, r in enumerate(n.adjacent):
            yield from _ref(("regions", "supply_nodes", i, "adjacent", j), r, region_ids, "region")
        for j, f in enumerate(n.open_to):
            yield from _ref(("regions", "supply_nodes", i, "open_to", j), f, factions, "faction")
    for i, f in enumerate(s.factions):
        for j, n in enumerate(f.supply_nodes):
            yield from _ref(("factions", i, "supply_nodes", j), n, supply_ids, "supply node")
    for i, d in enumerate(s.regions.deployments):
        yield from _ref(("regions", "deployments", i, "faction"), d.faction, factions, "faction")
        yield from _ref(("regions", "deployments", i, "region"), d.region, region_ids, "region")
        yield from _bounded(
            ("regions", "deployments", i, "fighters"), d.fighters, 0, float("inf"), "manpower"
        )
    yield from _bounded(
        ("regions", "capture_threshold"), s.regions.capture_threshold, 0, 1, "capture_threshold"
    )


def _check_sources(s: Scenario, sources: set[str]) -> Iterator[Finding]:
    from .walk import walk

    for node in walk(s):
        src = getattr(node.value, "src", None) if isinstance(node.value, Sourced) else None
        refs = (
            [((*node.path, "src"), src)]
            if isinstance(src, str)
            else [((*node.path, "src", j), x) for j, x in enumerate(src or [])]
        )
        for path, ref in refs:
            if ref in sources:
                continue
            yield (
                path,
                "unknown source id (declare it under `sources`)",
                ref,
                tuple(sorted(sources)),
            )


def _check_alignment(s: Scenario, actors) -> Iterator[Finding]:
    m = s.alignment
    by_id = {a.id: a for a in s.actors}
    names = m.players or [a.id for a in s.actors if a.alignment is not None]
    if len(names) < 2:
        yield (("alignment",), "the alignment model needs at least two players", len(names), ())
    for j, actor in enumerate(names):
        a = by_id.get(actor)
        if a is None:
            yield (("alignment", "players", j), "unknown actor id", actor, tuple(sorted(actors)))
        elif a.alignment is None:
            yield (("alignment", "players", j), "a player needs an `alignment` value", actor, ())
        elif not any(c in a.capabilities for c in m.size):
            yield (
                ("alignment", "size"),
                f"actor {actor!r} has none of these capabilities",
                m.size,
                tuple(a.capabilities),
            )
    for actor in m.anchors:
        if actor not in names:
            yield (("alignment", "anchors", actor), "not a player", actor, tuple(names))
    yield from _bounded(("alignment", "beta"), m.beta, 0, float("inf"), "beta")
    for key in ("eta_support", "eta_hostility", "eta_balance"):
        yield from _bounded(("alignment", key), getattr(m, key), 0, 1, key)


def _feature_problem(spec: str, s: Scenario) -> tuple[str, tuple] | None:
    from ..drivers import Coords
    from ..features import problem

    return problem(spec, Coords(s.labels()))


def _check_features(s: Scenario) -> Iterator[Finding]:
    """Payoff features and hazard drivers must name registry features bound to known ids."""
    for i, g in enumerate(s.games):
        for j, pay in enumerate(g.payoffs):
            for spec in pay.features:
                found = _feature_problem(spec, s)
                if found:
                    yield (("games", i, "payoffs", j, "features", spec), found[0], spec, found[1])
    for i, a in enumerate(s.actions):
        for spec in a.drivers:
            found = _feature_problem(spec, s)
            if found:
                yield (("actions", i, "drivers", spec), found[0], spec, found[1])
        for j, spec in enumerate(a.requires):
            found = _feature_problem(spec, s)
            if found:
                yield (("actions", i, "requires", j), found[0], spec, found[1])


def _check_coupling(s: Scenario) -> Iterator[Finding]:
    """Coupling rules: a known feature read, movable drivers with known dims and ids, a form they
    take, a seed quotation, no cycle of same-month rules (realpolitik.coupling)."""
    from .. import coupling
    from ..drivers import Coords
    from ..errors import ScenarioError

    coords = Coords(s.labels())
    seen: set[str] = set()
    errors = False
    for i, r in enumerate(s.coupling):
        p = ("coupling", i)
        if r.id in seen:
            yield ((*p, "id"), "duplicate rule id", r.id, ())
        seen.add(r.id)
        found = _feature_problem(r.reads, s)
        if found:
            errors = True
            yield ((*p, "reads"), found[0], r.reads, found[1])
        try:
            coupling.targets(r, coords, s.meta.id, "")
        except ScenarioError as exc:
            errors = True
            for prob in exc.problems:
                path = tuple(
                    int(x[x.index("[") + 1 : -1]) if x.startswith("moves[") else x
                    for x in prob.path.strip(".").split(".")
                )
                path = tuple(
                    y for x in path for y in (("moves", x) if isinstance(x, int) else (x,))
                )
                yield ((*p, *path), prob.message, prob.value, prob.options)
        if r.cap is not None and r.cap[0] > r.cap[1]:
            yield ((*p, "cap"), "cap is [low, high] with low <= high", r.cap, ())
        if not r.seed:
            yield ((*p,), "a coupling rule quotes the sentence of the analysis it models (`seed`)",
                   r.id, ())  # fmt: skip
    if errors:
        return
    ring = coupling.cycle(s.coupling, coords)
    if ring:
        first = next(i for i, r in enumerate(s.coupling) if r.id == ring.split(" → ")[0])
        yield (("coupling", first, "reads"), "a cycle of same-month rules (give one a `lag`)",
               ring, ())  # fmt: skip
