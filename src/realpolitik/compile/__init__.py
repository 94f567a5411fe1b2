"""Scenario + sampled members → each engine's frozen, member-leading ``Params`` (one module per engine)."""
