"""The ``leverage:`` section: each actor's bargaining capability on the issues whose ``capability`` is
``leverage``, from the state of the war rather than a global index (compile/leverage.py).

The expected-utility model's capability is an actor's potential influence *on the issue* (Bueno de
Mesquita 1997, *International Interactions* 23; *The Predictioneer's Game*, 2009: influence elicited
per decision; Senturion, Abdollahian et al. 2006, for local and international stakeholders). Here it
is a weighted sum of four observable components, recomputed every month:

    c_i = w_presence·σ_i·X_f + w_ground·σ_i·P_f + w_patronage·Σ_g min(1, S_ig)·(X_g + P_g)/2
          + w_veto·v_i

with X_f the share of all fighters in the country held by the actor's faction f, P_f the share of the
country's population it holds, σ_i the actor's share of its faction (by the actor capability
``split``), S_ig the summed intensity of the actor's support relations of the listed ``kinds`` to
members of another faction g, and v_i = 1/|veto_holders| for an actor whose consent a settlement
needs (e.g. the Security Council's permanent members), else 0.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from .quantities import Sourced
from .schema import Id, Quantity


class Leverage(Sourced):
    """Weights of the four components (module docstring), the support kinds that count as material
    leverage over a client, the capability that splits a faction's leverage among its members, and
    the institutional veto holders."""

    presence: Quantity = Field(description="weight of the faction's share of fighters")
    ground: Quantity = Field(description="weight of the faction's share of the population held")
    patronage: Quantity = Field(description="weight of the clients' share, per unit of support")
    veto: Quantity = Field(description="weight of an institutional veto over a settlement")
    kinds: list[str] = Field(min_length=1, description="support kinds that give leverage")
    split: str = Field(description="actor capability that splits a faction's leverage")
    veto_holders: list[Id] = Field(default_factory=list)


def check_leverage(s) -> Iterator[tuple]:
    """Findings ``(path, message, value, options)``: issues using ``capability: leverage`` need the
    section and factions; every member of a faction with several members needs the ``split``
    capability; ids must exist; weights must be ≥ 0."""
    from .findings import bounded, ref

    uses = [i for i, issue in enumerate(s.issues) if issue.capability == "leverage"]
    m = s.leverage
    if m is None:
        for i in uses:
            yield (("issues", i, "capability"), "`capability: leverage` needs a `leverage` section",
                   "leverage", ())  # fmt: skip
        return
    if not s.factions:
        yield (("leverage",), "leverage is read from the factions' forces and ground", None, ())
    for name in ("presence", "ground", "patronage", "veto"):
        yield from bounded(("leverage", name), getattr(m, name), 0, float("inf"), "a weight")
    actors = {a.id: a for a in s.actors}
    for j, holder in enumerate(m.veto_holders):
        yield from ref(("leverage", "veto_holders", j), holder, set(actors), "actor")
    kinds = {r.kind for r in s.relations if r.type == "support" and r.kind}
    for j, kind in enumerate(m.kinds):
        yield from ref(("leverage", "kinds", j), kind, kinds, "support kind")
    for i, f in enumerate(s.factions):
        if len(f.members) < 2:
            continue
        for member in f.members:
            a = actors.get(member)
            if a is not None and m.split not in a.capabilities:
                yield (("factions", i, "members"),
                       f"a member of a faction of several needs the capability {m.split!r} "
                       "(leverage.split)", member, tuple(a.capabilities))  # fmt: skip
