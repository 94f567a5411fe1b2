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
    "leverage",
    "coupling",
)


@dataclass(frozen=True)
class Node:
    path: tuple  # positional path, for locating in the file
    key: str  # id-based key, for random numbers
    value: object  # a model, mapping, list, number or distribution
    owner: Sourced | None  # nearest entity (or the value itself) that carries provenance
    owner_path: tuple


Value = Node  # a number or a distribution (what :func:`iter_values` yields)


def has_provenance(node) -> bool:
    return isinstance(node, Sourced) and node.has_provenance()


def item_label(item, index: int) -> str:
    """A list item's stable name: its id, or what identifies it."""
    if isinstance(item, Relation):
        return item.label
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


def walk(
    obj, path: tuple = (), key: str = "", owner=None, owner_path: tuple = ()
) -> Iterator[Node]:
    """Every node under ``obj`` (the one walker of the scenario tree): models, mappings, lists and
    leaves, each with its positional path, its id-based key and its provenance owner. A quantity (a
    number, a fixed value or a distribution) is a leaf; provenance fields are not descended."""
    if has_provenance(obj):
        owner, owner_path = obj, path
    yield Node(path, key, obj, owner, owner_path)
    if isinstance(obj, QUANTITY_CLASSES):
        return
    if isinstance(obj, BaseModel):
        for name, f in type(obj).model_fields.items():
            if name in PROVENANCE_FIELDS or name == "schema_version":
                continue
            alias = f.alias or name
            yield from walk(getattr(obj, name), (*path, alias), f"{key}.{alias}", owner, owner_path)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, (*path, k), f"{key}.{k}", owner, owner_path)
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, (*path, i), f"{key}.{item_label(v, i)}", owner, owner_path)


def is_value(x) -> bool:
    return isinstance(x, QUANTITY_CLASSES) or (
        isinstance(x, int | float) and not isinstance(x, bool)
    )


def iter_values(s: Scenario) -> Iterator[Node]:
    """Every number and distribution of the scenario's sections (what is sampled and linted)."""
    for name in SECTIONS:
        for node in walk(getattr(s, name), (name,), name):
            if is_value(node.value):
                yield node
