from pathlib import Path

import pytest

from realpolitik.compile import draws
from realpolitik.rng import MemberRNG
from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

ROOT = Path(__file__).resolve().parents[2]
M = 20_000
SEED = 7


@pytest.fixture(scope="session")
def flagship():
    return load_scenario(ROOT / "scenarios" / "syria-2015.yaml")


@pytest.fixture(scope="session")
def samples(flagship):
    return sample_scenario(flagship, SEED, 0, M)


def make_draws(s, samples=None, n=None, seed=SEED, start=0):
    """Draws of members ``start … start + n − 1`` (n from the samples when given)."""
    if n is None:
        n = next(iter(samples.values())).shape[0] if samples is not None else M
    return draws(s, MemberRNG(seed, start, start + n), samples=samples)


@pytest.fixture(scope="session")
def flagship_draws(flagship, samples):
    return make_draws(flagship, samples)
