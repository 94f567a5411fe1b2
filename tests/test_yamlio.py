import datetime as dt

import pytest

from realpolitik import yamlio
from realpolitik.errors import ScenarioError


def test_yaml_12_keeps_on_yes_no_as_strings_and_positions():
    data, pos = yamlio.loads("on: yes\nno: off\nd: 2015-10-05\nl:\n  - 1\n  - x\n", "f.yaml")
    assert data == {"on": "yes", "no": "off", "d": dt.date(2015, 10, 5), "l": [1, "x"]}
    assert pos.values[("l", 1)] == (6, 5)
    assert pos.keys[("d",)] == (3, 1)


def _error(text: str) -> str:
    with pytest.raises(ScenarioError) as exc:
        yamlio.loads(text, "f.yaml")
    return str(exc.value)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hacked']\n",
        "a: !!python/name:os.system\n",
        "a: !custom 3\n",
        "a: !!str 3\n",
        "a: !!map {b: 1}\n",
    ],
)
def test_every_tag_is_refused(text):
    msg = _error(text)
    assert "f.yaml:1:" in msg and "tags are not allowed" in msg


def test_anchors_and_aliases_are_refused():
    msg = _error("a: &x [1, 2]\nb: *x\n")
    assert "f.yaml:1:4" in msg and "anchors are not allowed" in msg
    assert "f.yaml:2:4" in msg and "aliases are not allowed" in msg


def test_alias_bomb_is_refused_fast():
    bomb = "a: &a [x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert "aliases are not allowed" in _error(bomb)


def test_yaml_11_directive_is_refused():
    assert "only YAML 1.2" in _error("%YAML 1.1\n---\na: on\n")


def test_duplicate_key():
    msg = _error("a: 1\nb: 2\na: 3\n")
    assert "f.yaml:3:1" in msg and "duplicate key" in msg


def test_syntax_error_is_located():
    assert "f.yaml:3:1: <document>: not valid YAML" in _error("a: [1,\nb: 2\n")


def test_size_binary_and_encoding(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: 1\n" * 100)
    with pytest.raises(ScenarioError, match="the limit is 100 bytes"):
        yamlio.load(big, max_bytes=100)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"a: 1\n\x00\x01")
    with pytest.raises(ScenarioError, match="binary file"):
        yamlio.load(binary)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"latin.yaml:2:7: .*not UTF-8"):
        yamlio.load(latin)
    with pytest.raises(ScenarioError, match="cannot read file"):
        yamlio.load(tmp_path / "missing.yaml")


def test_impossible_date_is_located():
    assert "f.yaml:2:7: <document>: not valid YAML" in _error("a: 1\nwhen: 2016-13-01\n")


@pytest.mark.parametrize("text", ["-_", "a: -_", "- +_"])
def test_scalars_the_constructor_cannot_build_are_errors(text):
    """Fuzz find: ruamel resolves `-_` as an int, then its int constructor raises IndexError."""
    with pytest.raises(ScenarioError, match="not valid YAML"):
        yamlio.loads(text)
