"""Scenario → :class:`realpolitik.engines.politics.Params` (leadership and the Security Council).

Leadership (``leadership`` entry of the office ``office``, default ``syria-president``):
``coup_base``/``exit_base`` are (k + ½)/E or, with ``rng``, Gamma(k + ½, E) draws keyed
``leadership.<office>.coup`` / ``.exit``; ``ties_ref`` is the sampled intensity of the relation named
by ``ties``; ``territory_ref`` the faction's territory at as_of (percent, :mod:`.asof`); holder and
successors are indices into the scenario's actors (the ``office_holder`` coordinate).

Council: voters in the engine's order (P5 = china, france, russia, uk, usa; the seat holder; the
other elected members). Draft rates from each type's ``base_rate`` (keyed ``council.draft_types.<id>.
base_rate``); ``escalation_ref`` = the escalation feature at as_of. The seat is held over months
[from, to] counted from ``meta.start`` in members whose keyed uniform ``council.seat.held`` is below
its probability (without ``rng``: held when the probability is at least ½).
"""

from __future__ import annotations

import numpy as np

from ..engines import politics as engine
from ..rng import MemberRNG
from ..scenario.schema import Scenario
from ..scenario.sections import ELECTED
from .actions import base_rate
from .asof import months_between, reference_values, territory_percent


def compile_leader(
    s: Scenario, samples, n: int, rng: MemberRNG | None = None, office: str = "syria-president"
) -> engine.LeaderParams:
    ld = next((x for x in s.leadership if x.id == office), None)
    if ld is None:
        raise ValueError(f"the scenario declares no leadership for office {office!r}")
    holder = next(o.holder for o in s.offices if o.id == office)
    actors = s.actor_ids()
    key = f"leadership.{office}"
    return engine.LeaderParams(
        coup_base=base_rate(ld.coup.events, ld.coup.exposure, f"{key}.coup", n, rng),
        exit_base=base_rate(ld.exit.events, ld.exit.exposure, f"{key}.exit", n, rng),
        coup_proof_odds=samples[f"{key}.coup_proof_odds"],
        beta_ties=samples[f"{key}.beta_ties"],
        beta_collapse=samples[f"{key}.beta_collapse"],
        ties_ref=samples[f"relations.{ld.ties}.intensity"],
        territory_ref=territory_percent(s, samples, ld.faction, n),
        incumbent=actors.index(holder),
        successor_army=actors.index(ld.successor_army),
        successor_other=actors.index(ld.successor_other),
        lag=ld.lag,
        office=office,
    )


def voters(s: Scenario) -> list[str]:
    """The council's voter keys in the engine's order."""
    return [*engine.P5, s.council.seat.actor, ELECTED]


def compile_council(
    s: Scenario, samples, n: int, rng: MemberRNG | None = None
) -> engine.CouncilParams:
    c = s.council
    if c is None:
        raise ValueError("the scenario has no `council` section")
    keys = voters(s)
    types = [t.id for t in c.draft_types]

    def per_type(field):
        return np.stack([samples[f"council.draft_types.{t}.{field}"] for t in types], 1)

    rates = [
        base_rate(
            t.base_rate.events,
            t.base_rate.exposure,
            f"council.draft_types.{t.id}.base_rate",
            n,
            rng,
        )
        for t in c.draft_types
    ]
    p = samples["council.seat.probability"]
    u = rng.uniform("council.seat.held") if rng is not None else np.full(n, 0.5)
    held = u < p if rng is not None else p >= 0.5
    start = s.meta.start or f"{s.meta.as_of:%Y-%m}"
    first = months_between(start, c.seat.from_)
    last = months_between(start, c.seat.to) + 1
    return engine.CouncilParams(
        types=tuple(types),
        sponsor=np.array([keys.index(t.sponsor) for t in c.draft_types]),
        draft_rate=np.stack(rates, 1),
        escalation_coef=per_type("escalation_coef"),
        escalation_ref=reference_values(s, samples, [c.escalation], n, "council.escalation")[:, 0],
        compromise=per_type("compromise"),
        position=np.stack([samples[f"council.voters.{k}.position"] for k in keys], 1),
        alignment_weight=np.stack(
            [samples[f"council.voters.{k}.alignment_weight"] for k in keys], 1
        ),
        precision=samples["council.precision"],
        abstain=samples["council.abstention"],
        status_quo=samples["council.status_quo"],
        egypt_seat_from=np.full(n, first, np.int64),
        egypt_seat_to=np.where(held, last, first).astype(np.int64),
        roadmap_type=types.index(c.roadmap_type),
        russian_type=types.index(c.russian_type),
    )


def compile_politics(
    s: Scenario, samples: dict[str, np.ndarray], n_members: int, rng: MemberRNG | None = None
) -> engine.Params:
    return engine.Params(
        leader=compile_leader(s, samples, n_members, rng),
        council=compile_council(s, samples, n_members, rng),
    )
