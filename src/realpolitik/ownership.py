"""Which mechanism owns each strategy and series of a scenario (issue 7: every question gets one).

Keys are ``(kind, id)`` with kinds as in ``Scenario.known_ids()``: ``("strategy:<actor>", strategy)``
and ``("series", series)``. Mechanisms:

* ``choice`` — a strategy of a QRE game (engines/choice.py);
* ``actions`` — a hazard action (engines/actions.py);
* ``politics`` — a council act (``council.acts``), the council's ``vetoes_series`` and the offices
  with a ``leadership`` entry (``("office", id)``) (engines/politics.py);
* ``population`` — the series named in ``population.series`` (engines/population.py);
* ``combat`` — series in ``percent-of-syria`` (read from ``control``) and the control pseudo-series
  ``control:territory`` / ``control:population`` that the question vocabulary lists.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Problem
from .scenario.schema import Scenario

CONTROL_SERIES = ("control:territory", "control:population")


def _claims(s: Scenario) -> list[tuple[tuple[str, str], str]]:
    out = []
    for g in s.games:
        for player, strategies in g.players.items():
            out += [((f"strategy:{player}", st), "choice") for st in strategies]
    out += [((f"strategy:{a.actor}", a.id), "actions") for a in s.actions]
    if s.council is not None:
        out += [((f"strategy:{a.actor}", a.id), "politics") for a in s.council.acts]
        if s.council.vetoes_series:
            out.append((("series", s.council.vetoes_series), "politics"))
    out += [(("office", ld.id), "politics") for ld in s.leadership]
    if s.population is not None:
        out += [(("series", sid), "population") for sid in s.population.series.values()]
    out += [(("series", x.id), "combat") for x in s.series if x.unit == "percent-of-syria"]
    out += [(("series", sid), "combat") for sid in CONTROL_SERIES]
    return out


def conflicts(s: Scenario) -> dict[tuple[str, str], list[str]]:
    """Keys claimed more than once, with every claimant (a strategy both an action and a council
    act, a series fed by two engines)."""
    seen: dict[tuple[str, str], list[str]] = {}
    for key, mech in _claims(s):
        seen.setdefault(key, []).append(mech)
    return {k: v for k, v in seen.items() if len(v) > 1}


def owners(s: Scenario) -> dict[tuple[str, str], str]:
    """``{(kind, id): mechanism}``; a key claimed twice keeps its first claimant (see
    :func:`conflicts`)."""
    out: dict[tuple[str, str], str] = {}
    for key, mech in _claims(s):
        out.setdefault(key, mech)
    return out


def unowned(questions: Iterable, s: Scenario) -> list[Problem]:
    """One located problem per strategy (``choice`` query) or series (``value`` query) that no
    mechanism owns, and one per key the scenario declares twice."""
    own = owners(s)
    problems = []
    for q in questions:
        query = q.query
        if query.kind == "choice":
            key, field = (f"strategy:{query.actor}", query.strategy), "strategy"
        elif query.kind == "value":
            key, field = ("series", query.series), "series"
        else:
            continue
        if key not in own:
            pool = sorted(k[1] for k in own if k[0] == key[0])
            problems.append(
                q.problem(
                    ("query", field),
                    f"no mechanism owns this {key[0].replace('strategy:', 'strategy of ')}",
                    key[1],
                    pool,
                )
            )
    for (kind, ident), mechs in conflicts(s).items():
        problems.append(
            Problem(
                s.meta.id,
                None,
                None,
                kind,
                f"declared for more than one mechanism: {', '.join(mechs)}",
                ident,
            )
        )
    return problems
