"""Draw every uncertain value of a scenario for a range of ensemble members.

Each quantity is drawn by inverse CDF from uniforms keyed by (root seed, the value's id-based key,
member) — DESIGN.md's random-number contract — so a member's draws do not depend on the chunk it is in,
on the number of workers, or on any other parameter; a counterfactual that leaves a value unchanged
shares its draws with the base run.
"""

from __future__ import annotations

import numpy as np

from .quantities import Dirichlet, central, sample
from .schema import Scenario
from .walk import iter_values


def sample_scenario(s: Scenario, root_seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """``{key: draws}`` for members ``start … stop-1``; a Dirichlet gives one entry per share (``key.name``)."""
    out: dict[str, np.ndarray] = {}
    for v in iter_values(s):
        if isinstance(v.value, Dirichlet):
            for name, draws in v.value.sample(root_seed, v.key, start, stop).items():
                out[f"{v.key}.{name}"] = draws
        else:
            out[v.key] = sample(v.value, root_seed, v.key, start, stop)
    return out


def central_samples(s: Scenario) -> dict[str, np.ndarray]:
    """One member at every value's mean (a Dirichlet's mean shares): the keys of
    :func:`sample_scenario`, for deterministic playthroughs."""
    out: dict[str, np.ndarray] = {}
    for v in iter_values(s):
        if isinstance(v.value, Dirichlet):
            for name, share in v.value.mean_.items():
                out[f"{v.key}.{name}"] = np.array([float(share)])
        else:
            out[v.key] = np.array([central(v.value)])
    return out
