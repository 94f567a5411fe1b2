"""Coupling rules: the analysis's causal chains as data (DESIGN.md, "Drivers").

A rule (``coupling:`` in a scenario, :class:`realpolitik.scenario.schema.Rule`) reads one feature
x (a driver at one label, :mod:`realpolitik.features`) and moves one or more entries y of
``movable`` drivers (:mod:`realpolitik.drivers`), once a month, right before the engines read them.
With x_ref the feature's value at as_of in the *base* scenario (``reference: as_of``, the default)
or 0 (``reference: zero``), and m the rule's magnitude (a sourced distribution, one draw per member),
the closed set of forms is

==========  ==============================================  ===================================
form        y after the rule                                use
==========  ==============================================  ===================================
add         y + m·(x − x_ref)                               shifts (salience, payoff, fighters)
scale       y·max(0, 1 + m·(x − x_ref))                     proportional changes from a level
exp         y·exp(m·(x − x_ref))                            multipliers that must stay positive
logit       logistic(logit y + m·(x − x_ref))               probabilities
accumulate  y + m·x, kept from month to month (a state)     stocks that grow at a rate
==========  ==============================================  ===================================

then clipped to ``cap`` [low, high] when given. With ``reference: as_of`` a rule is zero at the base
scenario's as_of state: the scenario's judged values (saliences, capabilities, rates) stand for the
as_of world and the rule carries only what changes. ``reference: zero`` is for a force the as_of
state does not hold (a signal that drives a monthly drift, say); ``accumulate`` reads x itself (a
rate per month).

Rules whose ``lag`` is 0 are applied in the order their reads depend on their moves (a rule reading
a driver another rule moves runs after it); a cycle among them is an error at load time
(:func:`cycle`). A rule with ``lag`` k reads x as it was k months before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

import numpy as np
from scipy import special

from . import features
from .drivers import REGISTRY as DRIVERS
from .drivers import Coords, driver
from .errors import fail

FORMS = ("add", "scale", "exp", "logit", "accumulate")
_EPS = 1e-12


@dataclass(frozen=True)
class CompiledRule:
    id: str
    reads: features.Bound
    form: str
    magnitude: np.ndarray  # (M,)
    reference: np.ndarray  # (M,) x_ref
    targets: tuple[tuple[str, np.ndarray], ...]  # (driver, flat indices into its labelled dims)
    cap: tuple[float, float] | None
    lag: int

    def slice(self, start: int, stop: int) -> CompiledRule:
        return CompiledRule(
            self.id, self.reads, self.form, self.magnitude[start:stop],
            self.reference[start:stop], self.targets, self.cap, self.lag,
        )  # fmt: skip

    def apply(self, store: dict[str, np.ndarray], x: np.ndarray, states: dict) -> None:
        """Move the targets in ``store`` (and, for ``accumulate``, in the persistent ``states``)."""
        m = self.magnitude[:, None]
        dx = (x if self.form == "accumulate" else x - self.reference)[:, None]
        for name, idx in self.targets:
            flat = store[name].reshape(store[name].shape[0], -1)
            y = flat[:, idx]
            if self.form in ("add", "accumulate"):
                y = y + m * dx
            elif self.form == "scale":
                y = y * np.maximum(0.0, 1.0 + m * dx)
            elif self.form == "exp":
                y = y * np.exp(m * dx)
            else:
                y = special.expit(special.logit(np.clip(y, _EPS, 1 - _EPS)) + m * dx)
            if self.cap is not None:
                y = np.clip(y, *self.cap)
            flat[:, idx] = y
            if self.form == "accumulate":
                state = states[name]
                state.reshape(state.shape[0], -1)[:, idx] = y


def targets(rule, coords: Coords, where: str, path: str) -> tuple[tuple[str, np.ndarray], ...]:
    """(driver, flat indices) of every target of a scenario rule; located errors for a driver that
    is unknown or not movable, a form it does not take, a dim it lacks or an unknown id."""
    out = []
    for t, target in enumerate(rule.moves):
        tp = f"{path}.moves[{t}]"
        d = driver(target.driver, where, f"{tp}.driver")
        if not d.movable:
            movable = tuple(k for k, v in DRIVERS.items() if v.movable)
            fail(where, f"{tp}.driver", "a coupling rule cannot move this driver", d.name, movable)
        if rule.form == "accumulate" and not d.state:
            states = tuple(k for k, v in DRIVERS.items() if v.movable and v.state)
            fail(where, f"{tp}.driver", "`accumulate` needs a state driver", d.name, states)
        given = {k for k, v in target.model_dump(exclude={"driver"}).items() if v is not None}
        extra = given - set(d.dims)
        if extra:
            fail(where, f"{tp}.{sorted(extra)[0]}", f"driver {d.name!r} has no such dim",
                 sorted(extra)[0], d.dims)  # fmt: skip
        per_dim = []
        for dim in d.dims:
            value = getattr(target, dim)
            if value is None:
                fail(where, f"{tp}.{dim}", f"give the {dim} ids (or '*')", None, coords.of(dim))
            ids = list(coords.of(dim)) if value == "*" else ([value] if isinstance(value, str)
                                                               else list(value))  # fmt: skip
            per_dim.append(coords.index(dim, ids, where, f"{tp}.{dim}"))
        shape = coords.shape(d.name)
        flat = [np.ravel_multi_index(ix, shape) if shape else 0 for ix in product(*per_dim)]
        out.append((d.name, np.array(flat, np.int64)))
    return tuple(out)


def _entries(rule, coords: Coords) -> tuple[tuple[str, int], set[tuple[str, int]]]:
    """(the entry the rule reads, the entries it moves) as (driver, flat index) pairs."""
    b = features.bind(rule.reads, coords)
    moved = {(name, int(i)) for name, idx in targets(rule, coords, "", "") for i in idx}
    return (b.driver, max(b.index, 0)), moved


def order(rules: Sequence, coords: Coords) -> list[int]:
    """Indices of ``rules`` in an order where every same-month (lag 0) rule reading a driver entry
    runs after the rules moving it; raises ValueError naming a cycle ('a → b → a')."""
    entries = [_entries(r, coords) for r in rules]
    after = {
        i: {j for j, (_, moved) in enumerate(entries) if entries[i][0] in moved}
        if r.lag == 0
        else set()
        for i, r in enumerate(rules)
    }
    done: list[int] = []
    mark: dict[int, int] = {}

    def visit(i, path):
        if mark.get(i) == 2:
            return
        if mark.get(i) == 1:
            ring = path[path.index(i) :] + [i]
            raise ValueError(" → ".join(rules[k].id for k in ring))
        mark[i] = 1
        for j in sorted(after[i]):
            visit(j, [*path, i])
        mark[i] = 2
        done.append(i)

    for i in range(len(rules)):
        visit(i, [])
    return done


def cycle(rules: Sequence, coords: Coords) -> str | None:
    """The first cycle of same-month rules, as 'a → b → a', or None."""
    try:
        order(rules, coords)
    except ValueError as exc:
        return str(exc)
    return None
