"""Counterfactuals: JSON merge patches (RFC 7396) applied by id, then re-validated.

RFC 7396 replaces lists wholesale, which would make patching one actor in a list of twenty clumsy; so a
list whose items all have an ``id`` is patched as if it were a mapping from id to item: a patch mapping
``{russia: {capabilities: {…}}}`` merges into the item with id ``russia``, ``{russia: null}`` removes it,
and an unknown id appends a new item (with that id). Everything else follows RFC 7396.
"""

from __future__ import annotations

import copy

from ..errors import Problem, ScenarioError
from .loader import ScenarioDoc, parse


def _is_id_list(value) -> bool:
    return (
        isinstance(value, list)
        and value != []
        and all(isinstance(x, dict) and "id" in x for x in value)
    )


def merge_patch(target, patch):
    """RFC 7396 merge patch, with lists of id'd items patched by id."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if _is_id_list(target):
        out = [copy.deepcopy(x) for x in target]
        index = {x["id"]: i for i, x in enumerate(out)}
        removed = set()
        for key, value in patch.items():
            if value is None:
                removed.add(key)
            elif key in index:
                out[index[key]] = merge_patch(out[index[key]], value)
            else:
                out.append({"id": key, **merge_patch({}, value)})
        return [x for x in out if x["id"] not in removed]
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
        raise ScenarioError(
            [
                Problem(
                    str(doc.path or "<scenario>"),
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
