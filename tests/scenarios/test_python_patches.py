"""Patches made in Python: read as scenarios.yaml reads its own, named as made in Python."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.scenarios import Patch, apply_scenario


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return evplan.examples.china_export()


def jp_prices(applied: evplan.NetworkData, year: int) -> float:
    demand = applied["demand"]
    return float(demand.loc[(demand["market"] == "JP") & (demand["year"] == year),
                            "price_usd_per_vehicle"].sum())


@pytest.mark.parametrize("from_year", [2027, "2027", " 2027 ", "2027.0", 2027.0])
def test_from_year_as_text_is_read_as_scenarios_yaml_reads_it(data, from_year) -> None:
    patch = Patch("demand", where={"market": "JP"}, scale={"price_usd_per_vehicle": 2.0},
                  from_year=from_year)
    applied = apply_scenario(data, [patch]).data
    assert jp_prices(applied, 2026) == pytest.approx(jp_prices(data, 2026))
    assert jp_prices(applied, 2027) == pytest.approx(2 * jp_prices(data, 2027))


@pytest.mark.parametrize("from_year", ["2027.5", "soon", True, float("nan")])
def test_a_from_year_that_is_not_a_year_is_one_problem_named_as_made_in_python(data, from_year
                                                                                ) -> None:
    patch = Patch("demand", scale={"price_usd_per_vehicle": 2.0}, from_year=from_year)
    with pytest.raises(InputError) as caught:
        apply_scenario(data, [patch])
    assert len(caught.value.problems) == 1
    message = str(caught.value)
    assert "is not a year. Write a year such as 2027." in message
    assert "the patches given in Python" in message and "scenarios.yaml" not in message


def test_names_and_patches_mixed_apply_in_the_order_given(data) -> None:
    double = Patch("routes", scale={"freight_usd_per_vehicle": 2.0})
    mixed = apply_scenario(data, ["freight-shock", double])
    names_only = apply_scenario(data, ["freight-shock"])
    assert mixed.scenario == "freight-shock+custom"
    assert (mixed.data["routes"]["freight_usd_per_vehicle"].to_numpy() == pytest.approx(
        2 * names_only.data["routes"]["freight_usd_per_vehicle"].to_numpy()))


def test_a_list_item_that_is_neither_name_nor_patch_is_refused(data) -> None:
    with pytest.raises(InputError) as caught:
        apply_scenario(data, ["freight-shock", 3])  # type: ignore[list-item]
    assert "3 is neither a scenario or override name nor a Patch" in str(caught.value)


def test_scenarios_yaml_problems_still_name_the_file(data) -> None:
    with pytest.raises(InputError) as caught:
        apply_scenario(data, ["no-such-override"])
    assert "scenarios.yaml" in str(caught.value)
