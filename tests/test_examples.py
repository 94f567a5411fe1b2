"""The scenarios shipped as examples validate and lint clean (the README quotes one)."""

import pytest

from realpolitik.scenario import load_doc
from realpolitik.scenario.provenance import lint

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "scenarios").rglob("*.yaml")) + sorted(
    (ROOT / "data/bargaining").glob("*.yaml")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_lints_clean(path):
    report = lint(load_doc(path))
    assert report.ok, [str(p) for p in report.problems]


def test_readme_example_is_the_shipped_file():
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "scenarios/examples/assad-role-small.yaml").read_text()
    body = example.split("\n", 1)[1]  # the file's first line is a comment
    assert body.strip() in readme


def test_readme_python_example_is_the_example_script_and_prints_the_readme_output(capsys):
    """The README's Python example is examples/simulate_flagship.py, and running it prints exactly
    the output the README shows (same seed, same numbers)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Using the Python API", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```\n", 2)[2].split("```", 1)[0]
    script = (ROOT / "examples/simulate_flagship.py").read_text()
    assert code.strip() in script
    import os

    cwd = os.getcwd()
    try:
        os.chdir(ROOT)
        exec(compile(script, "examples/simulate_flagship.py", "exec"), {})  # noqa: S102
    finally:
        os.chdir(cwd)
    assert capsys.readouterr().out.strip() == shown.strip()
