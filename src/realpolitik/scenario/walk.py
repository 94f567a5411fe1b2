"""Walk every number of a scenario, with its path, its stable key and the entity that sources it.

The *key* names a value by ids, not list positions (``actors.russia.capabilities.cinc``), so the
keyed random numbers of one parameter do not change when another actor is added or reordered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel

from .quantities import Dirichlet, Fixed, Sourced
from .schema import DIST_TYPES, Adjacency, Deployment, Effect, Payoff, Relation, Scenario

QUANTITY_CLASSES = (Fixed, Dirichlet, *DIST_TYPES.values())
PROVENANCE_FIELDS = ("seed", "cite", "judgement", "src", "derivation")
SECTIONS = (
    "actors",
    "factions",
    "relations",
    "issues",
    "offices",
    "regions",
    "alignment",
    "games",
    "actions",
    "series",
    "events",
    "leadership",
    "council",
    "population",
    "combat",
)


@dataclass(frozen=True)
class Value:
    path: tuple  # positional path, for locating in the file
    key: str  # id-based key, for random numbers
    value: object  # float or a distribution model
    owner: Sourced | None  # nearest entity (or the value itself) that carries provenance
    owner_path: tuple


def has_provenance(node) -> bool:
    return isinstance(node, Sourced) and node.has_provenance()


def relation_label(r: Relation) -> str:
    """A relation's stable name: ``from>to:type`` plus ``:kind`` when it has one."""
    return f"{r.from_}>{r.to}:{r.type}" + (f":{r.kind}" if r.kind else "")


def item_label(item, index: int) -> str:
    """A list item's stable name: its id, or what identifies it."""
    if isinstance(item, Relation):
        return relation_label(item)
    if isinstance(item, Deployment):
        return f"{item.faction}@{item.region}"
    if isinstance(item, Adjacency):
        return f"{item.a}~{item.b}"
    if isinstance(item, Payoff):
        against = ",".join(f"{k}={v}" for k, v in sorted(item.against.items()))
        return f"{item.player}:{item.strategy}" + (f"|{against}" if against else "")
    if isinstance(item, Effect):
        return f"{item.kind}{index}"
    return str(getattr(item, "id", index))


def iter_values(s: Scenario) -> Iterator[Value]:
    def visit(obj, path, key, owner, owner_path):
        if isinstance(obj, QUANTITY_CLASSES):
            if has_provenance(obj):
                owner, owner_path = obj, path
            yield Value(path, key, obj, owner, owner_path)
            return
        if isinstance(obj, BaseModel):
            if has_provenance(obj):
                owner, owner_path = obj, path
            for name, f in type(obj).model_fields.items():
                if name in PROVENANCE_FIELDS or name == "schema_version":
                    continue
                alias = f.alias or name
                yield from visit(
                    getattr(obj, name), (*path, alias), f"{key}.{alias}", owner, owner_path
                )
        elif isinstance(obj, dict):
            for k, v in obj.items():
                yield from visit(v, (*path, k), f"{key}.{k}", owner, owner_path)
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                yield from visit(v, (*path, i), f"{key}.{item_label(v, i)}", owner, owner_path)
        elif isinstance(obj, int | float) and not isinstance(obj, bool):
            yield Value(path, key, obj, owner, owner_path)

    for name in SECTIONS:
        yield from visit(getattr(s, name), (name,), name, None, ())
