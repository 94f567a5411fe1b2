"""The model cards (docs/models/): one per engine module and one for the coupling rules, each with the
required sections, and every repository path a card names in backticks exists."""

from __future__ import annotations

import glob
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CARDS = ROOT / "docs" / "models"
ENGINE_DIR = ROOT / "src" / "realpolitik" / "engines"
HEADINGS = (
    "Model",
    "Equations",
    "Assumptions",
    "Validity domain",
    "Magnitudes",
    "Validation",
    "Known failures",
)
TOP = ("src", "data", "scenarios", "tests", "tools", "docs", "bench", "examples")
PATH = re.compile(rf"^(?:{'|'.join(TOP)})/[^\s`]*$|^[A-Za-z0-9_.-]+\.(?:md|toml|lock|yaml)$")
LINE = re.compile(r"(?:::\S+|:\d+(?:[-–]\d+)?)$")  # a pytest node id, or a line (range)


def engine_modules() -> list[str]:
    """Every public module of the engines package (``_*`` kernels belong to their engine)."""
    return sorted(p.stem for p in ENGINE_DIR.glob("*.py") if not p.stem.startswith("_"))


def cards() -> list[Path]:
    return sorted(p for p in CARDS.glob("*.md") if p.name != "README.md")


def test_the_engine_list_is_the_package():
    from realpolitik.engines import ENGINES

    assert set(ENGINES) <= set(engine_modules())


@pytest.mark.parametrize("name", [*engine_modules(), "coupling"])
def test_every_engine_and_the_coupling_rules_have_a_card(name):
    assert (CARDS / f"{name}.md").is_file(), f"docs/models/{name}.md is missing"


@pytest.mark.parametrize("card", cards(), ids=lambda p: p.name)
def test_every_card_has_the_required_sections_in_order(card):
    text = card.read_text(encoding="utf-8")
    found = re.findall(r"^## (.+?)\s*$", text, flags=re.M)
    missing = [h for h in HEADINGS if h not in found]
    assert not missing, f"{card.name}: missing sections {missing}"
    assert [h for h in found if h in HEADINGS] == list(HEADINGS), f"{card.name}: order {found}"
    assert text.startswith("# "), f"{card.name}: no title"


def backticked_paths(text: str) -> list[str]:
    out = []
    for token in re.findall(r"`([^`\n]+)`", text):
        token = LINE.sub("", token.strip())
        if PATH.match(token):
            out.append(token)
    return out


@pytest.mark.parametrize("card", [*cards(), CARDS / "README.md"], ids=lambda p: p.name)
def test_every_path_a_card_names_exists(card):
    text = card.read_text(encoding="utf-8")
    missing = []
    for path in backticked_paths(text):
        if any(c in path for c in "*?["):
            if not glob.glob(str(ROOT / path)):
                missing.append(path)
        elif not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"{card.name} names paths that do not exist: {missing}"


def test_the_index_links_every_card():
    index = (CARDS / "README.md").read_text(encoding="utf-8")
    for card in cards():
        assert f"({card.name})" in index, f"docs/models/README.md does not link {card.name}"


def test_the_path_check_catches_a_missing_path():
    text = "`src/realpolitik/nowhere.py:12`, `data/*/README.md`, `tests/test_x.py::test_y`, `x + y`"
    paths = backticked_paths(text)
    assert paths == ["src/realpolitik/nowhere.py", "data/*/README.md", "tests/test_x.py"]
    assert not (ROOT / paths[0]).exists()
