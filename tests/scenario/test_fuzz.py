"""Fuzz the loader: whatever the input, only ScenarioError comes out (1,200 cases in all)."""

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from realpolitik import yamlio
from realpolitik.errors import ScenarioError
from realpolitik.scenario.loader import parse

from ..conftest import DATA

MINI = (DATA / "mini.yaml").read_text()

YAML_CHARS = st.sampled_from(
    list("abcdeimnorstuy019-_:{}[],&*!|>'\"#%@`?. \n\t") + ["\u2014", "\u00e9", "\x00"]
)
SETTINGS = dict(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


def load_text(text: str) -> None:
    try:
        data, pos = yamlio.loads(text, "fuzz.yaml")
        parse(data, pos)
    except ScenarioError as exc:
        assert exc.problems and all(str(p).startswith("fuzz.yaml") for p in exc.problems)


@settings(max_examples=500, **SETTINGS)
@given(st.lists(YAML_CHARS, max_size=300).map("".join))
def test_random_text(text):
    load_text(text)


@settings(max_examples=200, **SETTINGS)
@given(st.text(max_size=200))
def test_random_unicode(text):
    load_text(text)


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8)
    | st.dates().map(str),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*path, i))


@settings(max_examples=200, **SETTINGS)
@given(data=st.data())
def test_mutated_scenarios(data):
    doc, _ = yamlio.loads(MINI)
    paths = [p for p in _paths(doc) if p]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = doc
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(JSONISH)
        except (KeyError, IndexError, TypeError):
            continue
    buf = io.StringIO()
    y = YAML(typ="safe", pure=True)
    y.default_flow_style = False
    try:
        y.dump(doc, buf)
    except Exception:  # noqa: BLE001 - unrepresentable mutation, nothing to load
        return
    load_text(buf.getvalue())
