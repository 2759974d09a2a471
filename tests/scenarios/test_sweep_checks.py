"""A sweep's first check blames what is wrong (scenarios audit, session 18): a parameter whose
where selects no row was reported as "q = 1 makes the inputs invalid; narrow its values"
(every value fails; the parameter is to fix), and a broken --scenario as its first value."""

from __future__ import annotations

import pytest

import evplan
from evplan.errors import InputError
from evplan.scenarios import run_sweep
from evplan.scenarios.overrides import parse_catalog

CATALOG = parse_catalog({
    "overrides": {"broken": {"duties": {"where": {"origin": "CN", "market": "XX"},
                                        "set": {"ad_valorem_rate": 0.5}}}},
    "parameters": {
        "rate": {"duties": {"where": {"origin": "CN", "market": "EU"}, "set": "ad_valorem_rate"}},
        "nowhere": {"routes": {"where": {"plant": "CN-XX"}, "scale": "freight_usd_per_vehicle"}},
    }})


@pytest.fixture(scope="module")
def data() -> evplan.NetworkData:
    return evplan.examples.china_export()


def _messages(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [problem.message for problem in error.value.problems]


def test_a_parameter_that_selects_no_row_is_the_parameter_to_fix(data: evplan.NetworkData
                                                                  ) -> None:
    with pytest.raises(InputError) as error:
        run_sweep({"nowhere": [1.0, 2.0]}, data, catalog=CATALOG)
    first, second = _messages(error)
    assert first == ("sweep: parameter 'nowhere' cannot be applied at any value; fix its where "
                     "or from_year.")
    assert "plant 'CN-XX' is in no row of routes" in second


def test_a_bad_value_is_still_the_value(data: evplan.NetworkData) -> None:
    with pytest.raises(InputError) as error:
        run_sweep({"rate": [0.1, -0.5]}, data, catalog=CATALOG)
    assert _messages(error)[0] == "sweep: rate = -0.5 makes the inputs invalid; narrow its values."


def test_a_broken_scenario_is_reported_as_itself(data: evplan.NetworkData) -> None:
    with pytest.raises(InputError) as error:
        run_sweep({"rate": [0.1, 0.2]}, data, scenario="broken", catalog=CATALOG)
    (message,) = _messages(error)
    assert message.startswith("override 'broken' (duties): market 'XX' is in no row of duties")
