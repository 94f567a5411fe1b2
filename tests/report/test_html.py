"""The HTML report's mechanics: one self-contained file, every plot with data, the map with every
region and a frame per month, every section's reading guide and data definition, bad input."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app
from realpolitik.errors import ScenarioError
from realpolitik.report.html import write_report

MAX_BYTES = 15 * 1024 * 1024


def test_the_report_is_one_file_with_plotly_once_and_nothing_fetched(flagship_report):
    from plotly.offline import get_plotlyjs

    path, text, _, _ = flagship_report
    assert path.stat().st_size <= MAX_BYTES
    js = get_plotlyjs()
    assert text.count(js[:200]) == 1  # plotly.js inline, once
    rest = text.replace(js, "")  # plotly.js names URLs it never fetches here (the browser test)
    assert len(rest) < len(text)
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", rest, re.I)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", rest, re.I)
    assert "http://" not in rest and "https://" not in rest


def _has_data(trace: dict) -> bool:
    for key in ("y", "z", "x"):
        v = trace.get(key)
        if v is not None and len(v) > 0 and any(x is not None for x in _flat(v)):
            return True
    return False


def _flat(v):
    for x in v:
        if isinstance(x, list):
            yield from _flat(x)
        else:
            yield x


def test_every_plot_has_data(flagship_report):
    _, text, figs, _ = flagship_report
    assert len(figs) >= 12
    for fid, fig in figs.items():
        assert fig["data"], fid
        assert all(_has_data(t) for t in fig["data"]), fid
        assert f'data-figure="{fid}"' in text
    for needed in ("map", "territory", "forces", "alignment", "choices", "acts", "reliability",
                   "counterfactuals", "drivers"):  # fmt: skip
        assert needed in figs
    assert any(f.startswith("issue-") for f in figs) and any(f.startswith("series-") for f in figs)


def test_the_map_shows_every_region_with_a_frame_per_month(flagship_report):
    _, _, figs, ds = flagship_report
    fig = figs["map"]
    polygons = {t["meta"]["region"] for t in fig["data"] if t.get("fill") == "toself"}
    sites = next(t for t in fig["data"] if t["name"] == "sites")
    shown = polygons | set(sites["customdata"])
    regions = {str(r) for r in ds["region"].values}
    governorates = {str(r) for r, k in zip(ds["region"].values, ds["region_kind"].values,
                                           strict=True) if k == "governorate"}  # fmt: skip
    assert shown == regions and polygons == governorates
    months = [str(m) for m in ds["month"].values]
    assert [f["name"] for f in fig["frames"]] == months
    steps = fig["layout"]["sliders"][0]["steps"]
    assert [s["args"][0][0] for s in steps] == months
    for frame in fig["frames"]:
        assert len(frame["data"]) == len(fig["data"])
    colours = {tuple(d.get("fillcolor", "") for d in f["data"]) for f in fig["frames"]}
    assert len(colours) > 1  # the map changes over the months


def test_every_section_has_a_reading_guide_and_a_data_definition(flagship_report):
    _, text, _, _ = flagship_report
    sections = re.findall(r'<section id="([^"]+)">(.*?)</section>', text, re.S)
    ids = [s for s, _ in sections]
    for needed in ("scenario", "map", "territory", "forces", "series", "bargaining", "alignment",
                   "choices", "forecasts", "scores", "counterfactuals", "drivers"):  # fmt: skip
        assert needed in ids
    for sid, body in sections:
        assert '<p class="guide">' in body, sid
        assert '<p class="definition">' in body, sid
    assert "international level" in text and "regional level" in text and "local level" in text
    assert "official-cbs" in text  # the territory basis is stated


def test_a_scenario_source_is_run_first(tmp_path):
    from realpolitik.store import Store

    from ..conftest import FLAGSHIP

    st = Store(tmp_path / "runs.duckdb")
    out = write_report(str(FLAGSHIP), tmp_path / "r.html", store=st, members=6, seed=2,
                       counterfactuals=())  # fmt: skip
    (info,) = st.runs()
    assert info.members == 6 and info.seed == 2 and info.status == "done"
    assert info.id in out.read_text(encoding="utf-8")


def test_bad_sources_are_clear_errors(tmp_path, flagship_runs):
    st, base, _ = flagship_runs
    with pytest.raises(ScenarioError, match="unknown run"):
        write_report("deadbeef", tmp_path / "r.html", store=st.path)
    runner = CliRunner()
    for args in (["report", "deadbeef", "--store", str(st.path)],
                 ["report", "no/such/scenario.yaml", "-o", str(tmp_path / "x.html")],
                 ["report", base.id, "--store", str(st.path), "-o", "/no/such/dir/r.html"]):  # fmt: skip
        r = runner.invoke(app, args)
        assert r.exit_code == 2, r.output
        assert "Traceback" not in r.output and "error" in r.output
    assert not (tmp_path / "x.html").exists()


def test_the_cli_writes_the_report(tmp_path, flagship_runs):
    st, base, _ = flagship_runs
    out = tmp_path / "cli.html"
    r = CliRunner().invoke(app, ["report", base.id, "--store", str(st.path), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.is_file() and str(out) in r.output.replace("\n", "")


def test_the_scenario_section_lists_every_actor_and_issue(flagship_report):
    import html as html_lib

    import realpolitik as rp

    from ..conftest import FLAGSHIP

    _, text, _, _ = flagship_report
    s = rp.load(FLAGSHIP).scenario
    body = html_lib.unescape(re.search(r'<section id="scenario">(.*?)</section>', text, re.S)[1])
    for a in s.actors:
        assert f"<td>{a.name or a.id}</td>" in body
    for i in s.issues:
        assert f"<td>{i.name or i.id}</td>" in body


def test_the_counterfactual_table_is_runs_compare(flagship_report, flagship_runs):
    import html as html_lib

    from realpolitik.api import read_questions
    from realpolitik.report.sections import _num
    from realpolitik.runs import compare

    from ..conftest import FLAGSHIP_QUESTIONS

    _, text, _, _ = flagship_report
    _, base, cf = flagship_runs
    body = html_lib.unescape(
        re.search(r'<section id="counterfactuals">(.*?)</section>', text, re.S)[1]
    )
    rows = dict(re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", body, re.S))
    for d in compare(cf, base, read_questions(FLAGSHIP_QUESTIONS)):
        cells = re.findall(r"<td>([^<]*)</td>", rows[d.question])
        assert cells == [_num(d.a), _num(d.b), _num(d.mean), f"[{_num(d.low)}, {_num(d.high)}]"]


def test_max_members_reads_the_first_members_only(flagship_runs, tmp_path):
    st, base, _ = flagship_runs
    text = write_report(base.id, tmp_path / "r.html", store=st.path, max_members=10,
                        drivers=False).read_text(encoding="utf-8")  # fmt: skip
    assert "10 (the first of 40)" in text and "(10 paired members)" in text
    with pytest.raises(ScenarioError, match="at least 1"):
        write_report(base.id, tmp_path / "r.html", store=st.path, max_members=0)
