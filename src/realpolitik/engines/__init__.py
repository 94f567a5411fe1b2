"""One module per mechanism, each behind the same pure interface (DESIGN.md, "Engines").

Every engine module defines:

* ``Params`` — a frozen dataclass of member-leading numpy arrays compiled from a scenario;
* ``State`` — a dataclass of member-leading arrays;
* ``init_state(params, n_members) -> State``;
* ``step(state, params, drivers, month, rng) -> (State, Outputs)`` where ``drivers`` is a mapping of the
  other engines' outputs of the previous month, ``month`` the month index from the scenario's start and
  ``rng`` a :class:`realpolitik.rng.MemberRNG` for the chunk of members being stepped.

No engine loops over members: every operation is vectorised over the leading member axis.
"""
