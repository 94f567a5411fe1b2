"""Territory engine speed: 10,000 members × 111 months on the flagship graph (goal ≤ 30 s), and the
ratio against a plain per-member loop of the same maths (goal ≥ 100×), measured in this run.

The loop reference runs :func:`combat.step` one member at a time with every compiled kernel replaced
by its plain-Python original (``py_func``), i.e. the same code as interpreted per-member loops; it is
timed on a few members and extrapolated.

Inputs are synthetic (the structure is Syria's real graph; the coefficients are made-up ranges sampled
per member, not the scenario's values): only the speed is measured here.
"""

from __future__ import annotations

import contextlib
import csv
import sys
import time

import numpy as np

from realpolitik.engines import combat, lanchester
from realpolitik.geo import DATA_DIR, load_syria
from realpolitik.rng import MemberRNG, uniforms

FACTIONS = ("regime", "rebels", "isis", "sdf", "other")
TOTAL_FIGHTERS = {"regime": 150_000, "rebels": 100_000, "isis": 40_000, "sdf": 40_000, "other": 0}
SITE_SPLITS = {
    "aleppo-city": {"regime": 0.5, "rebels": 0.4, "sdf": 0.1},
    "deir-ez-zor-city": {"regime": 0.5, "isis": 0.5},
}


def initial_control(syria):
    """(F, R) shares: governorates from control-2015-09.csv, sites from sites.csv."""
    ctrl = np.zeros((len(FACTIONS), len(syria.regions)))
    with (DATA_DIR / "control-2015-09.csv").open() as fh:
        for row in csv.DictReader(fh):
            ctrl[:, syria.index(row["id"])] = [float(row[f]) for f in FACTIONS]
    with (DATA_DIR / "sites.csv").open() as fh:
        for row in csv.DictReader(fh):
            split = SITE_SPLITS.get(row["id"], {row["controller_2015_09_30"]: 1.0})
            for f, s in split.items():
                ctrl[FACTIONS.index(f), syria.index(row["id"])] = s
    return ctrl / ctrl.sum(axis=0)


def flagship_params(n: int, seed: int = 7) -> combat.Params:
    syria = load_syria()
    structure = combat.map_structure(
        syria,
        FACTIONS,
        bases={"regime": ["damascus", "latakia", "tartus"], "isis": ["raqqa-city"]},
        supply_access={
            "regime": ["lebanon", "mediterranean"],
            "rebels": ["turkey", "jordan"],
            "isis": ["iraq"],
            "sdf": ["iraq"],
        },
        guerrilla=("rebels", "isis"),
        static=("other",),
        site_depth_km=10.0,
    )
    F, R = len(FACTIONS), len(syria.regions)
    u = uniforms(seed, "bench/combat", 0, n, 16)
    ctrl = np.broadcast_to(initial_control(syria), (n, F, R)).copy()
    weight = ctrl * (syria.population + 2e4)
    total = np.array([TOTAL_FIGHTERS[f] for f in FACTIONS], float)
    forces = total[None, :, None] * weight / weight.sum(axis=2, keepdims=True).clip(1e-9)
    hostile = np.ones((F, F)) - np.eye(F)
    hostile[FACTIONS.index("regime"), FACTIONS.index("sdf")] = 0.2
    hostile[FACTIONS.index("sdf"), FACTIONS.index("regime")] = 0.2
    hostile = np.broadcast_to(hostile, (n, F, F)).copy()

    def span(k, lo, hi):
        return lo + (hi - lo) * u[:, k]

    # aimed fire: a per month; area fire on guerrillas (Deitchman) also scales with the target's
    # own strength, so its coefficient is divided by a typical strength (10,000 fighters)
    guerrilla = structure["guerrilla"]
    attrition = hostile * span(1, 0.01, 0.04)[:, None, None]
    attrition[:, :, guerrilla] /= np.where(guerrilla[None, :], 1.0, 1e4)[:, :, None]

    return combat.Params(
        **structure,
        control0=ctrl,
        forces0=forces * span(0, 0.8, 1.2)[:, None, None],
        hostility=hostile,
        attrition=attrition,
        p=span(2, 0.8, 1.2),
        q=span(3, 0.0, 0.3),
        hold_threshold=span(4, 0.3, 0.6),
        csf_decisiveness=span(5, 0.5, 2.0),
        max_advance_km_day=span(6, 0.5, 3.0),
        offensive_ratio=span(7, 2.0, 4.0),
        garrison_per_capita=span(8, 0.001, 0.01),
        garrison_per_front_km=span(9, 5.0, 30.0),
        supply_decay=span(10, 0.05, 0.3),
        supply_recovery=span(11, 0.1, 0.5),
        siege_fall_rate=span(12, 0.05, 0.5),
        air_m_max=span(13, 0.5, 2.0),
        air_s0=span(14, 100.0, 1000.0),
        redeploy_rate=span(15, 0.05, 0.3),
        recruitment=np.broadcast_to(total / 100.0, (n, F)).copy(),
        substeps=4,
    )


def drivers(n: int, month: int) -> dict:
    sorties = np.zeros((n, len(FACTIONS)))
    sorties[:, FACTIONS.index("regime")] = 600.0 if month >= 1 else 0.0
    sorties[:, FACTIONS.index("sdf")] = 300.0
    return {"air_sorties": sorties}


def run(params, months, start=0):
    n = params.n_members
    rng = MemberRNG(11, start, start + n).child("combat/")
    state = combat.init_state(params, n)
    for month in range(months):
        state, out = combat.step(state, params, drivers(n, month), month, rng)
    return state, out


@contextlib.contextmanager
def interpreted_kernels():
    """Swap the compiled kernels for their plain-Python originals."""
    swaps = [
        (combat, "_posture"),
        (combat, "_bfs"),
        (combat, "_ground"),
        (combat, "attrition_substeps"),
        (lanchester, "_powk"),
    ]
    saved = [getattr(mod, name) for mod, name in swaps]
    for mod, name in swaps:
        setattr(mod, name, getattr(mod, name).py_func)
    try:
        yield
    finally:
        for (mod, name), fn in zip(swaps, saved, strict=True):
            setattr(mod, name, fn)


def main(n: int = 10_000, months: int = 111, loop_members: int = 2) -> None:
    params = flagship_params(n)
    combat.validate(params)
    run(params.member_slice(0, 2), 2)  # compile the kernels outside the timings

    t0 = time.perf_counter()
    state, out = run(params, months)
    batched = time.perf_counter() - t0
    assert np.isfinite(state.forces).all() and np.isfinite(state.control).all()

    t0 = time.perf_counter()
    with interpreted_kernels():
        looped = [
            run(params.member_slice(m, m + 1), months, start=m)[0] for m in range(loop_members)
        ]
    per_member = (time.perf_counter() - t0) / loop_members
    gap = max(np.abs(s.control[0] - state.control[m]).max() for m, s in enumerate(looped))
    print(f"same maths: max |control(loop) − control(batched)| = {gap:.1e}")
    loop_estimate = per_member * n
    ratio = loop_estimate / batched
    print(f"batched: {n} members × {months} months in {batched:.1f} s")
    print(
        f"per-member loop: {per_member * 1e3:.0f} ms/member over {loop_members} members, "
        f"extrapolated to {n}: {loop_estimate:.0f} s"
    )
    print(f"ratio batched vs per-member loop: {ratio:.0f}× (goal >= 100: {ratio >= 100})")
    verdict = "ok" if batched <= 30.0 else "short"
    print(f"RESULT combat_{n}x{months}_seconds {batched:.1f} s goal <= 30 {verdict}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
