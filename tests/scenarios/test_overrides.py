"""Override semantics: where/set/scale/from_year, did-you-mean errors, purity, revalidation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evplan.data import NetworkData, validate_tables
from evplan.errors import InputError
from evplan.examples import china_export
from evplan.scenarios import Patch, apply, apply_scenario, catalog_for, parse_catalog


@pytest.fixture(scope="module")
def data() -> NetworkData:
    return china_export()


def messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [problem.message for problem in error.value.problems]


def test_catalog_names_fail_with_did_you_mean() -> None:
    with pytest.raises(InputError) as error:
        parse_catalog({
            "overrides": {
                "a": {"dutys": {"set": {"ad_valorem_rate": 0.1}}},
                "b": {"duties": {"where": {"markt": "EU"}, "set": {"ad_valorem": 0.1}}},
                "c": {"routes": {"scale": {"freight_usd_per_vehicle": 2}, "form_year": 2026}},
            },
            "scenarios": {"s": ["a", "bb"]},
            "sweep": {},
        })
    assert messages(error) == [
        "'sweep' is not a section. Did you mean 'sweeps'?",
        "override 'a': 'dutys' is not an input table. Did you mean 'duties'?",
        "override 'b': where column 'markt' is not in duties. Did you mean 'market'?",
        "override 'b': set column 'ad_valorem' is not in duties. Did you mean "
        "'ad_valorem_rate'?",
        "override 'c': 'form_year' is not a patch key. Did you mean 'from_year'?",
        "scenario 's': 'bb' is not an override. Did you mean 'b'?",
    ]


def test_an_override_listed_twice_is_refused_not_applied_twice() -> None:
    # dup: [up, up] scaled demand by 4 (and a study outcome's [up, up, up] by 8) without a word
    with pytest.raises(InputError) as error:
        parse_catalog({
            "overrides": {"up": {"demand": {"scale": {"volume_vehicles": 2}}},
                          "low": {"demand": {"set": {"volume_vehicles": 300}}}},
            "scenarios": {"dup": ["up", "low", "up"], "fine": ["up", "low"]},
            "studies": {"demand": {"scenarios": {
                "high": {"probability": 0.3, "overrides": ["up", "up", "up"]},
                "low": {"probability": 0.7, "overrides": ["low"]}}}},
        })
    assert messages(error) == [
        "scenario 'dup': 'up' is listed 2 times: each listing applies it again (a scale of 2 "
        "listed twice scales by 4). List it once, or declare an override with the stronger "
        "change.",
        "study 'demand': scenarios: outcome 'high': 'up' is listed 3 times: each listing "
        "applies it again (a scale of 2 listed twice scales by 4). List it once, or declare an "
        "override with the stronger change.",
    ]


def test_unknown_scenario_and_value_fail_with_did_you_mean(data: NetworkData) -> None:
    with pytest.raises(InputError) as error:
        apply(data, "trade-wars")
    assert messages(error) == ["'trade-wars' is not a scenario or override. Did you mean "
                               "'trade-war'?"]
    with pytest.raises(InputError) as error:
        apply(data, [Patch("duties", {"market": ("EUU",)}, set={"ad_valorem_rate": 0.3},
                           override="typo")])
    assert messages(error) == ["override 'typo' (duties): market 'EUU' is in no row of duties. "
                               "Did you mean 'EU'?"]


def test_set_and_scale_change_only_matching_rows_and_keep_data_pure(data: NetworkData) -> None:
    before = {name: frame.copy() for name, frame in data.tables.items()}
    applied = apply_scenario(data, "freight-shock")
    routes = applied.data["routes"]
    cross = routes["plant"].map(data.plants.set_index("plant")["country"]).to_numpy() != routes[
        "market"].map(data.markets.set_index("market")["country"]).to_numpy()
    assert np.allclose(routes["freight_usd_per_vehicle"],
                       np.where(cross, 2, 1) * data["routes"]["freight_usd_per_vehicle"])
    assert np.allclose(routes["transit_days"],
                       np.where(cross, 1.3, 1) * data["routes"]["transit_days"])
    assert applied.data["duties"] is data["duties"]  # untouched tables are shared
    for name, frame in before.items():
        pd.testing.assert_frame_equal(data[name], frame)
    (record,) = applied.overrides
    assert record["override"] == "freight-shock" and len(record["rows"]) == cross.sum()


def test_from_year_splits_ranged_rows(data: NetworkData) -> None:
    applied = apply_scenario(data, "eu-cvd-up")
    cvd = applied.data["countervailing_duties"]
    star = cvd[(cvd["maker"] == "*")].sort_values("first_year")
    assert star[["first_year", "last_year", "cvd_rate"]].astype(float).values.tolist() == [
        [2024, 2024, 0.1021], [2025, 2025, 0.207], [2026, 2029, 0.353], [2030, 2030, 0.353]]
    (record,) = applied.overrides
    assert record["split_rows"] == sorted(record["split_rows"]) and len(record["split_rows"]) == 5


def test_from_year_filters_yearly_rows(data: NetworkData) -> None:
    changed = apply(data, "cn-price-war")["demand"]
    ratio = changed["price_usd_per_vehicle"] / data["demand"]["price_usd_per_vehicle"]
    china = data["demand"]["market"].eq("CN")
    late = data["demand"]["year"].ge(2025)
    assert np.allclose(ratio[china & late], 0.85)
    assert np.allclose(ratio[~(china & late)], 1.0)


def test_from_year_cannot_split_a_plant(data: NetworkData) -> None:
    patch = Patch("plants", {"plant": ("GB-SUN",)}, set={"capacity_vehicles_per_year": 0},
                  from_year=2028, override="close")
    with pytest.raises(InputError) as error:
        apply(data, [patch])
    assert messages(error) == [
        "override 'close' (plants): plants has one row per plant, so from_year 2028 cannot "
        "split row 13. Set first_year/last_year instead (set: {last_year: 2027} closes from "
        "2028), or leave out from_year."]


def test_bad_override_gets_the_normal_input_messages(data: NetworkData) -> None:
    with pytest.raises(InputError) as error:
        apply(data, [Patch("duties", {"market": ("EU",), "origin": ("CN",)},
                           set={"ad_valorem_rate": 17}, override="pct")])
    assert any("ad_valorem_rate = 17 is outside [0, 5]. Rates are fractions (17 % -> 0.17)."
               in text for text in messages(error))
    with pytest.raises(InputError) as error:  # value-only change, caught by the fast checks
        apply(data, [Patch("demand", {"market": ("BR",), "tier": (2,)},
                           scale={"price_usd_per_vehicle": 3.0}, override="tiers")])
    assert any("the tier list is not concave" in text for text in messages(error))


@pytest.mark.parametrize("name", ["freight-shock", "br-100pct-ev", "cn-price-war"])
def test_fast_revalidation_equals_full_validation(data: NetworkData, name: str) -> None:
    fast = apply(data, name)
    full = validate_tables(fast.tables, data.scenario, origin=data.origin)
    for table in data.tables:
        pd.testing.assert_frame_equal(fast[table].reset_index(drop=True),
                                      full[table].reset_index(drop=True), check_dtype=True)


def test_default_catalog_ships_meaningful_scenarios(data: NetworkData) -> None:
    catalog = catalog_for(data)
    assert {"eu-cvd-up", "eu-cvd-off", "br-100pct-ev", "freight-shock", "cn-price-war",
            "close-wuhan"} <= set(catalog.overrides)
    assert {"trade-war", "china-price-war"} <= set(catalog.scenarios)
    assert catalog.sweeps["eu-duty-x-freight"]["freight"] == (0.5, 1.0, 1.5, 2.0)
    for name in catalog.names():
        assert apply_scenario(data, name, catalog).overrides


def _matches_by_pandas(series: pd.Series, values: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """The text match as it was written with pandas (astype(str), isin): hit rows, missing."""
    text = series.astype(str)
    hit = text.isin([str(value) for value in values]).to_numpy()
    found = set(text[hit].unique())
    return hit, [value for value in values if value not in found]


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_where_on_text_matches_as_pandas_isin_did(dtype: str) -> None:
    """The sweep's cell-by-cell text match gives pandas' rows and missing values, on string
    and object columns, with repeats, empty text and unicode."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from evplan.errors import Problem
    from evplan.scenarios.apply import _matches

    words = st.sampled_from(["CN", "EU", "", "cn", "EU ", "Ünï", "*", "0"])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(words, max_size=12), st.lists(words, min_size=1, max_size=3))
    def check(cells: list[str], values: list[str]) -> None:
        frame = pd.DataFrame({"market": pd.Series(cells, dtype=dtype)})
        frame.attrs["table"] = "markets"
        problems: list[Problem] = []
        hit = np.asarray(_matches(frame, "market", tuple(values), "where", problems))
        expected_hit, missing = _matches_by_pandas(frame["market"], tuple(values))
        assert hit.tolist() == expected_hit.tolist()
        assert [p.message.split("'")[1] for p in problems] == missing

    check()


def test_an_override_removing_a_quota_leaves_its_share_moot(data: NetworkData) -> None:
    """Canada drops its quota on Chinese EVs: the quota_shares row of the group no longer
    applies. It is left out under the override, not refused as the typo it would be in the
    inputs themselves (the second read found this scenario refused)."""
    off = [Patch("duties", where={"origin": ("CN",), "market": ("CA",)},
                 set={"quota_vehicles_per_year": None, "in_quota_rate": None,
                      "quota_group": None})]
    applied = apply(data, off)
    assert not (applied["duties"]["quota_group"] != "").any()
    assert applied["quota_shares"].empty
    assert len(data["quota_shares"]) == 1


def test_entries_that_would_change_nothing_are_refused() -> None:
    """An audit found these accepted: a scenario, override, parameter or Monte Carlo study
    that changes nothing, run as if it were a shock (the base run under another name)."""
    freight = {"routes": {"scale": "freight_usd_per_vehicle"}}
    with pytest.raises(InputError) as error:
        parse_catalog({
            "overrides": {"none": [], "blank": {}, "x2": {
                "routes": {"scale": {"freight_usd_per_vehicle": 2}}}},
            "scenarios": {"empty": []},
            "parameters": {"freight": freight, "nothing": {"routes": {"scale": []}}},
            "montecarlo": {"still": {"parameters": {}}},
        })
    assert messages(error) == [
        "override 'none' patches no table (found []), so it would change nothing. Give "
        "table: patch, e.g. {routes: {scale: {freight_usd_per_vehicle: 2}}}.",
        "override 'blank' patches no table (found {}), so it would change nothing. Give "
        "table: patch, e.g. {routes: {scale: {freight_usd_per_vehicle: 2}}}.",
        "scenario 'empty' lists no override, so it would be the base run under another name. "
        "List its overrides, e.g. [eu-cvd-up, freight-shock].",
        "parameter 'nothing': scale names no column, so the parameter would change nothing. "
        "Name the column(s), e.g. scale: freight_usd_per_vehicle.",
        "montecarlo 'still' varies no parameter, so every sample would be the same case. "
        "Give parameters: {name: {distribution: ...}}.",
    ]


def test_a_parameter_named_like_a_study_column_is_refused() -> None:
    # A parameter 'case' replaced the case numbers of the study's table (the row dict took
    # it after 'case'); 'value' came back as value_x and value_y beside the KPI values.
    freight = {"routes": {"scale": "freight_usd_per_vehicle"}}
    with pytest.raises(InputError) as error:
        parse_catalog({"parameters": {"case": freight, "value": freight, "ok": freight}})
    assert [message.split(":")[0] for message in messages(error)] == [
        "parameter 'case'", "parameter 'value'"]
    assert "Rename the parameter, e.g. 'value-factor'." in messages(error)[1]


def test_a_parameter_takes_cross_border_like_an_override(data: NetworkData) -> None:
    """docs/scenarios.md: on routes, where takes cross_border; a parameter refused it as an
    unknown column. Domestic lanes (19 of 210) scale, cross-border ones keep their freight."""
    catalog = parse_catalog({"parameters": {"domestic-freight": {"routes": {
        "where": {"cross_border": False}, "scale": "freight_usd_per_vehicle"}}}})
    patches = catalog.parameter("domestic-freight").bind(3.0)
    applied = apply_scenario(data, list(patches))
    factor = (applied.data["routes"]["freight_usd_per_vehicle"]
              / data["routes"]["freight_usd_per_vehicle"]).round(12)
    assert factor.value_counts().to_dict() == {1.0: 191, 3.0: 19}
    with pytest.raises(InputError, match="where cross_border = \\['yes'\\] must be true"):
        parse_catalog({"parameters": {"p": {"routes": {
            "where": {"cross_border": "yes"}, "scale": "freight_usd_per_vehicle"}}}})


def test_a_numeric_where_matches_that_number_only(data: NetworkData) -> None:
    """np.isclose's default relative 1e-5 matched a demand volume of 204,290.02 to the row
    holding 204,289.x: an override patched a row the user did not name. Now a value no
    row holds is refused, naming the nearest one; the same number written with a rounding
    difference still matches."""
    demand = data["demand"]
    volume = float(demand["volume_vehicles"].iloc[0])
    near = volume * (1 + 5e-6)
    with pytest.raises(InputError) as error:
        apply(data, [Patch("demand", {"volume_vehicles": (near,)},
                           set={"price_usd_per_vehicle": 30_000.0}, override="near")])
    assert messages(error) == [f"override 'near' (demand): volume_vehicles '{near}' is in no "
                               f"row of demand. The nearest value is {volume:.12g}."]
    same = apply_scenario(data, [Patch("demand", {"volume_vehicles": (volume * (1 + 1e-15),)},
                                       scale={"volume_vehicles": 1.0}, override="same")])
    assert same.overrides[0]["rows"] == (demand.index[
        demand["volume_vehicles"] == volume] + 2).tolist()


def test_a_description_of_no_entry_is_refused() -> None:
    """A description under a misspelt name was kept and shown nowhere."""
    with pytest.raises(InputError) as error:
        parse_catalog({"overrides": {"x2": {"routes": {"scale": {"transit_days": 2}}}},
                       "scenarios": {"shock": ["x2"]},
                       "descriptions": {"shock": "fine", "shok": "typo", "zzz": "?"}})
    assert messages(error) == [
        "descriptions: 'shok' names no entry, so its description would show nowhere. Did "
        "you mean 'shock'?",
        "descriptions: 'zzz' names no entry, so its description would show nowhere. "
        "Describe a name declared above it."]
