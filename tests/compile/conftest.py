from pathlib import Path

import pytest

from realpolitik.scenario import load_scenario
from realpolitik.scenario.sampling import sample_scenario

ROOT = Path(__file__).resolve().parents[2]
M = 20_000


@pytest.fixture(scope="session")
def flagship():
    return load_scenario(ROOT / "scenarios" / "syria-2015.yaml")


@pytest.fixture(scope="session")
def samples(flagship):
    return sample_scenario(flagship, 7, 0, M)
