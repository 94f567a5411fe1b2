"""Scenario → the leadership and council engine (engines/politics.py).

Leadership (one entry per office in ``leadership``): ``coup_base``/``exit_base`` are keyed draws from
Gamma(k + ½, E) (keys ``leadership.<office>.coup`` / ``.exit``); ``ties_ref`` and ``territory_ref``
the covariates at as_of in the base scenario; holder and successors index the actor labels.

Council: voters are the ``permanent`` members, the seat holder and the elected group (``elected``),
in that order. Draft rates are keyed Gamma draws of each type's reference class
(``council.draft_types.<id>.base_rate``); ``escalation_ref`` the escalation feature at as_of in the
base scenario. The seat is held over months [from, to] counted from ``meta.start`` in members whose
keyed uniform ``council.seat.held`` is below its probability.

Inputs: ``territory`` (the leadership factions' territory share × 100), ``ties`` (the ``ties``
relation's intensity), ``appoint``, ``escalation`` (a feature), ``voter_alignment`` (the voters'
alignment; the elected group ½). Outputs: ``office_holder``; the council acts' courses
(:class:`CouncilActs`); the vetoes series (:class:`VetoCount`, in compile/loop.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import features
from ..drivers import Put, Take
from ..engines import politics as engine
from ..scenario.schema import Scenario
from ..scenario.sections import ELECTED
from ..trajectory import course_label, month_index
from . import Draws, EngineSpec
from .actions import base_rate, prior_events


def applies(s: Scenario) -> bool:
    return bool(s.leadership) and s.council is not None


def leader(d: Draws) -> engine.LeaderParams:
    s, samples = d.scenario, d.samples
    actors = list(d.coords.of("actor"))
    holders = {o.id: o.holder for o in s.offices}

    def per_office(key):
        return np.stack([samples[f"leadership.{ld.id}.{key}"] for ld in s.leadership], 1)

    def rates(route):
        return np.stack(
            [
                base_rate(
                    getattr(ld, route).events,
                    getattr(ld, route).exposure,
                    f"leadership.{ld.id}.{route}",
                    d.rng,
                    prior_events(s),
                )  # fmt: skip
                for ld in s.leadership
            ],
            1,
        )

    return engine.LeaderParams(
        offices=tuple(ld.id for ld in s.leadership),
        incumbent=np.array([actors.index(holders[ld.id]) for ld in s.leadership]),
        successor_army=np.array([actors.index(ld.successor_army) for ld in s.leadership]),
        successor_other=np.array([actors.index(ld.successor_other) for ld in s.leadership]),
        coup_base=rates("coup"),
        exit_base=rates("exit"),
        coup_proof_odds=per_office("coup_proof_odds"),
        beta_ties=per_office("beta_ties"),
        beta_collapse=per_office("beta_collapse"),
        ties_ref=np.stack(
            [d.x_ref(f"relation:{ld.ties}", f"leadership.{ld.id}.ties") for ld in s.leadership], 1
        ),
        territory_ref=100.0
        * np.stack(
            [
                d.x_ref(f"territory-share:{ld.faction}", f"leadership.{ld.id}.faction")
                for ld in s.leadership
            ],
            1,
        ),  # fmt: skip
        lag=max(ld.lag for ld in s.leadership),
    )


def voters(s: Scenario) -> list[str]:
    """The council's voter keys in the engine's order: permanent members, seat holder, group."""
    return [*s.council.permanent, s.council.seat.actor, ELECTED]


def council(d: Draws) -> engine.CouncilParams:
    s, samples, n = d.scenario, d.samples, d.n
    c = s.council
    keys = voters(s)
    types = [t.id for t in c.draft_types]

    def per_type(name):
        return np.stack([samples[f"council.draft_types.{t}.{name}"] for t in types], 1)

    rates = [
        base_rate(t.base_rate.events, t.base_rate.exposure,
                  f"council.draft_types.{t.id}.base_rate", d.rng, prior_events(s))
        for t in c.draft_types
    ]  # fmt: skip
    held = d.rng.uniform("council.seat.held") < samples["council.seat.probability"]
    start = s.meta.start or f"{s.meta.as_of:%Y-%m}"
    first = month_index(start, c.seat.from_)
    last = month_index(start, c.seat.to) + 1
    return engine.CouncilParams(
        types=tuple(types),
        voters=tuple(keys),
        n_permanent=len(c.permanent),
        sponsor=np.array([keys.index(t.sponsor) for t in c.draft_types]),
        elected_seats=c.elected_seats,
        draft_rate=np.stack(rates, 1),
        escalation_coef=per_type("escalation_coef"),
        escalation_ref=d.x_ref(c.escalation, "council.escalation"),
        compromise=per_type("compromise"),
        position=np.stack([samples[f"council.voters.{k}.position"] for k in keys], 1),
        alignment_weight=np.stack(
            [samples[f"council.voters.{k}.alignment_weight"] for k in keys], 1
        ),
        precision=samples["council.precision"],
        abstain=samples["council.abstention"],
        status_quo=samples["council.status_quo"],
        seat_from=np.full(n, first, np.int64),
        seat_to=np.where(held, last, first).astype(np.int64),
    )


@dataclass(frozen=True)
class CouncilActs:
    """The council acts as courses: per act its course, outcome, draft type (−1: any) and voter."""

    course: np.ndarray  # (K_acts,)
    outcome: tuple[str, ...]
    draft_type: np.ndarray
    voter: np.ndarray

    def acted(self, out: engine.Outputs) -> np.ndarray:
        """(M, K_acts) bool: each act taken this month."""
        cols = []
        for o, t, v in zip(self.outcome, self.draft_type, self.voter, strict=True):
            if o == "veto":
                x = out.vetoed[:, :, v] if t < 0 else out.vetoed[:, t : t + 1, v]
                cols.append(x.sum(1) > 0)
            elif o == "adopted":
                cols.append(out.adopted[:, t] > 0)
            else:
                cols.append(out.yes[:, t, v] > 0)
        return np.stack(cols, 1) if cols else np.zeros((out.adopted.shape[0], 0), bool)


def council_acts(d: Draws) -> CouncilActs:
    s = d.scenario
    c = s.council
    keys, types = voters(s), [t.id for t in c.draft_types]
    acts = c.acts
    return CouncilActs(
        course=d.coords.index(
            "course", [course_label(a.actor, a.id) for a in acts], d.where, "council.acts"
        ),  # fmt: skip
        outcome=tuple(a.outcome for a in acts),
        draft_type=np.array([types.index(a.draft_type) if a.draft_type else -1 for a in acts]),
        voter=np.array([keys.index(a.actor) if a.actor in keys else -1 for a in acts]),
    )


def compile(d: Draws) -> EngineSpec:  # noqa: A001
    s = d.scenario
    p = engine.Params(leader=leader(d), council=council(d))
    factions = [ld.faction for ld in s.leadership]
    ties = [ld.ties for ld in s.leadership]
    vote_actors = [k if k != ELECTED else None for k in voters(s)]
    offices = d.coords.index("office", list(p.offices), d.where, "leadership")
    inputs = {
        "territory": Take(
            "territory_share",
            (d.coords.index("faction", factions, d.where, "leadership.faction"),),
            scale=100.0,
        ),  # fmt: skip
        "ties": Take(
            "relation_intensity", (d.coords.index("relation", ties, d.where, "leadership.ties"),)
        ),  # fmt: skip
        "appoint": Take("appoint", (offices,)),
        "escalation": features.Single(
            features.bind(s.council.escalation, d.coords, d.where, "council.escalation")
        ),  # fmt: skip
        "voter_alignment": Take(
            "alignment",
            (d.coords.index("actor", vote_actors, d.where, "council.voters"),),
            fill=0.5,
        ),
    }
    outputs = (Put("office_holder", "office_holder", (offices,)),)
    return EngineSpec("politics", p, inputs, outputs, {"acts": council_acts(d)})
