"""The trajectory contract: month axis helpers, the builder and the validator."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import xarray as xr

from realpolitik.trajectory import (
    check_trajectory,
    day_fraction,
    make_empty_trajectory,
    month_end,
    month_label,
    month_labels,
    parse_unit,
    shift_month,
    unit_base,
    window_months,
)
from tests.questions_fixtures import set_city, set_control, toy, toy_city


def test_month_axis_helpers():
    labels = month_labels("2015-10", "2024-12")
    assert (
        len(labels) == 111 and labels[0] == "2015-10" and labels[-1] == "2024-12"
    )  # the flagship's run
    assert shift_month("2015-12", 1) == "2016-01" and shift_month("2016-01", -1) == "2015-12"
    assert shift_month("2016-03", -27) == "2013-12"
    assert month_label(dt.date(2016, 2, 29)) == "2016-02"
    assert month_end("2016-02") == dt.date(2016, 2, 29) and month_end("2015-02") == dt.date(
        2015, 2, 28
    )
    assert day_fraction(dt.date(2015, 10, 5)) == pytest.approx(5 / 31)
    assert day_fraction(dt.date(2016, 2, 29)) == 1.0 and day_fraction(dt.date(2016, 4, 30)) == 1.0
    # a window covers every month it overlaps, even by one day
    assert window_months(dt.date(2015, 10, 31), dt.date(2015, 12, 1)) == [
        "2015-10",
        "2015-11",
        "2015-12",
    ]
    with pytest.raises(ValueError):
        month_label("2015-13")
    with pytest.raises(ValueError):
        month_labels("2016-02", "2016-01")


def test_units():
    assert parse_unit("count-since-2015-10-05") == ("count-since-YYYY-MM-DD", dt.date(2015, 10, 5))
    assert unit_base("persons-per-calendar-year") == "persons" and unit_base("count") == "count"
    for bad in ("furlongs", "count-since-2015-13-01", "count-since-yesterday"):
        with pytest.raises(ValueError):
            parse_unit(bad)


def test_builder_follows_the_contract():
    ds = toy(n_members=4)
    assert check_trajectory(ds) == []
    assert (
        list(ds["month"].values[:2]) == ["2015-12", "2016-01"]
        and ds.attrs["first_step"] == "2016-01"
    )
    assert ds["month"].dtype.kind == "U"
    assert ds["control"].dims == ("member", "month", "faction", "region")
    assert ds["series"].dims == ("member", "month", "series_id")
    assert ds["settled"].dtype == bool and ds["office_holder"].dtype.kind == "i"
    assert "contested" in ds["faction"].values
    assert (
        dict(zip(ds["region"].values, ds["region_parent"].values, strict=True))["north-city"]
        == "north"
    )
    assert np.isnan(ds["region_area"].sel(region="oasis"))  # a point site has no area
    bare = make_empty_trajectory("2016-01", "2016-03", 2, initial=False, issues=["i"])
    assert list(bare["month"].values) == ["2016-01", "2016-02", "2016-03"]
    assert set(bare.data_vars) == {"issue_outcome", "settled"}  # only variables whose dims exist


def test_trajectory_survives_netcdf(tmp_path):
    ds = toy()
    set_control(ds, "north", "2016-02", {"regime": 0.25})
    ds.to_netcdf(tmp_path / "t.nc")
    with xr.open_dataset(tmp_path / "t.nc") as back:
        assert check_trajectory(back.load()) == []
        assert list(back["month"].values) == list(ds["month"].values)


def _messages(ds) -> str:
    return "\n".join(str(p) for p in check_trajectory(ds))


def test_validator_reports_each_breach():
    ds = toy()
    assert "dims must be" in _messages(
        ds.assign(control=ds["control"].transpose("member", "month", "region", "faction"))
    )
    assert "dtype must be bool" in _messages(ds.assign(settled=ds["settled"].astype(float)))
    assert "consecutive" in _messages(ds.isel(month=[0, 1, 3]))
    broken = ds.copy(deep=True)
    set_control(broken, "south", "2016-03", {"regime": 0.7})
    broken["control"].loc[{"faction": "contested", "region": "south"}] = 0.0
    assert "shares must sum to 1 over factions" in _messages(broken)
    assert "control needs a 'contested' faction" in _messages(ds.isel(faction=[0, 1, 2]))
    site_parent = ds.assign_coords(region_parent=("region", ["", "", "oasis", "south"]))
    assert "a site's parent must be a governorate" in _messages(site_parent)
    assert "unknown region kind" in _messages(
        ds.assign_coords(region_kind=("region", ["governorate", "governorate", "city", "site"]))
    )
    assert "unknown series kind" in _messages(
        ds.assign_coords(series_kind=("series_id", ["stock"] * 5 + ["rate"]))
    )
    assert "unknown unit" in _messages(
        ds.assign_coords(series_unit=("series_id", ["persons"] * 5 + ["km"]))
    )
    holder = ds.copy(deep=True)
    holder["office_holder"][:] = 7
    assert "values must index the actor coordinate" in _messages(holder)
    no_attr = ds.copy()
    no_attr.attrs = {k: v for k, v in ds.attrs.items() if k != "root_seed"}
    assert "attrs.root_seed: missing attribute" in _messages(no_attr)
    no_attr.attrs["first_step"] = "2016-05"
    assert "attrs.first_step" in _messages(no_attr)
    no_attr.attrs["actor_faction"] = '{"assad": "baath"}'
    assert "attrs.actor_faction.assad: unknown faction (got 'baath')" in _messages(no_attr)
    no_attr.attrs["actor_faction"] = "assad: regime"
    assert "must be a JSON object" in _messages(no_attr)
    assert "needs dims 'member' and 'month'" in _messages(ds.isel(member=0))


def test_composite_regions_carry_their_parts():
    """A composite's area is its parts' sum; ``region_composite`` names each part's composite;
    the validator checks the control, the area and the tree."""
    ds = toy_city()
    regions = [str(r) for r in ds["region"].values]
    kind = dict(zip(regions, ds["region_kind"].values, strict=True))
    whole = dict(zip(regions, ds["region_composite"].values, strict=True))
    assert kind["capital"] == "composite" and float(ds["region_area"].sel(region="capital")) == 40
    assert whole["capital-east"] == whole["capital-west"] == "capital"
    assert whole["north"] == whole["north-city"] == whole["capital"] == ""
    set_city(ds, "capital-east", "2016-02", {"regime": 1.0})
    assert check_trajectory(ds) == []
    assert float(ds["control"].sel(member=0, month="2016-02", faction="regime",
                                   region="capital")) == 0.75  # fmt: skip
    off = ds.copy(deep=True)
    off["control"].loc[{"region": "capital", "faction": "regime"}] = 0.5
    off["control"].loc[{"region": "capital", "faction": "contested"}] = 0.5
    assert "area-weighted control" in _messages(off)
    assert "sum of its parts'" in _messages(
        ds.assign_coords(region_area=("region", [100.0, 300.0, 10.0, np.nan, 30.0, 10.0, 50.0]))
    )
    moved = ds.assign_coords(region_parent=("region", ["", "", "north", "south", "south",
                                                       "north", "north"]))  # fmt: skip
    assert "a part must lie in its composite's governorate" in _messages(moved)
    assert "need the coordinate 'region_composite'" in _messages(ds.drop_vars("region_composite"))
    orphan = ds.assign_coords(region_composite=("region", [""] * 7))
    assert "composite 'capital' has no parts" in _messages(orphan)
