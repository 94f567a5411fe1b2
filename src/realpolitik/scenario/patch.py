"""Counterfactuals: JSON merge patches (RFC 7396) applied by key, then re-validated.

RFC 7396 replaces lists wholesale, which would make patching one actor in a list of twenty clumsy; so a
list whose items all have a key is patched as if it were a mapping from key to item: a patch mapping
``{russia: {capabilities: {…}}}`` merges into the item with id ``russia``, ``{russia: null}`` removes it,
and an unknown key appends a new item (with that id). An item's key is its ``id``; a relation's is
``from>to:type`` (``:kind`` added when it has one) and a deployment's ``faction@region`` — the same names
the keyed random numbers use.

A quantity in a patch (a mapping with ``value`` or ``dist``) replaces the quantity it patches whole, so a
distribution can become a fixed value without nulling its old parameters. Everything else follows RFC 7396.
"""

from __future__ import annotations

import copy

from ..errors import Problem, ScenarioError
from .loader import ScenarioDoc, parse


def item_key(item) -> str | None:
    """The name a list item is patched by (see the module docstring), or None."""
    if not isinstance(item, dict):
        return None
    if "id" in item:
        return str(item["id"])
    if {"from", "to", "type"} <= item.keys():
        kind = f":{item['kind']}" if item.get("kind") else ""
        return f"{item['from']}>{item['to']}:{item['type']}{kind}"
    if {"faction", "region"} <= item.keys():
        return f"{item['faction']}@{item['region']}"
    return None


def _is_keyed_list(value) -> bool:
    return isinstance(value, list) and value != [] and all(item_key(x) is not None for x in value)


def _is_quantity(patch) -> bool:
    return isinstance(patch, dict) and ("value" in patch or "dist" in patch)


def merge_patch(target, patch):
    """RFC 7396 merge patch, with keyed lists patched by key and quantities replaced whole."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if _is_quantity(patch):
        return {k: copy.deepcopy(v) for k, v in patch.items() if v is not None}
    if _is_keyed_list(target):
        out = [copy.deepcopy(x) for x in target]
        index = {item_key(x): i for i, x in enumerate(out)}
        removed = set()
        for key, value in patch.items():
            if value is None:
                removed.add(key)
            elif key in index:
                out[index[key]] = merge_patch(out[index[key]], value)
            else:
                out.append({"id": key, **merge_patch({}, value)})
        return [x for x in out if item_key(x) not in removed]
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_counterfactual(doc: ScenarioDoc, cf_id: str) -> ScenarioDoc:
    """The scenario with counterfactual ``cf_id``'s patch applied (``do:`` stays on the counterfactual)."""
    ids = [c.id for c in doc.scenario.counterfactuals]
    if cf_id not in ids:
        where = str(doc.path or "<scenario>")
        raise ScenarioError(
            [
                Problem(
                    where,
                    None,
                    None,
                    "counterfactuals",
                    "unknown counterfactual",
                    repr(cf_id),
                    tuple(ids),
                )
            ]
        )
    cf = doc.scenario.counterfactuals[ids.index(cf_id)]
    if not cf.patch:
        return doc
    data = merge_patch(doc.data, cf.patch)
    try:
        return parse(data, doc.positions, doc.path)
    except ScenarioError as exc:
        raise ScenarioError(
            [
                Problem(
                    p.file,
                    p.line,
                    p.column,
                    p.path,
                    f"after counterfactual {cf_id!r}: {p.message}",
                    p.value,
                    p.options,
                )
                for p in exc.problems
            ]
        ) from None
