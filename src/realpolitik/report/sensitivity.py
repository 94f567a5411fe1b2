"""The sensitivity table (rich): one question's inputs ranked by PAWN (the dummies left out of the
rows), δ with its interval, the noise floor of the dummy inputs, and Morris screening by group when
it was run."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table


def _f(x, digits: int = 3) -> str:
    return "–" if x is None or not math.isfinite(float(x)) else f"{float(x):.{digits}f}"


def table(result, console: Console, top: int = 15) -> None:
    """Print ``result`` (a :class:`realpolitik.sensitivity.Sensitivity`): its ``top`` inputs."""
    t = result.to_df()
    t = t[t["section"] != "dummy"].head(top)  # the dummies show as the floor below
    title = (f"What drives {result.question} ({result.members:,} members"
             f"{', run ' + result.run if result.run else ''})")  # fmt: skip
    out = Table(title=title, title_justify="left")
    for col, justify in (("input", "left"), ("section", "left"), ("PAWN", "right"),
                         ("PAWN max", "right"), ("δ", "right"), ("δ 90 %", "right"),
                         ("driver", "center")):  # fmt: skip
        out.add_column(
            col, justify=justify, overflow="fold", min_width=40 if col == "input" else None
        )
    for name, r in t.iterrows():
        ci = ("–" if not math.isfinite(r["delta_low"])
              else f"[{_f(r['delta_low'])}, {_f(r['delta_high'])}]")  # fmt: skip
        out.add_row(str(name), r["section"], _f(r["pawn"]), _f(r["pawn_max"]), _f(r["delta"]), ci,
                    "yes" if r["driver"] else "")  # fmt: skip
    console.print(out)
    fl = result.floor
    console.print(f"noise floor (largest of the {int((result.table['section'] == 'dummy').sum())} "
                  f"dummy inputs): PAWN {_f(fl.get('pawn'))}, δ {_f(fl.get('delta'))}; "
                  f"{result.constant} inputs constant over the members left out; "
                  f"{int(result.table['driver'].sum())} input(s) above the floor, about one of "
                  "them expected by chance.",
                  soft_wrap=True)  # fmt: skip
    for note in result.notes:
        console.print(f"note: {note}", soft_wrap=True)
    if result.morris is not None:
        m = Table(title=f"Morris screening by group (μ*: {result.morris.attrs.get('unit', '')} per "
                  "unit of the design scale)", title_justify="left")  # fmt: skip
        for col in ("group", "μ*", "μ* 90 %", "μ", "σ"):
            m.add_column(col, justify="left" if col == "group" else "right")
        for g, r in result.morris.iterrows():
            m.add_row(str(g), _f(r["mu_star"]), f"[{_f(r['mu_star_low'])}, {_f(r['mu_star_high'])}]",
                      _f(r["mu"]), _f(r["sigma"]))  # fmt: skip
        console.print(m)
