"""The scenario language: schema, loader with located errors, provenance, counterfactual patches."""

from .loader import ScenarioDoc, load_doc, load_scenario, loads_scenario
from .schema import Scenario

__all__ = ["Scenario", "ScenarioDoc", "load_doc", "load_scenario", "loads_scenario"]
