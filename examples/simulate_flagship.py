"""The flagship simulated, every engine coupled: the README's Python example (run by the tests)."""

import realpolitik as rp

doc = rp.load("scenarios/syria-2015.yaml")
ds = rp.simulate(doc, members=200, seed=2015)  # every engine coupled, 2015-10 → 2024-12
print(ds["settled"].isel(month=-1).mean("member").to_series().round(3))
print(ds["issue_outcome"].sel(month="2017-12").median("member").to_series().astype(float).round(1))
