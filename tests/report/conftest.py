import json
import re

import pytest


@pytest.fixture(scope="session")
def flagship_report(flagship_runs, tmp_path_factory):
    """The report of the session's small flagship run (40 members, with its counterfactual in the
    store): (path, html text, figures by id, the run's dataset)."""
    from realpolitik.report.html import write_report

    st, base, _ = flagship_runs
    path = write_report(base.id, tmp_path_factory.mktemp("report") / "report.html", store=st.path)
    text = path.read_text(encoding="utf-8")
    return path, text, figures_of(text), base.dataset()


def figures_of(text: str) -> dict:
    """The figures embedded in a report ({id: {data, layout, frames?}})."""
    m = re.search(r'<script id="figures" type="application/json">(.*?)</script>', text, re.S)
    assert m, "no embedded figures"
    return json.loads(m.group(1))
