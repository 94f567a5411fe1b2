import pytest

from realpolitik.errors import ScenarioError
from realpolitik.scenario import load_doc
from realpolitik.scenario.patch import apply_counterfactual, merge_patch


def test_rfc7396_examples():
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch(["a", "b"], ["c", "d"]) == ["c", "d"]


def test_lists_of_items_with_ids_patch_by_id():
    items = [{"id": "x", "v": 1}, {"id": "y", "v": 2}]
    assert merge_patch(items, {"y": {"v": 3}, "z": {"v": 4}, "x": None}) == [
        {"id": "y", "v": 3},
        {"id": "z", "v": 4},
    ]
    assert items[1]["v"] == 2  # the original is untouched


def test_counterfactual_applies_and_revalidates(mini_path):
    doc = load_doc(mini_path)
    cf = apply_counterfactual(doc, "no-russia")
    assert cf.scenario.relations == []
    assert cf.scenario.actors[0].capabilities["cinc"] == 0.01
    assert doc.scenario.actors[0].capabilities["cinc"] == 0.05
    with pytest.raises(ScenarioError, match="unknown counterfactual.*valid: no-russia"):
        apply_counterfactual(doc, "nope")


def test_relations_and_deployments_patch_by_natural_key():
    rel = [
        {"from": "russia", "to": "regime", "type": "support", "kind": "air", "intensity": 0.8},
        {"from": "isis", "to": "regime", "type": "hostility", "intensity": 1},
    ]
    out = merge_patch(
        rel, {"russia>regime:support:air": {"intensity": 0.2}, "isis>regime:hostility": None}
    )
    assert out == [
        {"from": "russia", "to": "regime", "type": "support", "kind": "air", "intensity": 0.2}
    ]
    dep = [{"faction": "regime", "region": "homs", "fighters": 100}]
    assert merge_patch(dep, {"regime@homs": {"fighters": 5}})[0]["fighters"] == 5


def test_a_quantity_replaces_a_quantity_whole():
    target = {"x": {"dist": "triangular", "low": 1, "mode": 2, "high": 3, "src": "a"}}
    assert merge_patch(target, {"x": {"value": 0, "src": "b"}}) == {"x": {"value": 0, "src": "b"}}
    assert merge_patch(target, {"x": {"value": 0, "dist": None}}) == {"x": {"value": 0}}
