"""Lint: seed quotations, the knowledge cut-off, values without provenance, and the counts it reports."""

import pytest

from realpolitik.scenario import load_doc
from realpolitik.scenario.provenance import lint, normalise

from ..conftest import ROOT


def lint_text(tmp_path, text):
    path = tmp_path / "s.yaml"
    path.write_text(text)
    return lint(load_doc(path))


@pytest.fixture
def seeded(mini_text):
    """The mini scenario with its seed path made absolute, so it can be written anywhere."""
    return mini_text.replace("../../data/seed/", str(ROOT / "data/seed") + "/")


def test_mini_lints_clean_and_counts(mini_path):
    report = lint(load_doc(mini_path))
    assert report.ok, [str(p) for p in report.problems]
    counts = report.counts()
    assert counts["seed"] == 1  # the relation's intensity
    assert counts["cite"] == 2  # the two governorate areas
    assert counts["none"] == 0
    assert counts["judgement"] == len(report.values) - 3
    assert [w for w, _ in report.judgements] == ["sources.dev"]


def test_normalise_quotes_dashes_whitespace():
    assert (
        normalise("the replacement of Assad\u2014or at least")
        == "the replacement of Assad-or at least"
    )
    assert (
        normalise("it is \u201cup to\u201d the\n  Syrian people")
        == 'it is "up to" the Syrian people'
    )


def test_quotation_checks(tmp_path, seeded):
    bad = seeded.replace(
        'seed: "committing to help defend the regime"',
        'seed: "committing to help defend the Kremlin"',
    )
    msgs = [str(p) for p in lint_text(tmp_path, bad).problems]
    assert (
        len(msgs) == 1 and "relations[0].seed: quotation not found verbatim in the seed" in msgs[0]
    )
    short = seeded.replace(
        'seed: "committing to help defend the regime"', 'seed: "defend the regime"'
    )
    assert "at least 6 words" in str(lint_text(tmp_path, short).problems[0])
    curly = seeded.replace(
        'seed: "committing to help defend the regime"',
        'seed: "the replacement of Assad \u2014 or at least the transfer of his main executive powers"',
    )
    assert lint_text(tmp_path, curly).ok


def test_cut_off_rules(tmp_path, seeded):
    late = seeded.replace("published: 2011-06-01}", "published: 2016-06-01}")
    msgs = [str(p) for p in lint_text(tmp_path, late).problems]
    assert any(
        "sources.cbs.cite: measured after the knowledge cut-off 2015-10-05" in m for m in msgs
    )
    unflagged = seeded.replace(
        "published: 2011-06-01}", "published: 2016-06-01, measured_on: 2015-09-01}"
    )
    msgs = [str(p) for p in lint_text(tmp_path, unflagged).problems]
    assert any("published_after_as_of: true" in m for m in msgs)
    flagged = seeded.replace(
        "published: 2011-06-01}",
        "published: 2016-06-01, measured_on: 2015-09-01, published_after_as_of: true}",
    )
    report = lint_text(tmp_path, flagged)
    assert report.ok and len(report.late) == 1


def test_value_without_provenance(tmp_path, seeded):
    text = seeded.replace("capabilities: {cinc: 0.14}, src: dev}", "capabilities: {cinc: 0.14}}")
    msgs = [str(p) for p in lint_text(tmp_path, text).problems]
    assert len(msgs) == 1 and "actors[1].capabilities.cinc: value without provenance" in msgs[0]
